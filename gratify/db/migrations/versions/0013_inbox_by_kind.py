"""inbox by kind: a handler's inbox filtered by kind (and agency) is one range of its own

With only the received-date, status and due-date indexes, ``kind=broker&agency=...``
walked all of a unit's 50,000 entries for the counts and 45,000 of them for page 500,
skipping those of other kinds and agencies: 53 ms at 1,000,000 cases, over the 50 ms
goal (bench/RESULTS.md, "Inbox at 1,000,000 cases"). This index makes both a range of
the matching entries.

Revision ID: 0013_inbox_by_kind
Revises: 0012_inbox_statistics
Create Date: 2026-11-23 17:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0013_inbox_by_kind"
down_revision = "0012_inbox_statistics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_keys", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_keys_inbox_kind",
            ["user_id", "unit_id", "kind", "agency_id", "received_on", "case_id", "status",
             "due_on"],
            unique=False,
        )  # fmt: skip
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE case_keys")


def downgrade() -> None:
    with op.batch_alter_table("case_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_case_keys_inbox_kind")
