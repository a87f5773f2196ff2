"""Two sender processes (``gratify notify run --once``) on one database and one SMTP server:
each mail is sent exactly once, and both processes took part. On PostgreSQL this is the
``FOR UPDATE SKIP LOCKED`` claim; on SQLite, claims queue on the write lock."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import sys
from collections import Counter

from sqlalchemy import func, select

from gratify.accounts.models import Tenant, User
from gratify.intake.service import IntakeContext
from gratify.notify.models import SENT, Mail
from gratify.notify.service import Recipient, queue_mail
from gratify.settings import Settings
from tests.notify.conftest import SmtpServer

MAILS = 120
# Long past, so that due whatever the processes' clocks say.
QUEUED_AT = dt.datetime(2020, 1, 6, 2, 0, tzinfo=dt.UTC)


async def _queue(ctx: IntakeContext) -> None:
    async with ctx.db.writing() as session:
        user = await session.scalar(
            select(User).join(Tenant).where(Tenant.slug == "metro", User.username == "admin")
        )
        assert user is not None
        for i in range(MAILS):
            to = Recipient(user.id, user.tenant_id, f"penerima{i}@example.go.id", "en")
            await queue_mail(session, to, "password_reset", QUEUED_AT)


async def _sender_process(settings: Settings, smtp_url: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRATIFY_")}
    env |= {
        "GRATIFY_DATA_DIR": str(settings.data_dir),
        "GRATIFY_DATABASE_URL": settings.resolved_database_url,
        "GRATIFY_SMTP_URL": smtp_url,
        "GRATIFY_PUBLIC_URL": settings.public_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gratify",
        "notify",
        "run",
        "--once",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    return process.returncode, out.decode()


async def test_two_sender_processes_send_each_mail_once(
    mail_ctx: IntakeContext, mail_installation: Settings, smtp: SmtpServer
) -> None:
    await _queue(mail_ctx)
    smtp.mailbox.delay = 0.01  # sending takes a while, so the two overlap
    results = await asyncio.gather(
        _sender_process(mail_installation, smtp.url),
        _sender_process(mail_installation, smtp.url),
    )
    sent = [int(re.search(r"sent: (\d+)", out).group(1)) for _, out in results]  # type: ignore[union-attr]
    assert sum(sent) == MAILS
    assert all(n > 0 for n in sent), sent  # both took part

    ids = Counter(r.message_id for r in smtp.mailbox.received)
    assert len(ids) == MAILS
    assert set(ids.values()) == {1}
    assert len({r.recipients[0] for r in smtp.mailbox.received}) == MAILS
    async with mail_ctx.db.reading() as session:
        unsent = await session.scalar(select(func.count()).where(Mail.status != SENT))
    assert unsent == 0
