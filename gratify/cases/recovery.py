"""Recovery with the tenant's escrow key: give a unit's handlers back the cases whose keys
they lost (every handler of a case forgot their password, left, or a new handler joined).

The escrow private key is never stored: the operator types it in for this run only
(keys/README.md). Every case's data key is wrapped to the tenant's escrow public key at
filing, so the escrow holder can unwrap it and wrap it again to today's handlers — never to
someone the reporter excluded.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select

from gratify.accounts.models import Tenant, TenantKey, Unit, User
from gratify.accounts.users import CASE_ROLES
from gratify.audit.chain import record
from gratify.audit.events import ACTOR_OPERATOR
from gratify.crypto.envelope import (
    public_key_from_private,
    recipient_key_id,
    unwrap_data_key,
    wrap_data_key,
)
from gratify.crypto.errors import CryptoError
from gratify.errors import N_, InvalidInput, NotFound
from gratify.intake.models import Case, CaseExclusion, CaseKey
from gratify.intake.service import IntakeContext, key_context

BATCH = 500


@dataclasses.dataclass(frozen=True, slots=True)
class Recovered:
    """What a recovery run did."""

    cases_seen: int
    keys_granted: int
    cases_unreadable: int


async def recover_access(
    ctx: IntakeContext, tenant_slug: str, escrow_private: bytes, unit: str | None = None
) -> Recovered:
    """Wrap every case key of the tenant (optionally only those routed to `unit`) to each
    active handler and supervisor of the case's unit who lacks it and is not excluded."""
    key_id = recipient_key_id(public_key_from_private(escrow_private))
    db, pool = ctx.db, ctx.pool
    async with db.reading() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == tenant_slug))
        if tenant is None:
            raise NotFound()
        escrow = await session.scalar(
            select(TenantKey).where(TenantKey.tenant_id == tenant.id, TenantKey.key_id == key_id)
        )
        if escrow is None:
            raise InvalidInput(N_("This is not an escrow key of this region."))
        unit_id = None
        if unit is not None:
            unit_id = await session.scalar(
                select(Unit.id).where(Unit.slug == unit, Unit.tenant_id == tenant.id)
            )
            if unit_id is None:
                raise NotFound()
    seen = granted = unreadable = 0
    last_id = ""
    while True:
        async with db.writing() as session:
            query = (
                select(Case.id, Case.unit_id, CaseKey.wrapped)
                .join(CaseKey, (CaseKey.case_id == Case.id) & (CaseKey.tenant_key_id == escrow.id))
                .where(Case.tenant_id == tenant.id, Case.id > last_id)
                .order_by(Case.id)
                .limit(BATCH)
            )
            if unit_id is not None:
                query = query.where(Case.unit_id == unit_id)
            rows = list(await session.execute(query))
            if not rows:
                break
            for case_id, case_unit, wrapped in rows:
                seen += 1
                last_id = case_id
                try:
                    dek = await pool.run(
                        unwrap_data_key, wrapped, escrow_private, context=key_context(case_id)
                    )
                except CryptoError:
                    unreadable += 1
                    continue
                holders = select(CaseKey.user_id).where(
                    CaseKey.case_id == case_id, CaseKey.user_id.is_not(None)
                )
                excluded = select(CaseExclusion.user_id).where(CaseExclusion.case_id == case_id)
                missing = await session.scalars(
                    select(User).where(
                        User.unit_id == case_unit,
                        User.active.is_(True),
                        User.role.in_(CASE_ROLES),
                        User.id.not_in(holders),
                        User.id.not_in(excluded),
                    )
                )
                given = 0
                for user in missing:
                    wrapped_to_user = await pool.run(
                        wrap_data_key, dek, user.public_key, context=key_context(case_id)
                    )
                    session.add(CaseKey(case_id=case_id, user_id=user.id, wrapped=wrapped_to_user))
                    given += 1
                if given:
                    granted += given
                    await record(
                        session,
                        keyring=ctx.keyring,
                        tenant_id=tenant.id,
                        event="case.recovered",
                        actor=ACTOR_OPERATOR,
                        case_id=case_id,
                        details={"keys_granted": given},
                        now=dt.datetime.now(dt.UTC),
                    )
    return Recovered(seen, granted, unreadable)
