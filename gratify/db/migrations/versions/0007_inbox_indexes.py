"""inbox indexes: a unit's inbox and its counts from indexes alone (bench/inbox.py)

The unit's two inbox indexes also carry the columns the inbox filters test (status, kind,
agency, due date), and a user's keys are indexed by user then case, so the inbox counts
its cases against the user's keys as one set. Measured at 1,000,000 cases, 50,000 in the
unit: bench/RESULTS.md, "Inbox at 1,000,000 cases".

Revision ID: 0007_inbox_indexes
Revises: 0006_audit
Create Date: 2026-11-23 15:20:48.664333
"""

from __future__ import annotations

from alembic import op

revision = "0007_inbox_indexes"
down_revision = "0006_audit"
branch_labels = None
depends_on = None

FILTERED = ["kind", "agency_id", "due_on"]


def upgrade() -> None:
    with op.batch_alter_table("case_keys", schema=None) as batch_op:
        batch_op.create_index("ix_case_keys_user_case", ["user_id", "case_id"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_unit_received")
        batch_op.create_index(
            "ix_cases_unit_received",
            ["unit_id", "received_on", "id", "status", *FILTERED],
            unique=False,
        )
        batch_op.drop_index("ix_cases_unit_status_received")
        batch_op.create_index(
            "ix_cases_unit_status_received",
            ["unit_id", "status", "received_on", "id", *FILTERED],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_unit_status_received")
        batch_op.create_index(
            "ix_cases_unit_status_received",
            ["unit_id", "status", "received_on", "id"],
            unique=False,
        )
        batch_op.drop_index("ix_cases_unit_received")
        batch_op.create_index(
            "ix_cases_unit_received", ["unit_id", "received_on", "id"], unique=False
        )

    with op.batch_alter_table("case_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_case_keys_user_case")
