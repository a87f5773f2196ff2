"""The aggregates follow the cases: filing, transitions, the migration's backfill
(both engines)."""

from __future__ import annotations

import datetime as dt

from alembic import command
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from gratify.cases.service import transition_case
from gratify.db.engine import create_engine
from gratify.db.migrate import alembic_config
from gratify.intake.models import Case
from gratify.intake.service import IntakeContext, ReportDraft, file_report
from gratify.settings import Settings
from gratify.stats.models import StatsCell, StatsDue, StatsDuration
from tests.cases.conftest import ActorFor
from tests.conftest import add_demo_staff, intake_context

NOW = dt.datetime(2025, 3, 12, 3, 0, tzinfo=dt.UTC)
TODAY = dt.date(2025, 3, 12)

BROKER = ReportDraft(
    "broker",
    "disdukcapil",
    {
        "service": "ktp-el",
        "occurred_on": "2025-03-10",
        "time_window": "08-10",
        "officer_involved": "yes",
        "what_happened": "Petugas loket 2 meminta Rp200.000.",
    },
)


async def _cells(ctx: IntakeContext) -> dict[tuple[object, ...], int]:
    async with ctx.db.reading() as session:
        rows = await session.execute(
            select(StatsCell.month, StatsCell.kind, StatsCell.status, func.sum(StatsCell.n))
            .where(StatsCell.month == "2025-03", StatsCell.kind == "broker")
            .group_by(StatsCell.month, StatsCell.kind, StatsCell.status)
        )
        return {(m, k, s): int(n) for m, k, s, n in rows}


async def _from_cases(ctx: IntakeContext) -> dict[tuple[object, ...], int]:
    """The cells recounted from the cases themselves."""
    async with ctx.db.reading() as session:
        cells = await session.execute(
            select(
                StatsCell.tenant_id, StatsCell.month, StatsCell.kind, StatsCell.agency_id,
                StatsCell.service_id, StatsCell.status, StatsCell.value_bracket,
                StatsCell.kpk_outcome, StatsCell.n,
            ).where(StatsCell.n != 0)
        )  # fmt: skip
        kept = {tuple(row[:-1]): row[-1] for row in cells}
        cases = await session.execute(
            select(
                Case.tenant_id, Case.received_on, Case.kind, Case.agency_id, Case.service_id,
                Case.status, Case.value_bracket, Case.kpk_outcome,
            )
        )  # fmt: skip
        counted: dict[tuple[object, ...], int] = {}
        for t, received, kind, agency, service, status, bracket, outcome in cases:
            key = (
                t, received.isoformat()[:7], kind, agency or 0, service or 0, status,
                bracket or "", outcome or "",
            )  # fmt: skip
            counted[key] = counted.get(key, 0) + 1
    assert kept == counted
    return kept


async def test_filing_and_moving_a_case_move_its_count(ctx: IntakeContext, actor: ActorFor) -> None:
    before = await _cells(ctx)
    filed = await file_report(ctx, "metro", BROKER, now=NOW)
    after = await _cells(ctx)
    assert after.get(("2025-03", "broker", "received"), 0) == (
        before.get(("2025-03", "broker", "received"), 0) + 1
    )
    async with ctx.db.reading() as session:
        case = await session.scalar(select(Case).where(Case.case_number == filed.case_number))
        assert case is not None
        due = await session.scalar(
            select(func.sum(StatsDue.n)).where(
                StatsDue.month == "2025-03", StatsDue.due_on == case.due_on
            )
        )
        assert due is not None
        assert due >= 1
    handler = await actor("metro", "inspektorat-handler")
    moved_on = dt.datetime(2025, 3, 14, 3, 0, tzinfo=dt.UTC)
    await transition_case(
        ctx, handler, case.id, "acknowledged", "diterima", {}, now=moved_on, today=moved_on.date()
    )
    moved = await _cells(ctx)
    assert moved.get(("2025-03", "broker", "received"), 0) == before.get(
        ("2025-03", "broker", "received"), 0
    )
    assert moved[("2025-03", "broker", "acknowledged")] == (
        before.get(("2025-03", "broker", "acknowledged"), 0) + 1
    )
    async with ctx.db.reading() as session:
        milestone = await session.scalar(
            select(StatsDuration.n).where(
                StatsDuration.measure == "acknowledged",
                StatsDuration.kind == "broker",
                StatsDuration.start_on == dt.date(2025, 3, 12),
                StatsDuration.end_on == dt.date(2025, 3, 14),
            )
        )
    assert milestone is not None
    assert milestone >= 1
    await _from_cases(ctx)


async def _migrate(settings: Settings, revision: str, down: bool = False) -> None:
    engine = create_engine(settings.resolved_database_url)

    def move(connection: Connection) -> None:
        config = alembic_config(connection)
        (command.downgrade if down else command.upgrade)(config, revision)

    try:
        async with engine.execution_options(gratify_write=True).begin() as conn:
            await conn.run_sync(move)
    finally:
        await engine.dispose()


async def test_the_migration_counts_the_cases_already_there(installed: Settings) -> None:
    """Down to 0008 and up again: the backfill gives what the triggers kept."""
    await add_demo_staff(installed)
    async with intake_context(installed) as ctx:
        for _ in range(3):
            await file_report(ctx, "metro", BROKER, now=NOW)
        kept = await _from_cases(ctx)
    await _migrate(installed, "0008_inbox_on_case_keys", down=True)
    engine = create_engine(installed.resolved_database_url)
    async with engine.connect() as conn:
        tables = await conn.run_sync(
            lambda c: set(c.execute(text("SELECT name FROM sqlite_master")).scalars())
        )
    await engine.dispose()
    assert "stats_cells" not in tables
    await _migrate(installed, "head")
    async with intake_context(installed) as ctx:
        assert await _from_cases(ctx) == kept
