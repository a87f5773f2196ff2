"""casework

Revision ID: 0004_casework
Revises: 0003_handler_sessions
Create Date: 2026-11-23 14:33:38.905281
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_casework"
down_revision = "0003_handler_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_case_notes_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_notes_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notes")),
    )
    with op.batch_alter_table("case_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_notes_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=False),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_case_transitions_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_transitions_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_transitions")),
    )
    with op.batch_alter_table("case_transitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_transitions_case_id"), ["case_id"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_since", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("assigned_to", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("kpk_outcome", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("closing_reason", sa.String(length=32), nullable=True))
        batch_op.create_index(
            "ix_cases_unit_received", ["unit_id", "received_on", "id"], unique=False
        )
        batch_op.create_index(
            "ix_cases_unit_status_received",
            ["unit_id", "status", "received_on", "id"],
            unique=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_assigned_to_users"),
            "users",
            ["assigned_to"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cases_assigned_to_users"), type_="foreignkey")
        batch_op.drop_index("ix_cases_unit_status_received")
        batch_op.drop_index("ix_cases_unit_received")
        batch_op.drop_column("closing_reason")
        batch_op.drop_column("kpk_outcome")
        batch_op.drop_column("assigned_to")
        batch_op.drop_column("status_since")

    with op.batch_alter_table("case_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_transitions_case_id"))

    op.drop_table("case_transitions")
    with op.batch_alter_table("case_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_notes_case_id"))

    op.drop_table("case_notes")
