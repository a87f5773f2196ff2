"""Public statistics at 1,000,000 cases: the pages and the JSON, and what the aggregates cost.

    .venv/bin/python bench/stats.py [--cases 1000000] [--repeat 50] [--engine sqlite]
                                    [--work DIR] [--no-write]

Uses the installations of `bench/inbox.py` (``--work``, default
``/tmp/gratify-bench-inbox``; filled by `bench/fill.py` if missing, and kept), brought to
head first (the 0009 migration counts the existing cases into the aggregates). Then:

* The refresh job (`gratify.stats.stored.refresh`, every worker runs it each minute):
  every month suppressed and stored (the table emptied first: as after migration 0014),
  then once more with nothing changed (only the counts read and fingerprinted).
* ``gratify serve`` (one worker) answers, one request at a time, ``/stats/metro``,
  ``/api/v1/tenants/metro/stats``, ``/stats`` and ``/api/v1/stats``: **computed** (each
  request a different period, so each misses the results' cache and is computed from the
  aggregate rows: 12-month periods and shorter ones, sliding back over the data) and
  **cached** (the same default period again: what most visitors get for `CACHE_SECONDS`).
  The figure is the app's own time (``Server-Timing``), as in bench/inbox.py.
* The cost of keeping the aggregates: `file_report` (the whole submission: checks,
  Argon2id for the receipt at the deployment's parameters, HPKE wraps, inserts, the audit
  entry) `--submissions` times with the statistics triggers and as many times with them
  dropped, alternating in rounds; and one case's status change (the ``UPDATE`` a
  transition makes) with and without them. Everything here runs in a transaction that is
  rolled back (the triggers are dropped inside it), so the databases are left as found.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import statistics
import sys
import time
import zoneinfo
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bench import fill as filler
from bench import inbox
from bench.results import machine_lines, write_section
from gratify.accounts.keys import Keyring
from gratify.crypto.kdf import Argon2Params
from gratify.crypto.pool import CryptoPool
from gratify.db.engine import Database, create_engine
from gratify.intake.models import Case
from gratify.intake.service import IntakeContext, ReportDraft, file_report
from gratify.settings import Settings
from gratify.stats import stored
from gratify.stats.models import StatsPublication
from gratify.stats.service import last_complete_month, shift_month

HEADING = "## Public statistics at 1,000,000 cases (bench/stats.py)"
GOAL_MS = 100.0
TRIGGERS = {"stats_case_filed": "cases", "stats_case_changed": "cases"}
PAGES = (
    ("tenant page `/stats/metro`", "/stats/metro", 12),
    ("tenant JSON `/api/v1/tenants/metro/stats`", "/api/v1/tenants/metro/stats", 10),
    ("installation page `/stats`", "/stats", 8),
    ("installation JSON `/api/v1/stats`", "/api/v1/stats", 6),
)


@dataclasses.dataclass(frozen=True, slots=True)
class Series:
    label: str
    ms: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.ms)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.ms, n=20, method="inclusive")[-1]


def periods(last: str, length: int, count: int) -> list[str]:
    """`count` different periods of about `length` months, sliding back from `last`."""
    out = []
    for i in range(count):
        months = length - (i // 24)
        end = shift_month(last, -(i % 24))
        out.append(f"from={shift_month(end, -(months - 1))}&to={end}")
    return out


async def measure_pages(base: str, repeat: int, today: dt.date) -> list[Series]:
    last = last_complete_month(today)
    out = []
    async with httpx.AsyncClient(base_url=base, timeout=300) as http:
        healthz = []
        for _ in range(repeat):
            _r, app_ms, _c = await inbox._timed(http, "/healthz")
            healthz.append(app_ms)
        out.append(Series("`GET /healthz` (baseline)", healthz))
        # The first request after the start: its 13 months read from the stored publications.
        cold_query = f"from={shift_month(last, -12)}&to={last}"
        _r, cold_ms, _c = await inbox._timed(http, f"/api/v1/stats?{cold_query}")
        out.append(Series("first request after the start (13 months, stored)", [cold_ms]))
        for label, path, length in PAGES:
            computed = []
            for query in periods(last, length, repeat):
                _r, app_ms, _c = await inbox._timed(http, f"{path}?{query}")
                computed.append(app_ms)
            out.append(Series(f"{label}, computed", computed))
            cached = []
            for _ in range(repeat + 1):
                _r, app_ms, _c = await inbox._timed(http, path)
                cached.append(app_ms)
            out.append(Series(f"{label}, cached", cached[1:]))
    return out


class _Savepoints(Database):
    """Every transaction a savepoint of one outer transaction that is rolled back."""

    def __init__(self, connection: AsyncConnection) -> None:
        super().__init__(str(connection.engine.url), engine=connection.engine)
        self.connection = connection

    def _session(self) -> AsyncSession:
        return AsyncSession(
            bind=self.connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self._session() as session:
            yield session

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        async with self._session() as session, session.begin():
            yield session


def _draft(today: dt.date) -> ReportDraft:
    return ReportDraft(
        "broker",
        "disdukcapil",
        {
            "service": "ktp-el",
            "occurred_on": today.isoformat(),
            "time_window": "08-10",
            "officer_involved": "yes",
            "what_happened": "Petugas loket meminta Rp200.000 untuk mempercepat KTP-el.",
        },
    )


@contextlib.asynccontextmanager
async def _rolled_back(settings: Settings, triggers: bool) -> AsyncIterator[AsyncConnection]:
    engine = create_engine(settings.resolved_database_url)
    try:
        async with engine.execution_options(gratify_write=True).connect() as conn:
            outer = await conn.begin()
            try:
                if not triggers:
                    for name, table in TRIGGERS.items():
                        on = "" if engine.dialect.name == "sqlite" else f" ON {table}"
                        await conn.execute(text(f"DROP TRIGGER {name}{on}"))
                yield conn
            finally:
                await outer.rollback()
    finally:
        await engine.dispose()


async def submission_cost(
    settings: Settings, submissions: int, rounds: int = 4
) -> dict[str, list[float]]:
    """Milliseconds per `file_report`, with and without the statistics triggers."""
    zone = zoneinfo.ZoneInfo(settings.timezone)
    pool = CryptoPool(settings.crypto_threads)
    keyring = Keyring.load(settings.resolved_keys_dir)
    times: dict[str, list[float]] = {"with": [], "without": []}
    try:
        for _ in range(rounds):
            for mode in ("without", "with"):
                async with _rolled_back(settings, mode == "with") as conn:
                    ctx = IntakeContext(
                        db=_Savepoints(conn),
                        pool=pool,
                        keyring=keyring,
                        argon2=Argon2Params(
                            settings.argon2_time_cost,
                            settings.argon2_memory_kib,
                            settings.argon2_parallelism,
                        ),
                        timezone=settings.timezone,
                        max_text_chars=settings.max_text_chars,
                    )
                    now = dt.datetime.now(dt.UTC)
                    draft = _draft(now.astimezone(zone).date())
                    await file_report(ctx, "metro", draft, now=now)  # warm-up
                    for _ in range(max(1, submissions // rounds)):
                        start = time.perf_counter()
                        await file_report(ctx, "metro", draft, now=now)
                        times[mode].append((time.perf_counter() - start) * 1000)
    finally:
        pool.close()
    return times


async def transition_cost(settings: Settings, count: int = 200) -> dict[str, list[float]]:
    """Milliseconds per status change of one case (the UPDATE a transition makes)."""
    times: dict[str, list[float]] = {"with": [], "without": []}
    for mode in ("without", "with"):
        async with _rolled_back(settings, mode == "with") as conn:
            ids = list(
                await conn.scalars(select(Case.id).where(Case.status == "in_review").limit(count))
            )
            for case_id in ids:
                start = time.perf_counter()
                await conn.execute(
                    text("UPDATE cases SET status = 'closed', status_since = :d WHERE id = :id"),
                    {"d": dt.date.today(), "id": case_id},
                )
                times[mode].append((time.perf_counter() - start) * 1000)
    return times


@dataclasses.dataclass(frozen=True, slots=True)
class EngineRun:
    engine: str
    version: str
    fill: dict[str, object]
    aggregate_rows: int
    refresh_ms: tuple[float, float, int]  # all months, none changed; months stored
    pages: list[Series]
    submissions: dict[str, list[float]]
    transitions: dict[str, list[float]]


async def run_engine(
    engine: str, cases: int, repeat: int, work: Path, submissions: int
) -> EngineRun:
    async with inbox.installation(engine, cases, work, reuse=True, keep=True) as (
        settings,
        record,
        _reused,
    ):
        version = (
            inbox._sqlite_version()
            if engine == "sqlite"
            else await inbox._postgres_version(settings.database_url)
        )
        db = Database(settings.resolved_database_url)
        try:
            async with db.reading() as session:
                rows = int(await session.scalar(text("SELECT count(*) FROM stats_cells")) or 0)
            refreshed = await _refresh_job(db, settings.stats_min_count)
        finally:
            await db.dispose()
        today = dt.datetime.now(zoneinfo.ZoneInfo(settings.timezone)).date()
        with inbox.server(settings) as base:
            pages = await measure_pages(base, repeat, today)
        submitted = await submission_cost(settings, submissions)
        moved = await transition_cost(settings)
    return EngineRun(engine, version, record, rows, refreshed, pages, submitted, moved)


async def _refresh_job(db: Database, k: int) -> tuple[float, float, int]:
    """The refresh job from an empty table (every month), then with nothing changed."""
    async with db.writing() as session:
        await session.execute(delete(StatsPublication))
    start = time.perf_counter()
    months = await stored.refresh(db, k)
    full = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    again = await stored.refresh(db, k)
    unchanged = (time.perf_counter() - start) * 1000
    assert again == [], again
    return full, unchanged, len(months)


READING = """\
Reading:

- Each month's suppressed publication is now stored (`stats_publications`, migration
  0014) and refreshed by a job every worker runs each minute: from an empty table the
  job suppresses the 37 months in 4 to 6 s; with nothing changed it reads and
  fingerprints the counts in 0.2 to 0.4 s. No request in this run suppressed anything.
- *Cached* (the same region and period again within a minute, what most visitors get) is
  under the goal on both engines (13 to 45 ms).
- *Computed* (a period not asked for in the last minute) is still over the goal for the
  pages and the tenant JSON (108 to 151 ms; the installation JSON 77 to 82 ms), though no
  month is suppressed: suppression was not the whole cost. What remains per request: the
  detail counts read again (three grouped queries over some 16,000 counter rows), each
  month's publication decoded and fingerprinted, the milestones of the month new to the
  sliding period read and turned into working-day spans, and the page's charts.
- The first request after a start fell from about 5 s to 0.8 to 0.95 s. A profile of it
  (SQLite) showed 4 of its 5 s in counting working days day by day
  (`working_days_between`, some 26,000 pairs of days for the medians), not in
  suppression; the service now counts them from each year's running count (the same
  answers, tested against the calendar). The rest is reading the milestones of 13
  months and the spans, kept per worker for ten minutes, not stored.
- Not done, to meet the goal for computed requests: store the months' spans (medians'
  inputs) as the publications are, and profile the remaining 80 to 150 ms.
- Keeping the aggregates costs a submission two counter upserts in its transaction:
  within the spread of the Argon2id receipt key that dominates a submission (about
  250 ms; -5 to +6 ms here, +20 to +28 ms in the previous run); a status change's
  `UPDATE` with the triggers took no longer than without them. Neither is a careful
  micro-measurement of the triggers alone.
"""


def render(runs: list[EngineRun], command: str) -> str:
    lines = [
        HEADING,
        "",
        *machine_lines(),
        f"- Command: `{command}`",
    ]
    for run in runs:
        lines.append(
            f"- {run.version}: {run.fill.get('cases', 0):,} cases (bench/fill.py, reused and "
            f"migrated to head), {run.aggregate_rows:,} rows in `stats_cells`"
        )
    lines += [
        "- Pages and JSON: the app's own time (`Server-Timing`), one request at a time; "
        "*computed* = a different period each time (the results' cache missed: the "
        "aggregate rows read and the figures assembled; each month's suppressed "
        "publication read from `stats_publications`, which the refresh job filled before "
        "the server started); *cached* = the same period again. Goal: median under "
        "100 ms.",
        "",
    ]
    for run in runs:
        name = "SQLite" if run.engine == "sqlite" else "PostgreSQL"
        base = run.pages[0].median
        lines += [
            f"### {name}",
            "",
            "| request | median | p95 | ratio to baseline |",
            "|---|---|---|---|",
        ]
        for s in run.pages:
            over = " (over goal)" if s.median >= GOAL_MS else ""
            p95 = f"{s.p95:.1f} ms" if len(s.ms) > 1 else ""
            lines.append(
                f"| {s.label} | **{s.median:.1f} ms**{over} | {p95} | {s.median / base:.0f} x |"
            )
        full, unchanged, months = run.refresh_ms
        lines += [
            "",
            f"Refresh job (`gratify.stats.stored.refresh`): every month suppressed and stored "
            f"({months} months, from an empty table) **{full:.0f} ms**; again with nothing "
            f"changed (counts read and fingerprinted, nothing suppressed) **{unchanged:.0f} ms**.",
        ]
        with_, without = run.submissions["with"], run.submissions["without"]
        tw, two = run.transitions["with"], run.transitions["without"]
        lines += [
            "",
            "| keeping the aggregates | with triggers | without | added | ratio |",
            "|---|---|---|---|---|",
            f"| a submission (`file_report`, {len(with_)} each) | "
            f"{statistics.median(with_):.1f} ms | {statistics.median(without):.1f} ms | "
            f"{statistics.median(with_) - statistics.median(without):+.1f} ms | "
            f"{statistics.median(with_) / statistics.median(without):.3f} |",
            f"| a status change (one `UPDATE`, {len(tw)} each) | "
            f"{statistics.median(tw):.3f} ms | {statistics.median(two):.3f} ms | "
            f"{statistics.median(tw) - statistics.median(two):+.3f} ms | "
            f"{statistics.median(tw) / statistics.median(two):.2f} |",
            "",
        ]
    lines.append(READING)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="public statistics at many cases")
    parser.add_argument("--cases", type=int, default=filler.DEFAULT_CASES)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--engine", action="append", choices=("sqlite", "postgresql"))
    parser.add_argument("--work", type=Path, default=inbox.WORK)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    engines = args.engine or ["sqlite", "postgresql"]
    runs = [
        asyncio.run(run_engine(e, args.cases, args.repeat, args.work, args.submissions))
        for e in engines
    ]
    command = f".venv/bin/python bench/stats.py --cases {args.cases} --repeat {args.repeat}"
    command += f" --submissions {args.submissions}"
    if args.engine:
        command += "".join(f" --engine {e}" for e in engines)
    section = render(runs, command)
    print(section)
    if not args.no_write:
        write_section(HEADING, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
