"""Reading the aggregate rows (the database keeps them: migration 0009), names resolved.

Each function reads one aggregate table for a range of months, grouped as the statistics
need it: a few thousand rows at most, whatever the number of cases.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.accounts.models import Agency, Service, Tenant
from gratify.stats.models import StatsCell, StatsDue, StatsDuration, StatsRating
from gratify.stats.publication import BROKER, GRATIFICATION
from gratify.stats.suppression import Key


@dataclasses.dataclass(frozen=True, slots=True)
class Names:
    """Slugs and names of tenants, agencies and services, by id."""

    tenants: dict[int, tuple[str, str]]
    agencies: dict[int, tuple[str, str]]
    services: dict[int, tuple[str, str]]

    def tenant_slug(self, tenant_id: int) -> str:
        return self.tenants[tenant_id][0]

    def agency_slug(self, agency_id: int) -> str:
        return self.agencies.get(agency_id, ("", ""))[0]

    def service_slug(self, service_id: int) -> str:
        return self.services.get(service_id, ("", ""))[0]

    def tenant_id(self, slug: str) -> int | None:
        return next((i for i, (s, _) in self.tenants.items() if s == slug), None)


async def load_names(session: AsyncSession) -> Names:
    """Every tenant, agency and service (small tables)."""
    tenants = {
        i: (s, n) for i, s, n in await session.execute(select(Tenant.id, Tenant.slug, Tenant.name))
    }
    agencies = {
        i: (s, n) for i, s, n in await session.execute(select(Agency.id, Agency.slug, Agency.name))
    }
    services = {
        i: (s, n)
        for i, s, n in await session.execute(select(Service.id, Service.slug, Service.name))
    }
    return Names(tenants, agencies, services)


async def load_detail(
    session: AsyncSession, names: Names, first: str, last: str
) -> dict[str, dict[Key, int]]:
    """The detail cells of `publication` per month, counted by the database: the cube
    (tenant, kind, agency, status), the broker hotspots (tenant, agency, service) and the
    KPK outcomes (tenant, outcome, bracket). Far fewer rows than the counters."""
    c = StatsCell
    within = (c.month >= first, c.month <= last, c.n > 0)
    out: dict[str, dict[Key, int]] = {}

    def add(month: str, key: Key, n: object) -> None:
        out.setdefault(month, {})[key] = int(n)  # type: ignore[call-overload]

    cube = await session.execute(
        select(c.month, c.tenant_id, c.kind, c.agency_id, c.status, func.sum(c.n))
        .where(*within)
        .group_by(c.month, c.tenant_id, c.kind, c.agency_id, c.status)
    )
    for month, t, kind, a, status, n in cube:
        add(month, ("c", names.tenant_slug(t), kind, names.agency_slug(a), status), n)
    hotspots = await session.execute(
        select(c.month, c.tenant_id, c.agency_id, c.service_id, func.sum(c.n))
        .where(*within, c.kind == BROKER)
        .group_by(c.month, c.tenant_id, c.agency_id, c.service_id)
    )
    for month, t, a, s, n in hotspots:
        add(month, ("h", names.tenant_slug(t), names.agency_slug(a), names.service_slug(s)), n)
    outcomes = await session.execute(
        select(c.month, c.tenant_id, c.kpk_outcome, c.value_bracket, func.sum(c.n))
        .where(*within, c.kind == GRATIFICATION, c.kpk_outcome != "")
        .group_by(c.month, c.tenant_id, c.kpk_outcome, c.value_bracket)
    )
    for month, t, outcome, bracket, n in outcomes:
        add(month, ("o", names.tenant_slug(t), outcome, bracket), n)
    return out


@dataclasses.dataclass(frozen=True, slots=True)
class Milestone:
    """Cases received on `start` that reached `measure` on `end` (in the scope)."""

    measure: str
    start: dt.date
    end: dt.date
    n: int


async def load_milestones(
    session: AsyncSession, first: dt.date, last: dt.date, tenant_id: int | None
) -> list[Milestone]:
    """Milestones of cases received between the two days (both included), of every
    region and kind together: the medians and shares are over the whole scope."""
    d = StatsDuration
    query = (
        select(d.measure, d.start_on, d.end_on, func.sum(d.n))
        .where(d.start_on >= first, d.start_on <= last, d.n > 0)
        .group_by(d.measure, d.start_on, d.end_on)
    )
    if tenant_id is not None:
        query = query.where(d.tenant_id == tenant_id)
    return [
        Milestone(measure, start, end, int(n))
        for measure, start, end, n in await session.execute(query)
    ]


async def load_open(
    session: AsyncSession, first: str, last: str, tenant_id: int | None, today: dt.date
) -> tuple[int, int]:
    """Open cases received in the months, and how many of them are past their due date."""
    d = StatsDue
    query = select(
        func.coalesce(func.sum(d.n), 0),
        func.coalesce(func.sum(d.n).filter(d.due_on < today), 0),
    ).where(d.month >= first, d.month <= last)
    if tenant_id is not None:
        query = query.where(d.tenant_id == tenant_id)
    row = (await session.execute(query)).one()
    return int(row[0]), int(row[1])


async def load_ratings(
    session: AsyncSession, first: str, last: str, tenant_id: int | None
) -> dict[str, dict[int, int]]:
    """Scores given per question: question -> score -> count."""
    r = StatsRating
    query = (
        select(r.question, r.score, func.sum(r.n))
        .where(r.month >= first, r.month <= last, r.n > 0)
        .group_by(r.question, r.score)
    )
    if tenant_id is not None:
        query = query.where(r.tenant_id == tenant_id)
    out: dict[str, dict[int, int]] = {}
    for question, score, n in await session.execute(query):
        out.setdefault(question, {})[int(score)] = int(n)
    return out
