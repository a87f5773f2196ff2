"""The reporter's receipt code: shown once, copied by hand, the only key a reporter holds.

A code is 24 Crockford base32 characters (``0-9 A-Z`` without ``I L O U``), shown as six
groups of four, e.g. ``7QD3-K0ZP-W4M8-2XJT-9HCN-EB6R``:

* 8 characters of **lookup** (40 random bits). Not secret: stored in clear as an index so
  the server finds the one report in a single indexed match, never by scanning.
* 15 characters of **secret** (75 random bits from :mod:`secrets`). Never stored: Argon2id
  over it, with a random salt kept beside the report, gives the key that unwraps the
  report's data key.
* 1 **check** character, so a mistyped code is refused before any costly work.

Why one guess tests one report: the lookup part selects exactly one report, and the key
for that report depends on the report's own salt. An attacker holding a stolen database
cannot test a guess against many reports at once or precompute a table; each guess costs
one full Argon2id derivation for one report, and the secret has 2**75 possibilities.
Online, a guessed code is checked against at most the single report its lookup names.

The check character is a checksum over GF(32) (polynomial x^5 + x^2 + 1, whose root
alpha is primitive of order 31): the code is valid when
``sum(symbol_i * alpha**(23 - i)) == 0``. Changing one symbol, or swapping any two
different symbols less than 31 apart, changes that sum, so every single substitution
and every transposition (adjacent or not) is detected. The check symbols stay inside the
Crockford alphabet, unlike Crockford's mod-37 symbols ``* ~ $ = U``, which are awkward
to copy by hand.

Parsing is forgiving: any case, spaces, dashes, dots and underscores anywhere, and the
Crockford confusables ``O`` -> ``0``, ``I`` and ``L`` -> ``1``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "LOOKUP_LENGTH",
    "SECRET_LENGTH",
    "MalformedReceipt",
    "Receipt",
    "check_character",
    "new_receipt",
    "parse_receipt",
]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LOOKUP_LENGTH = 8
SECRET_LENGTH = 15
CODE_LENGTH = LOOKUP_LENGTH + SECRET_LENGTH + 1
SECRET_BITS = 5 * SECRET_LENGTH
_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}
_SEPARATORS = str.maketrans({"-": None, ".": None, "_": None})
_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# x^5 + x^2 + 1, a primitive polynomial over GF(2); its root alpha generates GF(32)*.
_FIELD_POLYNOMIAL = 0b100101

Reason = Literal["length", "character", "checksum"]


class MalformedReceipt(ValueError):
    """The text is not a receipt code. ``reason`` is "length", "character" or "checksum"."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason: Reason = reason


def _times_alpha(value: int) -> int:
    value <<= 1
    if value & 0b100000:
        value ^= _FIELD_POLYNOMIAL
    return value


def _fold(symbols: str) -> int:
    total = 0
    for symbol in symbols:
        total = _times_alpha(total) ^ _VALUES[symbol]
    return total


def check_character(data: str) -> str:
    """Return the check character for the canonical 23-character ``lookup + secret``."""
    return ALPHABET[_times_alpha(_fold(data))]


def _require_symbols(text: str, length: int, part: str) -> None:
    if len(text) != length:
        raise MalformedReceipt("length", f"receipt {part} must be {length} characters")
    if any(symbol not in _VALUES for symbol in text):
        raise MalformedReceipt("character", f"receipt {part} has a character outside the alphabet")


@dataclass(frozen=True)
class Receipt:
    """A parsed receipt: canonical upper-case ``lookup`` (8) and ``secret`` (15) parts."""

    lookup: str
    secret: str

    def __post_init__(self) -> None:
        _require_symbols(self.lookup, LOOKUP_LENGTH, "lookup")
        _require_symbols(self.secret, SECRET_LENGTH, "secret")

    @property
    def formatted(self) -> str:
        """The code as shown to the reporter: 6 groups of 4 joined by ``-``."""
        code = self.lookup + self.secret + check_character(self.lookup + self.secret)
        return "-".join(code[i : i + 4] for i in range(0, CODE_LENGTH, 4))

    @property
    def secret_bytes(self) -> bytes:
        """The 75-bit secret as 10 big-endian bytes: the Argon2id input, never stored."""
        value = 0
        for symbol in self.secret:
            value = value << 5 | _VALUES[symbol]
        return value.to_bytes((SECRET_BITS + 7) // 8, "big")

    def __repr__(self) -> str:
        # Keeps the secret out of logs and tracebacks.
        return f"Receipt(lookup={self.lookup!r}, secret=<redacted>)"


def new_receipt() -> Receipt:
    """Return a fresh receipt: 40 random lookup bits and 75 random secret bits.

    Lookup parts can collide (birthday bound near a million reports); the caller stores
    the lookup under a unique index and draws again on conflict.
    """
    lookup = "".join(secrets.choice(ALPHABET) for _ in range(LOOKUP_LENGTH))
    secret = "".join(secrets.choice(ALPHABET) for _ in range(SECRET_LENGTH))
    return Receipt(lookup=lookup, secret=secret)


def parse_receipt(text: str) -> Receipt:
    """Parse a code typed by a reporter, tolerating case, separators and confusables.

    Raises :class:`MalformedReceipt` with ``reason`` "character" (a symbol outside the
    alphabet), "length" (not 24 symbols) or "checksum" (a typo: substitution or swap).
    """
    code = "".join(text.split()).translate(_SEPARATORS)
    # Unicode case mapping can change lengths ("ß".upper() == "SS"): only ASCII is a code.
    if not code.isascii():
        raise MalformedReceipt("character", "receipt code contains a character it cannot have")
    code = code.upper().translate(_CONFUSABLES)
    if any(symbol not in _VALUES for symbol in code):
        raise MalformedReceipt("character", "receipt code contains a character it cannot have")
    if len(code) != CODE_LENGTH:
        raise MalformedReceipt("length", f"receipt code must have {CODE_LENGTH} characters")
    if _times_alpha(_fold(code[:-1])) != _VALUES[code[-1]]:
        raise MalformedReceipt("checksum", "receipt code has a typo: check the characters")
    return Receipt(lookup=code[:LOOKUP_LENGTH], secret=code[LOOKUP_LENGTH:-1])
