"""Cross-site request forgery: a state-changing request must come from this site's pages.

Two layers. Session cookies are ``SameSite=Strict`` (`web.cookies`), so a browser never
sends them with a request another site starts. And this middleware refuses any POST,
PUT, PATCH or DELETE that a browser says came from elsewhere, by the headers browsers set
themselves and pages cannot forge (OWASP CSRF cheat sheet, "Fetch Metadata" and
"Verifying Origin"):

* ``Sec-Fetch-Site`` when present: only ``same-origin`` (our pages, htmx included) and
  ``none`` (the person's own action, e.g. a bookmark) pass;
* else ``Origin`` when present: its host must be the request's own ``Host``. The opaque
  origin ``null`` passes: our pages' ``no-referrer`` policy makes a browser send ``null``
  with its own form posts (Fetch standard, "append a request Origin header"), and the
  browsers that send no ``Sec-Fetch-Site`` (Safari before 16.4) would otherwise lock
  people out. A forged post with ``null`` (from a sandboxed frame) still carries no
  session cookie (``SameSite=Strict``), and an anonymous endpoint gains an attacker
  nothing a direct request would not.

A request with neither header is not from a current browser (every one sends ``Origin``
with a POST) but a program: the API's clients, with bearer tokens that no other site
can hold. Anonymous reporters are protected too: a forged submission or message is
refused, not only a staff action. The scheme is not compared: behind a TLS proxy the app
sees ``http`` while the browser says ``https``; cookies are ``Secure`` there.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from gratify.errors import N_
from gratify.web.errors import error_response
from gratify.web.i18n import gettext

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})
CROSS_SITE = N_(
    "This form was sent from another website, so it was not accepted. If you did "
    "mean to send it, open this site directly and send it again from here."
)


def is_cross_site(method: str, headers: dict[str, str]) -> bool:
    """Whether a request with `method` and (lower-case) `headers` came from another site."""
    if method.upper() not in UNSAFE_METHODS:
        return False
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site.strip().lower() not in ALLOWED_FETCH_SITES
    origin = headers.get("origin")
    if origin is None:
        return False
    host = headers.get("host", "").strip().lower()
    parts = urlsplit(origin.strip())
    if origin.strip() == "null":
        return False
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return True  # anything else that is not a web origin
    return parts.netloc.lower() != host


class CrossSiteRequestMiddleware:
    """Answer 403 (a page a person understands, or JSON under ``/api/``) to a forged
    request, before any body is read or anything is written."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            if is_cross_site(scope["method"], headers):
                request = Request(scope, receive)
                response = error_response(request, 403, "cross_site", gettext(CROSS_SITE))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
