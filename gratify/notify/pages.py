"""The admin's dead-letter page: ``GET /admin/surat`` lists the tenant's dead letters,
``POST /admin/surat/{mail_id}/kirim-ulang`` sends one again (303 back). Anyone but an admin
gets the 404 of a page that does not exist, as on the other admin pages.
``POST /admin/surat/kirim-ulang`` sends all of the region's dead letters again."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from gratify.accounts.admin import ADMIN
from gratify.accounts.admin_pages import ROLE_NAMES
from gratify.accounts.auth import Handler
from gratify.accounts.users import ROLES
from gratify.accounts.views import handler_or_redirect
from gratify.errors import NotFound
from gratify.intake.pages_support import intake_context, utc_now
from gratify.notify.dead_letters import (
    list_dead_letters,
    retry_all_dead_letters,
    retry_dead_letter,
)
from gratify.notify.messages import SUBJECTS
from gratify.web.i18n import gettext
from gratify.web.templating import render

MAIL_PATH = "/admin/surat"
MAX_ID = 2**62


async def _admin(request: Request) -> Handler | Response:
    handler = await handler_or_redirect(request)
    if isinstance(handler, RedirectResponse):
        return handler
    if handler.role != ADMIN:
        raise NotFound()
    return handler


async def dead_letters_page(request: Request) -> Response:
    """``GET /admin/surat``."""
    handler = await _admin(request)
    if not isinstance(handler, Handler):
        return handler
    async with intake_context(request).db.reading() as session:
        letters = await list_dead_letters(session, handler)
    context = {
        "handler": handler,
        "role_names": {role: gettext(ROLE_NAMES[role]) for role in ROLES},
        "letters": letters,
        "subjects": {name: gettext(msgid) for name, msgid in SUBJECTS.items()},
        "retried": request.query_params.get("dikirim") == "1",
    }
    return render(
        request, "accounts/admin_mail.html", context, headers={"Cache-Control": "no-store"}
    )


async def retry(request: Request) -> Response:
    """``POST /admin/surat/{mail_id}/kirim-ulang``."""
    handler = await _admin(request)
    if not isinstance(handler, Handler):
        return handler
    raw = request.path_params["mail_id"]
    if not (isinstance(raw, str) and raw.isdigit() and 0 < len(raw) <= 18):
        raise NotFound()
    await retry_dead_letter(intake_context(request), handler, int(raw), utc_now())
    return RedirectResponse(MAIL_PATH + "?dikirim=1", status_code=303)


async def retry_all(request: Request) -> Response:
    """``POST /admin/surat/kirim-ulang``."""
    handler = await _admin(request)
    if not isinstance(handler, Handler):
        return handler
    await retry_all_dead_letters(intake_context(request), handler, utc_now())
    return RedirectResponse(MAIL_PATH + "?dikirim=1", status_code=303)
