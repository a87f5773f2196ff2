"""Ed25519 signatures over canonical JSON: acknowledgements (*tanda terima*) and audit
checkpoints that anyone can verify with the public key.

A signed document is the original mapping plus two members::

    key_id     16 hex digits of SHA-256(raw public key)
    signature  base64url, no padding, of Ed25519(canonical_json(document minus signature))

so the signature covers ``key_id`` too. Canonical JSON: keys sorted, no whitespace, UTF-8
(``ensure_ascii=False``), and only str, int, bool, None, list and dict with str keys;
floats are refused because their text form is not canonical across implementations.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "SigningKey",
    "canonical_json",
    "key_id_of",
    "sign_document",
    "verify",
    "verify_document",
]

_SIGNATURE_SIZE = 64
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


def key_id_of(public_key: bytes) -> str:
    """Return the key id of a raw 32-byte Ed25519 public key (16 hex digits of SHA-256)."""
    return hashlib.sha256(public_key).hexdigest()[:16]


class SigningKey:
    """An Ed25519 private key. Signatures are deterministic (RFC 8032)."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self._public = private_key.public_key().public_bytes_raw()

    @classmethod
    def generate(cls) -> SigningKey:
        """Return a fresh random key."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, raw: bytes) -> SigningKey:
        """Load a key from its raw 32-byte private form (``ValueError`` otherwise)."""
        return cls(Ed25519PrivateKey.from_private_bytes(raw))

    def private_bytes(self) -> bytes:
        """Return the raw 32-byte private key; anyone holding it can sign as this server."""
        return self._key.private_bytes_raw()

    @property
    def public_bytes(self) -> bytes:
        """The raw 32-byte public key, published for verifiers."""
        return self._public

    @property
    def key_id(self) -> str:
        """16 hex digits of SHA-256 of :attr:`public_bytes`."""
        return key_id_of(self._public)

    def sign(self, message: bytes) -> bytes:
        """Return the 64-byte Ed25519 signature of ``message``."""
        return self._key.sign(message)


def _check_canonical(value: object, path: str) -> None:
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check_canonical(item, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: object keys must be str")
            _check_canonical(item, f"{path}.{key}")
        return
    raise TypeError(f"{path}: {type(value).__name__} is not allowed in canonical JSON")


def canonical_json(obj: Mapping[str, object]) -> bytes:
    """Return the one canonical UTF-8 JSON encoding of ``obj``.

    Protects signatures against two encodings of the same data. Raises ``TypeError``
    for floats and any type other than str, int, bool, None, list and dict (str keys).
    """
    value = dict(obj)
    _check_canonical(value, "$")
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    if not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_document(doc: Mapping[str, object], key: SigningKey) -> dict[str, object]:
    """Return a copy of ``doc`` with ``key_id`` and ``signature`` added.

    The signature covers the canonical JSON of every member except ``signature``
    (including ``key_id``), so no member can be altered, added or removed unnoticed.
    """
    signed: dict[str, object] = {name: value for name, value in doc.items() if name != "signature"}
    signed["key_id"] = key.key_id
    signed["signature"] = _b64url(key.sign(canonical_json(signed)))
    return signed


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Return whether ``signature`` is a valid Ed25519 signature of ``message``.

    ``False``, never an exception, for a malformed key or signature.
    """
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def verify_document(doc: Mapping[str, object], public_keys: Mapping[str, bytes]) -> bool:
    """Return whether ``doc`` carries a valid signature by one of ``public_keys``.

    ``public_keys`` maps key id to raw public key. ``False``, never an exception, for a
    malformed document, an unknown key id or a bad signature.
    """
    try:
        signature_text = doc.get("signature")
        key_id = doc.get("key_id")
        if not isinstance(signature_text, str) or not isinstance(key_id, str):
            return False
        public_key = public_keys.get(key_id)
        if public_key is None or key_id_of(public_key) != key_id:
            return False
        signature = _unb64url(signature_text)
        if len(signature) != _SIGNATURE_SIZE or _b64url(signature) != signature_text:
            return False
        body = {name: value for name, value in doc.items() if name != "signature"}
        return verify(public_key, canonical_json(body), signature)
    except (TypeError, ValueError, AttributeError, binascii.Error, RecursionError):
        return False
