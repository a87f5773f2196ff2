"""``GET /kasus/{case_id}/ekspor``: the case file as one self-contained HTML document.

For what leaves the system on purpose: a case forwarded to KPK or to law enforcement,
a court's request, an archive. The file holds the report, the conversation, the notes
and the history (attachments are named, not included: each is downloaded, and audited,
on its own). Its reading is recorded as ``case.exported``, not as an ordinary read: the
content is now outside the system's protection (docs/threat-model.md, "Exports").

The document loads nothing: its own policy (``default-src 'none'``) holds wherever it is
opened, and it is sent as a download, never shown by the site.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from gratify.accounts.views import handler_or_redirect
from gratify.cases import grants
from gratify.cases.pages_case import case_context
from gratify.cases.pages_support import places, today
from gratify.cases.service import open_case
from gratify.intake.pages_support import intake_context
from gratify.web.formatting import format_date
from gratify.web.templating import render

EXPORT_FORMAT = "html"
# What the exported file allows itself, wherever it is opened: nothing at all.
EXPORT_POLICY = "default-src 'none'"


def export_filename(case_number: str) -> str:
    """``kasus-<number>.html``, the number's separators made safe for any file system."""
    return f"kasus-{re.sub(r'[^A-Za-z0-9]+', '-', case_number).strip('-')}.{EXPORT_FORMAT}"


async def export_case(request: Request) -> Response:
    """The case file, decrypted for this handler now and recorded as exported."""
    handler = await handler_or_redirect(request)
    if isinstance(handler, RedirectResponse):
        return handler
    ctx = intake_context(request)
    case_id = request.path_params["case_id"]
    view = await open_case(ctx, handler, case_id, exporting=EXPORT_FORMAT)
    holders = await grants.holders(ctx, handler, case_id)
    context = case_context(request, handler, view, holders, await places(ctx, handler), None)
    context["policy"] = EXPORT_POLICY
    context["exported_on"] = format_date(today(request))
    headers = {
        "Content-Disposition": f'attachment; filename="{export_filename(view.case_number)}"',
        "Content-Security-Policy": EXPORT_POLICY + "; sandbox",
    }
    return render(request, "cases/export.html", context, 200, headers)
