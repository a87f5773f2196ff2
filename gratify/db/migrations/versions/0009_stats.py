"""public statistics aggregates (issue 6)

Counter rows for the public statistics (`gratify.stats.models`), kept by the database in
the same transaction as the change that moves them, as 0008 keeps the inbox copy:

* ``stats_cells``: a case counts once, under the month it was received and its metadata
  now; filing adds one, a change of status (or outcome, bracket, agency...) moves it.
* ``stats_due``: open cases by due date, for the overdue share on any day.
* ``stats_durations``: from the transitions, the day received and the day a milestone was
  reached (left ``received``, left ``acknowledged``, forwarded to KPK, closed).
* ``stats_ratings`` and ``case_ratings``: the reporters' ratings (written by the app).

Existing cases and transitions are counted by the upgrade (backfill).

Revision ID: 0009_stats
Revises: 0008_inbox_on_case_keys
Create Date: 2026-11-23 16:25:00
"""

# The statements are built from the constant column names below, never from input.
# ruff: noqa: S608

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_stats"
down_revision = "0008_inbox_on_case_keys"
branch_labels = None
depends_on = None

CELL_KEY = (
    "tenant_id",
    "month",
    "kind",
    "agency_id",
    "service_id",
    "status",
    "value_bracket",
    "kpk_outcome",
)
DUE_KEY = ("tenant_id", "month", "kind", "agency_id", "due_on")
DURATION_KEY = ("tenant_id", "kind", "agency_id", "measure", "start_on", "end_on")
# The cases columns the cells and the due rows are made of.
WATCHED = (
    "tenant_id",
    "received_on",
    "kind",
    "agency_id",
    "service_id",
    "status",
    "value_bracket",
    "kpk_outcome",
    "due_on",
)
FINAL = "closed"


def _month(row: str, sqlite: bool) -> str:
    return f"substr({row}received_on, 1, 7)" if sqlite else f"to_char({row}received_on, 'YYYY-MM')"


def _cell_values(row: str, sqlite: bool) -> str:
    return (
        f"{row}tenant_id, {_month(row, sqlite)}, {row}kind, coalesce({row}agency_id, 0), "
        f"coalesce({row}service_id, 0), {row}status, coalesce({row}value_bracket, ''), "
        f"coalesce({row}kpk_outcome, '')"
    )


def _due_values(row: str, sqlite: bool) -> str:
    return (
        f"{row}tenant_id, {_month(row, sqlite)}, {row}kind, coalesce({row}agency_id, 0), "
        f"{row}due_on"
    )


def _is_open(row: str) -> str:
    return f"{row}due_on IS NOT NULL AND {row}status <> '{FINAL}'"


def _add(table: str, key: tuple[str, ...], values: str, where: str = "") -> str:
    condition = f" WHERE {where}" if where else " WHERE 1 = 1"
    return (
        f"INSERT INTO {table} ({', '.join(key)}, n) SELECT {values}, 1{condition} "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET n = {table}.n + 1;"
    )


def _remove(table: str, key: tuple[str, ...], values: str, where: str = "") -> str:
    match = f"({', '.join(key)}) = ({values})"
    extra = f" AND {where}" if where else ""
    return f"UPDATE {table} SET n = n - 1 WHERE {match}{extra};"


def _durations(sqlite: bool, new: str) -> str:
    measures = " UNION ALL ".join(
        f"SELECT '{name}' AS measure WHERE {condition}"
        for name, condition in (
            ("acknowledged", f"{new}from_status = 'received'"),
            ("responded", f"{new}from_status = 'acknowledged'"),
            ("forwarded_to_kpk", f"{new}to_status = 'forwarded_to_kpk'"),
            ("closed", f"{new}to_status = '{FINAL}'"),
        )
    )
    return (
        f"INSERT INTO stats_durations ({', '.join(DURATION_KEY)}, n) "
        f"SELECT c.tenant_id, c.kind, coalesce(c.agency_id, 0), m.measure, c.received_on, "
        f'{new}"on", 1 FROM cases c JOIN ({measures}) m ON 1 = 1 WHERE c.id = {new}case_id '
        f"ON CONFLICT ({', '.join(DURATION_KEY)}) DO UPDATE SET n = stats_durations.n + 1;"
    )


def _sqlite_triggers() -> tuple[str, ...]:
    new, old = "NEW.", "OLD."
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in WATCHED)
    return (
        f"""
        CREATE TRIGGER stats_case_filed AFTER INSERT ON cases
        BEGIN
            {_add("stats_cells", CELL_KEY, _cell_values(new, True))}
            {_add("stats_due", DUE_KEY, _due_values(new, True), _is_open(new))}
        END
        """,
        f"""
        CREATE TRIGGER stats_case_changed AFTER UPDATE OF {", ".join(WATCHED)} ON cases
        WHEN {changed}
        BEGIN
            {_remove("stats_cells", CELL_KEY, _cell_values(old, True))}
            {_add("stats_cells", CELL_KEY, _cell_values(new, True))}
            {_remove("stats_due", DUE_KEY, _due_values(old, True), _is_open(old))}
            {_add("stats_due", DUE_KEY, _due_values(new, True), _is_open(new))}
        END
        """,
        f"""
        CREATE TRIGGER stats_case_deleted AFTER DELETE ON cases
        BEGIN
            {_remove("stats_cells", CELL_KEY, _cell_values(old, True))}
            {_remove("stats_due", DUE_KEY, _due_values(old, True), _is_open(old))}
        END
        """,
        f"""
        CREATE TRIGGER stats_transition AFTER INSERT ON case_transitions
        BEGIN
            {_durations(True, new)}
        END
        """,
    )


def _postgresql_triggers() -> tuple[str, ...]:
    new, old = "NEW.", "OLD."
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in WATCHED)
    return (
        f"""
        CREATE FUNCTION stats_case_kept() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                {_remove("stats_cells", CELL_KEY, _cell_values(old, False))}
                {_remove("stats_due", DUE_KEY, _due_values(old, False), _is_open(old))}
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                {_add("stats_cells", CELL_KEY, _cell_values(new, False))}
                {_add("stats_due", DUE_KEY, _due_values(new, False), _is_open(new))}
            END IF;
            RETURN NULL;
        END $$
        """,
        "CREATE TRIGGER stats_case_filed AFTER INSERT ON cases "
        "FOR EACH ROW EXECUTE FUNCTION stats_case_kept()",
        f"CREATE TRIGGER stats_case_changed AFTER UPDATE OF {', '.join(WATCHED)} ON cases "
        f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION stats_case_kept()",
        "CREATE TRIGGER stats_case_deleted AFTER DELETE ON cases "
        "FOR EACH ROW EXECUTE FUNCTION stats_case_kept()",
        f"""
        CREATE FUNCTION stats_transition() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {_durations(False, new)}
            RETURN NULL;
        END $$
        """,
        "CREATE TRIGGER stats_transition AFTER INSERT ON case_transitions "
        "FOR EACH ROW EXECUTE FUNCTION stats_transition()",
    )


def _backfill(sqlite: bool) -> tuple[str, ...]:
    cells = _cell_values("", sqlite)
    due = _due_values("", sqlite)
    groups = ", ".join(str(i) for i in range(1, len(CELL_KEY) + 1))
    due_groups = ", ".join(str(i) for i in range(1, len(DUE_KEY) + 1))
    measures = " UNION ALL ".join(
        f"SELECT t.case_id, '{name}' AS measure, t.\"on\" AS end_on "
        f"FROM case_transitions t WHERE {condition}"
        for name, condition in (
            ("acknowledged", "t.from_status = 'received'"),
            ("responded", "t.from_status = 'acknowledged'"),
            ("forwarded_to_kpk", "t.to_status = 'forwarded_to_kpk'"),
            ("closed", f"t.to_status = '{FINAL}'"),
        )
    )
    return (
        f"INSERT INTO stats_cells ({', '.join(CELL_KEY)}, n) "
        f"SELECT {cells}, count(*) FROM cases GROUP BY {groups}",
        f"INSERT INTO stats_due ({', '.join(DUE_KEY)}, n) "
        f"SELECT {due}, count(*) FROM cases WHERE {_is_open('')} GROUP BY {due_groups}",
        f"INSERT INTO stats_durations ({', '.join(DURATION_KEY)}, n) "
        f"SELECT c.tenant_id, c.kind, coalesce(c.agency_id, 0), m.measure, c.received_on, "
        f"m.end_on, count(*) FROM cases c JOIN ({measures}) m ON m.case_id = c.id "
        f"GROUP BY c.tenant_id, c.kind, coalesce(c.agency_id, 0), m.measure, c.received_on, "
        f"m.end_on",
    )


def _tenant() -> sa.Column[int]:
    return sa.Column("tenant_id", sa.Integer(), nullable=False)


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"],
        ["tenants.id"],
        name=op.f(f"fk_{table}_tenant_id_tenants"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "stats_cells",
        _tenant(),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("value_bracket", sa.String(length=32), nullable=False),
        sa.Column("kpk_outcome", sa.String(length=32), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        _tenant_fk("stats_cells"),
        sa.PrimaryKeyConstraint(*CELL_KEY, name=op.f("pk_stats_cells")),
    )
    op.create_index("ix_stats_cells_month", "stats_cells", ["month"], unique=False)
    op.create_table(
        "stats_due",
        _tenant(),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        _tenant_fk("stats_due"),
        sa.PrimaryKeyConstraint(*DUE_KEY, name=op.f("pk_stats_due")),
    )
    op.create_table(
        "stats_durations",
        _tenant(),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=32), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        _tenant_fk("stats_durations"),
        sa.PrimaryKeyConstraint(*DURATION_KEY, name=op.f("pk_stats_durations")),
    )
    op.create_table(
        "stats_ratings",
        _tenant(),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        _tenant_fk("stats_ratings"),
        sa.PrimaryKeyConstraint(
            "tenant_id", "month", "kind", "agency_id", "question", "score",
            name=op.f("pk_stats_ratings"),
        ),
    )  # fmt: skip
    op.create_table(
        "case_ratings",
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_ratings_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_ratings")),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _backfill(sqlite):
        op.execute(statement)
    for statement in _sqlite_triggers() if sqlite else _postgresql_triggers():
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for trigger, table in (
        ("stats_transition", "case_transitions"),
        ("stats_case_deleted", "cases"),
        ("stats_case_changed", "cases"),
        ("stats_case_filed", "cases"),
    ):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}" + ("" if sqlite else f" ON {table}"))
    if not sqlite:
        op.execute("DROP FUNCTION IF EXISTS stats_transition()")
        op.execute("DROP FUNCTION IF EXISTS stats_case_kept()")
    op.drop_table("case_ratings")
    op.drop_table("stats_ratings")
    op.drop_table("stats_durations")
    op.drop_table("stats_due")
    op.drop_index("ix_stats_cells_month", table_name="stats_cells")
    op.drop_table("stats_cells")
