"""A handler's inbox: the cases of their unit they may see, filtered, sorted, paged.

Metadata only (nothing is decrypted to list cases), paged in the database, never by
loading all cases.

A handler's inbox is their own key rows: each ``case_keys`` row carries a copy of its
case's inbox columns (kept by the database, `gratify.intake.models.CaseKey`), so the
right to see a case (a key wrapped to the user) and the columns the inbox filters and
sorts on are in one index, ``(user_id, unit_id, received_on | status | due_on, ...)``.
Two statements a page, each one range of that index (bench/inbox.py):

* the counts per status, from which the page's total follows (the total is the count of
  the chosen status, or the sum of all counts: both use the same conditions);
* the page: its ids from the index in order, then only those rows of ``cases`` read,
  narrow (the metadata it shows, not the sealed columns).

The unit is a condition, not implied by the key: a handler moved to another unit keeps
their keys but sees the new unit's inbox.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.accounts.models import Agency, Tenant, Unit, User
from gratify.cases.access import CaseActor
from gratify.intake.models import Case, CaseExclusion, CaseKey

MAX_PER_PAGE = 100
SORTS = ("received", "due")


@dataclasses.dataclass(frozen=True, slots=True)
class InboxFilter:
    status: str | None = None
    kind: str | None = None
    agency: str | None = None
    overdue: bool | None = None
    sort: str = "received"
    page: int = 1
    per_page: int = 25


@dataclasses.dataclass(frozen=True, slots=True)
class CaseSummary:
    id: str
    case_number: str
    kind: str
    status: str
    agency: str | None
    received_on: dt.date
    due_on: dt.date | None
    overdue: bool
    assigned_to: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class CasePage:
    items: list[CaseSummary]
    total: int
    counts: dict[str, int]
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _conditions(
    f: InboxFilter, actor: CaseActor, unit_id: int, today: dt.date
) -> list[ColumnElement[bool]]:
    """The inbox's filters but the status, on the user's own key rows.

    The access rule of `access.visible_to`: a key wrapped to the user (these rows), and
    no exclusion, read once as a set (``case_exclusions.case_id`` is part of its primary
    key, never NULL: NOT IN is safe).
    """
    excluded = select(CaseExclusion.case_id).where(CaseExclusion.user_id == actor.user_id)
    conditions: list[ColumnElement[bool]] = [
        CaseKey.user_id == actor.user_id,
        CaseKey.unit_id == unit_id,
        CaseKey.case_id.not_in(excluded),
    ]
    if f.kind:
        conditions.append(CaseKey.kind == f.kind)
    if f.agency:
        # The agency of that slug in each region whose cases reach this unit: its own,
        # and those whose inspectorate it receives (the inbox's agency choices, merged by
        # slug); no such agency matches nothing.
        regions = (
            select(Unit.tenant_id)
            .where(Unit.id == unit_id)
            .union(select(Tenant.id).where(Tenant.partner_unit_id == unit_id))
        )
        agencies = select(Agency.id).where(Agency.slug == f.agency, Agency.tenant_id.in_(regions))
        conditions.append(CaseKey.agency_id.in_(agencies))
    if f.overdue is True:
        conditions += [CaseKey.due_on.is_not(None), CaseKey.due_on < today]
    elif f.overdue is False:
        conditions.append((CaseKey.due_on.is_(None)) | (CaseKey.due_on >= today))
    return conditions


async def list_cases(
    session: AsyncSession, actor: CaseActor, f: InboxFilter, today: dt.date
) -> CasePage:
    """One page of the actor's unit's cases, the total, and counts per status."""
    if actor.unit_id is None:
        return CasePage([], 0, {}, 1, f.per_page)
    per_page = min(max(f.per_page, 1), MAX_PER_PAGE)
    page = max(f.page, 1)
    base = _conditions(f, actor, actor.unit_id, today)
    filtered = [*base, CaseKey.status == f.status] if f.status else base
    counts = {
        status: count
        for status, count in await session.execute(
            select(CaseKey.status, func.count()).where(*base).group_by(CaseKey.status)
        )
        if status is not None
    }
    # The same conditions as the counts, with the status: no need to count again.
    total = counts.get(f.status, 0) if f.status else sum(counts.values())
    order = (
        [CaseKey.due_on.asc().nulls_last(), CaseKey.case_id]
        if f.sort == "due"
        else [CaseKey.received_on.desc(), CaseKey.case_id.desc()]
    )
    # The page's ids first, from the user's inbox index alone; then only those rows.
    page_ids = (
        select(CaseKey.case_id)
        .where(*filtered)
        .order_by(*order)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .subquery()
    )
    case_order = (
        [Case.due_on.asc().nulls_last(), Case.id]
        if f.sort == "due"
        else [Case.received_on.desc(), Case.id.desc()]
    )
    query = (
        select(
            Case.id,
            Case.case_number,
            Case.kind,
            Case.status,
            Case.received_on,
            Case.due_on,
            Agency.slug,
            User.username,
        )
        .join(page_ids, page_ids.c.case_id == Case.id)
        .outerjoin(Agency, Agency.id == Case.agency_id)
        .outerjoin(User, User.id == Case.assigned_to)
        .order_by(*case_order)
    )
    items = [
        CaseSummary(
            id=case_id,
            case_number=case_number,
            kind=kind,
            status=status,
            agency=agency,
            received_on=received_on,
            due_on=due_on,
            overdue=due_on is not None and due_on < today,
            assigned_to=username,
        )
        for (
            case_id,
            case_number,
            kind,
            status,
            received_on,
            due_on,
            agency,
            username,
        ) in await session.execute(query)
    ]
    return CasePage(items, total, counts, page, per_page)
