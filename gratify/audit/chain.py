"""Append to the tenant's hash chain, sign checkpoints, and verify the chain.

Each entry's ``hash`` is the SHA-256 (hex) of the canonical JSON (`gratify.crypto.sign`) of::

    {"tenant": int, "seq": int, "event": str, "actor": str, "case": str | None,
     "at": "YYYY-MM-DDTHH:MM:SSZ", "details": {...}, "prev": <hash of entry seq-1>}

with ``prev`` = 64 zeros for the first entry (seq 1). Because ``seq`` and ``prev`` are
hashed, an edited, deleted, inserted or reordered entry breaks the chain at (or right
after) the place of the change. Every `CHECKPOINT_EVERY` entries `record` also writes a
checkpoint: the tenant, seq, hash and time signed with the installation's Ed25519 key, so
a chain rewritten from scratch no longer matches a signature. Daily checkpoints, for
tenants with few entries, come from `gratify audit checkpoint` run by cron (an in-app
periodic job calling `checkpoint` is not built yet).

Concurrency: `record` runs in the caller's transaction. It locks the tenant's row of
``audit_heads`` (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the writing transaction
is already exclusive, ``BEGIN IMMEDIATE``), so two workers never extend the same
predecessor; the unique (tenant_id, seq) is the last line of defence.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.accounts.keys import Keyring
from gratify.audit.events import (
    ACTOR_REPORTER,
    AuditEventError,
    check_actor,
    check_details,
)
from gratify.audit.events import (
    event as catalogue_event,
)
from gratify.audit.models import AuditCheckpoint, AuditEntry, AuditHead
from gratify.crypto.sign import canonical_json, sign_document, verify_document

__all__ = [
    "CHECKPOINT_EVERY",
    "CHECKPOINT_TYPE",
    "GENESIS",
    "VerifyResult",
    "checkpoint",
    "entry_document",
    "entry_hash",
    "format_at",
    "record",
    "verify",
    "verify_segment",
]

CHECKPOINT_EVERY = 100
"""`record` signs a checkpoint whenever a tenant's seq reaches a multiple of this."""
GENESIS = "0" * 64
"""The ``prev`` of a tenant's first entry."""
CHECKPOINT_TYPE = "gratify.audit.checkpoint"
_BATCH = 1000
_MAX_ROUNDS = 1000


def format_at(moment: dt.datetime) -> str:
    """The canonical text of an entry's time: UTC, whole seconds, ``Z``."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entry_time(actor: str, now: dt.datetime) -> dt.datetime:
    if now.tzinfo is None:
        raise ValueError("`now` must be an aware datetime")
    moment = now.astimezone(dt.UTC).replace(microsecond=0)
    if actor == ACTOR_REPORTER:
        # The threat model forbids storing when a reporter acted: keep the day only.
        moment = moment.replace(hour=0, minute=0, second=0)
    return moment


def entry_document(entry: Mapping[str, Any]) -> dict[str, object]:
    """The hashed form of an entry given as an export mapping (keys ``tenant``, ``seq``,
    ``event``, ``actor``, ``case``, ``at``, ``details``, ``prev_hash``)."""
    return {
        "tenant": entry["tenant"],
        "seq": entry["seq"],
        "event": entry["event"],
        "actor": entry["actor"],
        "case": entry["case"],
        "at": entry["at"],
        "details": entry["details"],
        "prev": entry["prev_hash"],
    }


def entry_hash(entry: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of `entry_document`."""
    return hashlib.sha256(canonical_json(entry_document(entry))).hexdigest()


def row_mapping(row: Any) -> dict[str, Any]:
    """An entry row (an `AuditEntry` or a row of its table) as the mapping `entry_hash`
    and exports use; unparseable details stay raw text (which then fails the hash check)."""
    try:
        details: object = json.loads(row.details)
    except ValueError:
        details = row.details
    return {
        "tenant": row.tenant_id,
        "seq": row.seq,
        "event": row.event,
        "actor": row.actor,
        "case": row.case_id,
        "at": format_at(row.at),
        "details": details,
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }


async def _lock_head(session: AsyncSession, tenant_id: int) -> tuple[int, str]:
    """The tenant's head (seq, hash), locked until the transaction ends; created if new."""
    dialect = session.get_bind().dialect.name
    values = {"tenant_id": tenant_id, "seq": 0, "hash": GENESIS}
    if dialect == "postgresql":
        await session.execute(
            postgresql.insert(AuditHead).values(**values).on_conflict_do_nothing()
        )
    elif dialect == "sqlite":
        await session.execute(sqlite.insert(AuditHead).values(**values).on_conflict_do_nothing())
    else:  # pragma: no cover - only the two engines are supported
        raise RuntimeError(f"unsupported database {dialect}")
    row = (
        await session.execute(
            select(AuditHead.seq, AuditHead.hash)
            .where(AuditHead.tenant_id == tenant_id)
            .with_for_update()
        )
    ).one()
    return int(row.seq), str(row.hash)


async def record(
    session: AsyncSession,
    *,
    keyring: Keyring,
    tenant_id: int,
    event: str,
    actor: str,
    case_id: str | None = None,
    details: Mapping[str, object] | None = None,
    now: dt.datetime,
) -> AuditEntry:
    """Append one entry to the tenant's chain in the caller's transaction (it commits or
    rolls back with the action it records) and return it.

    Raises `AuditEventError` for an event not in the catalogue, a detail key the event
    does not list, a malformed actor, or a reporter event by anyone but ``reporter``.
    `keyring` signs the checkpoint due every `CHECKPOINT_EVERY` entries.
    """
    spec = catalogue_event(event)
    check_actor(actor)
    if event.startswith("reporter.") and actor != ACTOR_REPORTER:
        raise AuditEventError(f"{event} is recorded with actor 'reporter', not {actor!r}")
    clean = check_details(event, details)
    if spec.about_case and case_id is None:
        raise AuditEventError(f"{event} needs the case")
    at = _entry_time(actor, now)
    prev_seq, prev_hash = await _lock_head(session, tenant_id)
    seq = prev_seq + 1
    mapping: dict[str, Any] = {
        "tenant": tenant_id,
        "seq": seq,
        "event": event,
        "actor": actor,
        "case": case_id,
        "at": format_at(at),
        "details": clean,
        "prev_hash": prev_hash,
    }
    digest = entry_hash(mapping)
    entry = AuditEntry(
        tenant_id=tenant_id,
        seq=seq,
        event=event,
        actor=actor,
        case_id=case_id,
        at=at,
        details=canonical_json(clean).decode("utf-8"),
        prev_hash=prev_hash,
        hash=digest,
    )
    session.add(entry)
    await session.flush()
    await session.execute(
        update(AuditHead)
        .where(AuditHead.tenant_id == tenant_id)
        .values(seq=seq, hash=digest)
        .execution_options(synchronize_session=False)
    )
    if seq % CHECKPOINT_EVERY == 0:
        await _write_checkpoint(session, keyring, tenant_id, seq, digest, now)
    return entry


async def _write_checkpoint(
    session: AsyncSession,
    keyring: Keyring,
    tenant_id: int,
    seq: int,
    digest: str,
    now: dt.datetime,
) -> AuditCheckpoint:
    at = now.astimezone(dt.UTC).replace(microsecond=0)
    document = sign_document(
        {
            "type": CHECKPOINT_TYPE,
            "tenant": tenant_id,
            "seq": seq,
            "hash": digest,
            "at": format_at(at),
        },
        keyring.signing_key,
    )
    row = AuditCheckpoint(
        tenant_id=tenant_id,
        seq=seq,
        hash=digest,
        document=canonical_json(document).decode("utf-8"),
        at=at,
    )
    session.add(row)
    await session.flush()
    return row


async def checkpoint(
    session: AsyncSession, keyring: Keyring, tenant_id: int, now: dt.datetime
) -> AuditCheckpoint | None:
    """Sign a checkpoint of the tenant's newest entry (in the caller's transaction), unless
    the tenant has no entry or that entry already has one; return it, or None."""
    seq, digest = await _lock_head(session, tenant_id)
    if seq == 0:
        return None
    existing = await session.scalar(
        select(AuditCheckpoint.id).where(
            AuditCheckpoint.tenant_id == tenant_id, AuditCheckpoint.seq == seq
        )
    )
    if existing is not None:
        return None
    return await _write_checkpoint(session, keyring, tenant_id, seq, digest, now)


@dataclasses.dataclass(frozen=True, slots=True)
class VerifyResult:
    """The outcome of walking a chain: ``ok``, how many entries and checkpoints were
    checked, and at the first problem its seq and what is wrong."""

    ok: bool
    entries: int
    checkpoints: int
    first_bad_seq: int | None = None
    problem: str | None = None


class _Walk:
    """Checks entries fed in seq order against the chain rules and the checkpoints."""

    def __init__(
        self,
        tenant_id: int,
        first_seq: int,
        prev_hash: str,
        checkpoints: Iterable[Mapping[str, Any]],
        keys: Mapping[str, bytes],
    ) -> None:
        self.tenant_id = tenant_id
        self.expected = first_seq
        self.prev = prev_hash
        self.entries = 0
        self.keys = keys
        self.checkpoints: dict[int, Mapping[str, Any]] = {}
        self.bad: VerifyResult | None = None
        self.bad_checkpoint: tuple[int, str] | None = None
        for doc in checkpoints:
            seq = doc.get("seq") if isinstance(doc, Mapping) else None
            problem = self._checkpoint_problem(doc)
            if problem is not None or not isinstance(seq, int):
                where = seq if isinstance(seq, int) else 0
                if self.bad_checkpoint is None or where < self.bad_checkpoint[0]:
                    self.bad_checkpoint = (where, problem or "the checkpoint has no seq")
                continue
            self.checkpoints[seq] = doc

    def _checkpoint_problem(self, doc: Mapping[str, Any]) -> str | None:
        if not isinstance(doc, Mapping) or doc.get("type") != CHECKPOINT_TYPE:
            return "a checkpoint is not a checkpoint document"
        if not verify_document(doc, self.keys):
            return f"the checkpoint at seq {doc.get('seq')} has no valid signature"
        if doc.get("tenant") != self.tenant_id:
            return f"the checkpoint at seq {doc.get('seq')} is of another tenant"
        if not isinstance(doc.get("hash"), str):
            return f"the checkpoint at seq {doc.get('seq')} has no hash"
        return None

    @property
    def checked_checkpoints(self) -> int:
        return len(self.checkpoints)

    def fail(self, seq: int, problem: str) -> VerifyResult:
        if self.bad_checkpoint is not None and self.bad_checkpoint[0] < seq:
            seq, problem = self.bad_checkpoint
        self.bad = VerifyResult(False, self.entries, self.checked_checkpoints, seq, problem)
        return self.bad

    def feed(self, entry: Mapping[str, Any]) -> VerifyResult | None:
        """Check one entry; the failure result at the first problem, else None."""
        seq = entry["seq"]
        label = f"entry {seq} ({entry['event']})"
        if seq > self.expected:
            return self.fail(
                self.expected,
                f"entry {self.expected} is missing: deleted (the next one is {seq})",
            )
        if seq < self.expected:  # pragma: no cover - the database keeps seq unique
            return self.fail(seq, f"{label} appears twice: inserted")
        if entry["tenant"] != self.tenant_id:
            return self.fail(seq, f"{label} belongs to another tenant: inserted or moved")
        try:
            computed = entry_hash(entry)
        except (TypeError, KeyError):
            computed = ""
        if computed != entry["hash"]:
            return self.fail(
                seq,
                f"{label} does not match its hash: it was edited, "
                "or moved by an entry inserted, deleted or reordered before it",
            )
        if entry["prev_hash"] != self.prev:
            return self.fail(
                seq,
                f"{label} does not link to entry {seq - 1}: "
                "an entry before it was deleted, inserted or reordered",
            )
        self.entries += 1
        doc = self.checkpoints.get(seq)
        if doc is not None and doc["hash"] != entry["hash"]:
            return self.fail(
                seq,
                f"{label} differs from the signed checkpoint at seq {seq}: "
                f"the chain up to it was rewritten",
            )
        if self.bad_checkpoint is not None and self.bad_checkpoint[0] <= seq:
            return self.fail(*self.bad_checkpoint)
        self.prev = entry["hash"]
        self.expected = seq + 1
        return None

    def finish(self, head: tuple[int, str] | None = None) -> VerifyResult:
        """The result once every entry was fed; `head` is the recorded (seq, hash)."""
        last = self.expected - 1
        beyond = [seq for seq in self.checkpoints if seq > last]
        if beyond:
            seq = min(beyond)
            return self.fail(
                last + 1,
                f"entries {last + 1} to {seq} are missing: deleted "
                f"(the checkpoint at seq {seq} signs an entry that is not there)",
            )
        if head is not None and (head[0] != last or (last > 0 and head[1] != self.prev)):
            if head[0] > last:
                return self.fail(last + 1, f"entries {last + 1} to {head[0]} are missing: deleted")
            return self.fail(
                last,
                f"entry {last} is not the recorded head of the chain ({head[0]}): "
                "entries were inserted or the head was altered",
            )
        if self.bad_checkpoint is not None:
            return self.fail(*self.bad_checkpoint)
        return VerifyResult(True, self.entries, self.checked_checkpoints)


def verify_segment(
    tenant_id: int,
    entries: Iterable[Mapping[str, Any]],
    checkpoints: Iterable[Mapping[str, Any]],
    verification_keys: Mapping[str, bytes],
    *,
    first_seq: int = 1,
    prev_hash: str = GENESIS,
    last: tuple[int, str] | None = None,
) -> VerifyResult:
    """Verify entries given as mappings (the export form), in seq order, starting at
    `first_seq` whose ``prev_hash`` must be `prev_hash`; `last` is the expected final
    (seq, hash). Pure: no database, only the public keys."""
    walk = _Walk(tenant_id, first_seq, prev_hash, checkpoints, verification_keys)
    for entry in entries:
        bad = walk.feed(entry)
        if bad is not None:
            return bad
    return walk.finish(last)


def _checkpoint_doc(row: Any) -> dict[str, Any]:
    try:
        doc = json.loads(row.document)
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or doc.get("seq") != row.seq or doc.get("hash") != row.hash:
        # The row's own columns disagree with what was signed: treat as forged.
        return {"type": CHECKPOINT_TYPE, "seq": row.seq, "signature": ""}
    return doc


async def load_checkpoints(
    session: AsyncSession, tenant_id: int, first_seq: int = 1, last_seq: int | None = None
) -> list[dict[str, Any]]:
    """The tenant's checkpoint documents between two seqs, in order."""
    table = AuditCheckpoint.__table__
    query = select(table).where(table.c.tenant_id == tenant_id, table.c.seq >= first_seq)
    if last_seq is not None:
        query = query.where(table.c.seq <= last_seq)
    rows = (await session.execute(query.order_by(table.c.seq))).all()
    return [_checkpoint_doc(row) for row in rows]


async def iter_entries(
    session: AsyncSession, tenant_id: int, first_seq: int = 1, last_seq: int | None = None
) -> AsyncIterator[dict[str, Any]]:
    """The tenant's entries as mappings, in seq order, read in batches (as plain rows: the
    session's identity map is neither used nor filled)."""
    table = AuditEntry.__table__
    after = first_seq - 1
    while True:
        query = select(table).where(table.c.tenant_id == tenant_id, table.c.seq > after)
        if last_seq is not None:
            query = query.where(table.c.seq <= last_seq)
        rows = (await session.execute(query.order_by(table.c.seq).limit(_BATCH))).all()
        if not rows:
            return
        for row in rows:
            yield row_mapping(row)
        after = rows[-1].seq


async def _read_head(session: AsyncSession, tenant_id: int) -> tuple[int, str]:
    head = (
        await session.execute(
            select(AuditHead.seq, AuditHead.hash).where(AuditHead.tenant_id == tenant_id)
        )
    ).one_or_none()
    return (int(head.seq), str(head.hash)) if head is not None else (0, GENESIS)


async def verify(
    session: AsyncSession, verification_keys: Mapping[str, bytes], tenant_id: int
) -> VerifyResult:
    """Walk the tenant's whole chain and its checkpoints (`VerifyResult`).

    Safe while workers append: on PostgreSQL each statement sees what was committed when it
    ran, so entries committed during the walk are walked too, until the recorded head (which
    commits with each entry) equals the last entry walked.
    """
    checkpoints = await load_checkpoints(session, tenant_id)
    walk = _Walk(tenant_id, 1, GENESIS, checkpoints, verification_keys)
    for _round in range(_MAX_ROUNDS):
        async for entry in iter_entries(session, tenant_id, walk.expected):
            bad = walk.feed(entry)
            if bad is not None:
                return bad
        head = await _read_head(session, tenant_id)
        if head[0] <= walk.expected - 1:
            break
        # Either entries were committed since the walk's last read, or some are missing.
        if (
            await session.scalar(
                select(AuditEntry.seq)
                .where(AuditEntry.tenant_id == tenant_id, AuditEntry.seq >= walk.expected)
                .limit(1)
            )
            is None
        ):
            break
    return walk.finish(head)


async def tenants_with_entries(session: AsyncSession) -> list[int]:
    """Every tenant id that has a chain (entries or a head)."""
    ids = set((await session.scalars(select(AuditHead.tenant_id))).all())
    ids.update((await session.scalars(select(AuditEntry.tenant_id).distinct())).all())
    return sorted(ids)


async def count_entries(session: AsyncSession, tenant_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
        )
        or 0
    )
