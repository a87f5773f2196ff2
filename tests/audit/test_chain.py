"""The hash chain on SQLite and PostgreSQL: appends, checkpoints, and tampering by direct
SQL, each detected at the right entry."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.accounts.keys import Keyring
from gratify.audit.chain import (
    CHECKPOINT_EVERY,
    GENESIS,
    checkpoint,
    entry_hash,
    format_at,
    record,
    verify,
)
from gratify.audit.events import AuditEventError
from gratify.audit.listing import list_entries
from gratify.audit.models import AuditCheckpoint, AuditEntry, AuditHead
from gratify.crypto.sign import SigningKey, canonical_json, sign_document
from gratify.db.engine import Database
from tests.conftest import RollbackDatabase, migrated_database

TENANT = 4242
NOW = dt.datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=dt.UTC)


@pytest.fixture
def keyring() -> Keyring:
    return Keyring(SigningKey.generate(), b"\0" * 32)


async def _append(session: AsyncSession, keyring: Keyring, count: int) -> list[AuditEntry]:
    entries = []
    for i in range(count):
        entries.append(
            await record(
                session,
                keyring=keyring,
                tenant_id=TENANT,
                event="case.transitioned",
                actor=f"user:{i + 1}",
                case_id=f"case-{i % 3}",
                details={"from": "received", "to": "in_review"},
                now=NOW + dt.timedelta(minutes=i),
            )
        )
    return entries


async def test_appends_link_and_verify(session: AsyncSession, keyring: Keyring) -> None:
    entries = await _append(session, keyring, 5)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash
    assert entries[0].at == NOW.replace(microsecond=0)
    assert json.loads(entries[0].details) == {"from": "received", "to": "in_review"}
    head = await session.get(AuditHead, TENANT)
    assert head is not None
    assert (head.seq, head.hash) == (5, entries[-1].hash)
    result = await verify(session, keyring.verification_keys, TENANT)
    assert result.ok, result.problem
    assert (result.entries, result.checkpoints, result.first_bad_seq) == (5, 0, None)
    # Another tenant's chain is separate, and an empty one is intact.
    other = await record(
        session, keyring=keyring, tenant_id=TENANT + 1, event="account.enabled",
        actor="operator", details={"user": 3}, now=NOW,
    )  # fmt: skip
    assert (other.seq, other.prev_hash) == (1, GENESIS)
    assert (await verify(session, keyring.verification_keys, TENANT + 2)).ok


async def test_hash_is_of_the_canonical_entry(session: AsyncSession, keyring: Keyring) -> None:
    [entry] = await _append(session, keyring, 1)
    document = {
        "tenant": TENANT,
        "seq": 1,
        "event": "case.transitioned",
        "actor": "user:1",
        "case": "case-0",
        "at": "2026-11-23T09:30:15Z",
        "details": {"from": "received", "to": "in_review"},
        "prev": GENESIS,
    }
    assert entry.hash == hashlib.sha256(canonical_json(document)).hexdigest()


async def test_reporter_events_carry_the_day_only(session: AsyncSession, keyring: Keyring) -> None:
    entry = await record(
        session,
        keyring=keyring,
        tenant_id=TENANT,
        event="reporter.message.sent",
        actor="reporter",
        case_id="c1",
        details={"message": 12},
        now=dt.datetime(2026, 11, 23, 23, 59, 58, tzinfo=dt.timezone(dt.timedelta(hours=7))),
    )
    assert entry.at == dt.datetime(2026, 11, 23, 0, 0, tzinfo=dt.UTC)
    filed = await record(
        session, keyring=keyring, tenant_id=TENANT, event="case.filed", actor="reporter",
        case_id="c1", details={"kind": "gratification"}, now=NOW,
    )  # fmt: skip
    assert filed.at == dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    row = await session.scalar(select(AuditEntry.at).where(AuditEntry.id == filed.id))
    assert row == dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    with pytest.raises(AuditEventError, match="reporter"):
        await record(
            session, keyring=keyring, tenant_id=TENANT, event="reporter.inbox.opened",
            actor="user:3", case_id="c1", now=NOW,
        )  # fmt: skip


async def test_refusals_leave_nothing(session: AsyncSession, keyring: Keyring) -> None:
    with pytest.raises(AuditEventError, match="no detail 'text'"):
        await record(
            session, keyring=keyring, tenant_id=TENANT, event="case.note.written",
            actor="user:1", case_id="c1", details={"text": "the note itself"}, now=NOW,
        )  # fmt: skip
    with pytest.raises(AuditEventError, match="needs the case"):
        await record(
            session, keyring=keyring, tenant_id=TENANT, event="case.note.written",
            actor="user:1", now=NOW,
        )  # fmt: skip
    with pytest.raises(AuditEventError, match="not an actor"):
        await record(
            session, keyring=keyring, tenant_id=TENANT, event="account.disabled",
            actor="reporter 10.1.1.1", now=NOW,
        )  # fmt: skip
    count = await session.scalar(select(func.count()).select_from(AuditEntry))
    assert count == 0


async def test_entry_rolls_back_with_the_action(db: RollbackDatabase, keyring: Keyring) -> None:
    with pytest.raises(RuntimeError):
        async with db.writing() as session:
            await _append(session, keyring, 2)
            raise RuntimeError("the action failed")
    async with db.writing() as session:
        [entry] = await _append(session, keyring, 1)
        assert entry.seq == 1


async def test_case_trail_outlives_the_case(session: AsyncSession, keyring: Keyring) -> None:
    """case_id is a plain string: an entry can name a case that is gone."""
    await record(
        session, keyring=keyring, tenant_id=TENANT, event="case.content.read",
        actor="user:9", case_id="no-such-case", details={"part": "answers"}, now=NOW,
    )  # fmt: skip
    assert (await verify(session, keyring.verification_keys, TENANT)).ok


async def _sql(session: AsyncSession, statement: str, **params: object) -> None:
    await session.execute(text(statement), {"t": TENANT, **params})


async def _insert(session: AsyncSession, forged: dict[str, Any]) -> None:
    """Insert an entry by SQL, bypassing `record` (and the head)."""
    await session.execute(
        insert(AuditEntry).values(
            tenant_id=forged["tenant"],
            seq=forged["seq"],
            event=forged["event"],
            actor=forged["actor"],
            case_id=forged["case"],
            at=NOW.replace(microsecond=0),
            details=canonical_json(forged["details"]).decode(),
            prev_hash=forged["prev_hash"],
            hash=entry_hash(forged),
        )
    )


async def test_edited_detail_is_detected(session: AsyncSession, keyring: Keyring) -> None:
    await _append(session, keyring, 5)
    await _sql(
        session,
        "UPDATE audit_entries SET details = :d WHERE tenant_id = :t AND seq = 3",
        d='{"from":"received","to":"closed"}',
    )
    result = await verify(session, keyring.verification_keys, TENANT)
    assert not result.ok
    assert result.first_bad_seq == 3
    assert result.problem is not None
    assert "entry 3 (case.transitioned)" in result.problem
    assert "edited" in result.problem
    assert result.entries == 2


async def test_edited_actor_or_time_is_detected(session: AsyncSession, keyring: Keyring) -> None:
    await _append(session, keyring, 4)
    await _sql(session, "UPDATE audit_entries SET actor = 'user:99' WHERE tenant_id=:t AND seq=2")
    assert (await verify(session, keyring.verification_keys, TENANT)).first_bad_seq == 2
    await _sql(session, "UPDATE audit_entries SET actor = 'user:2' WHERE tenant_id=:t AND seq=2")
    assert (await verify(session, keyring.verification_keys, TENANT)).ok
    await _sql(session, "UPDATE audit_entries SET case_id = NULL WHERE tenant_id=:t AND seq=4")
    assert (await verify(session, keyring.verification_keys, TENANT)).first_bad_seq == 4


async def test_deleted_entry_is_detected(session: AsyncSession, keyring: Keyring) -> None:
    await _append(session, keyring, 5)
    await _sql(session, "DELETE FROM audit_entries WHERE tenant_id = :t AND seq = 3")
    result = await verify(session, keyring.verification_keys, TENANT)
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert result.problem is not None
    assert "missing" in result.problem


async def test_deleted_last_entries_are_detected(session: AsyncSession, keyring: Keyring) -> None:
    await _append(session, keyring, 5)
    await _sql(session, "DELETE FROM audit_entries WHERE tenant_id = :t AND seq >= 4")
    result = await verify(session, keyring.verification_keys, TENANT)
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert result.problem is not None
    assert "entries 4 to 5 are missing" in result.problem


async def test_renumbered_deletion_is_detected(session: AsyncSession, keyring: Keyring) -> None:
    """Deleting entry 3 and renumbering the rest to hide the gap breaks entry 3's hash."""
    await _append(session, keyring, 5)
    await _sql(session, "DELETE FROM audit_entries WHERE tenant_id = :t AND seq = 3")
    await _sql(session, "UPDATE audit_entries SET seq = seq + 1000 WHERE tenant_id=:t AND seq>3")
    await _sql(session, "UPDATE audit_entries SET seq = seq - 1001 WHERE tenant_id=:t AND seq>3")
    await _sql(session, "UPDATE audit_heads SET seq = 4 WHERE tenant_id = :t")
    result = await verify(session, keyring.verification_keys, TENANT)
    assert (result.ok, result.first_bad_seq) == (False, 3)


async def test_inserted_entry_is_detected(session: AsyncSession, keyring: Keyring) -> None:
    """A well-formed entry slipped in at seq 3 (with a correct hash and link) moves the
    old entry 3 to seq 4, whose hash then no longer matches."""
    entries = await _append(session, keyring, 5)
    await _sql(session, "UPDATE audit_entries SET seq = seq + 1000 WHERE tenant_id=:t AND seq>=3")
    await _sql(session, "UPDATE audit_entries SET seq = seq - 999 WHERE tenant_id=:t AND seq>=3")
    forged = {
        "tenant": TENANT,
        "seq": 3,
        "event": "case.access.granted",
        "actor": "user:1",
        "case": "case-0",
        "at": format_at(NOW),
        "details": {"user": 66},
        "prev_hash": entries[1].hash,
    }
    await _insert(session, forged)
    result = await verify(session, keyring.verification_keys, TENANT)
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert result.problem is not None
    assert "entry 4 (case.transitioned)" in result.problem


async def test_inserted_entry_at_the_end_is_detected(
    session: AsyncSession, keyring: Keyring
) -> None:
    entries = await _append(session, keyring, 3)
    forged = {
        "tenant": TENANT, "seq": 4, "event": "account.enabled", "actor": "operator",
        "case": None, "at": format_at(NOW), "details": {"user": 5}, "prev_hash": entries[-1].hash,
    }  # fmt: skip
    await _insert(session, forged)
    result = await verify(session, keyring.verification_keys, TENANT)
    assert (result.ok, result.first_bad_seq) == (False, 4)


async def test_swapped_entries_are_detected(session: AsyncSession, keyring: Keyring) -> None:
    await _append(session, keyring, 5)
    await _sql(session, "UPDATE audit_entries SET seq = -1 WHERE tenant_id = :t AND seq = 2")
    await _sql(session, "UPDATE audit_entries SET seq = 2 WHERE tenant_id = :t AND seq = 4")
    await _sql(session, "UPDATE audit_entries SET seq = 4 WHERE tenant_id = :t AND seq = -1")
    result = await verify(session, keyring.verification_keys, TENANT)
    assert (result.ok, result.first_bad_seq) == (False, 2)


async def test_checkpoints_are_signed_and_checked(session: AsyncSession, keyring: Keyring) -> None:
    await _append(session, keyring, 3)
    written = await checkpoint(session, keyring, TENANT, NOW)
    assert written is not None
    assert (written.seq, written.at) == (3, NOW.replace(microsecond=0))
    assert await checkpoint(session, keyring, TENANT, NOW) is None  # nothing new
    assert await checkpoint(session, keyring, TENANT + 7, NOW) is None  # no entries
    document = json.loads(written.document)
    assert document["type"] == "gratify.audit.checkpoint"
    assert (document["tenant"], document["seq"], document["key_id"]) == (
        TENANT, 3, keyring.signing_key.key_id,
    )  # fmt: skip
    result = await verify(session, keyring.verification_keys, TENANT)
    assert (result.ok, result.checkpoints) == (True, 1)
    # Checked with another installation's key, the checkpoint is not valid.
    stranger = Keyring(SigningKey.generate(), b"\0" * 32)
    result = await verify(session, stranger.verification_keys, TENANT)
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert result.problem is not None
    assert "signature" in result.problem


async def test_forged_checkpoint_is_detected(session: AsyncSession, keyring: Keyring) -> None:
    await _append(session, keyring, 3)
    await checkpoint(session, keyring, TENANT, NOW)
    forged = sign_document(
        {"type": "gratify.audit.checkpoint", "tenant": TENANT, "seq": 3, "hash": "ab" * 32,
         "at": format_at(NOW)},
        SigningKey.generate(),
    )  # fmt: skip
    forged["key_id"] = keyring.signing_key.key_id
    await _sql(
        session,
        "UPDATE audit_checkpoints SET document = :d, hash = :h WHERE tenant_id = :t",
        d=canonical_json(forged).decode(),
        h="ab" * 32,
    )
    result = await verify(session, keyring.verification_keys, TENANT)
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert result.problem is not None
    assert "signature" in result.problem


async def test_rewritten_chain_fails_the_checkpoint(
    session: AsyncSession, keyring: Keyring
) -> None:
    """An attacker who edits entry 2 and recomputes every hash after it still cannot
    match the signed checkpoint."""
    await _append(session, keyring, 4)
    await checkpoint(session, keyring, TENANT, NOW)
    rows = (
        await session.execute(
            text("SELECT seq, event, actor, case_id, details FROM audit_entries "
                 "WHERE tenant_id = :t ORDER BY seq"),
            {"t": TENANT},
        )
    ).all()  # fmt: skip
    prev = GENESIS
    for row in rows:
        details = json.loads(row.details)
        if row.seq == 2:
            details = {"from": "received", "to": "closed"}
        mapping = {
            "tenant": TENANT, "seq": row.seq, "event": row.event, "actor": row.actor,
            "case": row.case_id, "at": format_at(NOW + dt.timedelta(minutes=row.seq - 1)),
            "details": details, "prev_hash": prev,
        }  # fmt: skip
        digest = entry_hash(mapping)
        await _sql(
            session,
            "UPDATE audit_entries SET details = :d, prev_hash = :p, hash = :h "
            "WHERE tenant_id = :t AND seq = :s",
            d=canonical_json(details).decode(),
            p=prev,
            h=digest,
            s=row.seq,
        )
        prev = digest
    await _sql(session, "UPDATE audit_heads SET hash = :h WHERE tenant_id = :t", h=prev)
    result = await verify(session, keyring.verification_keys, TENANT)
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert result.problem is not None
    assert "checkpoint" in result.problem


async def test_a_checkpoint_every_n_entries(session: AsyncSession, keyring: Keyring) -> None:
    await _append(session, keyring, CHECKPOINT_EVERY + 1)
    seqs = (await session.scalars(select(AuditCheckpoint.seq))).all()
    assert list(seqs) == [CHECKPOINT_EVERY]
    result = await verify(session, keyring.verification_keys, TENANT)
    assert (result.ok, result.entries, result.checkpoints) == (True, CHECKPOINT_EVERY + 1, 1)
    # Deleting everything after the checkpointed entry and the head's memory of it is
    # still caught by the checkpoint.
    await _sql(session, "DELETE FROM audit_entries WHERE tenant_id = :t AND seq >= 90")
    await _sql(session, "DELETE FROM audit_heads WHERE tenant_id = :t")
    result = await verify(session, keyring.verification_keys, TENANT)
    assert (result.ok, result.first_bad_seq) == (False, 90)


@pytest.fixture(params=["sqlite", "postgresql"])
async def fresh_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A database of its own that really commits, on each engine."""
    async with migrated_database(request.param, tmp_path) as url:
        db = Database(url)
        try:
            yield db
        finally:
            await db.dispose()


async def test_concurrent_appends_never_fork(fresh_db: Database, keyring: Keyring) -> None:
    """20 workers appending at once, each in its own transaction: one chain, no gaps."""
    start = asyncio.Event()

    async def worker(n: int) -> int:
        await start.wait()
        async with fresh_db.writing() as session:
            entry = await record(
                session, keyring=keyring, tenant_id=TENANT, event="case.note.written",
                actor=f"user:{n + 1}", case_id="c", details={"note": n}, now=NOW,
            )  # fmt: skip
            await asyncio.sleep(0.01)  # hold the lock a little, inviting a race
            return entry.seq

    tasks = [asyncio.create_task(worker(n)) for n in range(20)]
    start.set()
    seqs = await asyncio.gather(*tasks)
    assert sorted(seqs) == list(range(1, 21))
    async with fresh_db.reading() as session:
        result = await verify(session, keyring.verification_keys, TENANT)
        notes = (await session.scalars(select(AuditEntry.details))).all()
    assert (result.ok, result.entries) == (True, 20), result.problem
    assert sorted(json.loads(d)["note"] for d in notes) == list(range(20))


async def test_listing_pages_and_filters(session: AsyncSession, keyring: Keyring) -> None:
    await _append(session, keyring, 7)
    await record(
        session, keyring=keyring, tenant_id=TENANT, event="account.disabled",
        actor="operator", details={"user": 3}, now=NOW + dt.timedelta(hours=1),
    )  # fmt: skip
    first = await list_entries(session, TENANT, per_page=3)
    assert (first.total, first.pages) == (8, 3)
    assert [e.seq for e in first.entries] == [8, 7, 6]
    assert first.entries[0].as_json()["details"] == {"user": 3}
    last = await list_entries(session, TENANT, page=3, per_page=3)
    assert [e.seq for e in last.entries] == [2, 1]
    case = await list_entries(session, TENANT, case_id="case-1")
    assert [e.seq for e in case.entries] == [5, 2]
    assert (await list_entries(session, TENANT, event="account.")).total == 1
    assert (await list_entries(session, TENANT, event="case.transitioned")).total == 7
    assert (await list_entries(session, TENANT, actor="user:2")).total == 1
    start = NOW.replace(microsecond=0)
    since, until = start + dt.timedelta(minutes=2), start + dt.timedelta(minutes=4)
    window = await list_entries(session, TENANT, since=since, until=until)
    assert [e.seq for e in window.entries] == [4, 3]
    assert (await list_entries(session, TENANT + 1)).total == 0


async def test_verify_while_workers_append(fresh_db: Database, keyring: Keyring) -> None:
    """A walk that overlaps appends sees a consistent chain, never a false alarm."""
    done = asyncio.Event()

    async def writer(n: int) -> None:
        for i in range(5):
            async with fresh_db.writing() as session:
                await record(
                    session, keyring=keyring, tenant_id=TENANT, event="case.note.written",
                    actor=f"user:{n + 1}", case_id="c", details={"note": i}, now=NOW,
                )  # fmt: skip

    async def verifier() -> list[bool]:
        results = []
        while not done.is_set():
            async with fresh_db.reading() as session:
                results.append((await verify(session, keyring.verification_keys, TENANT)).ok)
            await asyncio.sleep(0)
        return results

    checking = asyncio.create_task(verifier())
    await asyncio.gather(*(writer(n) for n in range(4)))
    done.set()
    results = await checking
    assert results
    assert all(results)
    async with fresh_db.reading() as session:
        final = await verify(session, keyring.verification_keys, TENANT)
    assert (final.ok, final.entries) == (True, 20)
