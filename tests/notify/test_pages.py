"""Account mails (added, password reset, authenticator reset) through the admin services,
and the admin's dead-letter page: listed, retried (recorded in the trail), then delivered;
nobody else sees it, and no other region's mail can be retried."""

from __future__ import annotations

import dataclasses
import datetime as dt

import httpx
import pytest
from sqlalchemy import select, update

from gratify.accounts import admin
from gratify.accounts.models import Tenant, User
from gratify.accounts.users import NewUser
from gratify.audit.models import AuditEntry
from gratify.intake.service import IntakeContext
from gratify.notify.models import DEAD, RETRY, SENT, Mail
from gratify.notify.service import queue_account_mail
from gratify.settings import Settings
from tests.conftest import sign_in_page
from tests.notify.conftest import PUBLIC_URL, STAFF_EMAIL, SmtpServer, mails, smtp_sender

NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def app_settings(mail_installation: Settings, smtp: SmtpServer) -> Settings:
    """The app's own sender (every worker runs one, on the real clock) may deliver a retried
    mail before the test's does: both send to the test's server, which counts."""
    return mail_installation.with_changes(smtp_url=smtp.url)


@dataclasses.dataclass(frozen=True)
class Who:
    user_id: int
    tenant_id: int
    role: str


async def _user(ctx: IntakeContext, tenant: str, username: str) -> User:
    async with ctx.db.reading() as session:
        user = await session.scalar(
            select(User).join(Tenant).where(Tenant.slug == tenant, User.username == username)
        )
    assert user is not None
    return user


async def _admin(ctx: IntakeContext, tenant: str = "metro") -> Who:
    user = await _user(ctx, tenant, "admin")
    return Who(user.id, user.tenant_id, user.role)


async def test_account_mails_reach_the_person_in_their_language(
    mail_ctx: IntakeContext, smtp: SmtpServer
) -> None:
    me = await _admin(mail_ctx)
    new = NewUser(
        tenant="metro",
        username=f"siti-{id(mail_ctx) % 100000}",
        role="auditor",
        password="a long enough password",
        email="siti@metro.example.go.id",
        language="en",
    )
    await admin.add_user(mail_ctx, me, new)
    await admin.reset_password(mail_ctx, me, new.username, "another long password")
    await admin.reset_totp(mail_ctx, me, new.username)
    await admin.reset_totp(mail_ctx, me, "upg-handler")  # Indonesian, has an address
    await smtp_sender(mail_ctx.db, smtp.url).run_until_idle(dt.datetime.now(dt.UTC))

    subjects = [r.message["Subject"] for r in smtp.mailbox.to("siti@metro.example.go.id")]
    assert subjects == [
        "Your account in the case system is ready",
        "Your password in the case system was reset",
        "Your authenticator app for the case system was reset",
    ]
    for received in smtp.mailbox.received:
        assert f"{PUBLIC_URL}/masuk" in received.plain()
        assert "otpauth" not in received.text()  # the secret is shown once, never mailed
        assert "another long password" not in received.text()
    (upg,) = smtp.mailbox.to(STAFF_EMAIL.format(username="upg-handler"))
    assert (
        upg.message["Subject"] == "Aplikasi autentikator Anda untuk sistem kasus telah diatur ulang"
    )


async def _dead_letter(ctx: IntakeContext, tenant: str, username: str) -> int:
    user = await _user(ctx, tenant, username)
    user.email = user.email or "someone@example.go.id"
    async with ctx.db.writing() as session:
        await queue_account_mail(session, user, "totp_reset", NOW)
        await session.execute(
            update(Mail)
            .where(Mail.user_id == user.id)
            .values(status=DEAD, attempts=1, last_error="smtp 550")
        )
    (mail,) = [m for m in await mails(ctx.db) if m.user_id == user.id]
    return mail.id


async def test_an_admin_sees_and_retries_dead_letters(
    mail_ctx: IntakeContext,
    mail_installation: Settings,
    client: httpx.AsyncClient,
    smtp: SmtpServer,
) -> None:
    mail_id = await _dead_letter(mail_ctx, "metro", "upg-handler")
    await sign_in_page(client, mail_installation, "metro", "admin")
    page = await client.get("/admin/surat")
    assert page.status_code == 200
    assert STAFF_EMAIL.format(username="upg-handler") in page.text
    assert "smtp 550" in page.text
    assert f"/admin/surat/{mail_id}/kirim-ulang" in page.text

    answer = await client.post(f"/admin/surat/{mail_id}/kirim-ulang")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/surat?dikirim=1"
    (mail,) = await mails(mail_ctx.db)
    assert mail.status in (RETRY, SENT)  # SENT: the app's own sender was quicker
    async with mail_ctx.db.reading() as session:
        entry = await session.scalar(
            select(AuditEntry)
            .where(AuditEntry.event == "mail.retried")
            .order_by(AuditEntry.id.desc())
        )
    assert entry is not None
    assert f'"mail":{mail_id}' in entry.details.replace(" ", "")
    # Retried twice is not found: it is no longer dead.
    assert (await client.post(f"/admin/surat/{mail_id}/kirim-ulang")).status_code == 404

    await smtp_sender(mail_ctx.db, smtp.url).run_until_idle(dt.datetime.now(dt.UTC))
    assert len(smtp.mailbox.to(STAFF_EMAIL.format(username="upg-handler"))) == 1


async def test_dead_letters_stay_in_their_region(
    mail_ctx: IntakeContext, mail_installation: Settings, client: httpx.AsyncClient
) -> None:
    other = await _dead_letter(mail_ctx, "pringsewu", "upg-handler")
    await sign_in_page(client, mail_installation, "metro", "admin")
    assert "someone@example.go.id" not in (await client.get("/admin/surat")).text
    assert (await client.post(f"/admin/surat/{other}/kirim-ulang")).status_code == 404
    assert (await client.post("/admin/surat/99999999999999999999/kirim-ulang")).status_code == 404
    (mail,) = await mails(mail_ctx.db)
    assert mail.status == DEAD


async def test_only_admins_see_the_page(
    mail_installation: Settings, client: httpx.AsyncClient
) -> None:
    await sign_in_page(client, mail_installation, "metro", "inspektorat-handler")
    assert (await client.get("/admin/surat")).status_code == 404


async def test_an_admin_sends_all_dead_letters_again(
    mail_ctx: IntakeContext, mail_installation: Settings, client: httpx.AsyncClient
) -> None:
    await _dead_letter(mail_ctx, "metro", "upg-handler")
    await _dead_letter(mail_ctx, "metro", "inspektorat-handler")
    await _dead_letter(mail_ctx, "pringsewu", "upg-handler")
    await sign_in_page(client, mail_installation, "metro", "admin")
    assert "/admin/surat/kirim-ulang" in (await client.get("/admin/surat")).text
    answer = await client.post("/admin/surat/kirim-ulang")
    assert answer.status_code == 303
    metro = await _admin(mail_ctx)
    statuses = sorted((m.tenant_id == metro.tenant_id, m.status) for m in await mails(mail_ctx.db))
    assert statuses[0] == (False, DEAD)  # another region's stays
    assert {s for mine, s in statuses if mine} <= {RETRY, SENT}
    assert len(statuses) == 3
    async with mail_ctx.db.reading() as session:
        entry = await session.scalar(
            select(AuditEntry)
            .where(AuditEntry.event == "mail.retried", AuditEntry.tenant_id == metro.tenant_id)
            .order_by(AuditEntry.id.desc())
        )
    assert entry is not None
    assert entry.details.replace(" ", "") == '{"count":2}'
