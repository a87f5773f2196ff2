"""Queueing mail: each notice is written in the transaction of the event that causes it.

A handler's notices (a new case, a reporter's reply, a deadline in two working days, a
missed deadline) gather into one *digest* per person: the first notice after a quiet spell
waits for the end of its 30-second window for others to join it, and later ones wait
until `SPACING` after that person's previous mail, so a burst of a hundred cases makes
one mail, not a hundred.
Account mails (created, password reset, authenticator reset) leave at once, one each.

A mail row carries who, which notice and counts, never which case or what it says
(threat model, "what is never stored"): the sender writes the text from those alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.accounts.models import User
from gratify.accounts.users import CASE_ROLES
from gratify.intake.models import Case, CaseExclusion, CaseKey
from gratify.notify.models import PENDING, Mail

# The first notice after a quiet spell leaves at the end of its 30-second window (plus the
# sender's poll, `sender.SEND_EVERY`): well within a minute, yet a burst filed together is
# one mail. Windows, not the event's second: the outbox keeps only which window a notice
# fell in (threat model, "the outbox").
WINDOW_SECONDS = 30
# A person gets at most one digest this often; notices in between wait for the next one.
SPACING = dt.timedelta(minutes=10)

DIGEST = "digest"
NOTICES = ("new_cases", "replies", "due_soon", "missed")
ACCOUNT_MAILS = ("account_created", "password_reset", "totp_reset")
TEMPLATES = (DIGEST, *ACCOUNT_MAILS)


@dataclasses.dataclass(frozen=True, slots=True)
class Recipient:
    """Where a person's mail goes and in which language."""

    user_id: int
    tenant_id: int
    email: str
    language: str

    @classmethod
    def of(cls, user: User) -> Recipient | None:
        """The user as a recipient; None without an address or when disabled."""
        if not user.email or not user.active:
            return None
        language = user.language if user.language in ("id", "en") else "id"
        return cls(user.id, user.tenant_id, user.email, language)


def window_end(now: dt.datetime) -> dt.datetime:
    """The end of the `WINDOW_SECONDS` window `now` falls in (``now`` itself on a boundary)."""
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    seconds = math.ceil((now - epoch).total_seconds() / WINDOW_SECONDS) * WINDOW_SECONDS
    return epoch + dt.timedelta(seconds=seconds)


async def queue_account_mail(
    session: AsyncSession, user: User, template: str, now: dt.datetime
) -> None:
    """Queue an account mail to `user` if they have an address (else nothing)."""
    to = Recipient.of(user)
    if to is not None:
        await queue_mail(session, to, template, now)


def dialect_insert(session: AsyncSession) -> Any:
    """The dialect's INSERT construct, for ON CONFLICT (both dialects have it, differently)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


async def queue_mail(session: AsyncSession, to: Recipient, template: str, now: dt.datetime) -> None:
    """Queue an account mail (`ACCOUNT_MAILS`) to leave at once, in the caller's transaction."""
    if template not in ACCOUNT_MAILS:
        raise ValueError(f"not an account mail: {template!r}")
    session.add(
        Mail(
            tenant_id=to.tenant_id,
            user_id=to.user_id,
            recipient=to.email,
            language=to.language,
            template=template,
            new_cases=0,
            replies=0,
            due_soon=0,
            missed=0,
            status=PENDING,
            attempts=0,
            not_before=now,
            created_on=now.date(),
        )
    )
    await session.flush()


async def queue_notice(
    session: AsyncSession, to: Recipient, notice: str, now: dt.datetime, count: int = 1
) -> None:
    """Add `count` notices of kind `notice` (`NOTICES`) to the person's gathering digest,
    starting one if none gathers. One statement: two events at once never make two
    gathering mails for one person (the partial unique index arbitrates)."""
    if notice not in NOTICES:
        raise ValueError(f"not a notice: {notice!r}")
    key = f"user:{to.user_id}"
    previous = await session.scalar(
        select(func.max(Mail.not_before)).where(Mail.batch_key == key, Mail.status != PENDING)
    )
    not_before = window_end(now)
    if previous is not None:
        not_before = max(not_before, previous + SPACING)
    counts = {name: (count if name == notice else 0) for name in NOTICES}
    insert = dialect_insert(session)
    statement = insert(Mail).values(
        tenant_id=to.tenant_id,
        user_id=to.user_id,
        recipient=to.email,
        language=to.language,
        template=DIGEST,
        batch_key=key,
        status=PENDING,
        attempts=0,
        not_before=not_before,
        created_on=now.date(),
        **counts,
    )
    column = Mail.__table__.c[notice]
    statement = statement.on_conflict_do_update(
        index_elements=[Mail.batch_key],
        index_where=text("status = 'pending'"),
        set_={notice: column + statement.excluded[notice]},
    )
    await session.execute(statement)


async def notify_users(
    session: AsyncSession, users: Iterable[User], notice: str, now: dt.datetime
) -> int:
    """Queue `notice` for each of `users` who has an address; how many were queued."""
    queued = 0
    seen: set[int] = set()
    for user in users:
        to = Recipient.of(user)
        if to is None or to.user_id in seen:
            continue
        seen.add(to.user_id)
        await queue_notice(session, to, notice, now)
        queued += 1
    return queued


async def case_audience(
    session: AsyncSession, case_id: str, *, supervisors: bool = False
) -> list[User]:
    """Who hears about a case: its assignee if they can read it, else every active handler
    and supervisor who holds its key; with `supervisors`, also the unit's supervisors.
    Never someone the reporter excluded."""
    case = await session.get(Case, case_id)
    if case is None:
        return []
    excluded = select(CaseExclusion.user_id).where(CaseExclusion.case_id == case_id)
    holders = list(
        await session.scalars(
            select(User)
            .join(CaseKey, CaseKey.user_id == User.id)
            .where(
                CaseKey.case_id == case_id,
                User.active.is_(True),
                User.role.in_(CASE_ROLES),
                User.id.not_in(excluded),
            )
            .order_by(User.id)
        )
    )
    people = [u for u in holders if u.id == case.assigned_to] or holders
    if supervisors:
        chiefs = await session.scalars(
            select(User)
            .where(
                User.unit_id == case.unit_id,
                User.role == "supervisor",
                User.active.is_(True),
                User.id.not_in(excluded),
            )
            .order_by(User.id)
        )
        people += [u for u in chiefs if u not in people]
    return people


async def notify_case(
    session: AsyncSession, case_id: str, notice: str, now: dt.datetime, *, supervisors: bool = False
) -> int:
    """Queue `notice` about a case to its audience (`case_audience`); how many were queued."""
    return await notify_users(
        session, await case_audience(session, case_id, supervisors=supervisors), notice, now
    )
