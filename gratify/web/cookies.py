"""Session cookies, set one way everywhere: HttpOnly, SameSite=Strict, and behind TLS
Secure with the ``__Host-`` prefix (this host only, Path=/), so no other site or
subdomain can read, set or send them."""

from __future__ import annotations

from starlette.responses import Response

from gratify.settings import Settings


def host_cookie_name(base: str, settings: Settings) -> str:
    """``__Host-<base>`` behind TLS, else ``<base>``."""
    return f"__Host-{base}" if settings.secure_cookies else base


def set_session_cookie(response: Response, settings: Settings, base: str, value: str) -> None:
    """A browser-session cookie (no Max-Age): gone when the browser closes."""
    response.set_cookie(
        host_cookie_name(base, settings),
        value,
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="strict",
    )


def delete_session_cookie(response: Response, settings: Settings, base: str) -> None:
    response.delete_cookie(
        host_cookie_name(base, settings),
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="strict",
    )
