"""Alembic environment: always run on a connection handed over by `gratify.db.migrate`."""

from __future__ import annotations

from alembic import context

from gratify.db.registry import all_metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `gratify migrate`, not the alembic command")

context.configure(
    connection=connection,
    target_metadata=all_metadata(),
    render_as_batch=True,  # SQLite can only change a table by rebuilding it
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
