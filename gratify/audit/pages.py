"""The audit trail for people: ``GET /jejak-audit`` (the tenant's trail, for auditors and
supervisors) and the rows of a case's own trail on the case page.

The trail page filters by case (number or id), actor (a username of the region,
``reporter``, ``system``, ``operator``), event (a name or a group such as ``case.``) and
days (in the tenants' time zone), one page at a time from the database. A plain GET form
works without JavaScript; with htmx a change swaps only the results
(``templates/audit/_entries.html``) and pushes the URL. Anyone else signed in gets the 404
of a page that does not exist, as from ``GET /api/v1/audit``; a stranger is sent to sign
in. A malformed filter is said on the page (400; 200 inside the htmx fragment, which htmx
only swaps on success). Reading the trail is not recorded: it shows no report content.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_datetime
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from gratify.accounts.auth import Handler
from gratify.accounts.views import handler_or_redirect
from gratify.audit.api import READERS
from gratify.audit.events import ACTOR_OPERATOR, ACTOR_REPORTER, ACTOR_SYSTEM, CATALOGUE
from gratify.audit.listing import ListedEntry
from gratify.audit.reading import (
    EVENT_GROUPS,
    TrailPage,
    TrailQuery,
    case_trail,
    parse_query,
    read_trail,
    user_id_of,
)
from gratify.cases.grants import SUPERVISOR
from gratify.cases.pages_support import Labels, case_path
from gratify.errors import N_, InvalidInput, NotFound
from gratify.intake.pages_support import intake_context, is_htmx
from gratify.web.formatting import format_date
from gratify.web.i18n import current_language, gettext
from gratify.web.paging import pager
from gratify.web.templating import render

TRAIL_PATH = "/jejak-audit"
# How many of a case's entries its page shows; the rest are on the trail page.
CASE_TRAIL_SHOWN = 20
ACTOR_NAMES = {
    ACTOR_REPORTER: N_("Reporter"),
    ACTOR_SYSTEM: N_("System"),
    ACTOR_OPERATOR: N_("Operator (command line)"),
}
GROUP_NAMES = {
    "case.": N_("Cases"),
    "account.": N_("Accounts"),
    "settings.": N_("Settings"),
    "reporter.": N_("Reporters"),
}
DETAIL_NAMES = {
    "kind": N_("Kind"),
    "unit": N_("Unit"),
    "part": N_("Part"),
    "attachment": N_("Attachment"),
    "from": N_("From"),
    "to": N_("To"),
    "reason": N_("Reason"),
    "user": N_("Staff member"),
    "username": N_("Username"),
    "cases_lost": N_("Cases lost"),
    "keys_granted": N_("Keys given"),
    "name": N_("Setting"),
    "change": N_("Change"),
    "format": N_("Format"),
    "message": N_("Message"),
    "note": N_("Note"),
}
FIELD_NAMES = {
    "case": N_("Case"),
    "actor": N_("Who"),
    "event": N_("Event"),
    "since": N_("From date"),
    "until": N_("To date"),
    "page": N_("Page"),
    "per_page": N_("Entries per page"),
}


def trail_href(**params: str | None) -> str:
    """The trail page's URL with these filters (empty ones left out)."""
    kept = {k: v for k, v in params.items() if v}
    return TRAIL_PATH + ("?" + urlencode(kept) if kept else "")


def _moment(at: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    local = at.astimezone(zone)
    text = format_datetime(local, "d MMM y, HH.mm.ss", tzinfo=zone, locale=current_language())
    return f"{text} {local.tzname() or ''}".strip()


class RowMaker:
    """Turns listed entries into what the templates show, in the reader's language."""

    def __init__(
        self,
        reader: Handler,
        trail: TrailPage,
        timezone: str,
        attachments: Mapping[str, str] | None = None,
    ) -> None:
        self.reader = reader
        self.names = trail.names
        self.zone = zoneinfo.ZoneInfo(timezone)
        self.attachments = attachments or {}
        self.labels = Labels()

    def _user(self, user_id: int) -> tuple[str, str]:
        """How a staff member is shown, and how the trail page's actor filter names them."""
        staff = self.names.users.get(user_id)
        if staff is None:
            return f"user:{user_id}", f"user:{user_id}"
        if staff.tenant != self.reader.tenant:
            return f"{staff.username} ({staff.tenant})", f"user:{user_id}"
        return staff.username, staff.username

    def _actor(self, actor: str) -> tuple[str, str]:
        user_id = user_id_of(actor)
        if user_id is not None:
            return self._user(user_id)
        return gettext(ACTOR_NAMES[actor]) if actor in ACTOR_NAMES else actor, actor

    def _value(self, name: str, value: object) -> str:
        if name == "user" and isinstance(value, int) and not isinstance(value, bool):
            return self._user(value)[0]
        if name in ("from", "to") and isinstance(value, str):
            return self.labels.any_status(value)
        if name == "kind" and isinstance(value, str):
            return self.labels.kind(value)
        if name == "attachment" and isinstance(value, str):
            return self.attachments.get(value, value)
        if isinstance(value, bool):
            return gettext(N_("yes")) if value else gettext(N_("no"))
        if value is None:
            return "-"
        if isinstance(value, list):
            return ", ".join(self._value(name, item) for item in value)
        return str(value)

    def row(self, entry: ListedEntry) -> dict[str, Any]:
        spec = CATALOGUE.get(entry.event)
        actor, actor_filter = self._actor(entry.actor)
        day_only = entry.actor == ACTOR_REPORTER
        number = self.names.cases.get(entry.case_id) if entry.case_id else None
        case_filter = number or entry.case_id
        return {
            "seq": entry.seq,
            "when": format_date(entry.at.date(), "medium")
            if day_only
            else _moment(entry.at, self.zone),
            "when_iso": entry.at.date().isoformat() if day_only else entry.at.isoformat(),
            "day_only": day_only,
            "event": entry.event,
            "meaning": gettext(spec.meaning) if spec else entry.event,
            "actor": actor,
            "actor_href": trail_href(actor=actor_filter),
            "case_number": number,
            "case_id": entry.case_id,
            "case_href": case_path(entry.case_id) if entry.case_id and number else None,
            "case_trail_href": trail_href(case=case_filter) if case_filter else None,
            "details": [
                (gettext(DETAIL_NAMES[k]) if k in DETAIL_NAMES else k, self._value(k, v))
                for k, v in entry.details.items()
            ],
        }

    def rows(self, entries: list[ListedEntry]) -> list[dict[str, Any]]:
        return [self.row(entry) for entry in entries]


def event_choices() -> list[dict[str, Any]]:
    """The event select's groups: each group's prefix first, then its events."""
    groups = []
    for prefix in EVENT_GROUPS:
        group = gettext(GROUP_NAMES[prefix]) if prefix in GROUP_NAMES else prefix
        events = [
            (name, gettext(spec.meaning))
            for name, spec in CATALOGUE.items()
            if name.startswith(prefix)
        ]
        groups.append(
            {
                "label": group,
                "all": (prefix, gettext(N_("All: %(group)s"), group=group)),
                "events": events,
            }
        )
    return groups


def _pager(query: TrailQuery, trail: TrailPage) -> dict[str, Any]:
    page = trail.page
    return pager(page.page, page.pages, page.total, lambda n: trail_href(**query.as_params(page=n)))


def _errors(invalid: InvalidInput) -> list[tuple[str, str, str]]:
    """(field id, field name, message) for each field of `invalid`, in the form's order."""
    order = list(FIELD_NAMES)
    fields = sorted(invalid.fields.items(), key=lambda item: order.index(item[0]))
    return [(f"f-{name}", gettext(FIELD_NAMES[name]), gettext(msgid)) for name, msgid in fields]


async def trail_page(request: Request) -> Response:
    """``GET /jejak-audit``: the region's trail, filtered and paged; the results alone for
    htmx."""
    reader = await handler_or_redirect(request)
    if isinstance(reader, RedirectResponse):
        return reader
    if reader.role not in READERS:
        raise NotFound()
    ctx = intake_context(request)
    params = {name: request.query_params.get(name, "") for name in FIELD_NAMES}
    query = TrailQuery()
    trail: TrailPage | None = None
    errors: list[tuple[str, str, str]] = []
    try:
        query = parse_query(params)
        async with ctx.db.reading() as session:
            trail = await read_trail(session, reader.tenant_id, query, ctx.timezone)
    except InvalidInput as invalid:
        errors = _errors(invalid)
    fragment = is_htmx(request)
    context = {
        "handler": reader,
        "typed": params,
        "errors": errors,
        "rows": RowMaker(reader, trail, ctx.timezone).rows(trail.page.entries) if trail else [],
        "pager": _pager(query, trail) if trail else None,
        "event_groups": event_choices(),
        "per_page": query.per_page,
        "case_links": reader.role == SUPERVISOR,
        "show_case": True,
    }
    template = "audit/_entries.html" if fragment else "audit/trail.html"
    status_code = 400 if errors and not fragment else 200
    return render(request, template, context, status_code, {"Vary": "HX-Request"})


async def case_trail_context(
    request: Request, reader: Handler, case_id: str, tenant: str, attachments: Mapping[str, str]
) -> dict[str, Any]:
    """The case page's panel: the case's newest entries (the read that drew the page
    included: it is recorded before this is asked), and for a supervisor of the case's
    own region a link to all of them on the trail page."""
    ctx = intake_context(request)
    async with ctx.db.reading() as session:
        trail = await case_trail(session, case_id, CASE_TRAIL_SHOWN)
    maker = RowMaker(reader, trail, ctx.timezone, attachments)
    number = next(iter(trail.names.cases.values()), None)
    see_all = reader.role == SUPERVISOR and reader.tenant == tenant
    return {
        "rows": maker.rows(trail.page.entries),
        "total": trail.page.total,
        "see_all": trail_href(case=number or case_id) if see_all else None,
    }
