"""Reading the aggregate rows (the database keeps them: migration 0009), names resolved.

Each function reads one aggregate table for a range of months, grouped as the statistics
need it: a few thousand rows at most, whatever the number of cases.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.accounts.models import Agency, Service, Tenant
from gratify.stats.models import StatsCell, StatsDue, StatsDuration, StatsRating
from gratify.stats.publication import Row


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


async def load_cells(session: AsyncSession, names: Names, first: str, last: str) -> list[Row]:
    """The counter rows of every tenant for the months `first`..`last` (YYYY-MM)."""
    c = StatsCell
    rows = await session.execute(
        select(
            c.tenant_id, c.month, c.kind, c.agency_id, c.service_id, c.status,
            c.value_bracket, c.kpk_outcome, c.n,
        ).where(c.month >= first, c.month <= last, c.n > 0)
    )  # fmt: skip
    return [
        Row(
            names.tenant_slug(t), month, kind, names.agency_slug(a), names.service_slug(s),
            status, bracket, outcome, n,
        )
        for t, month, kind, a, s, status, bracket, outcome, n in rows
    ]  # fmt: skip


@dataclasses.dataclass(frozen=True, slots=True)
class Milestone:
    """Cases of a tenant and kind received on `start` that reached `measure` on `end`."""

    tenant: str
    kind: str
    measure: str
    start: dt.date
    end: dt.date
    n: int


async def load_milestones(
    session: AsyncSession, names: Names, first: dt.date, last: dt.date, tenant_id: int | None
) -> list[Milestone]:
    """Milestones of cases received between the two days (both included)."""
    d = StatsDuration
    query = (
        select(d.tenant_id, d.kind, d.measure, d.start_on, d.end_on, func.sum(d.n))
        .where(d.start_on >= first, d.start_on <= last, d.n > 0)
        .group_by(d.tenant_id, d.kind, d.measure, d.start_on, d.end_on)
    )
    if tenant_id is not None:
        query = query.where(d.tenant_id == tenant_id)
    return [
        Milestone(names.tenant_slug(t), kind, measure, start, end, int(n))
        for t, kind, measure, start, end, n in await session.execute(query)
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


def months_of(rows: Sequence[Row]) -> set[str]:
    return {r.month for r in rows}
