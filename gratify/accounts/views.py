"""Signing in and out, for pages and for the JSON API, and who the request's user is.

Pages: ``GET /masuk`` (the form: region, username, password, six-digit code; plain HTML,
no JavaScript needed), ``POST /masuk`` (303 to ``/kasus`` with the session cookie),
``POST /keluar``. The cookie is ``__Host-staff`` behind TLS (else ``staff``): HttpOnly,
SameSite=Strict, Path=/, no Max-Age (the server ends the session after 30 idle minutes
or 12 hours anyway). API: ``POST /api/v1/session``, ``GET /api/v1/session``,
``DELETE /api/v1/session`` with a bearer token.

Views that need a signed-in user call `current_handler` (API: bearer token; pages: the
cookie), or on pages `handler_or_redirect`, which sends a stranger to ``/masuk``.
"""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from gratify.accounts.auth import (
    SESSION_ENDED,
    Handler,
    authenticate,
    login,
    logout,
)
from gratify.accounts.service import list_tenants
from gratify.accounts.totp import normalise_code
from gratify.errors import N_, BadRequest, RateLimited, Unauthenticated
from gratify.intake.pages_bodies import first, read_urlencoded
from gratify.intake.service import IntakeContext
from gratify.settings import Settings
from gratify.web.bodies import bearer_token, read_json
from gratify.web.cookies import delete_session_cookie, host_cookie_name, set_session_cookie
from gratify.web.i18n import gettext
from gratify.web.templating import render

LOGIN_PATH = "/masuk"
HOME_PATH = "/kasus"
ADMIN_HOME_PATH = "/admin/pengguna"


def home_path(handler: Handler) -> str:
    """Where a signed-in person starts: admins manage accounts and see no cases."""
    return ADMIN_HOME_PATH if handler.role == "admin" else HOME_PATH


LOGIN_LIMIT = 4096
API_PREFIX = "/api/"
SIGN_IN_FIRST = N_("Sign in first.")
SEND_LOGIN = N_("Send the region, username, password and code.")
CHOOSE_REGION = N_("Choose your region.")
TYPE_USERNAME = N_("Type your username.")
TYPE_PASSWORD = N_("Type your password.")
TYPE_CODE = N_("Type the six-digit code your authenticator app shows now.")
SIGNED_OUT = N_("You have signed out.")
TOO_MANY_LOGINS = N_(
    "Too many failed sign-ins for this account. To protect it from guessing, signing in "
    "is paused. Please try again in about %(minutes)s minutes."
)


def _ctx(request: Request) -> IntakeContext:
    ctx: IntakeContext = request.app.state.intake
    return ctx


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# The cookie ------------------------------------------------------------------------------


def staff_cookie_name(settings: Settings) -> str:
    """``__Host-staff`` behind TLS (Secure, this host only, Path=/), else ``staff``."""
    return host_cookie_name("staff", settings)


def set_staff_cookie(response: Response, settings: Settings, token: str) -> None:
    set_session_cookie(response, settings, "staff", token)


def delete_staff_cookie(response: Response, settings: Settings) -> None:
    delete_session_cookie(response, settings, "staff")


def staff_token(request: Request) -> str | None:
    """The session token in the staff cookie, or None."""
    token = request.cookies.get(staff_cookie_name(_settings(request)))
    if not token or len(token) > 512 or not token.isascii():
        return None
    return token


# Who is asking ---------------------------------------------------------------------------


async def current_handler(request: Request) -> Handler:
    """The signed-in user of this request: by bearer token under ``/api/`` (or whenever an
    ``Authorization`` header is sent), else by the staff cookie. `Unauthenticated` (401)
    without a live session. Checked once a request, then kept on ``request.state``."""
    known = getattr(request.state, "handler", None)
    if isinstance(known, Handler):
        return known
    if request.url.path.startswith(API_PREFIX) or "authorization" in request.headers:
        token = bearer_token(request)
    else:
        cookie = staff_token(request)
        if cookie is None:
            raise Unauthenticated(SIGN_IN_FIRST)
        token = cookie
    handler = await authenticate(_ctx(request), token, _now())
    request.state.handler = handler
    return handler


def _to_login(request: Request, target: str) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    if request.headers.get("hx-request") == "true":
        # htmx would follow a 303 and swap the login page into part of the page; with
        # HX-Redirect on a 200 it loads the login page whole instead.
        response.status_code = 200
        del response.headers["location"]
        response.headers["HX-Redirect"] = target
    return response


async def handler_or_redirect(request: Request) -> Handler | RedirectResponse:
    """For pages: the signed-in user, or a redirect to ``/masuk`` (with a word that the
    session ended, if there was one; under htmx an ``HX-Redirect``). Use as::

        handler = await handler_or_redirect(request)
        if isinstance(handler, RedirectResponse):
            return handler
    """
    try:
        return await current_handler(request)
    except Unauthenticated:
        had_session = staff_token(request) is not None
        response = _to_login(request, LOGIN_PATH + ("?berakhir=1" if had_session else ""))
        if had_session:
            delete_staff_cookie(response, _settings(request))
        return response


# Pages -----------------------------------------------------------------------------------


async def _login_page(
    request: Request,
    *,
    region: str = "",
    username: str = "",
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    async with _ctx(request).db.reading() as session:
        tenants = await list_tenants(session)
    if not region and len(tenants) == 1:
        region = tenants[0].slug
    context = {
        "tenants": tenants,
        "region": region,
        "username": username,
        "errors": errors or {},
        "problem": problem,
        "notice": notice,
    }
    return render(request, "accounts/login.html", context, status_code, headers)


async def login_page(request: Request) -> Response:
    """``GET /masuk``: the sign-in form; straight to ``/kasus`` if already signed in."""
    token = staff_token(request)
    if token is not None:
        try:
            handler = await authenticate(_ctx(request), token, _now())
        except Unauthenticated:
            pass
        else:
            return RedirectResponse(home_path(handler), status_code=303)
    notice = None
    if "berakhir" in request.query_params:
        notice = gettext(SESSION_ENDED)
    elif "keluar" in request.query_params:
        notice = gettext(SIGNED_OUT)
    region = request.query_params.get("wilayah", "")[:64]
    response = await _login_page(request, region=region, notice=notice)
    if token is not None:
        delete_staff_cookie(response, _settings(request))
    return response


async def login_submit(request: Request) -> Response:
    """``POST /masuk``: 303 to ``/kasus`` with the cookie; the form again with 422 for a
    missing field, 401 for any wrong value, 429 while the account's sign-in is paused."""
    fields = await read_urlencoded(request, LOGIN_LIMIT)
    region, username = first(fields, "wilayah"), first(fields, "username").strip()
    password, code = first(fields, "password"), first(fields, "code")
    async with _ctx(request).db.reading() as db_session:
        slugs = {t.slug for t in await list_tenants(db_session)}
    errors: dict[str, str] = {}
    if region not in slugs:
        errors["wilayah"] = gettext(CHOOSE_REGION)
    if not username:
        errors["username"] = gettext(TYPE_USERNAME)
    if not password:
        errors["password"] = gettext(TYPE_PASSWORD)
    if normalise_code(code) is None:
        errors["code"] = gettext(TYPE_CODE)
    shown = username[:64]
    if errors:
        return await _login_page(
            request, region=region, username=shown, errors=errors, status_code=422
        )
    try:
        session = await login(_ctx(request), region, username, password, code, _now())
    except Unauthenticated as failed:
        return await _login_page(
            request,
            region=region,
            username=shown,
            problem=gettext(failed.message),
            status_code=401,
        )
    except RateLimited as limited:
        minutes = max(1, -(-limited.retry_after // 60))
        return await _login_page(
            request,
            region=region,
            username=shown,
            problem=gettext(TOO_MANY_LOGINS, minutes=minutes),
            status_code=429,
            headers={"Retry-After": str(limited.retry_after)},
        )
    handler = await authenticate(_ctx(request), session.token, _now())
    response = RedirectResponse(home_path(handler), status_code=303)
    set_staff_cookie(response, _settings(request), session.token)
    return response


async def logout_submit(request: Request) -> Response:
    """``POST /keluar``: end the session now, forget the cookie, back to ``/masuk``."""
    token = staff_token(request)
    if token is not None:
        await logout(_ctx(request), token)
    response = RedirectResponse(LOGIN_PATH + "?keluar=1", status_code=303)
    delete_staff_cookie(response, _settings(request))
    return response


# JSON API --------------------------------------------------------------------------------


async def api_login(request: Request) -> Response:
    """``POST /api/v1/session``: ``{"tenant", "username", "password", "totp"}`` for
    ``{"token", "expires_at"}``; 401 for any wrong value, 429 while paused."""
    body = await read_json(request, limit=4096)
    names = ("tenant", "username", "password", "totp")
    if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in names):
        raise BadRequest(SEND_LOGIN)
    session = await login(
        _ctx(request), body["tenant"], body["username"], body["password"], body["totp"], _now()
    )
    return JSONResponse({"token": session.token, "expires_at": session.expires_at.isoformat()})


async def api_session(request: Request) -> Response:
    """``GET /api/v1/session``: who the bearer token signs in (and that it still does)."""
    handler = await current_handler(request)
    return JSONResponse(
        {
            "tenant": handler.tenant,
            "username": handler.username,
            "role": handler.role,
        }
    )


async def api_logout(request: Request) -> Response:
    """``DELETE /api/v1/session``: end the session now; 204 (also if it had ended)."""
    await logout(_ctx(request), bearer_token(request))
    return Response(status_code=204)
