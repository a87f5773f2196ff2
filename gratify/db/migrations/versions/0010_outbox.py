"""mail outbox (issue 7): mails to send and deadline reminders queued

Revision ID: 0010_outbox
Revises: 0009_stats
Create Date: 2026-11-23 16:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_outbox"
down_revision = "0009_stats"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("template", sa.String(length=32), nullable=False),
        sa.Column("batch_key", sa.String(length=64), nullable=True),
        sa.Column("new_cases", sa.Integer(), nullable=False),
        sa.Column("replies", sa.Integer(), nullable=False),
        sa.Column("due_soon", sa.Integer(), nullable=False),
        sa.Column("missed", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim", sa.String(length=32), nullable=True),
        sa.Column("last_error", sa.String(length=64), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_mail_outbox_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_mail_outbox_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_mail_outbox_due", ["status", "not_before"], unique=False)
        batch_op.create_index("ix_mail_outbox_batch_key", ["batch_key", "not_before"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_outbox_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            "uq_mail_outbox_gathering",
            ["batch_key"],
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )
    op.create_table(
        "deadline_reminders",
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_deadline_reminders_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "due_on", "kind", name=op.f("pk_deadline_reminders")),
    )


def downgrade() -> None:
    op.drop_table("deadline_reminders")
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_index("uq_mail_outbox_gathering")
        batch_op.drop_index(batch_op.f("ix_mail_outbox_tenant_id"))
        batch_op.drop_index("ix_mail_outbox_batch_key")
        batch_op.drop_index("ix_mail_outbox_due")
    op.drop_table("mail_outbox")
