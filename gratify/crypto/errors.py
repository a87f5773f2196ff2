"""The errors every crypto primitive raises, so callers can tell tampering from old formats.

Messages never describe the plaintext: they say what failed (which check, which
structure), never what was inside.
"""

from __future__ import annotations

__all__ = ["CryptoError", "IntegrityError", "UnsupportedFormat"]


class CryptoError(Exception):
    """Base class: something sealed, wrapped or signed could not be processed."""


class IntegrityError(CryptoError):
    """Authentication failed.

    Raised for altered or truncated data, a wrong key, wrong associated data (for example
    a record moved to another case), and for streams that were truncated, reordered,
    duplicated or spliced. The caller must discard anything it has not already verified.
    """


class UnsupportedFormat(CryptoError):
    """The blob is not in a format this code reads: unknown version byte or malformed."""
