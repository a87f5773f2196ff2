"""Dead letters: mails the sender gave up on (`gratify.notify.sender`), for a tenant's admins.

An admin sees their own tenant's dead letters (the address, which notice, attempts, the
kind of the last failure) and may send one again; that is recorded in the trail as
``mail.retried``. Nothing here says what a case is about: neither does a mail.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.accounts.admin import ADMIN, ONLY_ADMINS, Actor
from gratify.accounts.models import User
from gratify.audit.chain import record
from gratify.audit.events import actor_user
from gratify.errors import Forbidden, NotFound
from gratify.intake.service import IntakeContext
from gratify.notify.models import DEAD, RETRY, Mail

MAX_LISTED = 200


@dataclasses.dataclass(frozen=True, slots=True)
class DeadLetter:
    id: int
    recipient: str
    template: str
    attempts: int
    last_error: str | None
    created_on: dt.date


async def _check_admin(session: AsyncSession, admin: Actor) -> None:
    if admin.role != ADMIN:
        raise Forbidden(ONLY_ADMINS)
    me = await session.get(User, admin.user_id)
    if me is None or not me.active or me.role != ADMIN or me.tenant_id != admin.tenant_id:
        raise Forbidden(ONLY_ADMINS)


async def list_dead_letters(session: AsyncSession, admin: Actor) -> list[DeadLetter]:
    """The admin's tenant's dead letters, newest first (at most `MAX_LISTED`)."""
    await _check_admin(session, admin)
    rows = await session.scalars(
        select(Mail)
        .where(Mail.tenant_id == admin.tenant_id, Mail.status == DEAD)
        .order_by(Mail.id.desc())
        .limit(MAX_LISTED)
    )
    return [
        DeadLetter(m.id, m.recipient, m.template, m.attempts, m.last_error, m.created_on)
        for m in rows
    ]


async def retry_dead_letter(
    ctx: IntakeContext, admin: Actor, mail_id: int, now: dt.datetime
) -> None:
    """Send a dead letter of the admin's tenant again, from its first attempt, and record
    that in the trail; `NotFound` for any other mail (or one no longer dead)."""
    async with ctx.db.writing() as session:
        await _check_admin(session, admin)
        template = await session.scalar(
            update(Mail)
            .where(Mail.id == mail_id, Mail.tenant_id == admin.tenant_id, Mail.status == DEAD)
            .values(status=RETRY, attempts=0, not_before=now)
            .returning(Mail.template)
            .execution_options(synchronize_session=False)
        )
        if template is None:
            raise NotFound()
        await record(
            session,
            keyring=ctx.keyring,
            tenant_id=admin.tenant_id,
            event="mail.retried",
            actor=actor_user(admin.user_id),
            details={"mail": mail_id, "template": template},
            now=now,
        )


async def retry_all_dead_letters(ctx: IntakeContext, admin: Actor, now: dt.datetime) -> int:
    """Send every dead letter of the admin's tenant again (after the mail server or the
    configuration was fixed); one trail entry with their count. How many."""
    async with ctx.db.writing() as session:
        await _check_admin(session, admin)
        dead = (Mail.tenant_id == admin.tenant_id) & (Mail.status == DEAD)
        count = int(await session.scalar(select(func.count(Mail.id)).where(dead)) or 0)
        if count:
            await session.execute(
                update(Mail)
                .where(dead)
                .values(status=RETRY, attempts=0, not_before=now)
                .execution_options(synchronize_session=False)
            )
            await record(
                session,
                keyring=ctx.keyring,
                tenant_id=admin.tenant_id,
                event="mail.retried",
                actor=actor_user(admin.user_id),
                details={"count": count},
                now=now,
            )
        return count
