"""Armored text for keys an operator keeps offline (printed or in a password manager).

Format::

    -----BEGIN GRATIFY ESCROW KEY-----
    Key-Id: 0123456789abcdef
    <base64 of the key, 64 characters a line>
    =<first 8 hex digits of SHA-256(label || key)>
    -----END GRATIFY ESCROW KEY-----

``Name: value`` lines are informational headers. The checksum catches a mistyped or
damaged character before the key is used, and names the label so a public key pasted
where a private key belongs is refused. Parsing tolerates surrounding text, blank lines,
indentation and spaces inside the base64 lines.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping

from gratify.crypto.errors import IntegrityError, UnsupportedFormat

__all__ = ["armor", "dearmor"]

_LINE_LENGTH = 64


def _checksum(label: str, data: bytes) -> str:
    return hashlib.sha256(label.encode("ascii") + b"\x00" + data).hexdigest()[:8]


def armor(label: str, data: bytes, headers: Mapping[str, str] | None = None) -> str:
    """Return ``data`` as armored text under ``label`` (e.g. ``"GRATIFY ESCROW KEY"``)."""
    encoded = base64.b64encode(data).decode("ascii")
    lines = [f"-----BEGIN {label}-----"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines += [encoded[i : i + _LINE_LENGTH] for i in range(0, len(encoded), _LINE_LENGTH)]
    lines += [f"={_checksum(label, data)}", f"-----END {label}-----"]
    return "\n".join(lines) + "\n"


def dearmor(text: str, label: str) -> tuple[bytes, dict[str, str]]:
    """Parse armored text made by :func:`armor`; return ``(data, headers)``.

    Raises :class:`UnsupportedFormat` if the markers or the checksum line are missing, and
    :class:`IntegrityError` if the body is not base64 or the checksum does not match (a
    typo or damage).
    """
    begin, end = f"-----BEGIN {label}-----", f"-----END {label}-----"
    lines = [line.strip() for line in text.splitlines()]
    try:
        start = lines.index(begin)
        stop = lines.index(end, start + 1)
    except ValueError:
        raise UnsupportedFormat(f"text does not contain a {label} block") from None
    headers: dict[str, str] = {}
    body: list[str] = []
    checksum: str | None = None
    for line in lines[start + 1 : stop]:
        if not line:
            continue
        if line.startswith("="):
            checksum = "".join(line[1:].split()).lower()
        elif ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip()] = value.strip()
        else:
            body.append("".join(line.split()))
    if checksum is None:
        raise UnsupportedFormat(f"{label} block has no checksum line")
    encoded = "".join(body)
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise IntegrityError(f"{label} contains a character that is not base64: a typo?") from None
    # The decoder ignores the unused low bits of the last symbol; a typo there would
    # otherwise pass the checksum unnoticed.
    if base64.b64encode(data).decode("ascii") != encoded:
        raise IntegrityError(f"{label} is not canonical base64: a typo?")
    if checksum != _checksum(label, data):
        raise IntegrityError(f"{label} checksum does not match: the text was mistyped or damaged")
    return data, headers
