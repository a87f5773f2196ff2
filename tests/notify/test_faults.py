"""The sender when the mail server misbehaves: down for a while, 4xx, 5xx, then back.
Nothing is lost, nothing is sent twice, dead letters are reached as documented in
gratify/notify/sender.py, and filing a report never fails because of mail."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select

from gratify.accounts.models import Tenant, User
from gratify.intake.service import IntakeContext, file_report
from gratify.notify.models import DEAD, RETRY, SENT
from gratify.notify.sender import FIRST_BACKOFF, MAX_ATTEMPTS, MAX_BACKOFF, backoff
from gratify.notify.service import queue_account_mail
from gratify.notify.transport import SmtpTransport
from tests.notify.conftest import STAFF_EMAIL, SmtpServer, mails, smtp_sender
from tests.notify.test_sender import CANARY, HANDLER, NOW, SUPERVISOR, broker


def test_backoff_doubles_from_a_minute_up_to_an_hour() -> None:
    assert backoff(1) == FIRST_BACKOFF == dt.timedelta(minutes=1)
    assert backoff(2) == dt.timedelta(minutes=2)
    assert backoff(5) == dt.timedelta(minutes=16)
    assert backoff(7) == MAX_BACKOFF == dt.timedelta(hours=1)
    assert backoff(MAX_ATTEMPTS) == MAX_BACKOFF


def test_smtp_urls() -> None:
    plain = SmtpTransport.from_url("smtp://relay.example:2525")
    assert (plain.hostname, plain.port, plain.tls, plain.username) == (
        "relay.example",
        2525,
        False,
        None,
    )
    tls = SmtpTransport.from_url("smtps://u%40x:p%2Fw@mail.example")
    assert (tls.port, tls.tls, tls.username, tls.password) == (465, True, "u@x", "p/w")
    assert "p/w" not in repr(tls)
    assert SmtpTransport.from_url("smtp://mail.example").port == 587


async def _account_mail(ctx: IntakeContext, username: str, now: dt.datetime) -> None:
    async with ctx.db.writing() as session:
        user = await session.scalar(
            select(User).join(Tenant).where(Tenant.slug == "metro", User.username == username)
        )
        assert user is not None
        await queue_account_mail(session, user, "account_created", now)


async def test_down_then_4xx_then_5xx_then_back(mail_ctx: IntakeContext, smtp: SmtpServer) -> None:
    sender = smtp_sender(mail_ctx.db, smtp.url)
    # The server is down: filing still works, and the mail waits.
    smtp.stop()
    await file_report(mail_ctx, "metro", broker(), now=NOW)
    at = NOW + dt.timedelta(seconds=30)
    outcome = await sender.run_until_idle(at)
    assert (outcome.sent, outcome.retrying, outcome.dead) == (0, 2, 0)
    rows = await mails(mail_ctx.db)
    assert {(m.status, m.attempts) for m in rows} == {(RETRY, 1)}
    assert all(m.last_error and m.last_error.startswith("connection") for m in rows)
    # Not before the backoff ends.
    assert (await sender.run_until_idle(at + dt.timedelta(seconds=59))).retrying == 0

    # Back up, but answering 451 (try later): still retrying, backoff doubled.
    smtp.start()
    smtp.mailbox.answer = "451 4.3.0 try again later"
    at += dt.timedelta(minutes=1)
    assert (await sender.run_until_idle(at)).retrying == 2
    rows = await mails(mail_ctx.db)
    assert {(m.status, m.attempts, m.last_error) for m in rows} == {(RETRY, 2, "smtp 451")}
    assert {m.not_before for m in rows} == {at + dt.timedelta(minutes=2)}

    # A second mail arrives meanwhile (an account mail, leaving at once), and the server
    # now refuses for good (554): every due mail becomes a dead letter at once.
    await _account_mail(mail_ctx, "upg-handler", at)
    smtp.mailbox.answer = "554 5.7.1 refused"
    at += dt.timedelta(minutes=2)
    outcome = await sender.run_until_idle(at)
    assert (outcome.sent, outcome.dead) == (0, 3)
    assert {(m.status, m.last_error) for m in await mails(mail_ctx.db)} == {(DEAD, "smtp 554")}
    assert smtp.mailbox.received == []
    # Dead letters are not tried again by themselves.
    smtp.mailbox.answer = "250 OK"
    assert (await sender.run_until_idle(at + dt.timedelta(days=1))).sent == 0


async def test_transient_failures_end_in_a_dead_letter_after_the_last_attempt(
    mail_ctx: IntakeContext, smtp: SmtpServer
) -> None:
    sender = smtp_sender(mail_ctx.db, smtp.url)
    smtp.mailbox.answer = "421 4.7.0 busy"
    await _account_mail(mail_ctx, "upg-handler", NOW)
    at = NOW
    for attempt in range(1, MAX_ATTEMPTS):
        assert (await sender.run_until_idle(at)).retrying == 1
        (mail,) = await mails(mail_ctx.db)
        assert (mail.status, mail.attempts) == (RETRY, attempt)
        at = mail.not_before
    assert (await sender.run_until_idle(at)).dead == 1
    (mail,) = await mails(mail_ctx.db)
    assert (mail.status, mail.attempts, mail.last_error) == (DEAD, MAX_ATTEMPTS, "smtp 421")
    # About ten hours from the first attempt to the last (the documented figure).
    assert dt.timedelta(hours=9) < at - NOW < dt.timedelta(hours=11)


async def test_a_flaky_server_loses_nothing_and_sends_nothing_twice(
    mail_ctx: IntakeContext, smtp: SmtpServer
) -> None:
    sender = smtp_sender(mail_ctx.db, smtp.url)
    for minute in range(0, 40, 4):
        await file_report(mail_ctx, "metro", broker(), now=NOW + dt.timedelta(hours=minute // 4))
        await _account_mail(mail_ctx, "upg-handler", NOW + dt.timedelta(hours=minute // 4))
    # The server goes down, comes back with 4xx, goes down again; then works.
    at = NOW
    for phase in ("down", "451", "down", "421", "250"):
        if phase == "down":
            smtp.stop()
        else:
            if smtp.controller is None:
                smtp.start()
            smtp.mailbox.answer = f"{phase} x" if phase != "250" else "250 OK"
        for _ in range(6):
            at += dt.timedelta(minutes=30)
            await sender.run_until_idle(at)
    at += dt.timedelta(days=1)
    await sender.run_until_idle(at)
    rows = await mails(mail_ctx.db)
    assert rows
    assert {m.status for m in rows} == {SENT}
    ids = Counter(r.message_id for r in smtp.mailbox.received)
    assert ids
    assert max(ids.values()) == 1  # nothing twice
    assert len(ids) == len(rows)  # nothing lost
    assert len(smtp.mailbox.to(HANDLER)) + len(smtp.mailbox.to(SUPERVISOR)) >= 2
    upg = STAFF_EMAIL.format(username="upg-handler")
    assert len(smtp.mailbox.to(upg)) == 10
    assert all(CANARY not in r.text() for r in smtp.mailbox.received)


async def test_an_unknown_address_is_a_dead_letter_at_once(
    mail_ctx: IntakeContext, smtp: SmtpServer
) -> None:
    smtp.mailbox.rcpt_answer = "550 5.1.1 no such user"
    await _account_mail(mail_ctx, "upg-handler", NOW)
    outcome = await smtp_sender(mail_ctx.db, smtp.url).run_until_idle(NOW)
    assert (outcome.sent, outcome.dead) == (0, 1)
    (mail,) = await mails(mail_ctx.db)
    assert (mail.status, mail.attempts, mail.last_error) == (DEAD, 1, "smtp 550")
