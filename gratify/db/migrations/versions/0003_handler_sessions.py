"""handler sessions; TOTP secret and last accepted step of users

Revision ID: 0003_handler_sessions
Revises: 0002_intake
Create Date: 2026-11-23 14:33:28.253319
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_handler_sessions"
down_revision = "0002_intake"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handler_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=False),
        sa.Column("idle_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_handler_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_handler_sessions")),
    )
    with op.batch_alter_table("handler_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_handler_sessions_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_handler_sessions_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_secret")

    with op.batch_alter_table("handler_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handler_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_handler_sessions_expires_at"))

    op.drop_table("handler_sessions")
