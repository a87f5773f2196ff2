"""A segment of a tenant's chain in one JSON document that a third party can verify with
only the public key it carries (or one they trust, given separately).

The document::

    {"format": "gratify.audit.export/1",
     "tenant": <id>, "tenant_slug": "...",
     "first_seq": a, "last_seq": b, "prev_hash": <hash of entry a-1, or 64 zeros>,
     "entries": [{"tenant", "seq", "event", "actor", "case", "at", "details",
                  "prev_hash", "hash"}, ...],
     "checkpoints": [<signed checkpoint documents with a <= seq <= b>],
     "seal": <signed {type, tenant, tenant_slug, first_seq, last_seq, prev_hash,
              last_hash, at}>,
     "public_keys": {<key id>: <base64 raw Ed25519 public key>}}

The seal, signed at export time, covers the segment's ends, so removing entries from
either end of the file is detected as well as any change inside it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.accounts.keys import Keyring
from gratify.audit.chain import (
    GENESIS,
    VerifyResult,
    format_at,
    iter_entries,
    load_checkpoints,
    verify_segment,
)
from gratify.audit.models import AuditEntry
from gratify.crypto.sign import key_id_of, sign_document, verify_document

FORMAT = "gratify.audit.export/1"
SEAL_TYPE = "gratify.audit.export-seal"


async def export_segment(
    session: AsyncSession,
    keyring: Keyring,
    tenant_id: int,
    *,
    tenant_slug: str,
    first_seq: int = 1,
    last_seq: int | None = None,
    now: dt.datetime,
) -> dict[str, Any]:
    """The export document of entries `first_seq`..`last_seq` (default: to the newest)."""
    first_seq = max(1, first_seq)
    entries = [e async for e in iter_entries(session, tenant_id, first_seq, last_seq)]
    prev_hash = GENESIS
    if first_seq > 1:
        prev = await session.scalar(
            select(AuditEntry.hash).where(
                AuditEntry.tenant_id == tenant_id, AuditEntry.seq == first_seq - 1
            )
        )
        prev_hash = prev or GENESIS
    last = entries[-1]["seq"] if entries else first_seq - 1
    last_hash = entries[-1]["hash"] if entries else prev_hash
    checkpoints = await load_checkpoints(session, tenant_id, first_seq, last)
    seal = sign_document(
        {
            "type": SEAL_TYPE,
            "tenant": tenant_id,
            "tenant_slug": tenant_slug,
            "first_seq": first_seq,
            "last_seq": last,
            "prev_hash": prev_hash,
            "last_hash": last_hash,
            "at": format_at(now),
        },
        keyring.signing_key,
    )
    return {
        "format": FORMAT,
        "tenant": tenant_id,
        "tenant_slug": tenant_slug,
        "first_seq": first_seq,
        "last_seq": last,
        "prev_hash": prev_hash,
        "entries": entries,
        "checkpoints": checkpoints,
        "seal": seal,
        "public_keys": {
            key_id: base64.b64encode(raw).decode("ascii")
            for key_id, raw in keyring.verification_keys.items()
        },
    }


def public_keys_of(document: Mapping[str, Any]) -> dict[str, bytes]:
    """The public keys an export carries, by key id (those whose id does not match are
    dropped)."""
    keys: dict[str, bytes] = {}
    found = document.get("public_keys")
    if not isinstance(found, Mapping):
        return keys
    for key_id, text in found.items():
        try:
            raw = base64.b64decode(str(text), validate=True)
        except (binascii.Error, ValueError):
            continue
        if len(raw) == 32 and key_id_of(raw) == key_id:
            keys[key_id] = raw
    return keys


def _bad(problem: str, seq: int | None = None) -> VerifyResult:
    return VerifyResult(False, 0, 0, seq, problem)


def verify_export(
    document: Mapping[str, Any], public_keys: Mapping[str, bytes] | None = None
) -> VerifyResult:
    """Verify an export with the keys it carries, or with `public_keys` (trusted ones
    obtained elsewhere). Pure: needs nothing but the document."""
    keys = dict(public_keys) if public_keys is not None else public_keys_of(document)
    try:
        if document.get("format") != FORMAT:
            return _bad("not a gratify audit export")
        tenant = document["tenant"]
        first_seq = document["first_seq"]
        last_seq = document["last_seq"]
        prev_hash = document["prev_hash"]
        entries = document["entries"]
        checkpoints = document["checkpoints"]
        seal = document["seal"]
        if not (
            isinstance(tenant, int)
            and isinstance(first_seq, int)
            and isinstance(last_seq, int)
            and isinstance(prev_hash, str)
            and isinstance(entries, list)
            and isinstance(checkpoints, list)
            and isinstance(seal, Mapping)
            and all(isinstance(e, Mapping) for e in entries)
        ):
            return _bad("the export is malformed")
    except (KeyError, AttributeError):
        return _bad("the export is malformed")
    if (
        seal.get("type") != SEAL_TYPE
        or not verify_document(seal, keys)
        or seal.get("tenant") != tenant
        or seal.get("tenant_slug") != document.get("tenant_slug")
        or seal.get("first_seq") != first_seq
        or seal.get("last_seq") != last_seq
        or seal.get("prev_hash") != prev_hash
    ):
        return _bad("the export's seal is not validly signed or does not match the segment")
    last_hash = seal.get("last_hash")
    try:
        result = verify_segment(
            tenant,
            entries,
            checkpoints,
            keys,
            first_seq=first_seq,
            prev_hash=prev_hash,
            last=(last_seq, last_hash if isinstance(last_hash, str) else ""),
        )
    except (KeyError, TypeError):
        return _bad("an entry of the export is malformed")
    if result.ok and last_seq < first_seq - 1:
        return _bad("the export's segment ends before it starts")
    return result
