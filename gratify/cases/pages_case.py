"""The case page, ``GET /kasus/{case_id}``, its attachments, and the conflict-of-interest
confirmation.

The case is decrypted for this request only (`open_case`). Any case the handler may not
see is the 404 of a case that does not exist: the services raise `NotFound` alike. The
page, and each section htmx swaps after a form (``templates/cases/_*.html``), are drawn
by `render_case`, which the forms of `pages_actions` call again to show an error beside
the form that caused it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from gratify.accounts.auth import Handler
from gratify.accounts.users import CASE_ROLES
from gratify.accounts.views import handler_or_redirect
from gratify.audit.pages import case_trail_context
from gratify.cases import grants
from gratify.cases.downloads import SAFE_INLINE, attachment_response
from gratify.cases.grants import SUPERVISOR, Holder
from gratify.cases.pages_support import (
    FormError,
    Labels,
    Places,
    case_path,
    file_size,
    moment,
    places,
    today,
)
from gratify.cases.service import CaseView, HistoryEntry, open_case
from gratify.errors import N_
from gratify.intake.attachments import AttachmentMeta
from gratify.intake.pages_forms import answer_rows
from gratify.intake.pages_support import app_settings, intake_context
from gratify.web.formatting import format_date
from gratify.web.headers import CONTENT_SECURITY_POLICY
from gratify.web.i18n import gettext
from gratify.web.templating import render

# The case page frames previews of its own attachments (each sandboxed, see `attachment`).
CASE_PAGE_POLICY = CONTENT_SECURITY_POLICY + "; frame-src 'self'"
# Images only: browsers refuse to run their PDF viewer in a sandboxed frame (Chromium
# shows an empty box), and the sandbox is not negotiable; a PDF is downloaded instead.
PREVIEWED = frozenset(t for t in SAFE_INLINE if t.startswith("image/"))
ROLE_NAMES = {"handler": N_("handler"), "supervisor": N_("supervisor")}
DETAIL_NAMES = {
    "outcome": N_("KPK's decision"),
    "decision_number": N_("Decision letter number"),
    "decision_date": N_("Decision date"),
    "closing_reason": N_("Closing reason"),
}


def _attachment(case_id: str, meta: AttachmentMeta) -> dict[str, Any]:
    href = f"{case_path(case_id)}/lampiran/{meta.id}"
    return {
        "name": meta.filename,
        "size": file_size(meta.size),
        "cleaned": meta.cleaned,
        "href": href,
        "preview": f"{href}?inline=1" if meta.content_type in PREVIEWED else None,
    }


def _history(view: CaseView, entry: HistoryEntry, labels: Labels) -> dict[str, Any]:
    details = []
    for name, value in entry.details.items():
        shown = str(value)
        if name == "outcome":
            shown = labels.outcome(shown) or shown
        elif name == "closing_reason":
            shown = labels.closing_reason(shown) or shown
        elif name == "decision_date":
            with contextlib.suppress(ValueError):
                shown = format_date(dt.date.fromisoformat(shown))
        details.append((gettext(DETAIL_NAMES[name]) if name in DETAIL_NAMES else name, shown))
    return {
        "from": labels.status(view.kind, entry.from_status),
        "to": labels.status(view.kind, entry.to_status),
        "by": entry.actor,
        "on": format_date(entry.on),
        "reason": entry.reason,
        "details": details,
    }


def _error_links(error: FormError | None, is_supervisor: bool) -> list[tuple[str, str]]:
    """The error summary's lines, each linking to its field (or its form)."""
    if error is None:
        return []
    if error.form.startswith("step:"):
        prefix = f"s-{error.form.removeprefix('step:')}-"
        return [(text, prefix + name) for name, text in error.fields.items()] or [
            (error.message, "langkah")
        ]
    fields = {
        "message": "f-message",
        "note": "f-note",
        "grant": "f-grant",
        "assign": "f-assign" if is_supervisor else "penanganan",
    }
    anchor = fields.get(error.form, "penanganan" if error.form == "revoke" else "langkah")
    texts = list(error.fields.values()) or [error.message]
    return [(text, anchor) for text in texts]


def _holders(rows: list[Holder]) -> list[dict[str, Any]]:
    return [
        {
            "username": h.username,
            "role": gettext(ROLE_NAMES[h.role]) if h.role in ROLE_NAMES else h.role,
            "assigned": h.assigned,
            "assignable": h.role in CASE_ROLES,
        }
        for h in rows
    ]


def case_context(
    request: Request,
    handler: Handler,
    view: CaseView,
    holders: list[Holder],
    where: Places,
    error: FormError | None,
) -> dict[str, Any]:
    """Everything the case page and its sections show."""
    ctx = intake_context(request)
    settings = app_settings(request)
    labels = Labels()
    flow = labels.flows.of(view.kind)
    day = today(request)
    form = ctx.forms_for(view.tenant).form(view.kind)
    services = dict(where.services)
    return {
        "handler": handler,
        "view": view,
        "base": case_path(view.id),
        "kind": labels.kind(view.kind),
        "agency": where.agency(view.agency),
        "service": services.get(view.service, view.service) if view.service else None,
        "unit": where.units.get(view.unit, view.unit),
        "status": labels.status(view.kind, view.status),
        "status_since": format_date(view.status_since) if view.status_since else None,
        "due_on": format_date(view.due_on) if view.due_on else None,
        "overdue": view.due_on is not None and view.due_on < day,
        "final": flow.state(view.status).final,
        "kpk_outcome": labels.outcome(view.kpk_outcome),
        "closing_reason": labels.closing_reason(view.closing_reason),
        "answers": answer_rows(form, view.answers, services),
        "attachments": [_attachment(view.id, a) for a in view.attachments],
        "messages": [
            {
                "from_reporter": m.sender == "reporter",
                "body": m.body,
                "at": moment(m.at, settings.timezone),
            }
            for m in view.messages
        ],
        "notes": [
            {"author": n.author, "body": n.body, "at": moment(n.at, settings.timezone)}
            for n in view.notes
        ],
        "history": [_history(view, entry, labels) for entry in view.history],
        "steps": [
            {
                "target": t.target,
                "label": gettext(t.label),
                "to_label": labels.status(view.kind, t.target),
                "requires": t.requires,
                "final": flow.state(t.target).final,
            }
            for t in view.next_steps
        ],
        "outcomes": labels.outcomes(),
        "closing_reasons": labels.closing_reasons(),
        "today": day.isoformat(),
        "holders": _holders(holders),
        "is_supervisor": handler.role == SUPERVISOR,
        "assigned_to_me": view.assigned_to == handler.username,
        "error": error,
        "error_links": _error_links(error, handler.role == SUPERVISOR),
        "max_chars": settings.max_text_chars,
        "oob": False,
    }


async def render_case(
    request: Request,
    handler: Handler,
    case_id: str,
    *,
    error: FormError | None = None,
    fragment: str | None = None,
) -> Response:
    """The case page, or one of its sections (`fragment`, for htmx).

    A page with an error answers with the error's status (422, 409, 403); a fragment
    answers 200 with the error inside, since htmx swaps only successful answers.
    """
    ctx = intake_context(request)
    view = await open_case(ctx, handler, case_id)
    holders = await grants.holders(ctx, handler, case_id)
    where = await places(ctx, handler)
    context = case_context(request, handler, view, holders, where, error)
    # After `open_case`, so the read that draws this page is in its own trail.
    files = {a.id: a.filename for a in view.attachments}
    context["trail"] = await case_trail_context(request, handler, view.id, view.tenant, files)
    headers = {"Vary": "HX-Request"}
    if fragment is not None:
        # The section the form changed, and the case's trail, which now records the form.
        context["fragment"] = fragment
        return render(request, "cases/_with_trail.html", context, 200, headers)
    headers["Content-Security-Policy"] = CASE_PAGE_POLICY
    status_code = error.status_code if error else 200
    return render(request, "cases/case.html", context, status_code, headers)


async def case_page(request: Request) -> Response:
    """``GET /kasus/{case_id}``: the case, decrypted for this handler now."""
    handler = await handler_or_redirect(request)
    if isinstance(handler, RedirectResponse):
        return handler
    return await render_case(request, handler, request.path_params["case_id"])


async def attachment(request: Request) -> Response:
    """``GET /kasus/{case_id}/lampiran/{attachment_id}``: the file, decrypted as it
    streams; ``?inline=1`` shows an image or PDF in the case page's sandboxed frame.

    The same response as the API's (`downloads.attachment_response`), except that an
    inline preview may be framed by this site's own case page.
    """
    handler = await handler_or_redirect(request)
    if isinstance(handler, RedirectResponse):
        return handler
    return await attachment_response(
        intake_context(request),
        handler,
        request.path_params["case_id"],
        request.path_params["attachment_id"],
        inline=request.query_params.get("inline") == "1",
        framed_by_site=True,
    )


async def conflict_page(request: Request) -> Response:
    """``GET /kasus/{case_id}/konflik``: are you sure? (a page, so no JavaScript is needed)."""
    handler = await handler_or_redirect(request)
    if isinstance(handler, RedirectResponse):
        return handler
    view = await open_case(intake_context(request), handler, request.path_params["case_id"])
    context = {"handler": handler, "view": view, "base": case_path(view.id)}
    return render(request, "cases/conflict.html", context)
