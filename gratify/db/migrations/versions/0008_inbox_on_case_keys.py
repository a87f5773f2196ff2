"""inbox on case keys: each holder's key row carries the case's inbox columns

The right to see a case is a key row (`case_keys`), the inbox's columns (unit, status,
dates, kind, agency) are on `cases`: no index spans both, so every listing matched the
whole unit against the user's keys (about 1 µs a case, 50 ms at 50,000 cases). Copying
the inbox's columns onto each key row makes a handler's inbox one index range
(bench/RESULTS.md, "Inbox at 1,000,000 cases").

The copy is kept by the database, not by each service that files, moves, grants or
re-grants: a key row takes the case's columns when it is written, and a change to a
case's columns is copied to all its key rows in the same statement, so no code path can
leave an inbox stale.

Revision ID: 0008_inbox_on_case_keys
Revises: 0007_inbox_indexes
Create Date: 2026-11-23 16:10:00
"""

# The statements are built from the constant column names below, never from input.
# ruff: noqa: S608

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_inbox_on_case_keys"
down_revision = "0007_inbox_indexes"
branch_labels = None
depends_on = None

COPIED = ("unit_id", "status", "received_on", "kind", "agency_id", "due_on")
_LIST = ", ".join(COPIED)
_NEW = ", ".join(f"NEW.{c}" for c in COPIED)
_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in COPIED)
_CHANGED_SQLITE = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in COPIED)

SQLITE_TRIGGERS = (
    f"""
    CREATE TRIGGER case_keys_take_inbox AFTER INSERT ON case_keys
    WHEN NEW.status IS NULL
    BEGIN
        UPDATE case_keys SET ({_LIST}) = (SELECT {_LIST} FROM cases WHERE id = NEW.case_id)
        WHERE id = NEW.id;
    END
    """,
    f"""
    CREATE TRIGGER cases_give_inbox AFTER UPDATE OF {_LIST} ON cases
    WHEN {_CHANGED_SQLITE}
    BEGIN
        UPDATE case_keys SET ({_LIST}) = ({_NEW}) WHERE case_id = NEW.id;
    END
    """,
)

POSTGRESQL_TRIGGERS = (
    f"""
    CREATE FUNCTION case_keys_take_inbox() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        SELECT {_LIST} INTO {", ".join(f"NEW.{c}" for c in COPIED)}
        FROM cases WHERE id = NEW.case_id;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER case_keys_take_inbox BEFORE INSERT ON case_keys
    FOR EACH ROW WHEN (NEW.status IS NULL) EXECUTE FUNCTION case_keys_take_inbox()
    """,
    f"""
    CREATE FUNCTION cases_give_inbox() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE case_keys SET ({_LIST}) = ({_NEW}) WHERE case_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE TRIGGER cases_give_inbox AFTER UPDATE OF {_LIST} ON cases
    FOR EACH ROW WHEN ({_CHANGED}) EXECUTE FUNCTION cases_give_inbox()
    """,
)


def upgrade() -> None:
    with op.batch_alter_table("case_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("status", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("received_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("kind", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("agency_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))
    op.execute(
        f"UPDATE case_keys SET ({_LIST}) = "
        f"(SELECT {_LIST} FROM cases WHERE cases.id = case_keys.case_id)"
    )
    with op.batch_alter_table("case_keys", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_keys_inbox_received",
            ["user_id", "unit_id", "received_on", "case_id", "status", "kind", "agency_id",
             "due_on"],
            unique=False,
        )  # fmt: skip
        batch_op.create_index(
            "ix_case_keys_inbox_status",
            ["user_id", "unit_id", "status", "received_on", "case_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_case_keys_inbox_due",
            ["user_id", "unit_id", "due_on", "case_id"],
            unique=False,
        )
    triggers = SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else POSTGRESQL_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS cases_give_inbox" + _on("cases"))
    op.execute("DROP TRIGGER IF EXISTS case_keys_take_inbox" + _on("case_keys"))
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS cases_give_inbox()")
        op.execute("DROP FUNCTION IF EXISTS case_keys_take_inbox()")
    with op.batch_alter_table("case_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_case_keys_inbox_due")
        batch_op.drop_index("ix_case_keys_inbox_status")
        batch_op.drop_index("ix_case_keys_inbox_received")
        for column in reversed(COPIED):
            batch_op.drop_column(column)


def _on(table: str) -> str:
    return "" if op.get_bind().dialect.name == "sqlite" else f" ON {table}"
