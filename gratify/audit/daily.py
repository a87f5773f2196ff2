"""Checkpoints at least daily: a quiet tenant's newest entries are signed within a day.

`record` signs a checkpoint every `chain.CHECKPOINT_EVERY` entries; a tenant with few
actions would otherwise leave its newest entries unsigned for weeks, and entries that
no checkpoint covers can be deleted from the end of the chain without a trace (issue:
"every N entries and at least daily"). The app runs `sign_due_checkpoints` every hour in
each worker (`gratify.background`); `gratify audit checkpoint` does the same from cron.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from gratify.accounts.keys import Keyring
from gratify.audit.chain import checkpoint, tenants_with_entries
from gratify.audit.models import AuditCheckpoint, AuditHead
from gratify.db.engine import Database

DAY = dt.timedelta(days=1)
CHECK_EVERY = dt.timedelta(hours=1)
# Checked hourly, signed when the newest checkpoint is a day less one check old: no
# entry waits more than a day for its signature.
DUE_AFTER = DAY - CHECK_EVERY


async def sign_due_checkpoints(db: Database, keyring: Keyring, now: dt.datetime) -> list[int]:
    """Sign a checkpoint for every tenant whose newest entry has none and whose newest
    checkpoint is `DUE_AFTER` old or older (or who has none); the tenants signed.

    Reads first, so an hourly run that finds nothing due takes no write lock; each
    tenant is then signed in its own transaction, where `checkpoint` checks again (two
    workers finding the same tenant due sign it once).
    """
    async with db.reading() as session:
        tenants = await tenants_with_entries(session)
        heads = {
            tenant: seq
            for tenant, seq in await session.execute(select(AuditHead.tenant_id, AuditHead.seq))
        }
        newest = {
            tenant: (seq, at)
            for tenant, seq, at in await session.execute(
                select(
                    AuditCheckpoint.tenant_id,
                    func.max(AuditCheckpoint.seq),
                    func.max(AuditCheckpoint.at),
                ).group_by(AuditCheckpoint.tenant_id)
            )
        }
    signed: list[int] = []
    for tenant in tenants:
        head = heads.get(tenant, 0)
        last_seq, last_at = newest.get(tenant, (0, None))
        if head <= last_seq:
            continue
        if last_at is not None and now - last_at < DUE_AFTER:
            continue
        async with db.writing() as session:
            if await checkpoint(session, keyring, tenant, now) is not None:
                signed.append(tenant)
    return signed
