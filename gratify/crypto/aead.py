"""Sealing records: AES-256-GCM under a case's data key, bound to where the record belongs.

A sealed record is ``0x01 || nonce (12) || ciphertext || tag (16)``. The GCM associated
data is ``0x01 || context``: the version byte cannot be swapped for a future format, and a
record sealed for one context (case id, record kind) cannot be opened under another.

Nonces are 96 random bits from the OS. With random nonces one key stays safe for about
2**32 seals (NIST SP 800-38D); a case's data key seals a handful of records, far below.
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gratify.crypto.errors import IntegrityError, UnsupportedFormat

__all__ = [
    "KEY_SIZE",
    "NONCE_SIZE",
    "OVERHEAD",
    "TAG_SIZE",
    "VERSION",
    "associated_data",
    "new_data_key",
    "seal",
    "unseal",
]

VERSION = 0x01
KEY_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16
OVERHEAD = 1 + NONCE_SIZE + TAG_SIZE


def new_data_key() -> bytes:
    """Return a fresh random 256-bit data key (a case's DEK) from the OS CSPRNG."""
    return secrets.token_bytes(KEY_SIZE)


def associated_data(*parts: str | bytes | int) -> bytes:
    """Encode ``parts`` unambiguously, for use as a ``context``.

    Protects against two different contexts producing the same bytes: each part is
    written as a type tag (``s``/``b``/``i``), a 4-byte big-endian length and the value
    (UTF-8 for str, decimal ASCII for int), so ``("ab", "c")``, ``("a", "bc")`` and
    ``(b"ab", "c")`` all differ. Booleans are refused because ``True`` would pass for 1.
    """
    out = bytearray()
    for part in parts:
        if isinstance(part, bool):
            raise TypeError("associated_data takes str, bytes or int, not bool")
        if isinstance(part, str):
            tag, value = b"s", part.encode("utf-8")
        elif isinstance(part, bytes):
            tag, value = b"b", part
        elif isinstance(part, int):
            tag, value = b"i", str(part).encode("ascii")
        else:
            raise TypeError(f"associated_data takes str, bytes or int, not {type(part).__name__}")
        out += tag + len(value).to_bytes(4, "big") + value
    return bytes(out)


def _check_key(key: bytes) -> None:
    if len(key) != KEY_SIZE:
        raise ValueError(f"AES-256-GCM needs a {KEY_SIZE}-byte key, got {len(key)} bytes")


def _seal_with_nonce(key: bytes, plaintext: bytes, nonce: bytes, *, context: bytes) -> bytes:
    """Seal with a caller-chosen nonce. Only for known-answer tests: never reuse a nonce."""
    _check_key(key)
    if len(nonce) != NONCE_SIZE:
        raise ValueError(f"nonce must be {NONCE_SIZE} bytes")
    version = bytes([VERSION])
    body = AESGCM(key).encrypt(nonce, plaintext, version + context)
    return version + nonce + body


def seal(key: bytes, plaintext: bytes, *, context: bytes) -> bytes:
    """Encrypt and authenticate ``plaintext`` under the 32-byte ``key``.

    Protects confidentiality and integrity of the record, and binds it to ``context``
    (build it with :func:`associated_data`) so it cannot be replayed elsewhere.
    Format: ``0x01 || nonce(12) || AES-256-GCM(ciphertext || tag(16))``.
    """
    return _seal_with_nonce(key, plaintext, secrets.token_bytes(NONCE_SIZE), context=context)


def unseal(key: bytes, sealed: bytes, *, context: bytes) -> bytes:
    """Verify and decrypt a blob made by :func:`seal` with the same ``key`` and ``context``.

    Raises :class:`UnsupportedFormat` for an empty blob or unknown version byte, and
    :class:`IntegrityError` for anything altered or truncated, a wrong key or a wrong
    context. Nothing is returned unless the whole record authenticates.
    """
    _check_key(key)
    if not sealed:
        raise UnsupportedFormat("sealed record is empty")
    if sealed[0] != VERSION:
        raise UnsupportedFormat(f"unknown sealed record version {sealed[0]:#04x}")
    if len(sealed) < OVERHEAD:
        raise IntegrityError("sealed record is truncated")
    view = memoryview(sealed)
    try:
        return AESGCM(key).decrypt(
            view[1 : 1 + NONCE_SIZE], view[1 + NONCE_SIZE :], bytes([VERSION]) + context
        )
    except InvalidTag:
        raise IntegrityError(
            "sealed record failed authentication: altered, wrong key or wrong context"
        ) from None
