"""Stored publications (both engines): the refresh job stores each month's suppressed
publication, a change of the month's counts makes it stale until the job or the next
request suppresses it again, concurrent refreshes agree, and a restarted app serves
from the stored publication without suppressing anything."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping

from sqlalchemy import select

from gratify.app import create_app
from gratify.db.engine import Database
from gratify.intake.service import IntakeContext, ReportDraft, file_report
from gratify.settings import Settings
from gratify.stats import aggregates, stored
from gratify.stats.models import StatsPublication
from gratify.stats.publication import MonthFigures, publish_counts
from gratify.stats.service import Period, StatisticsService
from gratify.stats.suppression import Key
from tests.conftest import http_client, running

K = 5


def _at(year: int, month: int) -> dt.datetime:
    return dt.datetime(year, month, 15, 3, 0, tzinfo=dt.UTC)


async def _file_month(ctx: IntakeContext, now: dt.datetime) -> None:
    """Metro, the month of `now`: 7 broker reports at the registry, 2 at the one-stop
    office (each test its own month: the installation is shared)."""
    for agency, service, n in (("disdukcapil", "ktp-el", 7), ("dpmptsp", "nib", 2)):
        answers = {
            "service": service,
            "occurred_on": now.date().replace(day=1).isoformat(),
            "time_window": "08-10",
            "officer_involved": "yes",
            "what_happened": "Calo di loket meminta Rp300.000.",
        }
        for _ in range(n):
            await file_report(ctx, "metro", ReportDraft("broker", agency, answers), now=now)


async def _row(db: Database, month: str) -> tuple[str, str] | None:
    async with db.reading() as session:
        p = StatsPublication
        row = (
            await session.execute(
                select(p.fingerprint, p.published).where(p.month == month, p.k == K)
            )
        ).one_or_none()
    return None if row is None else (row[0], row[1])


async def _counts(db: Database, month: str) -> dict[Key, int]:
    async with db.reading() as session:
        names = await aggregates.load_names(session)
        return (await aggregates.load_detail(session, names, month, month)).get(month, {})


class Counting:
    """`publish_counts`, counting its calls: the injected hook of the service and job."""

    def __init__(self) -> None:
        self.months: list[str] = []

    def __call__(self, month: str, counts: Mapping[Key, int], k: int) -> MonthFigures:
        self.months.append(month)
        return publish_counts(month, counts, k)


async def test_the_job_stores_and_refreshes_changed_months(ctx: IntakeContext) -> None:
    await _file_month(ctx, _at(2023, 8))
    await stored.refresh(ctx.db, K)
    counts = await _counts(ctx.db, "2023-08")
    row = await _row(ctx.db, "2023-08")
    assert row is not None
    assert row[0] == stored.fingerprint(counts, K)
    assert stored.decode("2023-08", row[1]) == publish_counts("2023-08", counts, K)

    # Nothing changed: nothing is suppressed again.
    hook = Counting()
    assert await stored.refresh(ctx.db, K, hook) == []
    assert hook.months == []

    # A new case in August: the stored month is stale, the job suppresses it (only it).
    await _file_month(ctx, _at(2023, 8))
    changed = await _counts(ctx.db, "2023-08")
    assert (await _row(ctx.db, "2023-08") or ("", ""))[0] != stored.fingerprint(changed, K)
    assert "2023-08" in await stored.refresh(ctx.db, K, hook)
    assert "2023-08" in hook.months
    row = await _row(ctx.db, "2023-08")
    assert row is not None
    assert row[0] == stored.fingerprint(changed, K)
    assert stored.decode("2023-08", row[1]) == publish_counts("2023-08", changed, K)


async def test_a_request_refreshes_a_stale_month(ctx: IntakeContext) -> None:
    await _file_month(ctx, _at(2023, 10))
    await stored.refresh(ctx.db, K)
    await _file_month(ctx, _at(2023, 10))  # stale now; no job runs
    service = StatisticsService(ctx.db, K, lambda: dt.date(2026, 11, 23))
    hook = Counting()
    service.publish = hook
    report = await service.statistics("metro", Period("2023-10", "2023-10"))
    assert hook.months == ["2023-10"]
    assert report.monthly(("total", "metro")) == [("2023-10", 18)]
    counts = await _counts(ctx.db, "2023-10")
    row = await _row(ctx.db, "2023-10")
    assert row is not None
    assert row[0] == stored.fingerprint(counts, K)
    assert stored.decode("2023-10", row[1]) == report.months[0]


async def test_concurrent_refreshes_do_not_conflict(
    ctx: IntakeContext, installation: Settings
) -> None:
    await _file_month(ctx, _at(2023, 9))
    workers = [Database(installation.resolved_database_url) for _ in range(3)]
    try:
        await asyncio.gather(*(stored.refresh(db, K) for db in workers))
    finally:
        for db in workers:
            await db.dispose()
    counts = await _counts(ctx.db, "2023-09")
    row = await _row(ctx.db, "2023-09")
    assert row is not None
    assert row[0] == stored.fingerprint(counts, K)
    assert stored.decode("2023-09", row[1]) == publish_counts("2023-09", counts, K)
    assert await stored.refresh(ctx.db, K) == []  # every month is current


async def test_a_restarted_app_serves_the_stored_publication(
    ctx: IntakeContext, installation: Settings
) -> None:
    await _file_month(ctx, _at(2023, 7))
    period = {"from": "2023-06", "to": "2023-07"}
    paths = ("/api/v1/tenants/metro/stats", "/api/v1/stats", "/stats/metro", "/stats")
    async with running(create_app(installation)) as app, http_client(app) as client:
        first = {path: (await client.get(path, params=period)).text for path in paths}
    assert await _row(ctx.db, "2023-07") is not None  # stored by the first request

    async with running(create_app(installation)) as app, http_client(app) as client:
        service = StatisticsService(app.state.db, K, lambda: dt.date(2026, 11, 23))
        hook = Counting()
        service.publish = hook
        app.state.stats = service
        again = {path: (await client.get(path, params=period)).text for path in paths}
    assert hook.months == []  # nothing suppressed: read from the database
    assert again == first


def test_working_days_from_running_counts_agree_with_the_calendar() -> None:
    """The service counts working days from each year's running count; the same answer
    as the calendar's day-by-day count, or the same refusal outside its years."""
    service = StatisticsService(None, K, lambda: dt.date(2026, 11, 23))  # type: ignore[arg-type]
    calendar = service._calendar
    first = dt.date(2023, 6, 1)
    for start_offset in range(0, 1900, 37):
        start = first + dt.timedelta(days=start_offset)
        for length in (-400, -31, -1, 0, 1, 2, 6, 7, 30, 365, 366, 800):
            end = start + dt.timedelta(days=length)
            try:
                want: object = calendar.working_days_between(start, end)
            except Exception as error:  # the refusal must be the same too
                want = type(error)
            try:
                got: object = service._between(start, end)
            except Exception as error:
                got = type(error)
            assert got == want, (start, end)
