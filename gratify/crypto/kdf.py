"""Argon2id: keys and password hashes from secrets people hold (passwords, receipt codes).

Argon2id (RFC 9106) makes every guess cost memory and time, so a stolen database cannot
be brute-forced cheaply. The parameters travel with every hash and every sealed blob, so
they can be raised later without breaking what was written before.

A blob sealed under a secret is::

    0x01 || params (10) || salt (16) || aead.seal(Argon2id(secret, salt), plaintext)

where ``params = 0x01 || time_cost (4) || memory_kib (4) || parallelism (1)`` and the
AEAD associated data is the 27-byte prefix followed by the caller's context.

Every function here is slow on purpose: call it through :class:`gratify.crypto.pool.CryptoPool`.
"""

from __future__ import annotations

import secrets
import struct
from dataclasses import dataclass

import argon2
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import Type, hash_secret_raw

from gratify.crypto import aead
from gratify.crypto.errors import IntegrityError, UnsupportedFormat

__all__ = [
    "DEFAULT_PARAMS",
    "FAST_TEST_PARAMS",
    "MINIMUM_PARAMS",
    "Argon2Params",
    "derive_key",
    "hash_password",
    "open_under_secret",
    "password_needs_rehash",
    "seal_under_secret",
    "verify_password",
]

PARAMS_VERSION = 0x01
BLOB_VERSION = 0x01
SALT_SIZE = 16
KEY_SIZE = 32
_PARAMS_FORMAT = ">BIIB"
PARAMS_SIZE = struct.calcsize(_PARAMS_FORMAT)
_PREFIX_SIZE = 1 + PARAMS_SIZE + SALT_SIZE
# Upper bounds stop a tampered blob or hash from making the server allocate or spin
# without limit; they are far above anything a login should cost.
_MAX_TIME_COST = 32
_MAX_MEMORY_KIB = 1024 * 1024
_MAX_PARALLELISM = 16


@dataclass(frozen=True)
class Argon2Params:
    """Argon2id cost parameters: passes over memory, memory in KiB, lanes.

    Construction enforces what Argon2 itself accepts plus upper bounds (so a tampered
    blob cannot demand terabytes); :meth:`check_strength` enforces the production floor.
    """

    time_cost: int
    memory_kib: int
    parallelism: int

    def __post_init__(self) -> None:
        if not 1 <= self.parallelism <= _MAX_PARALLELISM:
            raise ValueError(f"parallelism must be between 1 and {_MAX_PARALLELISM}")
        if not 1 <= self.time_cost <= _MAX_TIME_COST:
            raise ValueError(f"time_cost must be between 1 and {_MAX_TIME_COST}")
        if not 8 * self.parallelism <= self.memory_kib <= _MAX_MEMORY_KIB:
            raise ValueError(
                f"memory_kib must be between 8 x parallelism and {_MAX_MEMORY_KIB} KiB"
            )

    def check_strength(self) -> None:
        """Raise ``ValueError`` if weaker than :data:`MINIMUM_PARAMS` (for settings)."""
        if self.time_cost < MINIMUM_PARAMS.time_cost or self.memory_kib < MINIMUM_PARAMS.memory_kib:
            raise ValueError(
                "Argon2id parameters are below the minimum of "
                f"time_cost={MINIMUM_PARAMS.time_cost}, memory_kib={MINIMUM_PARAMS.memory_kib}"
            )

    def encode(self) -> bytes:
        """Return the fixed 10-byte form: version, time (4), memory KiB (4), lanes (1)."""
        return struct.pack(
            _PARAMS_FORMAT, PARAMS_VERSION, self.time_cost, self.memory_kib, self.parallelism
        )

    @classmethod
    def decode(cls, data: bytes) -> Argon2Params:
        """Parse :meth:`encode` output; :class:`UnsupportedFormat` if malformed or out of bounds."""
        if len(data) != PARAMS_SIZE or data[0] != PARAMS_VERSION:
            raise UnsupportedFormat("unknown Argon2 parameter encoding")
        _, time_cost, memory_kib, parallelism = struct.unpack(_PARAMS_FORMAT, data)
        try:
            return cls(time_cost=time_cost, memory_kib=memory_kib, parallelism=parallelism)
        except ValueError:
            raise UnsupportedFormat("Argon2 parameters out of the accepted range") from None


DEFAULT_PARAMS = Argon2Params(time_cost=3, memory_kib=64 * 1024, parallelism=1)
# OWASP's lowest recommended Argon2id setting (19 MiB, 2 passes).
MINIMUM_PARAMS = Argon2Params(time_cost=2, memory_kib=19 * 1024, parallelism=1)
FAST_TEST_PARAMS = Argon2Params(time_cost=1, memory_kib=8, parallelism=1)
"""For tests only: trivially cheap, offers no protection at all."""


def derive_key(secret: bytes, salt: bytes, params: Argon2Params) -> bytes:
    """Return a 32-byte key from ``secret`` with Argon2id (version 0x13).

    Protects a low-entropy secret against offline guessing: each guess costs the full
    ``params``. ``salt`` must be at least 8 bytes and unique per use (16 random bytes).
    """
    if len(salt) < 8:
        raise ValueError("Argon2 salt must be at least 8 bytes")
    return hash_secret_raw(
        secret=secret,
        salt=salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_SIZE,
        type=Type.ID,
        version=19,
    )


def _hasher(params: Argon2Params) -> argon2.PasswordHasher:
    return argon2.PasswordHasher(
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_SIZE,
        salt_len=SALT_SIZE,
        type=Type.ID,
    )


def hash_password(password: str, params: Argon2Params) -> str:
    """Return a PHC string ``$argon2id$v=19$m=..,t=..,p=..$salt$hash`` for ``password``.

    The parameters and a fresh 16-byte salt are inside the string.
    """
    return _hasher(params).hash(password)


def verify_password(phc: str, password: str) -> bool:
    """Return whether ``password`` matches the PHC string; ``False``, never an exception,
    for a mismatch, a malformed hash or parameters outside the accepted bounds."""
    try:
        stored = argon2.extract_parameters(phc)
        params = Argon2Params(stored.time_cost, stored.memory_cost, stored.parallelism)
        if stored.type is not Type.ID:
            return False
        return _hasher(params).verify(phc, password)
    except (VerificationError, InvalidHashError, ValueError):
        return False


def password_needs_rehash(phc: str, params: Argon2Params) -> bool:
    """Return whether ``phc`` was made with parameters other than ``params`` (or is junk)."""
    try:
        return _hasher(params).check_needs_rehash(phc)
    except (InvalidHashError, ValueError):
        return True


def seal_under_secret(
    secret: bytes, plaintext: bytes, *, params: Argon2Params, context: bytes
) -> bytes:
    """Seal ``plaintext`` under a key derived from ``secret`` (a password or receipt secret).

    Format: ``0x01 || params.encode() || salt(16) || aead.seal(key, plaintext)``. Used for
    a handler's private key under their password and a reporter's DEK under the receipt.
    """
    salt = secrets.token_bytes(SALT_SIZE)
    prefix = bytes([BLOB_VERSION]) + params.encode() + salt
    key = derive_key(secret, salt, params)
    return prefix + aead.seal(key, plaintext, context=prefix + context)


def open_under_secret(secret: bytes, blob: bytes, *, context: bytes) -> bytes:
    """Open a blob from :func:`seal_under_secret`, using the parameters stored in it.

    Raises :class:`IntegrityError` for a wrong secret, wrong context or altered blob and
    :class:`UnsupportedFormat` for an unknown version or unacceptable parameters.
    """
    if not blob or blob[0] != BLOB_VERSION:
        raise UnsupportedFormat("not a gratify secret-sealed blob (version 1)")
    if len(blob) < _PREFIX_SIZE + aead.OVERHEAD:
        raise IntegrityError("secret-sealed blob is truncated")
    params = Argon2Params.decode(blob[1 : 1 + PARAMS_SIZE])
    prefix = blob[:_PREFIX_SIZE]
    key = derive_key(secret, blob[1 + PARAMS_SIZE : _PREFIX_SIZE], params)
    try:
        return aead.unseal(key, blob[_PREFIX_SIZE:], context=prefix + context)
    except IntegrityError:
        raise IntegrityError(
            "secret-sealed blob failed authentication: wrong secret, wrong context or altered"
        ) from None
