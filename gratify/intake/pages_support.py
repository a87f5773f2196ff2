"""What the reporter's pages share: kinds in URLs, cookies and the one-time receipt flash.

The receipt flash carries a new report's case number, receipt code and acknowledgement
from ``POST /lapor/{tenant}/{kind}`` to ``GET /lapor/terkirim`` in a cookie the server
seals for itself (AES-256-GCM under a key derived from the session secret): the browser
can neither read nor change it, and nothing about it is stored on the server. It lives
for ten minutes at most, only under ``/lapor/terkirim``.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gratify.accounts.keys import Keyring
from gratify.crypto.aead import associated_data, seal, unseal
from gratify.crypto.errors import CryptoError
from gratify.crypto.tokens import derive_server_key
from gratify.intake.service import IntakeContext
from gratify.settings import Settings
from gratify.web.cookies import delete_session_cookie, host_cookie_name, set_session_cookie

KIND_BY_SLUG = {"gratifikasi": "gratification", "pengaduan": "whistleblowing", "calo": "broker"}
SLUG_BY_KIND = {kind: slug for slug, kind in KIND_BY_SLUG.items()}

FLASH_PATH = "/lapor/terkirim"
FLASH_MAX_AGE = 600
FLASH_PURPOSE = "receipt-flash"
_FLASH_CONTEXT = associated_data("gratify", "receipt-flash", 1)


def intake_context(request: Request) -> IntakeContext:
    ctx: IntakeContext = request.app.state.intake
    return ctx


def app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def is_htmx(request: Request) -> bool:
    """A request htmx made (to swap part of the page), not a browser navigation."""
    return request.headers.get("hx-request") == "true"


# Cookies ---------------------------------------------------------------------------------


def inbox_cookie_name(settings: Settings) -> str:
    """``__Host-inbox`` behind TLS (Secure, this host only, Path=/), else ``inbox``."""
    return host_cookie_name("inbox", settings)


def flash_cookie_name(settings: Settings) -> str:
    """``__Secure-receipt`` behind TLS: ``__Host-`` would need Path=/, and the flash must
    not travel with every request."""
    return "__Secure-receipt" if settings.secure_cookies else "receipt"


def set_inbox_cookie(response: Response, settings: Settings, token: str) -> None:
    # A session cookie: it goes when the browser closes; the server ends the session anyway
    # after 30 idle minutes or 4 hours.
    set_session_cookie(response, settings, "inbox", token)


def delete_inbox_cookie(response: Response, settings: Settings) -> None:
    delete_session_cookie(response, settings, "inbox")


def check_cookie_name(settings: Settings) -> str:
    return "__Secure-cookies" if settings.secure_cookies else "cookies"


def set_check_cookie(response: Response, settings: Settings) -> None:
    """A cookie that says only "this browser keeps cookies", set with the report form."""
    response.set_cookie(
        check_cookie_name(settings),
        "1",
        path="/lapor",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="strict",
    )


def has_check_cookie(request: Request) -> bool:
    return request.cookies.get(check_cookie_name(app_settings(request))) == "1"


def inbox_token(request: Request) -> str | None:
    token = request.cookies.get(inbox_cookie_name(app_settings(request)))
    if not token or len(token) > 512 or not token.isascii():
        return None
    return token


# The receipt flash -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Flash:
    """What the sent page may show: the receipt only until it has been shown once."""

    case_number: str
    kind: str
    region: str
    expires: int
    receipt: str | None = dataclasses.field(default=None, repr=False)
    acknowledgement: dict[str, Any] | None = dataclasses.field(default=None, repr=False)

    def without_receipt(self) -> Flash:
        return dataclasses.replace(self, receipt=None)


def _flash_key(keyring: Keyring) -> bytes:
    return derive_server_key(keyring.session_secret, purpose=FLASH_PURPOSE)


def seal_flash(keyring: Keyring, flash: Flash) -> str:
    """The flash sealed for the cookie: base64url text, unreadable and unforgeable."""
    document = {
        "case_number": flash.case_number,
        "kind": flash.kind,
        "region": flash.region,
        "expires": flash.expires,
        "receipt": flash.receipt,
        "acknowledgement": flash.acknowledgement,
    }
    plaintext = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    sealed = seal(_flash_key(keyring), plaintext, context=_FLASH_CONTEXT)
    return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")


def open_flash(keyring: Keyring, value: str | None, now: dt.datetime) -> Flash | None:
    """The flash in a cookie value, or None if absent, altered or past its ten minutes."""
    if not value or len(value) > 8192 or not value.isascii():
        return None
    try:
        sealed = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        document = json.loads(unseal(_flash_key(keyring), sealed, context=_FLASH_CONTEXT))
        flash = Flash(
            case_number=str(document["case_number"]),
            kind=str(document["kind"]),
            region=str(document["region"]),
            expires=int(document["expires"]),
            receipt=document["receipt"],
            acknowledgement=document["acknowledgement"],
        )
    except (binascii.Error, ValueError, KeyError, TypeError, CryptoError):
        return None
    if flash.expires < now.timestamp():
        return None
    return flash


def set_flash_cookie(
    response: Response, settings: Settings, keyring: Keyring, flash: Flash
) -> None:
    response.set_cookie(
        flash_cookie_name(settings),
        seal_flash(keyring, flash),
        max_age=FLASH_MAX_AGE,
        path=FLASH_PATH,
        secure=settings.secure_cookies,
        httponly=True,
        samesite="strict",
    )


def delete_flash_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        flash_cookie_name(settings),
        path=FLASH_PATH,
        secure=settings.secure_cookies,
        httponly=True,
        samesite="strict",
    )


def request_flash(request: Request, now: dt.datetime) -> Flash | None:
    keyring: Keyring = intake_context(request).keyring
    return open_flash(keyring, request.cookies.get(flash_cookie_name(app_settings(request))), now)
