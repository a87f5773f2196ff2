"""Account events reach the tenant's audit trail: sign-ins (both ways) and administration."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from gratify.accounts.auth import login
from gratify.accounts.models import Tenant
from gratify.audit.chain import verify
from gratify.audit.listing import list_entries
from gratify.errors import Unauthenticated
from gratify.intake.service import IntakeContext
from gratify.settings import Settings
from tests.conftest import HANDLER_PASSWORD, fresh_totp_code


async def _events(
    ctx: IntakeContext, tenant: str, since: dt.datetime
) -> list[tuple[str, str, object]]:
    async with ctx.db.reading() as session:
        tenant_id = await session.scalar(select(Tenant.id).where(Tenant.slug == tenant))
        assert tenant_id is not None
        page = await list_entries(session, tenant_id, event="account.", since=since, per_page=100)
        assert (await verify(session, ctx.keyring.verification_keys, tenant_id)).ok
    return [(e.event, e.actor, e.details) for e in reversed(page.entries)]


async def test_sign_ins_are_recorded_without_secrets(
    ctx: IntakeContext, installation: Settings
) -> None:
    since = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=1)
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(Unauthenticated):
        await login(ctx, "lampung-tengah", "upg-handler", "wrong password!", "000000", now)
    with pytest.raises(Unauthenticated):
        await login(ctx, "lampung-tengah", "nobody-here", HANDLER_PASSWORD, "000000", now)
    code = await fresh_totp_code(installation, "lampung-tengah", "upg-supervisor")
    done = await login(ctx, "lampung-tengah", "upg-supervisor", HANDLER_PASSWORD, code, now)
    events = await _events(ctx, "lampung-tengah", since)
    assert (
        "account.login.failed",
        "system",
        {"username": "upg-handler", "reason": "password"},
    ) in events
    assert (
        "account.login.failed",
        "system",
        {"username": "nobody-here", "reason": "unknown"},
    ) in events
    assert (
        "account.login.succeeded",
        f"user:{done.user_id}",
        {"user": done.user_id},
    ) in events
    assert not any(HANDLER_PASSWORD in str(d) or code in str(d) for _, _, d in events)


async def test_administration_is_recorded(ctx: IntakeContext) -> None:
    import dataclasses
    import secrets

    from gratify.accounts import admin as administration
    from gratify.accounts.models import User
    from gratify.accounts.users import NewUser, create_user

    suffix = secrets.token_hex(3)
    async with ctx.db.writing() as session:
        boss = await create_user(
            session,
            ctx.pool,
            NewUser("metro", f"boss-{suffix}", "admin", HANDLER_PASSWORD),
            ctx.argon2,
            dt.date.today(),
        )

    @dataclasses.dataclass(frozen=True)
    class Admin:
        user_id: int
        tenant_id: int
        role: str = "admin"

    caller = Admin(boss.id, boss.tenant_id)
    since = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=1)
    name = f"temp-{suffix}"
    await administration.add_user(
        ctx, caller, NewUser("metro", name, "handler", HANDLER_PASSWORD, "upg")
    )
    await administration.set_active(ctx, caller, name, False)
    await administration.set_active(ctx, caller, name, True)
    await administration.change_role(ctx, caller, name, "supervisor", "upg")
    await administration.reset_password(ctx, caller, name, HANDLER_PASSWORD + "!")
    events = [e for e, actor, _ in await _events(ctx, "metro", since) if actor == f"user:{boss.id}"]
    assert events == [
        "account.totp.enrolled",
        "account.disabled",
        "account.enabled",
        "account.role.changed",
        "account.password.reset",
    ]
    async with ctx.db.writing() as session:
        for username in (name, boss.username):
            user = await session.scalar(select(User).where(User.username == username))
            assert user is not None
            await session.delete(user)
