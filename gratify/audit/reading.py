"""Reading the trail as people do: the filters of the trail page checked and resolved (a
username to its ``user:<id>``, a case number to its case, days in the tenants' time zone
to moments), and the names behind an entry's ids (staff usernames, case numbers).

Services for ``GET /jejak-audit`` (`gratify.audit.pages`) and the case page's own trail;
the query itself is `listing.list_entries`. Read-only: nothing here writes, and reading
the trail is not itself recorded (it shows no report content).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.accounts.models import Tenant, User
from gratify.audit.events import ACTOR_OPERATOR, ACTOR_REPORTER, ACTOR_SYSTEM, CATALOGUE
from gratify.audit.listing import EntryPage, ListedEntry, list_entries
from gratify.errors import N_, InvalidInput
from gratify.intake.models import Case

__all__ = [
    "DEFAULT_PER_PAGE",
    "EVENT_GROUPS",
    "MAX_PER_PAGE",
    "Names",
    "TrailPage",
    "TrailQuery",
    "case_trail",
    "day_bounds",
    "parse_query",
    "read_trail",
]

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_PAGE = 1_000_000
KEYWORD_ACTORS = (ACTOR_REPORTER, ACTOR_SYSTEM, ACTOR_OPERATOR)
# The catalogue's groups, in its order: ``case.``, ``account.``, ``settings.``, ``reporter.``.
EVENT_GROUPS: tuple[str, ...] = tuple(
    dict.fromkeys(name.split(".", 1)[0] + "." for name in CATALOGUE)
)

_CASE_ID = re.compile(r"[0-9a-f]{32}")
_CASE_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9-]{0,79}")
_USER_ACTOR = re.compile(r"user:([1-9][0-9]{0,18})")
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

BAD_CASE = N_("Write a case number (such as METRO-2026-000042) or a case id.")
NO_CASE = N_("This region has no case with this number.")
BAD_ACTOR = N_("Write a username, or: reporter, system or operator.")
NO_USER = N_("This region has no staff member with this username.")
BAD_EVENT = N_("Choose an event from the list.")
BAD_DAY = N_("Write the date as YYYY-MM-DD, for example 2026-01-31.")
UNTIL_BEFORE_SINCE = N_("The end date is before the start date.")
BAD_NUMBER = N_("Please give a whole number.")


@dataclasses.dataclass(frozen=True, slots=True)
class TrailQuery:
    """The trail page's filters, checked for form but not yet resolved: `case` is a case
    id or a case number, `actor` a username, ``user:<id>`` or a keyword actor; `since` and
    `until` are days in the tenants' time zone, both included."""

    case: str | None = None
    actor: str | None = None
    event: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    def as_params(self, **changes: object) -> dict[str, str]:
        """The query as the page's query string would carry it (defaults left out)."""
        values: dict[str, object] = {
            "case": self.case,
            "actor": self.actor,
            "event": self.event,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "per_page": None if self.per_page == DEFAULT_PER_PAGE else self.per_page,
            "page": None if self.page == 1 else self.page,
        }
        values.update(changes)
        if values.get("page") == 1:
            values["page"] = None
        return {k: str(v) for k, v in values.items() if v is not None and v != ""}


def _whole(raw: str | None, default: int, ceiling: int) -> int | None:
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not 0 < int(raw) <= ceiling:
        return None
    return int(raw)


def _day(raw: str) -> dt.date | None:
    if not _DAY.fullmatch(raw):
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


def parse_query(params: Mapping[str, str]) -> TrailQuery:
    """The filters from the page's query string; `InvalidInput` naming every field that is
    malformed (an unknown username or case number is found later, by `read_trail`)."""
    errors: dict[str, str] = {}
    case = (params.get("case") or "").strip() or None
    if case is not None:
        if _CASE_ID.fullmatch(case.lower()):
            case = case.lower()
        elif _CASE_NUMBER.fullmatch(case.upper()):
            case = case.upper()
        else:
            errors["case"] = BAD_CASE
    actor = (params.get("actor") or "").strip() or None
    if actor is not None and not (
        actor in KEYWORD_ACTORS or _USER_ACTOR.fullmatch(actor) or _USERNAME.fullmatch(actor)
    ):
        errors["actor"] = BAD_ACTOR
    event = (params.get("event") or "").strip() or None
    if event is not None and event not in CATALOGUE and event not in EVENT_GROUPS:
        errors["event"] = BAD_EVENT
    days: dict[str, dt.date | None] = {}
    for name in ("since", "until"):
        raw = (params.get(name) or "").strip()
        days[name] = _day(raw) if raw else None
        if raw and days[name] is None:
            errors[name] = BAD_DAY
    since, until = days["since"], days["until"]
    if since is not None and until is not None and since > until:
        errors["until"] = UNTIL_BEFORE_SINCE
    page = _whole(params.get("page"), 1, MAX_PAGE)
    per_page = _whole(params.get("per_page"), DEFAULT_PER_PAGE, MAX_PER_PAGE)
    for name, value in (("page", page), ("per_page", per_page)):
        if value is None:
            errors[name] = BAD_NUMBER
    if errors:
        raise InvalidInput(fields=errors)
    assert page is not None
    assert per_page is not None
    return TrailQuery(case, actor, event, since, until, page, per_page)


def day_bounds(
    since: dt.date | None, until: dt.date | None, timezone: str
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The moments (UTC) that start day `since` and end day `until` in `timezone`: the
    inclusive and exclusive bounds `list_entries` takes."""
    zone = zoneinfo.ZoneInfo(timezone)

    def start(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)

    return (
        start(since) if since else None,
        start(until + dt.timedelta(days=1)) if until else None,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class StaffName:
    username: str
    tenant: str


@dataclasses.dataclass(frozen=True, slots=True)
class Names:
    """Who and what an entry's ids are: staff by user id (with their region's slug, since
    a partner region's inspectorate may act on a case), case numbers by case id."""

    users: dict[int, StaffName] = dataclasses.field(default_factory=dict)
    cases: dict[str, str] = dataclasses.field(default_factory=dict)


def user_id_of(actor: str) -> int | None:
    """The id of an actor ``user:<id>``; None for a keyword actor."""
    found = _USER_ACTOR.fullmatch(actor)
    return int(found.group(1)) if found else None


async def names_for(session: AsyncSession, entries: Iterable[ListedEntry]) -> Names:
    """The usernames of the entries' actors and of their ``user`` details, and the numbers
    of their cases (ids of deleted users or cases are simply missing)."""
    user_ids: set[int] = set()
    case_ids: set[str] = set()
    for entry in entries:
        actor_id = user_id_of(entry.actor)
        if actor_id is not None:
            user_ids.add(actor_id)
        detail = entry.details.get("user")
        if isinstance(detail, int) and not isinstance(detail, bool):
            user_ids.add(detail)
        if entry.case_id is not None:
            case_ids.add(entry.case_id)
    users: dict[int, StaffName] = {}
    if user_ids:
        rows = await session.execute(
            select(User.id, User.username, Tenant.slug)
            .join(Tenant, Tenant.id == User.tenant_id)
            .where(User.id.in_(user_ids))
        )
        users = {user_id: StaffName(username, slug) for user_id, username, slug in rows}
    cases: dict[str, str] = {}
    if case_ids:
        numbers = await session.execute(
            select(Case.id, Case.case_number).where(Case.id.in_(case_ids))
        )
        cases = {case_id: number for case_id, number in numbers}
    return Names(users, cases)


@dataclasses.dataclass(frozen=True, slots=True)
class TrailPage:
    """One page of entries and the names behind them."""

    page: EntryPage
    names: Names


async def _resolve_case(session: AsyncSession, tenant_id: int, case: str) -> str:
    if _CASE_ID.fullmatch(case):
        return case
    found = await session.scalar(
        select(Case.id).where(Case.tenant_id == tenant_id, Case.case_number == case)
    )
    if found is None:
        raise InvalidInput(fields={"case": NO_CASE})
    return found


async def _resolve_actor(session: AsyncSession, tenant_id: int, actor: str) -> str:
    if actor in KEYWORD_ACTORS or _USER_ACTOR.fullmatch(actor):
        return actor
    found = await session.scalar(
        select(User.id).where(User.tenant_id == tenant_id, User.username == actor)
    )
    if found is None:
        raise InvalidInput(fields={"actor": NO_USER})
    return f"user:{found}"


async def read_trail(
    session: AsyncSession, tenant_id: int, query: TrailQuery, timezone: str
) -> TrailPage:
    """One page of the tenant's trail under `query` (from `parse_query`), newest first.

    A case number and a username are looked up in the tenant: one that is not there is
    `InvalidInput` on its field. A case id is taken as given: another tenant's case simply
    has no entries in this tenant's trail. The caller checks the reader's role.
    """
    case_id = await _resolve_case(session, tenant_id, query.case) if query.case else None
    actor = await _resolve_actor(session, tenant_id, query.actor) if query.actor else None
    since, until = day_bounds(query.since, query.until, timezone)
    page = await list_entries(
        session,
        tenant_id,
        case_id=case_id,
        event=query.event,
        actor=actor,
        since=since,
        until=until,
        page=query.page,
        per_page=query.per_page,
    )
    return TrailPage(page, await names_for(session, page.entries))


async def case_trail(session: AsyncSession, case_id: str, limit: int) -> TrailPage:
    """The newest `limit` entries about one case, from its own tenant's trail (a case
    about an inspectorate is worked by a partner region's staff, but its entries are in
    the trail of the region that received it). The caller has opened the case: only
    those who may read a case see its trail. An unknown case has no entries."""
    tenant_id = await session.scalar(select(Case.tenant_id).where(Case.id == case_id))
    if tenant_id is None:
        return TrailPage(EntryPage([], 0, 1, limit), Names())
    page = await list_entries(session, tenant_id, case_id=case_id, per_page=limit)
    return TrailPage(page, await names_for(session, page.entries))
