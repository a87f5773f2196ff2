"""Reading the trail: one page of a tenant's entries, newest first, with filters (for the
auditors' page, a case's history and ``GET /api/v1/audit``). Read-only: nothing in the
app edits or deletes an entry."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.audit.models import AuditEntry

MAX_PER_PAGE = 200


@dataclasses.dataclass(frozen=True, slots=True)
class ListedEntry:
    seq: int
    event: str
    actor: str
    case_id: str | None
    at: dt.datetime
    details: dict[str, object]

    def as_json(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "event": self.event,
            "actor": self.actor,
            "case": self.case_id,
            "at": self.at.isoformat().replace("+00:00", "Z"),
            "details": self.details,
        }


@dataclasses.dataclass(frozen=True, slots=True)
class EntryPage:
    entries: list[ListedEntry]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


async def list_entries(
    session: AsyncSession,
    tenant_id: int,
    *,
    case_id: str | None = None,
    event: str | None = None,
    actor: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    page: int = 1,
    per_page: int = 50,
) -> EntryPage:
    """Page `page` (from 1) of the tenant's entries, newest first. `event` matches a name
    or a prefix ending in a dot (``case.``); `since`/`until` bound the time (inclusive,
    exclusive). The caller checks the reader's role (auditor, supervisor)."""
    page = max(1, page)
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    table = AuditEntry.__table__
    conditions = [table.c.tenant_id == tenant_id]
    if case_id is not None:
        conditions.append(table.c.case_id == case_id)
    if event:
        if event.endswith("."):
            conditions.append(table.c.event.startswith(event, autoescape=True))
        else:
            conditions.append(table.c.event == event)
    if actor is not None:
        conditions.append(table.c.actor == actor)
    if since is not None:
        conditions.append(table.c.at >= since)
    if until is not None:
        conditions.append(table.c.at < until)
    total = int(
        await session.scalar(select(func.count()).select_from(table).where(*conditions)) or 0
    )
    rows = (
        await session.execute(
            select(table)
            .where(*conditions)
            .order_by(table.c.seq.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    ).all()
    entries = []
    for row in rows:
        try:
            details = json.loads(row.details)
        except ValueError:
            details = {}
        entries.append(
            ListedEntry(
                seq=row.seq,
                event=row.event,
                actor=row.actor,
                case_id=row.case_id,
                at=row.at,
                details=details if isinstance(details, dict) else {},
            )
        )
    return EntryPage(entries, total, page, per_page)
