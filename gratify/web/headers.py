"""Security headers on every response, and who may cache what.

A reporter's page loads nothing from anywhere else (DESIGN principle 4): the
Content-Security-Policy allows only this origin and no inline script or style. Personal
pages are never cached; static files are cached for a year when asked for by their
content hash.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gratify.settings import Settings
from gratify.web.static import STATIC_PREFIX, VERSION_PARAM, static_version

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
}

STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"
NO_STORE = "no-store"
STATIC_IMMUTABLE = "public, max-age=31536000, immutable"
# Unversioned static URLs are rare (a bookmarked file); an hour keeps them fresh enough.
STATIC_SHORT = "public, max-age=3600"


def static_cache_control(path: str, query_string: bytes) -> str:
    """Cache-Control for a static file: immutable only if the URL names its current hash.

    A stale or foreign hash (a page from another release, during a rolling deploy) gets
    the short lifetime, so the wrong content is never pinned under the right name.
    """
    relative = path[len(STATIC_PREFIX) :]
    asked = parse_qs(query_string.decode("latin-1")).get(VERSION_PARAM, [])
    if asked and asked[0] == static_version(relative):
        return STATIC_IMMUTABLE
    return STATIC_SHORT


class SecurityHeadersMiddleware:
    """Adds the security and caching headers to every HTTP response; drops ``Server``."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.headers = dict(SECURITY_HEADERS)
        if settings.secure_cookies:
            self.headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                own_policy = "content-security-policy" in headers
                for name, value in self.headers.items():
                    # A response with a policy of its own (a sandboxed download) keeps it,
                    # and its frame-ancestors decides framing instead of X-Frame-Options.
                    if own_policy and name in ("Content-Security-Policy", "X-Frame-Options"):
                        continue
                    headers[name] = value
                del headers["server"]
                if path.startswith(STATIC_PREFIX) and message["status"] in (200, 304):
                    headers["Cache-Control"] = static_cache_control(
                        path, scope.get("query_string", b"")
                    )
                else:
                    headers.setdefault("Cache-Control", NO_STORE)
            await send(message)

        await self.app(scope, receive, send_with_headers)
