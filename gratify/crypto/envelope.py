"""Wrapping a case's data key to a recipient: HPKE (RFC 9180) with a post-quantum KEM.

Suite: KEM ML-KEM-768 + X25519 hybrid, KDF HKDF-SHA256, AEAD AES-256-GCM, base mode.
A wrap stays secret as long as *either* ML-KEM-768 or X25519 holds, so a report stolen
today stays closed against a future quantum computer.

Formats (all versioned by their first byte)::

    private key  = 0x01 || ML-KEM-768 seed (64) || X25519 private (32)          97 bytes
    public key   = 0x01 || ML-KEM-768 public (1184) || X25519 public (32)     1217 bytes
    wrapped DEK  = 0x01 || HPKE enc (1120) || AES-256-GCM(DEK) || tag (16)    1169 bytes

The ``context`` (case id and purpose) goes into HPKE ``info``, which feeds the key
schedule: a wrap opened under another context fails, so it cannot be moved to another case.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

from gratify.crypto.armor import armor, dearmor
from gratify.crypto.errors import IntegrityError, UnsupportedFormat

__all__ = [
    "PRIVATE_KEY_SIZE",
    "PUBLIC_KEY_SIZE",
    "WRAPPED_SIZE",
    "export_private_key_text",
    "generate_recipient_key",
    "import_private_key_text",
    "import_public_key_text",
    "public_key_from_private",
    "public_key_text",
    "recipient_key_id",
    "unwrap_data_key",
    "wrap_data_key",
]

KEY_VERSION = 0x01
WRAP_VERSION = 0x01
DATA_KEY_SIZE = 32
_MLKEM_SEED_SIZE = 64
_MLKEM_PUBLIC_SIZE = 1184
_X25519_SIZE = 32
PRIVATE_KEY_SIZE = 1 + _MLKEM_SEED_SIZE + _X25519_SIZE
PUBLIC_KEY_SIZE = 1 + _MLKEM_PUBLIC_SIZE + _X25519_SIZE
WRAPPED_SIZE = 1 + hpke.KEM.MLKEM768_X25519.enc_length() + DATA_KEY_SIZE + 16
_INFO_LABEL = b"gratify data key wrap v1\x00"
PRIVATE_KEY_LABEL = "GRATIFY ESCROW KEY"
PUBLIC_KEY_LABEL = "GRATIFY ESCROW PUBLIC KEY"
_SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def _load_private(private_key: bytes) -> tuple[mlkem.MLKEM768PrivateKey, x25519.X25519PrivateKey]:
    if len(private_key) != PRIVATE_KEY_SIZE or private_key[0] != KEY_VERSION:
        raise UnsupportedFormat("not a gratify recipient private key (version 1)")
    seed = private_key[1 : 1 + _MLKEM_SEED_SIZE]
    classical = private_key[1 + _MLKEM_SEED_SIZE :]
    try:
        return (
            mlkem.MLKEM768PrivateKey.from_seed_bytes(seed),
            x25519.X25519PrivateKey.from_private_bytes(classical),
        )
    except ValueError:
        raise UnsupportedFormat("recipient private key is malformed") from None


def _load_public(public_key: bytes) -> hpke.MLKEM768X25519PublicKey:
    if len(public_key) != PUBLIC_KEY_SIZE or public_key[0] != KEY_VERSION:
        raise UnsupportedFormat("not a gratify recipient public key (version 1)")
    try:
        return hpke.MLKEM768X25519PublicKey(
            mlkem.MLKEM768PublicKey.from_public_bytes(public_key[1 : 1 + _MLKEM_PUBLIC_SIZE]),
            x25519.X25519PublicKey.from_public_bytes(public_key[1 + _MLKEM_PUBLIC_SIZE :]),
        )
    except ValueError:
        raise UnsupportedFormat("recipient public key is malformed") from None


def _public_bytes(pq: mlkem.MLKEM768PublicKey, classical: x25519.X25519PublicKey) -> bytes:
    return bytes([KEY_VERSION]) + pq.public_bytes_raw() + classical.public_bytes_raw()


def generate_recipient_key() -> tuple[bytes, bytes]:
    """Return a fresh ``(private_key, public_key)`` pair in the versioned formats above.

    The private key is the secret that opens every case wrapped to it: store it only
    sealed (under a password-derived key) or offline (the escrow key).
    """
    pq = mlkem.MLKEM768PrivateKey.generate()
    classical = x25519.X25519PrivateKey.generate()
    private = bytes([KEY_VERSION]) + pq.private_bytes_raw() + classical.private_bytes_raw()
    return private, _public_bytes(pq.public_key(), classical.public_key())


def public_key_from_private(private_key: bytes) -> bytes:
    """Recompute the public key of ``private_key`` (to check an escrow key matches)."""
    pq, classical = _load_private(private_key)
    return _public_bytes(pq.public_key(), classical.public_key())


def recipient_key_id(public_key: bytes) -> str:
    """Return a short identifier of a public key: the first 16 hex digits of its SHA-256.

    For naming and matching keys, not for security decisions; 64 bits avoid accidental
    collisions among the keys of one deployment.
    """
    return hashlib.sha256(public_key).hexdigest()[:16]


def wrap_data_key(dek: bytes, recipient_public: bytes, *, context: bytes) -> bytes:
    """Encrypt the 32-byte ``dek`` so only the holder of the matching private key opens it.

    Format: ``0x01 || HPKE(enc || ciphertext || tag)``, ``context`` in HPKE ``info``.
    Protects the data key at rest and binds the wrap to its case and purpose.
    """
    if len(dek) != DATA_KEY_SIZE:
        raise ValueError(f"data key must be {DATA_KEY_SIZE} bytes, got {len(dek)}")
    sealed = _SUITE.encrypt(dek, _load_public(recipient_public), info=_INFO_LABEL + context)
    return bytes([WRAP_VERSION]) + sealed


def unwrap_data_key(wrapped: bytes, recipient_private: bytes, *, context: bytes) -> bytes:
    """Recover the data key from a wrap made by :func:`wrap_data_key` with the same context.

    Raises :class:`UnsupportedFormat` for an unknown version or malformed private key,
    :class:`IntegrityError` if the wrap was altered, truncated, made for another recipient
    or opened under another context.
    """
    if not wrapped or wrapped[0] != WRAP_VERSION:
        raise UnsupportedFormat("not a gratify wrapped data key (version 1)")
    if len(wrapped) != WRAPPED_SIZE:
        raise IntegrityError("wrapped data key has the wrong length: truncated or altered")
    pq, classical = _load_private(recipient_private)
    try:
        dek = _SUITE.decrypt(
            wrapped[1:], hpke.MLKEM768X25519PrivateKey(pq, classical), info=_INFO_LABEL + context
        )
    except (InvalidTag, ValueError):
        raise IntegrityError(
            "wrapped data key failed authentication: altered, another recipient's key "
            "or wrong context"
        ) from None
    if len(dek) != DATA_KEY_SIZE:
        raise IntegrityError("wrapped data key has the wrong length")
    return dek


def _check_key_id(headers: dict[str, str], public_key: bytes) -> None:
    stated = headers.get("Key-Id")
    if stated is not None and stated.lower() != recipient_key_id(public_key):
        raise IntegrityError("key text does not match its Key-Id line: mistyped or damaged")


def export_private_key_text(private: bytes) -> str:
    """Return the private key as armored text for offline keeping (see ``armor``).

    Anyone holding this text can open every case wrapped to the key: print it, store it
    offline, never in the deployment.
    """
    key_id = recipient_key_id(public_key_from_private(private))
    return armor(PRIVATE_KEY_LABEL, private, {"Key-Id": key_id})


def import_private_key_text(text: str) -> bytes:
    """Parse text made by :func:`export_private_key_text`, detecting typos.

    Raises :class:`IntegrityError` for a typo (checksum or Key-Id mismatch) and
    :class:`UnsupportedFormat` for text that is not an escrow key.
    """
    private, headers = dearmor(text, PRIVATE_KEY_LABEL)
    _check_key_id(headers, public_key_from_private(private))
    return private


def public_key_text(public: bytes) -> str:
    """Return the public key as armored text, the form kept in ``keys/*.pub``."""
    _load_public(public)
    return armor(PUBLIC_KEY_LABEL, public, {"Key-Id": recipient_key_id(public)})


def import_public_key_text(text: str) -> bytes:
    """Parse text made by :func:`public_key_text`; raises like :func:`import_private_key_text`."""
    public, headers = dearmor(text, PUBLIC_KEY_LABEL)
    _load_public(public)
    _check_key_id(headers, public)
    return public
