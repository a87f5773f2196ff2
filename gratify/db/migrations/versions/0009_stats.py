"""public statistics aggregates (issue 6)

Revision ID: 0009_stats
Revises: 0008_inbox_on_case_keys
Create Date: 2026-11-23 16:25:00
"""

from __future__ import annotations

revision = "0009_stats"
down_revision = "0008_inbox_on_case_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
