"""The sender against a real SMTP server (aiosmtpd): what arrives, to whom, in which
language, with which link; and that nothing of a report's content is in any mail, in the
outbox table or in the outbox files."""

from __future__ import annotations

import dataclasses
import datetime as dt

from gratify.intake import inbox
from gratify.intake.evidence import attach_evidence
from gratify.intake.service import IntakeContext, ReportDraft, file_report
from gratify.notify.messages import Composer
from gratify.notify.models import SENT
from gratify.notify.sender import Sender
from gratify.notify.transport import FileTransport
from gratify.settings import Settings
from tests.notify.conftest import (
    MAIL_FROM,
    PUBLIC_URL,
    STAFF_EMAIL,
    SmtpServer,
    mails,
    outbox_files,
    smtp_sender,
)

NOW = dt.datetime(2026, 11, 23, 3, 0, 7, tzinfo=dt.UTC)  # 10:00 in Lampung
CANARY = "KANARI-7f3a9c-Budi-Santoso-Rp200000"


def broker(canary: str = CANARY) -> ReportDraft:
    return ReportDraft(
        "broker",
        "disdukcapil",
        {
            "service": "ktp-el",
            "occurred_on": "2026-11-20",
            "time_window": "08-10",
            "officer_involved": "yes",
            "what_happened": f"Petugas loket meminta uang. {canary}",
        },
    )


HANDLER = STAFF_EMAIL.format(username="inspektorat-handler")
SUPERVISOR = STAFF_EMAIL.format(username="inspektorat-supervisor")


async def test_a_burst_of_cases_is_one_mail_per_handler_in_their_language(
    mail_ctx: IntakeContext, smtp: SmtpServer
) -> None:
    for _ in range(5):
        await file_report(mail_ctx, "metro", broker(), now=NOW)
    sender = smtp_sender(mail_ctx.db, smtp.url)

    # Within the gathering window nothing leaves; at its end (30 s at most) it does.
    assert (await sender.run_until_idle(NOW)).sent == 0
    outcome = await sender.run_until_idle(NOW + dt.timedelta(seconds=30))
    assert outcome.sent == 2
    received = smtp.mailbox.received
    assert sorted(r.recipients[0] for r in received) == [HANDLER, SUPERVISOR]

    handler_mail = smtp.mailbox.to(HANDLER)[0]
    assert handler_mail.message["Subject"] == "Ada pekerjaan yang menunggu Anda di sistem kasus"
    assert handler_mail.message["Content-Language"] == "id"
    assert "Kasus baru di unit Anda: 5." in handler_mail.plain()
    assert f"{PUBLIC_URL}/kasus" in handler_mail.plain()
    assert f'href="{PUBLIC_URL}/kasus"' in handler_mail.html()
    assert handler_mail.sender == MAIL_FROM

    supervisor_mail = smtp.mailbox.to(SUPERVISOR)[0]
    assert supervisor_mail.message["Subject"] == "Work is waiting for you in the case system"
    assert "New cases in your unit: 5." in supervisor_mail.plain()

    for mail in received:
        text = mail.text()
        assert CANARY not in text
        assert "KANARI" not in text
        assert "METRO-" not in text  # no case number either
        assert "broker" not in text.lower()
    assert {m.status for m in await mails(mail_ctx.db)} == {SENT}


async def test_the_next_burst_waits_for_the_spacing_and_a_quiet_spell_does_not(
    mail_ctx: IntakeContext, smtp: SmtpServer
) -> None:
    sender = smtp_sender(mail_ctx.db, smtp.url)
    await file_report(mail_ctx, "metro", broker(), now=NOW)
    await sender.run_until_idle(NOW + dt.timedelta(seconds=30))
    assert len(smtp.mailbox.to(HANDLER)) == 1

    later = NOW + dt.timedelta(minutes=2)
    await file_report(mail_ctx, "metro", broker(), now=later)
    await file_report(mail_ctx, "metro", broker(), now=later + dt.timedelta(minutes=3))
    # Ten minutes after the previous mail, not before: the two notices make one mail.
    await sender.run_until_idle(NOW + dt.timedelta(minutes=9))
    assert len(smtp.mailbox.to(HANDLER)) == 1
    await sender.run_until_idle(NOW + dt.timedelta(minutes=10, seconds=30))
    handler_mails = smtp.mailbox.to(HANDLER)
    assert len(handler_mails) == 2
    assert "Kasus baru di unit Anda: 2." in handler_mails[1].plain()

    # After a quiet spell, the first notice leaves within a minute again.
    quiet = NOW + dt.timedelta(hours=2, seconds=1)
    await file_report(mail_ctx, "metro", broker(), now=quiet)
    await sender.run_until_idle(quiet + dt.timedelta(seconds=30))
    assert len(smtp.mailbox.to(HANDLER)) == 3


async def test_a_reporters_reply_reaches_the_handlers_without_its_text(
    mail_ctx: IntakeContext, smtp: SmtpServer
) -> None:
    filed = await file_report(mail_ctx, "metro", broker("x"), now=NOW)
    sender = smtp_sender(mail_ctx.db, smtp.url)
    await sender.run_until_idle(NOW + dt.timedelta(seconds=30))
    session = await inbox.open_inbox(mail_ctx, "metro", filed.receipt.formatted, NOW)
    reply_time = NOW + dt.timedelta(minutes=20)
    await inbox.send_reporter_message(mail_ctx, session.token, f"Jawaban {CANARY}", reply_time)
    await sender.run_until_idle(reply_time + dt.timedelta(seconds=30))
    replies = [r for r in smtp.mailbox.to(HANDLER) if "Balasan dari pelapor: 1." in r.plain()]
    assert len(replies) == 1
    assert all(CANARY not in r.text() for r in smtp.mailbox.received)


async def test_without_smtp_mail_goes_to_files_and_nothing_of_the_report_is_stored(
    mail_ctx: IntakeContext, mail_installation: Settings
) -> None:
    await file_report(mail_ctx, "metro", broker(), now=NOW)
    outbox_dir = mail_installation.data_dir / "outbox"
    sender = Sender(mail_ctx.db, FileTransport(outbox_dir), Composer(PUBLIC_URL, MAIL_FROM))
    for row in await mails(mail_ctx.db):
        assert CANARY not in repr(dataclasses.asdict(_plain(row)))
    await sender.run_until_idle(NOW + dt.timedelta(seconds=30))
    files = outbox_files(mail_installation.data_dir)
    assert len(files) >= 2
    for path in files:
        content = path.read_bytes()
        assert CANARY.encode() not in content
        assert (path.stat().st_mode & 0o777) == 0o600
    assert any(HANDLER.encode() in path.read_bytes() for path in files)


@dataclasses.dataclass
class _Row:
    values: dict[str, object]


def _plain(row: object) -> _Row:
    return _Row({k: v for k, v in vars(row).items() if not k.startswith("_")})


async def test_staff_without_an_address_get_no_mail(mail_ctx: IntakeContext) -> None:
    await file_report(mail_ctx, "pringsewu", broker(), now=NOW)  # its staff have none
    assert await mails(mail_ctx.db) == []


async def test_evidence_from_the_reporter_counts_as_a_reply(mail_ctx: IntakeContext) -> None:
    filed = await file_report(mail_ctx, "metro", broker("x"), now=NOW)
    session = await inbox.open_inbox(mail_ctx, "metro", filed.receipt.formatted, NOW)
    case_id, _key = await inbox.session_case_key(mail_ctx, session.token, NOW)
    await attach_evidence(mail_ctx, case_id, [], NOW + dt.timedelta(minutes=1))
    replies = {m.recipient: m.replies for m in await mails(mail_ctx.db)}
    assert replies == {HANDLER: 1, SUPERVISOR: 1}
