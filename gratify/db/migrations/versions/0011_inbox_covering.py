"""inbox covering: every inbox index of case_keys carries every column the inbox tests

Without statistics, SQLite counts a filtered inbox (``kind=broker&agency=...``) along
the status index, which gives the GROUP BY its order; that index lacked the kind and
agency, so each of the unit's 50,000 key rows was read from the table: 165 ms warm,
seconds cold, at 1,000,000 cases (bench/RESULTS.md, "Inbox at 1,000,000 cases"). Each
index now covers the filters, whichever the planner picks.

Revision ID: 0011_inbox_covering
Revises: 0010_outbox
Create Date: 2026-11-23 16:55:00
"""

from __future__ import annotations

from alembic import op

revision = "0011_inbox_covering"
down_revision = "0010_outbox"
branch_labels = None
depends_on = None

USER_UNIT = ["user_id", "unit_id"]


def upgrade() -> None:
    with op.batch_alter_table("case_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_case_keys_inbox_status")
        batch_op.create_index(
            "ix_case_keys_inbox_status",
            [*USER_UNIT, "status", "received_on", "case_id", "kind", "agency_id", "due_on"],
            unique=False,
        )
        batch_op.drop_index("ix_case_keys_inbox_due")
        batch_op.create_index(
            "ix_case_keys_inbox_due",
            [*USER_UNIT, "due_on", "case_id", "status", "kind", "agency_id", "received_on"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("case_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_case_keys_inbox_due")
        batch_op.create_index("ix_case_keys_inbox_due", [*USER_UNIT, "due_on", "case_id"])
        batch_op.drop_index("ix_case_keys_inbox_status")
        batch_op.create_index(
            "ix_case_keys_inbox_status", [*USER_UNIT, "status", "received_on", "case_id"]
        )
