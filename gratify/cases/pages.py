"""The handler's inbox page, ``GET /kasus``: their unit's cases, filtered, sorted, paged.

Metadata only, one page at a time from `list_cases` (never all cases); nothing is
decrypted. A plain GET form filters without JavaScript; with htmx, changing a filter swaps
only the results (``templates/cases/_inbox_table.html``) and pushes the URL. Supervisors
also see their unit's overdue cases at the top.

The case page and its forms are in `pages_case` and `pages_actions`.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from gratify.accounts.auth import Handler
from gratify.accounts.views import handler_or_redirect
from gratify.cases.api import inbox_filter
from gratify.cases.grants import SUPERVISOR
from gratify.cases.listing import CasePage, CaseSummary, InboxFilter, list_cases
from gratify.cases.pages_support import INBOX_PATH, Labels, Places, inbox_query, places, today
from gratify.errors import N_, InvalidInput
from gratify.intake.pages_support import intake_context, is_htmx
from gratify.web.formatting import format_date
from gratify.web.i18n import gettext
from gratify.web.paging import pager
from gratify.web.templating import render

# How many overdue cases a supervisor sees above the list; the rest are one link away.
OVERDUE_SHOWN = 10
CONFLICT_DECLARED = N_(
    "You declared a conflict of interest: you can no longer open that case, and it is no "
    "longer assigned to you. Your supervisor gives it to someone else."
)
SORTS = (("received", N_("Newest first")), ("due", N_("Next deadline first")))
OVERDUE_CHOICES = (("true", N_("Overdue only")), ("false", N_("Not overdue")))


def _row(item: CaseSummary, labels: Labels, where: Places) -> dict[str, Any]:
    return {
        "href": f"{INBOX_PATH}/{item.id}",
        "number": item.case_number,
        "kind": labels.kind(item.kind),
        "agency": where.agency(item.agency),
        "status": labels.status(item.kind, item.status),
        "received_on": format_date(item.received_on, "medium"),
        "due_on": format_date(item.due_on, "medium") if item.due_on else None,
        "overdue": item.overdue,
        "assigned_to": item.assigned_to,
    }


def _counts(page: CasePage, f: InboxFilter, labels: Labels) -> list[dict[str, Any]]:
    """Per status, the number of cases under the other filters, as links."""
    return [
        {
            "label": label,
            "count": page.counts[status],
            "href": INBOX_PATH + inbox_query(f, status=status, page=None),
            "current": f.status == status,
        }
        for status, label in labels.statuses()
        if page.counts.get(status)
    ]


def _pager(page: CasePage, f: InboxFilter) -> dict[str, Any]:
    return pager(page.page, page.pages, page.total, lambda n: INBOX_PATH + inbox_query(f, page=n))


async def inbox(request: Request) -> Response:
    """``GET /kasus``: the unit's cases; the results alone for htmx."""
    handler = await handler_or_redirect(request)
    if isinstance(handler, RedirectResponse):
        return handler
    errors: dict[str, str] = {}
    try:
        f = inbox_filter(request)
    except InvalidInput as invalid:
        f = InboxFilter()
        errors = {name: gettext(msgid) for name, msgid in invalid.fields.items()}
    return await _render(request, handler, f, errors)


async def _render(
    request: Request, handler: Handler, f: InboxFilter, errors: dict[str, str]
) -> Response:
    ctx = intake_context(request)
    labels = Labels()
    day = today(request)
    fragment = is_htmx(request)
    overdue: CasePage | None = None
    async with ctx.db.reading() as session:
        page = await list_cases(session, handler, f, day)
        if handler.role == SUPERVISOR and not fragment:
            urgent = InboxFilter(overdue=True, sort="due", per_page=OVERDUE_SHOWN)
            overdue = await list_cases(session, handler, urgent, day)
    where = await places(ctx, handler)
    all_overdue = InboxFilter(overdue=True, sort="due")
    context = {
        "handler": handler,
        "unit_name": where.my_unit,
        "rows": [_row(item, labels, where) for item in page.items],
        "counts": _counts(page, f, labels),
        "all_href": INBOX_PATH + inbox_query(f, status=None, page=None),
        "pager": _pager(page, f),
        "filter": f,
        "overdue_value": "" if f.overdue is None else ("true" if f.overdue else "false"),
        "errors": errors,
        "statuses": labels.statuses(),
        "kinds": labels.kinds(),
        "agencies": where.agency_options(),
        "sorts": [(value, gettext(label)) for value, label in SORTS],
        "overdue_choices": [(value, gettext(label)) for value, label in OVERDUE_CHOICES],
        "overdue_rows": [_row(item, labels, where) for item in overdue.items] if overdue else [],
        "overdue_total": overdue.total if overdue else 0,
        "overdue_href": INBOX_PATH + inbox_query(all_overdue),
        "notice": gettext(CONFLICT_DECLARED) if "konflik" in request.query_params else None,
    }
    template = "cases/_inbox_table.html" if fragment else "cases/inbox.html"
    # The same URL answers a whole page or a fragment: caches must tell them apart.
    status_code = 422 if errors and not fragment else 200
    return render(request, template, context, status_code, {"Vary": "HX-Request"})
