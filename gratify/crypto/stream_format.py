"""The layout of a sealed attachment and the per-file key and nonces (see ``stream``).

The construction follows STREAM (Hoang, Reyhanitabar, Rogaway, Vizár 2015) as used by
Tink's AesGcmHkdfStreaming. A sealed file is::

    header  = 0x01 || chunk_size (4, big-endian) || salt (32) || nonce_prefix (7)
    record  = length (4, big-endian) || AES-256-GCM(chunk) || tag (16)
    file    = header || record_0 || ... || record_n

* The file key is HKDF-SHA256(DEK, salt, info = label || context): a fresh key per file,
  derived once per file, so chunks of one file cannot be spliced into another file sealed
  under the same DEK, and the context (case, attachment id) is bound to every chunk.
* Chunk ``i`` uses the nonce ``nonce_prefix || i (4, big-endian) || last`` where ``last``
  is 1 only for the final chunk; every chunk's associated data is the header. Reordering,
  duplication, dropping the final chunk or cutting the stream all fail authentication or
  leave :meth:`StreamOpener.finish` without a verified final chunk.
* Every chunk but the last holds exactly ``chunk_size`` plaintext bytes; the last holds
  fewer (possibly zero). The length prefix lets the opener recognise the final record
  from the bytes alone, so it can verify it *as final* before releasing its plaintext.
  The length is not secret and needs no separate authentication: a changed length moves
  the record boundary, which the GCM tag or the last-chunk flag then rejects.

"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "HEADER_SIZE",
    "KEY_SIZE",
    "LENGTH_SIZE",
    "MAX_CHUNKS",
    "MAX_CHUNK_SIZE",
    "MIN_CHUNK_SIZE",
    "NONCE_PREFIX_SIZE",
    "SALT_SIZE",
    "TAG_SIZE",
    "VERSION",
    "check_chunk_size",
    "chunk_nonce",
    "file_cipher",
    "sealed_size",
]

VERSION = 0x01
MIN_CHUNK_SIZE = 4 * 1024
MAX_CHUNK_SIZE = 4 * 1024 * 1024
DEFAULT_CHUNK_SIZE = 64 * 1024
KEY_SIZE = 32
SALT_SIZE = 32
NONCE_PREFIX_SIZE = 7
HEADER_SIZE = 1 + 4 + SALT_SIZE + NONCE_PREFIX_SIZE
LENGTH_SIZE = 4
TAG_SIZE = 16
# The counter is 4 bytes of the nonce; 2**32 chunks of 4 KiB is already 16 TiB.
MAX_CHUNKS = 2**32
_KDF_LABEL = b"gratify stream v1\x00"


def check_chunk_size(chunk_size: int) -> None:
    """Raise ``ValueError`` unless ``chunk_size`` is within the supported bounds."""
    if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise ValueError(
            f"chunk_size must be between {MIN_CHUNK_SIZE} and {MAX_CHUNK_SIZE}, got {chunk_size}"
        )


def file_cipher(key: bytes, salt: bytes, context: bytes) -> AESGCM:
    """Return AES-256-GCM under this file's key: HKDF-SHA256(key, salt, label || context)."""
    if len(key) != KEY_SIZE:
        raise ValueError(f"stream key must be {KEY_SIZE} bytes, got {len(key)}")
    hkdf = HKDF(algorithm=SHA256(), length=KEY_SIZE, salt=salt, info=_KDF_LABEL + context)
    return AESGCM(hkdf.derive(key))


def chunk_nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    """Return the 12-byte nonce of chunk ``counter``: prefix || counter (4) || last flag."""
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def sealed_size(plain_size: int, chunk_size: int) -> int:
    """Return the exact size of a sealed file of ``plain_size`` bytes (for Content-Length)."""
    check_chunk_size(chunk_size)
    if plain_size < 0:
        raise ValueError("plain_size must not be negative")
    full = plain_size // chunk_size
    return HEADER_SIZE + (full + 1) * (LENGTH_SIZE + TAG_SIZE) + plain_size
