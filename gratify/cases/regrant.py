"""A supervisor gives a colleague of their unit the unit's cases they lack: after a password
reset (the new key pair opens none of the old wraps), for someone who joined the unit, or
someone enabled again after the cases moved on.

The supervisor opens each case's data key with their own private key and wraps it to the
colleague, so only cases the supervisor can open themselves are given, never one the
colleague is excluded from. The work goes in batches, one transaction each, so a unit
with many cases does not hold one long write transaction.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from gratify.accounts.models import SLUG_LENGTH, Unit, User
from gratify.accounts.users import CASE_ROLES
from gratify.cases.access import CaseActor, visible_to
from gratify.crypto.envelope import unwrap_data_key, wrap_data_key
from gratify.crypto.errors import CryptoError
from gratify.errors import N_, Forbidden, NotFound
from gratify.intake.models import Case, CaseExclusion, CaseKey
from gratify.intake.service import IntakeContext, key_context

SUPERVISOR = "supervisor"
BATCH = 200
ONLY_SUPERVISORS = N_("Only a supervisor gives a unit's cases to a colleague.")
NOT_A_COLLEAGUE = N_("There is no active handler or supervisor of your unit by that name.")


@dataclasses.dataclass(frozen=True, slots=True)
class Colleague:
    """A handler or supervisor of the unit: how many of its cases they can read now, and
    how many more the supervisor can give them."""

    username: str
    role: str
    readable: int
    missing: int


@dataclasses.dataclass(frozen=True, slots=True)
class UnitOverview:
    """A supervisor's view of who in their unit can read what."""

    unit: str
    unit_name: str
    cases: int
    supervisor_readable: int
    staff: tuple[Colleague, ...]


def _lacks(user_id: int) -> ColumnElement[bool]:
    """SQL: the case holds no key of the user's, and the user is not excluded from it."""
    key, exclusion = aliased(CaseKey), aliased(CaseExclusion)
    has_key = select(key.id).where(key.case_id == Case.id, key.user_id == user_id).exists()
    excluded = (
        select(exclusion.user_id)
        .where(exclusion.case_id == Case.id, exclusion.user_id == user_id)
        .exists()
    )
    return and_(~has_key, ~excluded)


async def _supervisor(session: AsyncSession, supervisor: CaseActor) -> User:
    """The supervisor's row, if they are an active supervisor of a unit now; else
    `Forbidden`."""
    if supervisor.role != SUPERVISOR or supervisor.unit_id is None:
        raise Forbidden(ONLY_SUPERVISORS)
    me = await session.get(User, supervisor.user_id)
    if me is None or not me.active or me.role != SUPERVISOR or me.unit_id != supervisor.unit_id:
        raise Forbidden(ONLY_SUPERVISORS)
    return me


async def _colleague(session: AsyncSession, unit_id: int, username: str) -> User:
    """An active handler or supervisor of the unit; `NotFound` for anyone else."""
    if not 0 < len(username) <= SLUG_LENGTH:
        raise NotFound()
    user = await session.scalar(
        select(User).where(
            User.unit_id == unit_id,
            User.username == username,
            User.active.is_(True),
            User.role.in_(CASE_ROLES),
        )
    )
    if user is None:
        raise NotFound()
    return user


async def _count(session: AsyncSession, *where: ColumnElement[bool]) -> int:
    found = await session.scalar(select(func.count(Case.id)).where(*where))
    return int(found or 0)


async def unit_overview(ctx: IntakeContext, supervisor: CaseActor) -> UnitOverview:
    """The supervisor's unit: its cases, and for each active handler and supervisor of it
    how many they can read and how many more the supervisor could give them."""
    async with ctx.db.reading() as session:
        me = await _supervisor(session, supervisor)
        assert me.unit_id is not None
        unit = await session.get(Unit, me.unit_id)
        if unit is None:
            raise NotFound()
        in_unit = Case.unit_id == unit.id
        mine = visible_to(me.id)
        people = await session.scalars(
            select(User)
            .where(User.unit_id == unit.id, User.active.is_(True), User.role.in_(CASE_ROLES))
            .order_by(User.username)
        )
        staff = []
        for user in people:
            readable = await _count(session, in_unit, visible_to(user.id))
            missing = 0
            if user.id != me.id:
                missing = await _count(session, in_unit, mine, _lacks(user.id))
            staff.append(Colleague(user.username, user.role, readable, missing))
        return UnitOverview(
            unit=unit.slug,
            unit_name=unit.name,
            cases=await _count(session, in_unit),
            supervisor_readable=await _count(session, in_unit, mine),
            staff=tuple(staff),
        )


async def regrant_unit_cases(ctx: IntakeContext, supervisor: CaseActor, username: str) -> int:
    """Wrap to `username` (an active handler or supervisor of the supervisor's unit) the
    data key of every case of the unit that the supervisor can open and they lack, unless
    they are excluded from it. Returns how many cases they were given. `Forbidden` for
    anyone but a supervisor; `NotFound` for a name not of an active colleague."""
    if supervisor.role != SUPERVISOR or supervisor.unit_id is None:
        raise Forbidden(ONLY_SUPERVISORS)
    granted = 0
    last_id = ""
    while True:
        async with ctx.db.writing() as session:
            me = await _supervisor(session, supervisor)
            assert me.unit_id is not None
            # Read again each batch: a colleague disabled or reset meanwhile is not given
            # anything more, and never to an outdated public key.
            user = await _colleague(session, me.unit_id, username)
            rows = list(
                await session.execute(
                    select(Case.id, CaseKey.wrapped)
                    .join(CaseKey, (CaseKey.case_id == Case.id) & (CaseKey.user_id == me.id))
                    .where(
                        Case.unit_id == me.unit_id,
                        Case.id > last_id,
                        visible_to(me.id),
                        _lacks(user.id),
                    )
                    .order_by(Case.id)
                    .limit(BATCH)
                )
            )
            if not rows:
                return granted
            given = 0
            for case_id, wrapped in rows:
                last_id = case_id
                context = key_context(case_id)
                try:
                    dek = await ctx.pool.run(
                        unwrap_data_key, wrapped, supervisor.private_key, context=context
                    )
                except CryptoError:
                    continue  # a wrap the supervisor's key does not open: not theirs to give
                to_user = await ctx.pool.run(wrap_data_key, dek, user.public_key, context=context)
                session.add(CaseKey(case_id=case_id, user_id=user.id, wrapped=to_user))
                given += 1
        granted += given  # counted once the batch is committed
