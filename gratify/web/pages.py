"""The landing page, the language switch and the health check."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from gratify.accounts.service import list_tenant_names
from gratify.errors import N_, InvalidInput
from gratify.settings import Settings
from gratify.web.i18n import COOKIE_MAX_AGE, LANGUAGES, language_cookie_name
from gratify.web.templating import render

_MAX_NEXT_LENGTH = 2048


async def landing(request: Request) -> Response:
    """``GET /``: what this service is, for whom, and how it protects reporters."""
    async with request.app.state.db.reading() as session:
        tenants = await list_tenant_names(session)
    return render(request, "home/landing.html", {"regions": tenants})


def safe_next(value: object) -> str:
    """`value` if it is a path on this site, else ``/``: the switch never sends anyone away.

    Refuses ``//host`` and ``/\\host`` (browsers read both as another host), absolute
    URLs, and control characters (browsers drop tabs and newlines, which could join
    ``/`` and ``/host`` into ``//host``).
    """
    if not isinstance(value, str) or not value.startswith("/") or len(value) > _MAX_NEXT_LENGTH:
        return "/"
    if value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value


async def switch_language(request: Request) -> Response:
    """``POST /language``: remember the chosen language in a cookie and go back (303)."""
    form = await request.form(max_files=0, max_fields=8)
    language = form.get("lang")
    if language not in LANGUAGES:
        raise InvalidInput(fields={"lang": N_("Choose Bahasa Indonesia or English.")})
    settings: Settings = request.app.state.settings
    response = RedirectResponse(safe_next(form.get("next")), status_code=303)
    response.set_cookie(
        language_cookie_name(settings),
        str(language),
        max_age=COOKIE_MAX_AGE,
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="strict",
    )
    return response


async def healthz(request: Request) -> Response:
    """``GET /healthz``: the process answers; for load balancers."""
    return JSONResponse({"status": "ok"})
