"""Checkpoints at least daily (gratify/audit/daily.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from gratify.accounts.keys import Keyring
from gratify.audit.chain import record, verify
from gratify.audit.daily import sign_due_checkpoints
from gratify.audit.models import AuditCheckpoint
from gratify.crypto.sign import SigningKey
from tests.conftest import RollbackDatabase

QUIET, BUSY = 5101, 5102
MONDAY = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


async def _note(db: RollbackDatabase, keyring: Keyring, tenant: int, at: dt.datetime) -> None:
    async with db.writing() as session:
        await record(
            session, keyring=keyring, tenant_id=tenant, event="case.note.written",
            actor="user:1", case_id="c", details={"note": 1}, now=at,
        )  # fmt: skip


async def _checkpoints(db: RollbackDatabase, tenant: int) -> list[int]:
    async with db.reading() as session:
        return list(
            await session.scalars(
                select(AuditCheckpoint.seq)
                .where(AuditCheckpoint.tenant_id == tenant)
                .order_by(AuditCheckpoint.seq)
            )
        )


async def test_new_entries_are_signed_within_a_day(db: RollbackDatabase) -> None:
    keyring = Keyring(SigningKey.generate(), b"\0" * 32)
    await _note(db, keyring, QUIET, MONDAY)
    # No checkpoint yet: the first run signs the tenant's newest entry.
    assert await sign_due_checkpoints(db, keyring, MONDAY) == [QUIET]
    assert await _checkpoints(db, QUIET) == [1]
    # Nothing new: nothing to sign, however late.
    assert await sign_due_checkpoints(db, keyring, MONDAY + dt.timedelta(days=3)) == []
    # A new entry an hour later waits for the day to be (almost) over...
    await _note(db, keyring, QUIET, MONDAY + dt.timedelta(hours=1))
    for hours in (1, 12, 22):
        assert await sign_due_checkpoints(db, keyring, MONDAY + dt.timedelta(hours=hours)) == []
    # ...and is signed by the hourly run that finds the last checkpoint 23 hours old,
    # so no entry waits more than a day.
    assert await sign_due_checkpoints(db, keyring, MONDAY + dt.timedelta(hours=23)) == [QUIET]
    assert await _checkpoints(db, QUIET) == [1, 2]
    async with db.reading() as session:
        result = await verify(session, keyring.verification_keys, QUIET)
    assert (result.ok, result.entries, result.checkpoints) == (True, 2, 2)


async def test_each_tenant_is_judged_on_its_own(db: RollbackDatabase) -> None:
    keyring = Keyring(SigningKey.generate(), b"\0" * 32)
    await _note(db, keyring, QUIET, MONDAY)
    await _note(db, keyring, BUSY, MONDAY)
    assert sorted(await sign_due_checkpoints(db, keyring, MONDAY)) == [QUIET, BUSY]
    await _note(db, keyring, BUSY, MONDAY + dt.timedelta(hours=2))
    # A second worker running the same job at the same time signs nothing more.
    assert await sign_due_checkpoints(db, keyring, MONDAY + dt.timedelta(hours=2)) == []
    assert await sign_due_checkpoints(db, keyring, MONDAY + dt.timedelta(days=1)) == [BUSY]
    assert await sign_due_checkpoints(db, keyring, MONDAY + dt.timedelta(days=1)) == []
    assert (await _checkpoints(db, QUIET), await _checkpoints(db, BUSY)) == ([1], [1, 2])
