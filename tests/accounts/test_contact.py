"""An admin changes a person's e-mail address and mail language (gratify/accounts/contact.py,
``POST /admin/pengguna/{username}/kontak``): saved, in the trail without the address, bad
input refused beside the form in Indonesian first, only in the admin's own region."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import select, update

from gratify.accounts.models import Tenant, User
from gratify.audit.models import AuditEntry
from gratify.intake.service import IntakeContext
from gratify.settings import Settings
from tests.conftest import sign_in_page

TARGET = "auditor"


async def _target(ctx: IntakeContext, tenant: str = "metro") -> User:
    async with ctx.db.reading() as session:
        user = await session.scalar(
            select(User).join(Tenant).where(Tenant.slug == tenant, User.username == TARGET)
        )
    assert user is not None
    return user


async def _forget(ctx: IntakeContext) -> None:
    async with ctx.db.writing() as session:
        await session.execute(
            update(User).where(User.username == TARGET).values(email=None, language="id")
        )


async def test_an_admin_sets_where_mail_goes(
    ctx: IntakeContext, installation: Settings, client: httpx.AsyncClient
) -> None:
    await sign_in_page(client, installation, "metro", "admin")
    try:
        answer = await client.post(
            f"/admin/pengguna/{TARGET}/kontak",
            data={"email": " rina@metro.example.go.id ", "language": "en"},
        )
        assert answer.status_code == 303
        user = await _target(ctx)
        assert (user.email, user.language) == ("rina@metro.example.go.id", "en")
        page = await client.get(answer.headers["location"])
        assert "rina@metro.example.go.id" in page.text
        async with ctx.db.reading() as session:
            entry = await session.scalar(
                select(AuditEntry)
                .where(AuditEntry.event == "account.contact.changed")
                .order_by(AuditEntry.id.desc())
            )
        assert entry is not None
        details = json.loads(entry.details)
        assert details == {"user": user.id, "language": "en", "has_email": True}
        assert "rina" not in entry.details

        # Empty: no more mail.
        answer = await client.post(
            f"/admin/pengguna/{TARGET}/kontak", data={"email": "", "language": "id"}
        )
        assert answer.status_code == 303
        assert (await _target(ctx)).email is None
    finally:
        await _forget(ctx)


async def test_bad_contact_details_are_refused_beside_the_form(
    ctx: IntakeContext, installation: Settings, client: httpx.AsyncClient
) -> None:
    await sign_in_page(client, installation, "metro", "admin")
    answer = await client.post(
        f"/admin/pengguna/{TARGET}/kontak", data={"email": "bukan alamat", "language": "fr"}
    )
    assert answer.status_code == 422
    assert 'href="#contact-email"' in answer.text
    assert 'href="#contact-language"' in answer.text
    assert "nama@contoh.go.id" in answer.text  # the Indonesian message, by default
    user = await _target(ctx)
    assert (user.email, user.language) == (None, "id")


async def test_only_in_the_admins_region(
    ctx: IntakeContext, installation: Settings, client: httpx.AsyncClient
) -> None:
    await sign_in_page(client, installation, "metro", "inspektorat-handler")
    answer = await client.post(
        f"/admin/pengguna/{TARGET}/kontak", data={"email": "x@example.go.id", "language": "id"}
    )
    assert answer.status_code == 404
    assert (await _target(ctx)).email is None
