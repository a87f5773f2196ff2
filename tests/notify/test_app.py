"""The outbox as the app and the command run it: a report filed over the API while the
mail server is down is accepted (201) and its notices leave through the lifespan's own
sender once the server is back; ``gratify user add --email`` queues the account mail."""

from __future__ import annotations

import asyncio
import datetime as dt
import io

import pytest
from sqlalchemy import select

from gratify.app import create_app
from gratify.cli import main
from gratify.intake.service import IntakeContext
from gratify.notify.models import RETRY, SENT, Mail
from gratify.settings import Settings
from tests.conftest import http_client, running
from tests.notify.conftest import SmtpServer, mails
from tests.notify.test_sender import CANARY, HANDLER, SUPERVISOR


async def test_a_report_over_the_api_never_fails_because_of_mail(
    mail_ctx: IntakeContext, mail_installation: Settings, smtp: SmtpServer
) -> None:
    smtp.stop()
    app = create_app(mail_installation.with_changes(smtp_url=smtp.url))
    async with running(app), http_client(app) as client:
        report = {
            "kind": "broker",
            "agency": "disdukcapil",
            "answers": {
                "service": "ktp-el",
                "occurred_on": "2026-11-20",
                "time_window": "08-10",
                "officer_involved": "yes",
                "what_happened": f"Calo di loket. {CANARY}",
            },
        }
        answer = await client.post("/api/v1/tenants/metro/reports", json=report)
        assert answer.status_code == 201, answer.text
        (job,) = [j for j in app.state.jobs if j.name == "mail outbox"]
        # A fixed moment well after the filing (whenever the test runs): everything is due.
        later = max(m.not_before for m in await mails(mail_ctx.db)) + dt.timedelta(seconds=1)
        await job.run(later)
        assert {m.status for m in await mails(mail_ctx.db)} == {RETRY}
        smtp.start()
        await job.run(later + dt.timedelta(minutes=1))
    assert {m.status for m in await mails(mail_ctx.db)} == {SENT}
    assert sorted(r.recipients[0] for r in smtp.mailbox.received) == [HANDLER, SUPERVISOR]
    assert all(CANARY not in r.text() for r in smtp.mailbox.received)


async def test_user_add_queues_the_account_mail(
    mail_ctx: IntakeContext,
    mail_installation: Settings,
    monkeypatch: pytest.MonkeyPatch,
    clean_environ: None,
) -> None:
    if mail_installation.database_url:
        monkeypatch.setenv("GRATIFY_DATABASE_URL", mail_installation.database_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    args = ["user", "add", "--data-dir", str(mail_installation.data_dir), "--tenant", "metro"]
    args += ["--username", "rina", "--role", "auditor", "--email", "rina@metro.example.go.id"]
    args += ["--lang", "en", "--password-stdin"]
    assert await asyncio.to_thread(main, args) == 0
    async with mail_ctx.db.reading() as session:
        mail = await session.scalar(
            select(Mail).where(Mail.recipient == "rina@metro.example.go.id")
        )
    assert mail is not None
    assert (mail.template, mail.language) == ("account_created", "en")
