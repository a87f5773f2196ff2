"""What the handler's pages share: the day, words for statuses, kinds and choices (from the
workflow data), the region's names of agencies and units, and reading a posted form.

Nothing here decrypts or writes anything; `pages`, `pages_case` and `pages_actions` are
the views.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping
from urllib.parse import urlencode

from starlette.requests import Request

from gratify.accounts.auth import Handler
from gratify.accounts.models import Tenant
from gratify.accounts.service import list_tenants
from gratify.cases.listing import InboxFilter
from gratify.errors import N_
from gratify.intake.pages_bodies import read_urlencoded
from gratify.intake.pages_forms import format_moment
from gratify.intake.pages_inbox import KIND_NAMES
from gratify.intake.pages_support import app_settings, intake_context, utc_now
from gratify.intake.service import IntakeContext
from gratify.rules.workflow import Workflows, load_workflows
from gratify.web.formatting import format_number
from gratify.web.i18n import gettext

INBOX_PATH = "/kasus"
# The closing message and every reason are at most the service's limit; the other fields
# of a form are short. Percent-encoded UTF-8 takes at most 9 bytes a character.
FORM_OVERHEAD = 8192
DEFAULT_PER_PAGE = InboxFilter().per_page


def today(request: Request) -> dt.date:
    """Today in the installation's time zone: deadlines are days there."""
    return intake_context(request).today(utc_now())


def case_path(case_id: str, section: str | None = None) -> str:
    return f"{INBOX_PATH}/{case_id}" + (f"#{section}" if section else "")


def file_size(size: int) -> str:
    if size < 1024 * 1024:
        return gettext(N_("%(size)s KB"), size=format_number(max(1, round(size / 1024))))
    return gettext(N_("%(size)s MB"), size=format_number(round(size / (1024 * 1024), 1)))


def moment(at: str, timezone: str) -> str:
    """A stored ISO moment (a message, a note) as a person reads it, in the local zone."""
    try:
        when = dt.datetime.fromisoformat(at)
    except ValueError:
        return at
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return format_moment(when.astimezone(zoneinfo.ZoneInfo(timezone)))


async def read_form(request: Request) -> dict[str, str]:
    """A small urlencoded form, in memory and bounded: the first value of each field."""
    limit = app_settings(request).max_text_chars * 9 + FORM_OVERHEAD
    fields = await read_urlencoded(request, limit)
    return {name: values[0] for name, values in fields.items() if values}


def inbox_query(f: InboxFilter, **changes: object) -> str:
    """The query string of the inbox for filter `f` with `changes`; empty values left out."""
    values: dict[str, object] = {
        "status": f.status,
        "kind": f.kind,
        "agency": f.agency,
        "overdue": None if f.overdue is None else ("true" if f.overdue else "false"),
        "sort": None if f.sort == "received" else f.sort,
        "per_page": None if f.per_page == DEFAULT_PER_PAGE else f.per_page,
        "page": None if f.page == 1 else f.page,
    }
    values.update(changes)
    if values["page"] == 1:
        values["page"] = None
    kept = [(k, str(v)) for k, v in values.items() if v is not None and v != ""]
    return "?" + urlencode(kept) if kept else ""


@dataclasses.dataclass(frozen=True, slots=True)
class FormError:
    """What went wrong with one form of the case page, shown beside it.

    `form` names it: ``message``, ``note``, ``steps`` (the step is no longer allowed),
    ``step:<target>``, ``assign``, ``grant``, ``revoke``. `fields` and `message` are
    translated; `values` refill what was typed.
    """

    form: str
    message: str
    status_code: int
    fields: Mapping[str, str] = dataclasses.field(default_factory=dict)
    values: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def field(self, name: str) -> str | None:
        return self.fields.get(name)


class Labels:
    """Words for what the workflow data and the forms name by code, in the reader's
    language."""

    def __init__(self, workflows: Workflows | None = None) -> None:
        self.flows = workflows or load_workflows()

    def kind(self, kind: str) -> str:
        msgid = KIND_NAMES.get(kind)
        return gettext(msgid) if msgid else kind

    def kinds(self) -> list[tuple[str, str]]:
        return [(kind, self.kind(kind)) for kind in self.flows.kinds]

    def status(self, kind: str, status: str) -> str:
        try:
            return gettext(self.flows.of(kind).state(status).label)
        except (KeyError, StopIteration):
            return status

    def statuses(self) -> list[tuple[str, str]]:
        """Every status of every kind, once, in workflow order."""
        seen: dict[str, str] = {}
        for flow in self.flows.kinds.values():
            for state in flow.states:
                seen.setdefault(state.name, gettext(state.label))
        return list(seen.items())

    def any_status(self, status: str) -> str:
        return dict(self.statuses()).get(status, status)

    def outcomes(self) -> list[tuple[str, str]]:
        return [(c.value, gettext(c.label)) for c in self.flows.kpk_outcomes]

    def closing_reasons(self) -> list[tuple[str, str]]:
        return [(c.value, gettext(c.label)) for c in self.flows.closing_reasons]

    def outcome(self, value: str | None) -> str | None:
        if value is None:
            return None
        return dict(self.outcomes()).get(value, value)

    def closing_reason(self, value: str | None) -> str | None:
        if value is None:
            return None
        return dict(self.closing_reasons()).get(value, value)


@dataclasses.dataclass(frozen=True, slots=True)
class Places:
    """The names of the agencies, services and units a unit's cases can name: those of
    the handler's region and of the regions whose inspectorate cases it takes."""

    agencies: dict[str, str]
    services: dict[str, str]
    units: dict[str, str]
    my_unit: str

    def agency(self, slug: str | None) -> str:
        return self.agencies.get(slug, slug) if slug else ""

    def agency_options(self) -> list[tuple[str, str]]:
        return sorted(self.agencies.items(), key=lambda pair: pair[1].casefold())


def _places(handler: Handler, tenants: Iterable[Tenant]) -> Places:
    mine = [t for t in tenants if t.slug == handler.tenant]
    partnered = [
        t
        for t in tenants
        if t.slug != handler.tenant
        and t.partner_unit is not None
        and t.partner_unit.id == handler.unit_id
    ]
    agencies: dict[str, str] = {}
    services: dict[str, str] = {}
    units: dict[str, str] = {}
    for tenant in [*mine, *partnered]:
        for agency in tenant.agencies:
            agencies.setdefault(agency.slug, agency.name)
            for service in agency.services:
                services.setdefault(service.slug, service.name)
    my_unit = ""
    for tenant in mine:
        units.update({u.slug: u.name for u in tenant.units})
        my_unit = next((u.name for u in tenant.units if u.id == handler.unit_id), my_unit)
    return Places(agencies, services, units, my_unit)


async def places(ctx: IntakeContext, handler: Handler) -> Places:
    async with ctx.db.reading() as session:
        tenants = await list_tenants(session)
    return _places(handler, tenants)
