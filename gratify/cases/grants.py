"""Who holds a case: assignment, granting access (wrapping the key to someone), revoking it,
and a handler declaring a conflict of interest and handing the case back."""

from __future__ import annotations

import dataclasses

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.accounts.models import User
from gratify.accounts.users import CASE_ROLES
from gratify.cases.access import CaseActor, open_case_key
from gratify.cases.trail import audit
from gratify.crypto.envelope import wrap_data_key
from gratify.errors import N_, Conflict, Forbidden, InvalidInput
from gratify.intake.models import Case, CaseExclusion, CaseKey
from gratify.intake.service import IntakeContext, key_context

SUPERVISOR = "supervisor"


@dataclasses.dataclass(frozen=True, slots=True)
class Holder:
    username: str
    role: str
    assigned: bool


async def _colleague(session: AsyncSession, case: Case, username: str) -> User:
    """An active handler or supervisor of the case's unit, or `InvalidInput`."""
    user = await session.scalar(
        select(User).where(
            User.username == username,
            User.active.is_(True),
            User.role.in_(CASE_ROLES),
            User.unit_id == case.unit_id,
        )
    )
    if user is None:
        raise InvalidInput(
            fields={"username": N_("There is no active handler of this unit by that name.")}
        )
    return user


async def holders(ctx: IntakeContext, actor: CaseActor, case_id: str) -> list[Holder]:
    """Who can read the case now (a supervisor's question: who sees what)."""
    async with ctx.db.reading() as session:
        case, _ = await open_case_key(session, actor, case_id)
        rows = await session.execute(
            select(User.id, User.username, User.role)
            .join(CaseKey, CaseKey.user_id == User.id)
            .where(CaseKey.case_id == case.id)
            .order_by(User.username)
        )
        return [Holder(name, role, uid == case.assigned_to) for uid, name, role in rows]


async def assign_case(ctx: IntakeContext, actor: CaseActor, case_id: str, username: str) -> None:
    """Give the case to a handler of its unit who holds it. A handler may take a case;
    only a supervisor may give it to someone else."""
    async with ctx.db.writing() as session:
        case, _ = await open_case_key(session, actor, case_id)
        user = await _colleague(session, case, username)
        if user.id != actor.user_id and actor.role != SUPERVISOR:
            raise Forbidden(N_("Only a supervisor assigns cases to others."))
        key = await session.scalar(
            select(CaseKey.id).where(CaseKey.case_id == case.id, CaseKey.user_id == user.id)
        )
        if key is None:
            raise Conflict(N_("Grant this person access to the case first."))
        case.assigned_to = user.id
        await audit(ctx, session, case, actor, "case.assigned", user=user.id)


async def grant_access(ctx: IntakeContext, actor: CaseActor, case_id: str, username: str) -> None:
    """Wrap the case's key to another handler of the unit. Never to someone the reporter
    excluded."""
    async with ctx.db.writing() as session:
        case, dek = await open_case_key(session, actor, case_id)
        user = await _colleague(session, case, username)
        excluded = await session.scalar(
            select(CaseExclusion.user_id).where(
                CaseExclusion.case_id == case.id, CaseExclusion.user_id == user.id
            )
        )
        if excluded is not None:
            raise Conflict(N_("This person may not see this case."))
        held = await session.scalar(
            select(CaseKey.id).where(CaseKey.case_id == case.id, CaseKey.user_id == user.id)
        )
        if held is not None:
            return
        wrapped = await ctx.pool.run(
            wrap_data_key, dek, user.public_key, context=key_context(case.id)
        )
        session.add(CaseKey(case_id=case.id, user_id=user.id, wrapped=wrapped))
        await audit(ctx, session, case, actor, "case.access.granted", user=user.id)


async def revoke_access(ctx: IntakeContext, actor: CaseActor, case_id: str, username: str) -> None:
    """Take a handler's key to the case away (supervisors). What they already read, they
    read; from now on they cannot open it."""
    async with ctx.db.writing() as session:
        # Access first: someone who may not see the case learns nothing, not even a 403.
        case, _ = await open_case_key(session, actor, case_id)
        if actor.role != SUPERVISOR:
            raise Forbidden(N_("Only a supervisor revokes access."))
        user = await _colleague(session, case, username)
        if user.id == actor.user_id:
            raise Conflict(N_("You cannot revoke your own access."))
        await session.execute(
            delete(CaseKey).where(CaseKey.case_id == case.id, CaseKey.user_id == user.id)
        )
        if case.assigned_to == user.id:
            case.assigned_to = None
        await audit(ctx, session, case, actor, "case.access.revoked", user=user.id)


async def declare_conflict(ctx: IntakeContext, actor: CaseActor, case_id: str) -> None:
    """The handler has a conflict of interest: they drop their key, are excluded from the
    case for good, and it is no longer theirs."""
    async with ctx.db.writing() as session:
        case, _ = await open_case_key(session, actor, case_id)
        await audit(ctx, session, case, actor, "case.conflict.declared", user=actor.user_id)
        await session.execute(
            delete(CaseKey).where(CaseKey.case_id == case.id, CaseKey.user_id == actor.user_id)
        )
        session.add(CaseExclusion(case_id=case.id, user_id=actor.user_id))
        if case.assigned_to == actor.user_id:
            case.assigned_to = None
