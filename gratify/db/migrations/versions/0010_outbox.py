"""mail outbox (issue 7)

Revision ID: 0010_outbox
Revises: 0009_stats
Create Date: 2026-11-23 16:25:00
"""

from __future__ import annotations

revision = "0010_outbox"
down_revision = "0009_stats"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
