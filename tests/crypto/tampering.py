"""Helpers to alter sealed data in the ways an attacker could."""

from __future__ import annotations

CANARY = b"CANARY-plaintext-must-never-leak-7f3a9c"
"""Inserted into plaintexts; must never appear in any sealed output."""


def flip_bit(blob: bytes, bit: int) -> bytes:
    """Return ``blob`` with bit number ``bit`` (0 = most significant of byte 0) inverted."""
    altered = bytearray(blob)
    altered[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(altered)


def flip_byte(blob: bytes, index: int) -> bytes:
    """Return ``blob`` with one bit of byte ``index`` inverted (which bit depends on index)."""
    return flip_bit(blob, index * 8 + index % 8)
