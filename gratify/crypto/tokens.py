"""Bearer tokens for sessions: random, stored only as a keyed digest, and a key source.

A session token lives only in the browser (a cookie) or the API client. The database keeps
``token_digest(server_secret, token)``, so a dump cannot replay a session, and whatever the
session must unlock is sealed under ``token_key(token)``, so a dump cannot open it either
(DESIGN.md, "Handler private keys"; the same holds for a reporter's inbox).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

TOKEN_BYTES = 32
_KEY_LABEL = b"gratify session key v1\x00"
_SERVER_KEY_LABEL = b"gratify server key v1\x00"


def new_token() -> str:
    """A fresh token: 256 random bits, URL-safe text."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(server_secret: bytes, token: str) -> str:
    """HMAC-SHA256 of the token under the server's session secret, as hex: what is stored."""
    return hmac.new(server_secret, token.encode("ascii", "replace"), hashlib.sha256).hexdigest()


def token_key(token: str, *, purpose: str) -> bytes:
    """A 32-byte key derived from the token (HKDF-SHA256) for sealing what a session unlocks.

    The token carries 256 bits of entropy, so no slow KDF is needed.
    """
    hkdf = HKDF(algorithm=SHA256(), length=32, salt=None, info=_KEY_LABEL + purpose.encode())
    return hkdf.derive(token.encode("ascii", "replace"))


def derive_server_key(secret: bytes, *, purpose: str) -> bytes:
    """A 32-byte key for one `purpose`, derived (HKDF-SHA256) from a server secret.

    For what the server seals for itself, e.g. a short-lived cookie only it must read.
    Each purpose gets an independent key, so a value sealed for one cannot be opened or
    replayed as another. `secret` must hold at least 32 random bytes.
    """
    if len(secret) < 32:
        raise ValueError("the server secret must hold at least 32 bytes")
    hkdf = HKDF(algorithm=SHA256(), length=32, salt=None, info=_SERVER_KEY_LABEL + purpose.encode())
    return hkdf.derive(secret)
