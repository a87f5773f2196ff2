"""TOTP (RFC 6238) for signing in: secrets, codes, the provisioning URI and its QR code.

Each user has a random base32 secret (160 bits), kept sealed with AES-256-GCM under a key
the server derives from its session secret (``derive_server_key(…, purpose="totp")``),
bound to the tenant and username: a database dump alone does not give the codes, and a
sealed secret cannot be moved to another account. A code of the current 30-second step,
or of the step before or after (clock drift), is accepted, and only for a step later
than the last one accepted: a code is never accepted twice, not even within its window.

The QR code is drawn on the server (segno): inline SVG for pages, with no ``style``
attribute so the Content-Security-Policy lets it through, and ANSI blocks for a terminal.
Nothing is sent to any other service.
"""

from __future__ import annotations

import datetime as dt
import hmac
import io
import re
from typing import TextIO

import pyotp
import segno

from gratify.accounts.models import User
from gratify.crypto.aead import associated_data, seal, unseal
from gratify.crypto.tokens import derive_server_key

STEP_SECONDS = 30
DIGITS = 6
# Steps accepted either side of the current one, for clocks a little off.
DRIFT_STEPS = 1
_PURPOSE = "totp"
_CODE = re.compile(r"[0-9]{6}")
_SEPARATORS = str.maketrans("", "", " -\u00a0")


def new_secret() -> str:
    """A fresh random secret: 32 base32 characters, 160 bits."""
    return pyotp.random_base32()


def secret_context(tenant_id: int, username: str) -> bytes:
    return associated_data("user-totp-secret", tenant_id, username)


def seal_secret(session_secret: bytes, tenant_id: int, username: str, secret: str) -> bytes:
    """The secret sealed for ``User.totp_secret``."""
    key = derive_server_key(session_secret, purpose=_PURPOSE)
    return seal(key, secret.encode("ascii"), context=secret_context(tenant_id, username))


def open_secret(session_secret: bytes, user: User) -> str:
    """The user's secret; the crypto `IntegrityError` if the sealed value was tampered with
    or moved from another account. `ValueError` if the user is not enrolled."""
    if user.totp_secret is None:
        raise ValueError("the user has no TOTP secret")
    key = derive_server_key(session_secret, purpose=_PURPOSE)
    sealed = user.totp_secret
    return unseal(key, sealed, context=secret_context(user.tenant_id, user.username)).decode()


def enrol(session_secret: bytes, user: User, secret: str | None = None) -> str:
    """Give `user` a new secret (random unless given) and return it, to show once.

    The caller commits the change; an old secret stops working, and the step counter
    starts afresh.
    """
    secret = secret or new_secret()
    user.totp_secret = seal_secret(session_secret, user.tenant_id, user.username, secret)
    user.totp_last_step = None
    return secret


def time_step(now: dt.datetime) -> int:
    """The 30-second step `now` falls in."""
    return int(now.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    """The code of `step` (for tests and for showing what an app should display)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def normalise_code(code: str) -> str | None:
    """Six digits, with spaces or dashes the person typed removed; None if not a code."""
    cleaned = code.translate(_SEPARATORS)
    return cleaned if _CODE.fullmatch(cleaned) else None


def matching_step(secret: str, code: str, now: dt.datetime, last_step: int | None) -> int | None:
    """The step whose code `code` is, within the drift window and after `last_step`;
    None if it matches none of them (wrong, too old, or already used)."""
    cleaned = normalise_code(code)
    if cleaned is None:
        return None
    current = time_step(now)
    found = None
    # Every candidate is computed and compared in constant time, whatever matches.
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        fresh = last_step is None or step > last_step
        if hmac.compare_digest(code_at(secret, step), cleaned) and fresh and found is None:
            found = step
    return found


def issuer(tenant_name: str) -> str:
    """What the authenticator app shows above the account: ``gratify <tenant name>``."""
    return f"gratify {tenant_name}"


def provisioning_uri(user: User, secret: str, issuer: str) -> str:
    """The ``otpauth://totp/…`` URI an authenticator app reads (as a QR code or typed)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=user.username, issuer_name=issuer
    )


def secret_of_uri(uri: str) -> str:
    """The secret inside a provisioning URI."""
    parsed = pyotp.parse_uri(uri)
    return str(parsed.secret)


_STYLE_ATTRIBUTE = re.compile(r"\sstyle=(\"[^\"]*\"|'[^']*')")


def qr_svg(uri: str, label: str) -> str:
    """The QR code of `uri` as an inline ``<svg>`` element, sized by CSS (class ``qr``).

    Presentation attributes only, no ``style=``: the page's CSP forbids inline style.
    `label` is the accessible name (the SVG is an image). Safe to insert unescaped.
    """
    buffer = io.BytesIO()
    segno.make(uri, error="m", micro=False).save(
        buffer,
        kind="svg",
        xmldecl=False,
        svgns=True,
        svgclass="qr",
        lineclass="qr-modules",
        omitsize=True,
        nl=False,
        border=4,
    )
    svg = _STYLE_ATTRIBUTE.sub("", buffer.getvalue().decode("ascii"))
    escaped = (
        label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escaped}" ', 1)


def print_qr(uri: str, out: TextIO) -> None:
    """The QR code of `uri` drawn with ANSI colours, for a terminal."""
    segno.make(uri, error="m", micro=False).terminal(out=out, border=2)
