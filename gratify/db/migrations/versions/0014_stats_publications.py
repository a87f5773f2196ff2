"""stats publications: each month's suppressed publication, stored

Suppressing a month at 1,000,000 cases takes about 100-150 ms, and every worker did it on
its first request for the month (part of the 5 s of the first request after a restart).
The table keeps each month's published cells and totals with the fingerprint of the
counts they came from; requests read it, and a background job refreshes the months whose
counts changed.

Revision ID: 0014_stats_publications
Revises: 0013_inbox_by_kind
Create Date: 2026-11-23 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_stats_publications"
down_revision = "0013_inbox_by_kind"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stats_publications",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("published", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("month", "k", name=op.f("pk_stats_publications")),
    )


def downgrade() -> None:
    op.drop_table("stats_publications")
