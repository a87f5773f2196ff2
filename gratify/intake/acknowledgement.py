"""The gratification acknowledgement (*tanda terima*): download, print, verify.

An acknowledgement is the JSON object that `file_report` signs with the installation's
Ed25519 key (`gratify.crypto.sign`): case number, region, kind, time of filing (to the
minute), the reporter's NIP and name, the digest of the sealed report, ``key_id`` and
``signature``. Anyone can check it, here (``/verify``), through the JSON API or offline
with ``gratify receipt verify``: all three call `verify_acknowledgement`.

The same key also signs audit checkpoints, so a document counts as an acknowledgement only
if it carries the members an acknowledgement has: a valid checkpoint is not a valid
*tanda terima*.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gratify.accounts.keys import read_key_file
from gratify.crypto.sign import key_id_of, verify_document
from gratify.errors import N_, InvalidInput, TooLarge

MAX_ACKNOWLEDGEMENT_BYTES = 64 * 1024
"""An acknowledgement is well under 2 KB; anything above this is not one."""

REQUIRED_MEMBERS = ("case_number", "filed_at", "report_digest", "key_id", "signature")
NOT_JSON = N_("This is not an acknowledgement: it is not valid JSON.")
NOT_AN_OBJECT = N_("This is not an acknowledgement: it must be a JSON object.")
TOO_LARGE = N_("An acknowledgement is at most 64 KB; this is larger.")
EMPTY = N_("Paste the acknowledgement or choose its file.")


@dataclasses.dataclass(frozen=True, slots=True)
class VerificationResult:
    """Whether a document is an acknowledgement signed by this installation, and if so
    what it attests. The other members are None when ``valid`` is False: nothing in an
    unverified document is repeated as if it were true."""

    valid: bool
    case_number: str | None = None
    filed_at: str | None = None
    key_id: str | None = None
    tenant: str | None = None
    reporter_name: str | None = None
    reporter_nip: str | None = None


INVALID = VerificationResult(valid=False)


def verify_acknowledgement(
    document: object, verification_keys: Mapping[str, bytes]
) -> VerificationResult:
    """Check `document` (parsed JSON) against `verification_keys` (key id to raw Ed25519
    public key). Never raises: anything malformed is simply not valid."""
    if not isinstance(document, dict):
        return INVALID
    if not all(isinstance(document.get(name), str) for name in REQUIRED_MEMBERS):
        return INVALID
    if not verify_document(document, verification_keys):
        return INVALID

    def text(name: str) -> str | None:
        value = document.get(name)
        return value if isinstance(value, str) else None

    return VerificationResult(
        valid=True,
        case_number=text("case_number"),
        filed_at=text("filed_at"),
        key_id=text("key_id"),
        tenant=text("tenant"),
        reporter_name=text("reporter_name"),
        reporter_nip=text("reporter_nip"),
    )


def parse_acknowledgement(data: bytes | str) -> Any:
    """The JSON value of an uploaded or pasted acknowledgement; `InvalidInput` if it is
    not JSON, `TooLarge` beyond `MAX_ACKNOWLEDGEMENT_BYTES`. A byte-order mark is allowed
    (some editors add one when saving)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_ACKNOWLEDGEMENT_BYTES:
        raise TooLarge(TOO_LARGE)
    if not raw.strip():
        raise InvalidInput(EMPTY, fields={"document": EMPTY})
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise InvalidInput(NOT_JSON, fields={"document": NOT_JSON}) from None


def acknowledgement_filename(case_number: str) -> str:
    """``tanda-terima-<case number>.json``, with anything unusual in the number replaced."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in case_number)
    return f"tanda-terima-{safe or 'laporan'}.json"


def acknowledgement_json(document: Mapping[str, object]) -> bytes:
    """The acknowledgement as a file to keep: indented UTF-8 JSON with sorted keys.

    The signature covers the canonical form, which verification recomputes, so the
    indentation does not matter; sorted keys make the file read the same every time.
    """
    text = json.dumps(dict(document), ensure_ascii=False, indent=2, sort_keys=True)
    return (text + "\n").encode("utf-8")


def content_disposition(filename: str) -> str:
    """An ``attachment`` Content-Disposition header for an ASCII `filename`."""
    return f'attachment; filename="{filename}"'


def filed_at_local(filed_at: str | None, timezone: str) -> dt.datetime | None:
    """The ``filed_at`` member as an aware datetime in `timezone`, or None if unreadable."""
    if not filed_at:
        return None
    try:
        moment = dt.datetime.fromisoformat(filed_at)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(zoneinfo.ZoneInfo(timezone))


def public_keys_from_file(path: Path) -> dict[str, bytes]:
    """The verification keys in a ``signing.pub`` file (base64, ``#`` comment lines), by key
    id. `ValueError` if it holds no 32-byte Ed25519 public key; `OSError` if unreadable."""
    try:
        raw = read_key_file(path)
    except (UnicodeDecodeError, ValueError):
        raise ValueError(f"{path} is not a public key file") from None
    if len(raw) != 32:
        raise ValueError(f"{path} does not hold an Ed25519 public key (32 bytes)")
    return {key_id_of(raw): raw}
