"""The public statistics of a tenant or of the installation, for a period of months.

`statistics` reads the aggregate rows (never the cases), publishes each month of the
installation as one suppressed unit (`publication`; suppressed once per change of its
counts and stored in the database, `stored`) and assembles the figures of the page, the
JSON and the CSV from that one result, so the three always agree. Results are kept for
`CACHE_SECONDS` per scope and period: a page view costs a dictionary look-up.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.db.engine import Database
from gratify.errors import N_, InvalidInput, NotFound
from gratify.rules.holidays import load_calendar
from gratify.stats import aggregates
from gratify.stats import stored as stored_publications
from gratify.stats.derived import (
    Durations,
    Satisfaction,
    Spans,
    durations,
    merged,
    satisfaction,
    share,
    spans_of,
)
from gratify.stats.publication import (
    ALL,
    MonthFigures,
    months_between,
    period_sum,
    publish_counts,
)
from gratify.stats.suppression import Key

logger = logging.getLogger(__name__)

CACHE_SECONDS = 60.0
# Medians and the KPK share move slowly: a month's working-day counts are kept longer.
SPANS_SECONDS = 600.0
MAX_MONTHS = 120
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclasses.dataclass(frozen=True, slots=True)
class Period:
    """Whole months, `first` to `last` (YYYY-MM), both complete."""

    first: str
    last: str

    @property
    def months(self) -> list[str]:
        return months_between(self.first, self.last)


def last_complete_month(today: dt.date) -> str:
    first_of_month = today.replace(day=1)
    previous = first_of_month - dt.timedelta(days=1)
    return f"{previous.year:04d}-{previous.month:02d}"


def parse_period(first: str | None, last: str | None, today: dt.date) -> Period:
    """The period asked for; by default the last 12 complete months. Bad months, a start
    after the end, a month not yet over or a span over 10 years are `InvalidInput`."""
    newest = last_complete_month(today)
    errors: dict[str, str] = {}
    for name, value in (("from", first), ("to", last)):
        if value is not None and not _MONTH.match(value):
            errors[name] = N_("Please give a month as YYYY-MM, for example 2026-01.")
    if errors:
        raise InvalidInput(N_("The period has mistakes."), fields=errors)
    end = last or newest
    start = first if first is not None else shift_month(end, -11)
    if end > newest:
        raise InvalidInput(
            N_("Statistics cover complete months only: the last one is %(month)s."),
            fields={"to": N_("Please choose an earlier month.")},
            month=newest,
        )
    if start > end:
        raise InvalidInput(
            N_("The period has mistakes."),
            fields={"from": N_("The first month comes after the last one.")},
        )
    if len(months_between(start, end)) > MAX_MONTHS:
        raise InvalidInput(
            N_("The period has mistakes."),
            fields={"from": N_("A period is at most 120 months.")},
        )
    return Period(start, end)


@dataclasses.dataclass(frozen=True, slots=True)
class Report:
    """Everything published about one scope (a tenant's slug, or ``"*"``) and period."""

    scope: str
    scope_name: str
    period: Period
    k: int
    months: list[MonthFigures]
    agencies: dict[str, str]  # slug -> name, the scope's agencies (tenant scope)
    services: dict[str, str]
    tenants: dict[str, str]
    durations: Durations
    overdue_share: float | None
    satisfaction: Satisfaction

    def cells(self) -> list[tuple[str, str, str, str, str, int | None]]:
        """The API's cells: (tenant, kind, agency, month, status, count or None)."""
        out = []
        for month in self.months:
            for key, value in month.cells.items():
                assert isinstance(key, tuple)
                if key[0] == "c" and (self.scope == ALL or key[1] == self.scope):
                    _, tenant, kind, agency, status = key
                    out.append((tenant, kind, agency, month.month, status, value))
        return sorted(out, key=lambda c: (c[0], c[3], c[1], c[2], c[4]))

    def monthly(self, name: Key) -> list[tuple[str, int | None]]:
        """One total, month by month."""
        return [(m.month, m.totals.get(name, 0)) for m in self.months]

    def total(self, name: Key) -> int | None:
        """One total over the period (withheld if any month withholds it)."""
        return period_sum(m.totals.get(name, 0) for m in self.months)

    def detail(self, table: str) -> dict[tuple[Any, ...], int | None]:
        """Detail cells of one table (``"h"``, ``"o"``) summed over the period; across
        tenants for the installation (withheld if any part is)."""
        parts: dict[tuple[Any, ...], list[int | None]] = {}
        for m in self.months:
            for key, value in m.cells.items():
                assert isinstance(key, tuple)
                if key[0] != table or (self.scope != ALL and key[1] != self.scope):
                    continue
                short = key[2:] if self.scope == ALL and table == "o" else key[1:]
                parts.setdefault(short, []).append(value)
        return {key: period_sum(values) for key, values in parts.items()}


Clock = Callable[[], float]


class StatisticsService:
    """The statistics of one app: its database, k, time zone, and the results' cache."""

    def __init__(self, db: Database, k: int, today: Callable[[], dt.date]) -> None:
        self.db = db
        self.k = k
        self.today = today
        self.clock: Clock = time.monotonic
        self._cache: dict[tuple[str, Period], tuple[float, Report]] = {}
        self._calendar = load_calendar()
        self._days: dict[tuple[dt.date, dt.date], int] = {}
        self._years: dict[int, list[int]] = {}
        self._spans_cache: dict[tuple[str, str], tuple[float, Spans]] = {}
        self._months: dict[tuple[str, int], tuple[dict[Key, int], MonthFigures]] = {}
        # How a month is suppressed: `publish_counts`; tests count the calls through it.
        self.publish: stored_publications.Publish = publish_counts

    def _remembered(self, month: str, counts: dict[Key, int]) -> MonthFigures | None:
        """The month's publication if this worker has it for these very counts."""
        if not counts:
            return MonthFigures(month, {}, {})  # nothing counted: nothing to suppress
        figures = self._months.get((month, hash(frozenset(counts.items()))))
        if figures is None or figures[0] != counts:
            return None
        return figures[1]

    def _remember(self, month: str, counts: dict[Key, int], figures: MonthFigures) -> None:
        if len(self._months) > 4096:
            self._months.clear()
        self._months[(month, hash(frozenset(counts.items())))] = (dict(counts), figures)

    async def _publications(
        self, detail: dict[str, dict[Key, int]], period: Period, stored: dict[str, tuple[str, str]]
    ) -> list[MonthFigures]:
        """Each month's publication: this worker's copy when its counts are unchanged,
        else the stored one when it was computed from these counts (`stored`), else
        suppressed now and stored for every worker (old months rarely change: only when
        a case received then changes status)."""
        out: list[MonthFigures] = []
        fresh: list[tuple[str, str, str]] = []
        for month in period.months:
            counts = detail.get(month, {})
            figures = self._remembered(month, counts)
            if figures is None:
                fp = stored_publications.fingerprint(counts, self.k)
                kept = stored.get(month)
                if kept is not None and kept[0] == fp:
                    figures = stored_publications.decode(month, kept[1])
                else:
                    figures = self.publish(month, counts, self.k)
                    fresh.append((month, fp, stored_publications.encode(figures)))
                self._remember(month, counts, figures)
            out.append(figures)
        if fresh:
            try:
                async with self.db.writing() as session:
                    await stored_publications.store(session, self.k, fresh)
            except SQLAlchemyError as error:  # the figures stand; the job stores them later
                logger.warning("storing statistics publications failed: %s", type(error).__name__)
        return out

    async def _spans(
        self, session: AsyncSession, scope: str, tenant_id: int | None, period: Period
    ) -> Spans:
        """The working days to each milestone over the period, from monthly counts kept
        for `SPANS_SECONDS`; only the months missing are read (one range query)."""
        now = self.clock()
        missing = [
            m
            for m in period.months
            if now - self._spans_cache.get((scope, m), (-SPANS_SECONDS, {}))[0] >= SPANS_SECONDS
        ]
        if missing:
            rows = await aggregates.load_milestones(
                session,
                dt.date.fromisoformat(missing[0] + "-01"),
                _month_end(missing[-1]),
                tenant_id,
            )
            by_month: dict[str, list[aggregates.Milestone]] = {m: [] for m in missing}
            for row in rows:
                month = row.start.isoformat()[:7]
                if month in by_month:
                    by_month[month].append(row)
            if len(self._spans_cache) > 4096:
                self._spans_cache.clear()
            for month, part in by_month.items():
                self._spans_cache[(scope, month)] = (now, spans_of(part, self._working_days))
        return merged(self._spans_cache[(scope, m)][1] for m in period.months)

    def _working_days(self, start: dt.date, end: dt.date) -> int:
        key = (start, end)
        if key not in self._days:
            self._days[key] = self._between(start, end)
        return self._days[key]

    def _between(self, start: dt.date, end: dt.date) -> int:
        """`working_days_between` from each year's running count of working days (the
        calendar counts day by day: seconds for the tens of thousands of pairs of a cold
        start). Years the calendar does not cover go to the calendar, which refuses them."""
        if end < start:
            return -self._between(end, start)
        years = range(start.year, end.year + 1)
        if not all(self._calendar.covers(dt.date(y, 1, 1)) for y in years):
            return self._calendar.working_days_between(start, end)
        before_start = self._year_counts(start.year)[start.timetuple().tm_yday - 1]
        through_end = self._year_counts(end.year)[end.timetuple().tm_yday - 1]
        whole = sum(self._year_counts(y)[-1] for y in range(start.year, end.year))
        return whole + through_end - before_start

    def _year_counts(self, year: int) -> list[int]:
        """Working days from 1 January of `year` through each day of it (inclusive)."""
        counts = self._years.get(year)
        if counts is None:
            counts, total, day = [], 0, dt.date(year, 1, 1)
            while day.year == year:
                total += self._calendar.is_working_day(day)
                counts.append(total)
                day += dt.timedelta(days=1)
            self._years[year] = counts
        return counts

    async def statistics(self, scope: str, period: Period) -> Report:
        """The report of a tenant (its slug) or of the installation (``"*"``); a tenant
        that does not exist is `NotFound`. Served from the cache when fresh."""
        now = self.clock()
        cached = self._cache.get((scope, period))
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        report = await self._compute(scope, period)
        if len(self._cache) > 256:
            self._cache.clear()
        self._cache[(scope, period)] = (now, report)
        return report

    async def _compute(self, scope: str, period: Period) -> Report:
        async with self.db.reading() as session:
            names = await aggregates.load_names(session)
            tenant_id = None
            if scope != ALL:
                tenant_id = names.tenant_id(scope)
                if tenant_id is None:
                    raise NotFound()
            detail = await aggregates.load_detail(session, names, period.first, period.last)
            spans = await self._spans(session, scope, tenant_id, period)
            open_cases, overdue = await aggregates.load_open(
                session, period.first, period.last, tenant_id, self.today()
            )
            ratings = await aggregates.load_ratings(session, period.first, period.last, tenant_id)
            stored = await stored_publications.load(
                session, [m for m in period.months if detail.get(m)], self.k
            )
        months = await self._publications(detail, period, stored)
        return Report(
            scope=scope,
            scope_name=names.tenants[tenant_id][1] if tenant_id is not None else "",
            period=period,
            k=self.k,
            months=months,
            agencies={slug: name for slug, name in names.agencies.values()},
            services={slug: name for slug, name in names.services.values()},
            tenants={slug: name for slug, name in names.tenants.values()},
            durations=durations(spans, self.k),
            overdue_share=share(overdue, open_cases, self.k),
            satisfaction=satisfaction(ratings, self.k),
        )


def shift_month(month: str, by: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:]) - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _month_end(month: str) -> dt.date:
    year, number = int(month[:4]), int(month[5:])
    following = dt.date(year + number // 12, number % 12 + 1, 1)
    return following - dt.timedelta(days=1)
