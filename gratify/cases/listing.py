"""A handler's inbox: the cases of their unit they may see, filtered, sorted, paged.

Metadata only (nothing is decrypted to list cases), paged in the database over the
``(unit_id, [status,] received_on, id, ...)`` indexes, never by loading all cases.

Two statements a page, shaped for a unit of tens of thousands of cases (bench/inbox.py):

* the counts per status, from which the page's total follows (the total is the count of
  the chosen status, or the sum of all counts: both use the same conditions). The access
  rule of `access.visible_to` (a key wrapped to the user, no exclusion) is tested here
  against the user's own keys, ``case_keys (user_id, case_id)``, read once as a set,
  instead of one look-up per case in the index of every case's keys;
* the page: its ids from the unit's index in order, each checked with `visible_to`
  until the page is full, then only those rows read, narrow (the metadata it shows,
  not the sealed columns).

The unit's indexes carry every column a filter tests, so neither statement reads the
table for the cases it skips. The counts still match every case of the unit against
the user's keys: about 1 µs a case (bench/RESULTS.md, "Inbox at 1,000,000 cases").
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.accounts.models import Agency, User
from gratify.cases.access import CaseActor, visible_to
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


def _visible_set(user_id: int) -> list[ColumnElement[bool]]:
    """`visible_to` for counting a whole inbox: the user's keys and exclusions each read
    once, as a set (``case_keys (user_id, case_id)``), rather than looked up case by case
    in the index of every case's keys, which costs a random read per case."""
    keys = select(CaseKey.case_id).where(CaseKey.user_id == user_id)
    # ``case_exclusions.case_id`` is part of its primary key, never NULL: NOT IN is safe.
    excluded = select(CaseExclusion.case_id).where(CaseExclusion.user_id == user_id)
    return [Case.id.in_(keys), Case.id.not_in(excluded)]


def _conditions(f: InboxFilter, unit_id: int, today: dt.date) -> list[ColumnElement[bool]]:
    """The inbox's filters but the status and the access rule."""
    conditions: list[ColumnElement[bool]] = [Case.unit_id == unit_id]
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
    base = _conditions(f, actor.unit_id, today)
    filtered = [*base, Case.status == f.status] if f.status else base
    counts = {
        status: count
        for status, count in await session.execute(
            select(Case.status, func.count())
            .where(*base, *_visible_set(actor.user_id))
            .group_by(Case.status)
        )
    }
    # The same conditions as the counts, with the status: no need to count again.
    total = counts.get(f.status, 0) if f.status else sum(counts.values())
    order = (
        [Case.due_on.asc().nulls_last(), Case.id]
        if f.sort == "due"
        else [Case.received_on.desc(), Case.id.desc()]
    )
    # The page's ids first, from the indexes alone; then only those rows are read.
    page_ids = (
        select(Case.id)
        .where(*filtered, visible_to(actor.user_id))
        .order_by(*order)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .subquery()
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
        .join(page_ids, page_ids.c.id == Case.id)
        .outerjoin(Agency, Agency.id == Case.agency_id)
        .outerjoin(User, User.id == Case.assigned_to)
        .order_by(*order)
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
