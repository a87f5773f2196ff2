"""Bring a database to the head of the migrations; write a new migration (for developers).

`python -m gratify.db.migrate revision "what changed"` compares the models with a fresh
SQLite database migrated to head and writes the difference as a new revision file.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from gratify.db.engine import create_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, built in code: there is no alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def upgrade_to_head(engine: AsyncEngine) -> None:
    """Apply every migration the database lacks, in one transaction."""

    def upgrade(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), "head")

    async with engine.execution_options(gratify_write=True).begin() as conn:
        await conn.run_sync(upgrade)


async def write_revision(message: str) -> None:
    """Autogenerate a revision from the difference between the models and head."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp}/rev.sqlite3")
        try:
            await upgrade_to_head(engine)

            def revise(connection: Connection) -> None:
                command.revision(alembic_config(connection), message=message, autogenerate=True)

            async with engine.begin() as conn:
                await conn.run_sync(revise)
        finally:
            await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m gratify.db.migrate")
    sub = parser.add_subparsers(dest="command", required=True)
    rev = sub.add_parser("revision", help="write a new migration from the models")
    rev.add_argument("message")
    args = parser.parse_args()
    asyncio.run(write_revision(args.message))


if __name__ == "__main__":
    main()
