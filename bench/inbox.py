"""A unit's inbox at 1,000,000 cases: listing and opening cases, on SQLite and PostgreSQL.

    .venv/bin/python bench/inbox.py [--cases 1000000] [--repeat 50] [--engine sqlite]
                                    [--reuse] [--keep] [--work DIR] [--no-write]

For each engine: fills an installation with `bench/fill.py` (3 tenants, 20 units, the
cases sealed as real ones are; see its docstring for exactly what is real), starts
``gratify serve`` (one worker) on loopback, signs in as ``inspektorat-handler`` of metro
through ``POST /api/v1/session`` (password and TOTP code), and requests, one after the
other, `--repeat` times each after 3 unmeasured requests:

* ``GET /api/v1/cases`` page 1 and page 500 (25 a page), with ``status=in_review``, with
  ``overdue=true``, and with ``kind=broker&agency=disdukcapil`` at page 500;
* ``GET /api/v1/cases/{id}``: `--repeat` different cases of the unit, each opened once
  (the key unwrapped with HPKE, the report and its history unsealed);
* the baselines: ``GET /healthz`` (the app's floor: HTTP and middleware, no database) and
  ``GET /api/v1/session`` (the floor of a signed-in request: the session looked up and the
  private key unsealed).

The figure is the app's own time, read from the ``Server-Timing: app;dur=`` header that
`gratify.web.timing` adds; the client's time on loopback is shown beside it. The goal is
a median under 50 ms for each. The database is the one the fill left, warm in the OS's
page cache (the fill just wrote it); each request is repeated, so these are warm figures.

PostgreSQL is at ``GRATIFY_TEST_POSTGRES_URL`` (default trust auth on 127.0.0.1:5432 as
postgres); the bench creates its own database and drops it at the end, unless `--keep`
(or `--reuse`, which keeps it too and uses it again when a fill of that size finished).
Filled data dirs live in `--work` (default ``/tmp/gratify-bench-inbox``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zoneinfo
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event, select, text
from sqlalchemy.engine import make_url

from bench import fill as filler
from bench.results import machine_lines, write_section
from gratify.accounts.models import Tenant, User
from gratify.accounts.totp import code_at, time_step
from gratify.cases.listing import InboxFilter, list_cases
from gratify.db.engine import Database, create_engine
from gratify.db.migrate import upgrade_to_head
from gratify.settings import Settings

HEADING = "## Inbox at 1,000,000 cases (bench/inbox.py)"
POSTGRES_ADMIN_URL = os.environ.get(
    "GRATIFY_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
WORK = Path(tempfile.gettempdir()) / "gratify-bench-inbox"
GOAL_MS = 50.0
WARM_UP = 3
LISTS = (
    ("inbox, page 1", "/api/v1/cases?page=1", InboxFilter(page=1)),
    ("inbox, page 500", "/api/v1/cases?page=500", InboxFilter(page=500)),
    (
        "`status=in_review`, page 1",
        "/api/v1/cases?status=in_review&page=1",
        InboxFilter(status="in_review"),
    ),
    ("`overdue=true`, page 1", "/api/v1/cases?overdue=true&page=1", InboxFilter(overdue=True)),
    (
        "`kind=broker&agency=disdukcapil`, page 500",
        "/api/v1/cases?kind=broker&agency=disdukcapil&page=500",
        InboxFilter(kind="broker", agency="disdukcapil", page=500),
    ),
)
OPEN = "open a case (`GET /api/v1/cases/{id}`)"
HEALTHZ = "`GET /healthz` (baseline)"
SESSION = "`GET /api/v1/session` (signed-in floor)"


@dataclasses.dataclass(frozen=True, slots=True)
class Timing:
    """One request kind: the app's times (Server-Timing) and the client's, in ms."""

    label: str
    app_ms: list[float]
    client_ms: list[float]
    items: int | None = None  # cases on the page
    total: int | None = None  # the page's total
    statements: tuple[float, float] | None = None  # medians of the counts and page queries

    @property
    def median(self) -> float:
        return statistics.median(self.app_ms)

    @property
    def p95(self) -> float:
        return _p95(self.app_ms)

    @property
    def client_median(self) -> float:
        return statistics.median(self.client_ms)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


@dataclasses.dataclass(frozen=True, slots=True)
class EngineRun:
    engine: str
    fill: dict[str, Any]
    reused: bool
    timings: list[Timing]
    server_version: str
    load: tuple[float, float]  # 1-minute load average before and after measuring


# Databases and data dirs ----------------------------------------------------------------


async def _admin(sql: str) -> None:
    admin = create_engine(POSTGRES_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await admin.dispose()


async def _postgres_version(url: str) -> str:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            version = await conn.scalar(text("SHOW server_version"))
            buffers = await conn.scalar(text("SHOW shared_buffers"))
            work_mem = await conn.scalar(text("SHOW work_mem"))
    finally:
        await engine.dispose()
    return f"PostgreSQL {version} (shared_buffers {buffers}, work_mem {work_mem}, as installed)"


def _sqlite_version() -> str:
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version} (WAL, the app's settings)"


@contextlib.asynccontextmanager
async def installation(
    engine: str, cases: int, work: Path, *, reuse: bool, keep: bool
) -> AsyncIterator[tuple[Settings, dict[str, Any], bool]]:
    """A filled installation on `engine`: (settings, the fill's record, reused or not)."""
    data_dir = work / f"{engine}-{cases}"
    database = f"gratify_bench_inbox_{cases}"
    url = ""
    if engine == "postgresql":
        url = make_url(POSTGRES_ADMIN_URL).set(database=database).render_as_string(False)
    settings = Settings(data_dir=data_dir, database_url=url)
    record = filler.filled(data_dir) if reuse else None
    reused = record is not None and record.get("cases") == cases
    try:
        if not reused:
            shutil.rmtree(data_dir, ignore_errors=True)
            if engine == "postgresql":
                await _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
                await _admin(f'CREATE DATABASE "{database}"')
            report = await filler.fill(settings, cases, log=lambda line: print(line, flush=True))
            record = dataclasses.asdict(report)
        else:
            # A fill made by an older checkout: bring it to this code's head, as an
            # operator would with `gratify migrate`.
            engine_ = create_engine(settings.resolved_database_url)
            try:
                await upgrade_to_head(engine_)
            finally:
                await engine_.dispose()
        assert record is not None
        yield settings, record, reused
    finally:
        if not (keep or reuse):
            shutil.rmtree(data_dir, ignore_errors=True)
            if engine == "postgresql":
                await _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


# The server and the requests ------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def server(settings: Settings) -> Iterator[str]:
    """``gratify serve`` on loopback, one worker; yields its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "GRATIFY_DATABASE_URL": settings.database_url,
        "GRATIFY_LOG_LEVEL": "WARNING",
        "GRATIFY_SERVER_TIMING": "true",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gratify",
            "serve",
            "--data-dir",
            str(settings.data_dir),
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise RuntimeError("gratify serve stopped")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _app_ms(response: httpx.Response) -> float:
    header = response.headers.get("server-timing", "")
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name == "app" and params.startswith("dur="):
            return float(params.removeprefix("dur="))
    raise RuntimeError(f"no Server-Timing in the answer to {response.request.url}")


async def _timed(http: httpx.AsyncClient, path: str) -> tuple[httpx.Response, float, float]:
    start = time.perf_counter()
    response = await http.get(path)
    client_ms = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
    return response, _app_ms(response), client_ms


async def _measure(http: httpx.AsyncClient, label: str, path: str, repeat: int) -> Timing:
    for _ in range(WARM_UP):
        await _timed(http, path)
    app, client = [], []
    response = None
    for _ in range(repeat):
        response, app_ms, client_ms = await _timed(http, path)
        app.append(app_ms)
        client.append(client_ms)
    assert response is not None
    body = response.json()
    items = len(body["items"]) if isinstance(body, dict) and "items" in body else None
    total = body.get("total") if isinstance(body, dict) else None
    return Timing(label, app, client, items, total)


async def sign_in(http: httpx.AsyncClient) -> str:
    """A bearer token for the measured unit's handler: password and the current TOTP code."""
    secret = filler.staff_totp_secret(filler.MEASURED_TENANT, filler.MEASURED_HANDLER)
    code = code_at(secret, time_step(dt.datetime.now(dt.UTC)))
    response = await http.post(
        "/api/v1/session",
        json={
            "tenant": filler.MEASURED_TENANT,
            "username": filler.MEASURED_HANDLER,
            "password": filler.STAFF_PASSWORD,
            "totp": code,
        },
    )
    if response.status_code != 200:
        raise RuntimeError(f"sign-in failed: {response.status_code} {response.text[:200]}")
    token: str = response.json()["token"]
    return token


async def _case_ids(http: httpx.AsyncClient, count: int) -> list[str]:
    """`count` cases of the unit, a few from each of pages spread over the whole inbox."""
    first = (await http.get("/api/v1/cases?per_page=100")).json()
    last = max(1, -(-first["total"] // 100))
    pages = sorted({1 + k * (last - 1) // 9 for k in range(10)})
    per_page = -(-count // len(pages))
    ids: list[str] = []
    for page in pages:
        listed = (await http.get(f"/api/v1/cases?page={page}&per_page=100")).json()
        ids += [item["id"] for item in listed["items"][:per_page]]
    if len(ids) < count:
        raise RuntimeError("the unit has too few cases to open")
    return ids[:count]


async def measure(base: str, repeat: int) -> list[Timing]:
    """Every request kind, `repeat` times each, one at a time."""
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        healthz = await _measure(http, HEALTHZ, "/healthz", repeat)
        http.headers["Authorization"] = f"Bearer {await sign_in(http)}"
        session = await _measure(http, SESSION, "/api/v1/session", repeat)
        timings = [healthz, session]
        for label, path, _filter in LISTS:
            timings.append(await _measure(http, label, path, repeat))
        ids = await _case_ids(http, repeat + WARM_UP)
        for case_id in ids[:WARM_UP]:
            await _timed(http, f"/api/v1/cases/{case_id}")
        app, client = [], []
        for case_id in ids[WARM_UP : WARM_UP + repeat]:
            _response, app_ms, client_ms = await _timed(http, f"/api/v1/cases/{case_id}")
            app.append(app_ms)
            client.append(client_ms)
        timings.append(Timing(OPEN, app, client))
    return timings


@dataclasses.dataclass(frozen=True, slots=True)
class _Actor:
    user_id: int
    unit_id: int | None
    role: str = "handler"
    private_key: bytes = b""


async def breakdown(settings: Settings, repeat: int) -> dict[str, tuple[float, float]]:
    """Per listing request, the medians (ms) of its two statements, the counts and the page:
    `list_cases` run in this process against the same database, each statement timed at
    the driver (SQLAlchemy's cursor events)."""
    db = Database(settings.resolved_database_url)
    spent: dict[str, list[float]] = {"counts": [], "page": []}
    started: list[float] = []

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def before(*_args: Any) -> None:
        started.append(time.perf_counter())

    @event.listens_for(db.engine.sync_engine, "after_cursor_execute")
    def after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        elapsed = (time.perf_counter() - started.pop()) * 1000
        if statement.startswith("SELECT case_keys.status, count(*)"):
            spent["counts"].append(elapsed)
        elif statement.startswith("SELECT cases.id, cases.case_number"):
            spent["page"].append(elapsed)

    figures = {}
    try:
        async with db.reading() as session:
            user_id, unit_id = (
                await session.execute(
                    select(User.id, User.unit_id)
                    .join(Tenant, Tenant.id == User.tenant_id)
                    .where(
                        Tenant.slug == filler.MEASURED_TENANT,
                        User.username == filler.MEASURED_HANDLER,
                    )
                )
            ).one()
        actor = _Actor(user_id, unit_id)
        today = dt.datetime.now(zoneinfo.ZoneInfo(settings.timezone)).date()
        for label, _path, inbox_filter in LISTS:
            spent["counts"].clear()
            spent["page"].clear()
            for _ in range(WARM_UP + repeat):
                async with db.reading() as session:
                    await list_cases(session, actor, inbox_filter, today)
            figures[label] = (
                statistics.median(spent["counts"][WARM_UP:]),
                statistics.median(spent["page"][WARM_UP:]),
            )
    finally:
        await db.dispose()
    return figures


async def run_engine(
    engine: str, cases: int, repeat: int, work: Path, *, reuse: bool, keep: bool
) -> EngineRun:
    async with installation(engine, cases, work, reuse=reuse, keep=keep) as (
        settings,
        record,
        reused,
    ):
        version = (
            _sqlite_version()
            if engine == "sqlite"
            else await _postgres_version(settings.database_url)
        )
        with server(settings) as base:
            before = os.getloadavg()[0]
            timings = await measure(base, repeat)
            after = os.getloadavg()[0]
        statements = await breakdown(settings, min(repeat, 20))
    timings = [
        dataclasses.replace(t, statements=statements.get(t.label)) if t.label in statements else t
        for t in timings
    ]
    return EngineRun(engine, record, reused, timings, version, (before, after))


# The section of RESULTS.md --------------------------------------------------------------


def _fill_line(run: EngineRun) -> str:
    f = run.fill
    size = f.get("database_bytes") or 0
    how = f"filled in {f['seconds'] / 60:.1f} min" + (" (by an earlier run)" if run.reused else "")
    rows = f.get("rows", {})
    return (
        f"- {run.server_version}: {f['cases']:,} cases ({rows.get('case_keys', 0):,} wrapped "
        f"keys, {rows.get('case_transitions', 0):,} transitions), "
        f"{size / 2**30:.1f} GiB on disk, {how}; the measured unit (metro/inspektorat) "
        f"holds {f['measured_unit_cases']:,} of them; load average {run.load[0]:.1f} before "
        f"measuring, {run.load[1]:.1f} after"
    )


# The same command on the same data with earlier designs of the listing: "first", commit
# 9e9d9ee's listing.py (counts looked up every case in the index of all cases' keys, the
# total counted again, narrow unit indexes); "keys as a set", commit 5d4d902 (the unit's
# cases from wide indexes matched against the user's keys read once as a set).
BEFORE = {
    "first": {
        "sqlite": {
            "inbox, page 1": 410.1,
            "inbox, page 500": 420.1,
            "`status=in_review`, page 1": 195.7,
            "`overdue=true`, page 1": 236.8,
            "`kind=broker&agency=disdukcapil`, page 500": 452.0,
        },
        "postgresql": {
            "inbox, page 1": 484.5,
            "inbox, page 500": 1011.7,
            "`status=in_review`, page 1": 303.4,
            "`overdue=true`, page 1": 494.7,
            "`kind=broker&agency=disdukcapil`, page 500": 813.5,
        },
    },
    "keys as a set": {
        "sqlite": {
            "inbox, page 1": 58.3,
            "inbox, page 500": 102.2,
            "`status=in_review`, page 1": 57.9,
            "`overdue=true`, page 1": 29.6,
            "`kind=broker&agency=disdukcapil`, page 500": 86.2,
        },
        "postgresql": {
            "inbox, page 1": 48.0,
            "inbox, page 500": 114.3,
            "`status=in_review`, page 1": 49.7,
            "`overdue=true`, page 1": 21.3,
            "`kind=broker&agency=disdukcapil`, page 500": 111.6,
        },
    },
}

READING = """\
Reading:

- The baseline, `GET /healthz`, is HTTP and the middleware, no database. Every handler
  request then costs the signed-in floor (`GET /api/v1/session`): the session found by
  its token digest and the handler's private key unsealed, two queries.
- A listing is that floor, two statements (the column *counts + page queries*, timed at
  the driver in this process after the server stopped) and the Python around them
  (SQLAlchemy, one aiosqlite thread hop per driver call, JSON).
- Since migration 0008 a handler's inbox is their own key rows: each `case_keys` row
  carries a copy of its case's inbox columns (unit, status, dates, kind, agency), kept by
  database triggers, so the right to see a case and what the inbox filters on are in one
  index. The counts are one range of that index (the unit's 50,000 entries for this
  handler, read from the index alone, about 0.2 to 0.4 µs each), no longer a match of
  the unit's cases against the handler's keys (about 1 µs a case). Migration 0011 makes
  every inbox index cover every filter, so whichever index the planner counts along, it
  never reads the table.
- The page: page 1 is 25 index entries; page 500 walks 12,500 entries of the same index
  in order, then reads only its 25 rows of `cases`. With a kind and agency filter the
  walk passes over the entries that do not match (about 45,000 for page 500).
- Opening a case: one HPKE unwrap (0.25 ms) and a few AES-GCM opens; the rest is its
  queries and the audit entry written in the same transaction.
- The cost of the copy is on writes: a transition updates one key row per holder of the
  case (3 here) in the same statement, and each key row is about 40 bytes wider.
"""


def render(runs: list[EngineRun], command: str) -> str:
    lines = [
        HEADING,
        "",
        *machine_lines(),
        f"- Command: `{command}`",
        *(_fill_line(run) for run in runs),
        "- Figures: the app's own time per request (`Server-Timing: app;dur=`), "
        "median and 95th percentile; one request at a time; ratio = median over the "
        "median of `GET /healthz` in the same run; the client's median on loopback beside it",
        "",
    ]
    for run in runs:
        base = next(t for t in run.timings if t.label == HEALTHZ).median
        lines += [
            f"### {'SQLite' if run.engine == 'sqlite' else 'PostgreSQL'}",
            "",
            "| request | median | p95 | ratio to baseline | client median | counts + page "
            "queries | page |",
            "|---|---|---|---|---|---|---|",
        ]
        for t in run.timings:
            mark = "" if t.label in (HEALTHZ, SESSION) or t.median < GOAL_MS else " (over goal)"
            page = f"{t.items} of {t.total:,}" if t.items is not None and t.total else ""
            split = f"{t.statements[0]:.1f} + {t.statements[1]:.1f} ms" if t.statements else ""
            lines.append(
                f"| {t.label} | **{t.median:.1f} ms**{mark} | {t.p95:.1f} ms | "
                f"{t.median / base:.0f} x | {t.client_median:.1f} ms | {split} | {page} |"
            )
        lines.append("")
    lines += [
        "Earlier designs: medians of the same command on data generated with the same "
        "seed (2026-11-23): *first* is 9e9d9ee's listing.py and indexes, *set* is 5d4d902's "
        "(the unit's cases matched against the user's keys read as a set), *now* is this run "
        "(each key row carrying its case's inbox columns, migration 0008):",
        "",
        "| request | SQLite first | SQLite set | SQLite now | PostgreSQL first "
        "| PostgreSQL set | PostgreSQL now |",
        "|---|---|---|---|---|---|---|",
    ]
    now = {run.engine: {t.label: t.median for t in run.timings} for run in runs}
    for label, _path, _filter in LISTS:
        cells = []
        for engine in ("sqlite", "postgresql"):
            after = now.get(engine, {}).get(label)
            cells += [f"{BEFORE[design][engine][label]:.0f} ms" for design in BEFORE]
            cells.append(f"{after:.0f} ms" if after else "n/a")
        lines.append(f"| {label} | {' | '.join(cells)} |")
    lines += ["", READING]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="a unit's inbox at many cases")
    parser.add_argument("--cases", type=int, default=filler.DEFAULT_CASES)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument(
        "--engine", action="append", choices=("sqlite", "postgresql"), help="default: both"
    )
    parser.add_argument("--reuse", action="store_true", help="use (and keep) an earlier fill")
    parser.add_argument("--keep", action="store_true", help="keep the filled databases")
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    engines = args.engine or ["sqlite", "postgresql"]
    runs = [
        asyncio.run(
            run_engine(engine, args.cases, args.repeat, args.work, reuse=args.reuse, keep=args.keep)
        )
        for engine in engines
    ]
    command = f".venv/bin/python bench/inbox.py --cases {args.cases} --repeat {args.repeat}"
    if args.engine:
        command += "".join(f" --engine {e}" for e in engines)
    if args.reuse:
        command += " --reuse"
    section = render(runs, command)
    print(section)
    if not args.no_write:
        write_section(HEADING, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
