"""A handler's inbox: the cases of their unit they may see, filtered, sorted, paged.

Metadata only (nothing is decrypted to list cases), paged in the database over the
``(unit_id, status, received_on, id)`` indexes, never by loading all cases.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.accounts.models import Agency, User
from gratify.cases.access import CaseActor, visible_to
from gratify.intake.models import Case

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


def _conditions(actor: CaseActor, f: InboxFilter, today: dt.date) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Case.unit_id == actor.unit_id,
        visible_to(actor.user_id),
    ]
    if f.kind:
        conditions.append(Case.kind == f.kind)
    if f.agency:
        conditions.append(
            Case.agency_id.in_(select(Agency.id).where(Agency.slug == f.agency).scalar_subquery())
        )
    if f.overdue is True:
        conditions += [Case.due_on.is_not(None), Case.due_on < today]
    elif f.overdue is False:
        conditions.append((Case.due_on.is_(None)) | (Case.due_on >= today))
    return conditions


async def list_cases(
    session: AsyncSession, actor: CaseActor, f: InboxFilter, today: dt.date
) -> CasePage:
    """One page of the actor's unit's cases, the total, and counts per status."""
    if actor.unit_id is None:
        return CasePage([], 0, {}, 1, f.per_page)
    per_page = min(max(f.per_page, 1), MAX_PER_PAGE)
    page = max(f.page, 1)
    base = _conditions(actor, f, today)
    filtered = [*base, Case.status == f.status] if f.status else base
    counts = {
        status: count
        for status, count in await session.execute(
            select(Case.status, func.count()).where(*base).group_by(Case.status)
        )
    }
    total = await session.scalar(select(func.count()).select_from(Case).where(*filtered)) or 0
    order = (
        [Case.due_on.asc().nulls_last(), Case.id]
        if f.sort == "due"
        else [Case.received_on.desc(), Case.id.desc()]
    )
    query = (
        select(Case, Agency.slug, User.username)
        .outerjoin(Agency, Agency.id == Case.agency_id)
        .outerjoin(User, User.id == Case.assigned_to)
        .where(*filtered)
        .order_by(*order)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    items = [
        CaseSummary(
            id=case.id,
            case_number=case.case_number,
            kind=case.kind,
            status=case.status,
            agency=agency,
            received_on=case.received_on,
            due_on=case.due_on,
            overdue=case.due_on is not None and case.due_on < today,
            assigned_to=username,
        )
        for case, agency, username in await session.execute(query)
    ]
    return CasePage(items, total, counts, page, per_page)
