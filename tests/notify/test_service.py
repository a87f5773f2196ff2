"""Queueing (gratify/notify/service.py): the gathering window that keeps the first notice
within a minute, merging into the one gathering mail, and a new mail once it is claimed."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from gratify.accounts.models import Tenant, User
from gratify.intake.service import IntakeContext
from gratify.notify.models import PENDING, SENDING
from gratify.notify.sender import KEEP_SENT, SEND_EVERY
from gratify.notify.service import (
    SPACING,
    WINDOW_SECONDS,
    Recipient,
    queue_notice,
    window_end,
)
from tests.notify.conftest import SmtpServer, mails, smtp_sender

NOW = dt.datetime(2026, 11, 23, 3, 0, 7, tzinfo=dt.UTC)


@given(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)))
def test_a_notice_waits_less_than_a_window(moment: dt.datetime) -> None:
    now = moment.replace(tzinfo=dt.UTC)
    end = window_end(now)
    assert dt.timedelta(0) <= end - now < dt.timedelta(seconds=WINDOW_SECONDS)
    assert end.timestamp() % WINDOW_SECONDS == 0
    # The promise: the first notice after a quiet spell leaves within a minute.
    assert dt.timedelta(seconds=WINDOW_SECONDS) + SEND_EVERY <= dt.timedelta(minutes=1)


async def _recipient(ctx: IntakeContext) -> Recipient:
    async with ctx.db.reading() as session:
        user = await session.scalar(
            select(User).join(Tenant).where(Tenant.slug == "metro", User.username == "upg-handler")
        )
    assert user is not None
    to = Recipient.of(user)
    assert to is not None
    return to


async def test_notices_merge_until_the_mail_is_claimed(
    mail_ctx: IntakeContext, smtp: SmtpServer
) -> None:
    to = await _recipient(mail_ctx)
    for notice, offset in (("new_cases", 0), ("replies", 5), ("new_cases", 9), ("missed", 20)):
        async with mail_ctx.db.writing() as session:
            await queue_notice(session, to, notice, NOW + dt.timedelta(seconds=offset))
    (mail,) = await mails(mail_ctx.db)
    assert (mail.new_cases, mail.replies, mail.missed, mail.due_soon) == (2, 1, 1, 0)
    assert mail.not_before == window_end(NOW)

    sender = smtp_sender(mail_ctx.db, smtp.url)
    _token, claimed = await sender.claim(window_end(NOW))
    assert [m.id for m in claimed] == [mail.id]
    # A notice while it is being sent starts the next mail, spaced from this one.
    async with mail_ctx.db.writing() as session:
        await queue_notice(session, to, "replies", window_end(NOW) + dt.timedelta(seconds=1))
    first, second = await mails(mail_ctx.db)
    assert (first.status, second.status) == (SENDING, PENDING)
    assert (second.replies, second.new_cases) == (1, 0)
    assert second.not_before == first.not_before + SPACING


def test_a_recipient_needs_an_address_and_an_active_account() -> None:
    user = User(id=1, tenant_id=2, email=None, language="en", active=True)
    assert Recipient.of(user) is None
    user.email = "a@example.go.id"
    assert Recipient.of(user) == Recipient(1, 2, "a@example.go.id", "en")
    user.active = False
    assert Recipient.of(user) is None
    user.active, user.language = True, "fr"
    assert Recipient.of(user) == Recipient(1, 2, "a@example.go.id", "id")


async def test_sent_mail_is_deleted_after_an_hour(
    mail_ctx: IntakeContext, smtp: SmtpServer
) -> None:
    to = await _recipient(mail_ctx)
    async with mail_ctx.db.writing() as session:
        await queue_notice(session, to, "new_cases", NOW)
    sender = smtp_sender(mail_ctx.db, smtp.url)
    await sender.run_until_idle(window_end(NOW))
    # Kept while the spacing of the next digest needs it, and not much longer.
    assert SPACING < KEEP_SENT <= dt.timedelta(hours=1)
    await sender.purge(window_end(NOW) + KEEP_SENT - dt.timedelta(seconds=1))
    assert len(await mails(mail_ctx.db)) == 1
    await sender.purge(window_end(NOW) + KEEP_SENT + dt.timedelta(seconds=1))
    assert await mails(mail_ctx.db) == []
