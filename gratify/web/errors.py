"""Errors as answers: the one table from domain error to HTTP status, and the handlers.

Under ``/api/`` an error is JSON ``{"error": {"code": ..., "message": ...}}``; anywhere
else it is the HTML page ``errors/error.html``. Either way the message is in the reader's
language and never carries exception text or a stack trace. An unexpected exception is
logged by its type and route only: no request data, no client address.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gratify.errors import (
    N_,
    BadRequest,
    Conflict,
    Forbidden,
    GratifyError,
    InvalidInput,
    NotFound,
    RateLimited,
    TooLarge,
    Unauthenticated,
    UnsupportedMediaType,
)
from gratify.web.i18n import gettext
from gratify.web.templating import render

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
ERROR_TEMPLATE = "errors/error.html"

STATUS: dict[type[GratifyError], int] = {
    GratifyError: 400,
    BadRequest: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    UnsupportedMediaType: 415,
    InvalidInput: 422,
    RateLimited: 429,
}
"""Every domain error's HTTP status: the only place that knows it."""

# Statuses Starlette raises itself (unknown path, wrong method, body too large…) answer
# like the domain error of the same status; these few have none.
_HTTP_ONLY: dict[int, tuple[str, str]] = {
    405: ("method_not_allowed", N_("This address does not accept this kind of request.")),
}
_FALLBACK = ("http_error", N_("The request could not be completed."))
_INTERNAL = ("internal_error", N_("Something went wrong on our side. Please try again later."))
_BY_STATUS: dict[int, type[GratifyError]] = {
    status: cls for cls, status in STATUS.items() if cls is not GratifyError
}


def status_of(exc: GratifyError) -> int:
    """The HTTP status for `exc`: its own class's, else its nearest listed ancestor's."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_response(
    request: Request,
    status_code: int,
    code: str,
    message: str,
    *,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """JSON under ``/api/``, the HTML error page elsewhere; `message` already translated."""
    if request.url.path.startswith(API_PREFIX):
        body: dict[str, Any] = {"code": code, "message": message}
        if fields:
            body["fields"] = fields
        return JSONResponse({"error": body}, status_code=status_code, headers=headers)
    context = {"status_code": status_code, "code": code, "message": message, "fields": fields}
    return render(request, ERROR_TEMPLATE, context, status_code=status_code, headers=headers)


async def handle_gratify_error(request: Request, exc: Exception) -> Response:
    """A domain error raised by a view or service."""
    assert isinstance(exc, GratifyError)
    status_code = status_of(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if status_code == 401 and request.url.path.startswith(API_PREFIX):
        headers["WWW-Authenticate"] = "Bearer"
    fields = None
    if isinstance(exc, InvalidInput) and exc.fields:
        fields = {name: gettext(msgid) for name, msgid in exc.fields.items()}
    message = gettext(exc.message, **exc.params)
    return error_response(
        request, status_code, exc.code, message, fields=fields, headers=headers or None
    )


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (404 for an unknown path, 405…), without their detail text."""
    assert isinstance(exc, HTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    if exc.status_code in _BY_STATUS:
        domain = _BY_STATUS[exc.status_code]
        code, msgid = domain.code, domain.message
    else:
        code, msgid = _HTTP_ONLY.get(exc.status_code, _FALLBACK)
    headers = dict(exc.headers or {})
    return error_response(request, exc.status_code, code, gettext(msgid), headers=headers)


def exception_handlers() -> dict[Any, Any]:
    """The handlers for ``Starlette(exception_handlers=...)``."""
    return {GratifyError: handle_gratify_error, HTTPException: handle_http_exception}


def route_name(scope: Scope) -> str:
    """The matched route's path template (``/cases/{id}``), never the concrete path."""
    route = scope.get("route")
    if isinstance(route, Mount):
        return str(scope.get("root_path") or "/")
    path_format = getattr(route, "path_format", None)
    if not isinstance(path_format, str):
        return "(no route)"
    return str(scope.get("root_path", "")).rstrip("/") + path_format


class InternalErrorMiddleware:
    """Turns any unexpected exception into a 500 page in the reader's language.

    Starlette's own last-resort handler re-raises the exception to the server, which logs
    its text and traceback, and those may hold report content. This one logs only the
    exception's type and the route, and answers inside the language and header
    middleware, so the 500 page is translated and carries the security headers.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            # Type and route only: a traceback or the exception's text may quote report
            # content or request data.
            kind = f"{type(exc).__module__}.{type(exc).__qualname__}"
            logger.error("unhandled %s on %s %s", kind, scope["method"], route_name(scope))
            if started:
                # Half an answer is out; the server closes the connection.
                return
            response = self._internal_error(scope)
            await response(scope, receive, send)

    @staticmethod
    def _internal_error(scope: Scope) -> Response:
        code, msgid = _INTERNAL
        try:
            return error_response(Request(scope), 500, code, gettext(msgid))
        except Exception as exc:
            logger.error("the 500 page failed too: %s", type(exc).__qualname__)
            return PlainTextResponse("500", status_code=500)
