"""inbox statistics: PostgreSQL learns that a key holder's unit follows from the holder

A handler's key rows are nearly all of their own unit, but PostgreSQL estimates
``user_id = ? AND unit_id = ?`` as if the two were independent: 1,259 rows for 49,974 at
1,000,000 cases. Expecting few rows, it sorted a whole inbox for page 500 (63 ms)
instead of walking the received-date index backwards (4 ms; bench/RESULTS.md, "Inbox
at 1,000,000 cases"). Functional-dependency statistics correct the estimate. SQLite
has no such statistics and walks the index already.

Revision ID: 0012_inbox_statistics
Revises: 0011_inbox_covering
Create Date: 2026-11-23 17:35:00
"""

from __future__ import annotations

from alembic import op

revision = "0012_inbox_statistics"
down_revision = "0011_inbox_covering"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE STATISTICS IF NOT EXISTS case_keys_user_unit (dependencies) "
            "ON user_id, unit_id FROM case_keys"
        )
        op.execute("ANALYZE case_keys")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS case_keys_user_unit")
