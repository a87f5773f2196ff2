"""Account administration through the services, on SQLite and PostgreSQL: adding people,
disabling them, new passwords (and with them new keys), new authenticator apps, roles;
only admins, only in their own tenant, never a case key for an admin.

Every test works on people it adds itself (random names, removed afterwards), so the
demo staff of the shared installation stay as other tests expect them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.accounts import admin
from gratify.accounts.auth import authenticate, login
from gratify.accounts.keys import Keyring
from gratify.accounts.models import Tenant, User
from gratify.accounts.totp import code_at, enrol, secret_of_uri, time_step
from gratify.accounts.users import NewUser, create_user, unlock_private_key
from gratify.cases.service import open_case
from gratify.crypto.kdf import FAST_TEST_PARAMS
from gratify.crypto.pool import CryptoPool
from gratify.db.engine import Database
from gratify.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from gratify.intake.models import Case, CaseKey
from gratify.intake.service import IntakeContext, ReportDraft, file_report
from gratify.settings import Settings
from tests.cases.conftest import Actor
from tests.cases.test_service import BROKER

NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)
PASSWORD = "a long enough admin password"
NEW_PASSWORD = "another long enough password"


@dataclasses.dataclass(frozen=True)
class Caller:
    """Who calls a service: what `gratify.accounts.auth.Handler` gives it."""

    user_id: int
    tenant_id: int
    role: str


@dataclasses.dataclass
class People:
    """People a test adds, removed when it ends."""

    ctx: IntakeContext
    added: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    def name(self, tenant: str, prefix: str = "t") -> str:
        username = f"{prefix}-{secrets.token_hex(4)}"
        self.added.append((tenant, username))
        return username

    async def admin(self, tenant: str = "metro") -> tuple[Caller, str]:
        """A new admin of `tenant` and their authenticator secret."""
        username = self.name(tenant, "admin")
        async with self.ctx.db.writing() as session:
            user = await create_user(
                session,
                self.ctx.pool,
                NewUser(tenant, username, "admin", PASSWORD),
                FAST_TEST_PARAMS,
                NOW.date(),
            )
            secret = enrol(self.ctx.keyring.session_secret, user)
        return Caller(user.id, user.tenant_id, "admin"), secret

    async def caller(self, tenant: str, username: str) -> Caller:
        async with self.ctx.db.reading() as session:
            user = await user_row(session, tenant, username)
        return Caller(user.id, user.tenant_id, user.role)

    async def remove(self) -> None:
        async with self.ctx.db.writing() as session:
            for tenant, username in self.added:
                tenant_id = select(Tenant.id).where(Tenant.slug == tenant).scalar_subquery()
                await session.execute(
                    delete(User).where(User.tenant_id == tenant_id, User.username == username)
                )


async def user_row(session: AsyncSession, tenant: str, username: str) -> User:
    user = await session.scalar(
        select(User).join(Tenant).where(Tenant.slug == tenant, User.username == username)
    )
    assert user is not None
    return user


def make_context(settings: Settings, pool: CryptoPool) -> IntakeContext:
    return IntakeContext(
        db=Database(settings.resolved_database_url),
        pool=pool,
        keyring=Keyring.load(settings.resolved_keys_dir),
        argon2=FAST_TEST_PARAMS,
        timezone=settings.timezone,
        max_text_chars=settings.max_text_chars,
    )


@pytest.fixture
async def ctx(installation: Settings) -> AsyncIterator[IntakeContext]:
    pool = CryptoPool(2)
    context = make_context(installation, pool)
    yield context
    pool.close()
    await context.db.dispose()


@pytest.fixture
async def people(ctx: IntakeContext) -> AsyncIterator[People]:
    made = People(ctx)
    yield made
    await made.remove()


async def sign_in_with(
    ctx: IntakeContext, tenant: str, username: str, password: str, secret: str
) -> str:
    """A session token; the account's last step is forgotten first, so a test may sign
    the same person in more than once within 30 seconds (a test-only shortcut)."""
    async with ctx.db.writing() as session:
        user = await user_row(session, tenant, username)
        await session.execute(update(User).where(User.id == user.id).values(totp_last_step=None))
    now = dt.datetime.now(dt.UTC)
    signed_in = await login(ctx, tenant, username, password, code_at(secret, time_step(now)), now)
    return signed_in.token


async def actor_of(ctx: IntakeContext, tenant: str, username: str, password: str) -> Actor:
    async with ctx.db.reading() as session:
        user = await user_row(session, tenant, username)
    key = await unlock_private_key(ctx.pool, user, password)
    return Actor(user.id, user.unit_id, user.role, key)


async def file_case(
    ctx: IntakeContext, tenant: str = "metro", excluded: tuple[str, ...] = ()
) -> str:
    """A broker report (routed to the inspectorate); its case id."""
    draft = ReportDraft(BROKER.kind, BROKER.agency, BROKER.answers, excluded)
    filed = await file_report(ctx, tenant, draft, now=NOW)
    async with ctx.db.reading() as session:
        case_id = await session.scalar(select(Case.id).where(Case.case_number == filed.case_number))
    assert case_id is not None
    return case_id


async def keys_held(ctx: IntakeContext, tenant: str, username: str) -> int:
    async with ctx.db.reading() as session:
        user = await user_row(session, tenant, username)
        count = await session.scalar(
            select(func.count(CaseKey.id)).where(CaseKey.user_id == user.id)
        )
    return int(count or 0)


def handler(people: People, unit: str = "inspektorat", role: str = "handler") -> NewUser:
    return NewUser("metro", people.name("metro"), role, PASSWORD, unit, "x@metro.go.id")


# Adding ----------------------------------------------------------------------------------


async def test_an_added_person_signs_in_with_the_secret_of_the_uri(
    ctx: IntakeContext, people: People
) -> None:
    boss, _ = await people.admin()
    new = handler(people)
    enrolment = await admin.add_user(ctx, boss, new)
    assert enrolment.uri.startswith("otpauth://totp/")
    assert "Kota%20Metro" in enrolment.uri  # the issuer names the region
    assert enrolment.uri not in repr(enrolment)
    token = await sign_in_with(ctx, "metro", new.username, PASSWORD, secret_of_uri(enrolment.uri))
    who = await authenticate(ctx, token, dt.datetime.now(dt.UTC))
    assert (who.username, who.role) == (new.username, "handler")

    async with ctx.db.reading() as session:
        rows = {row.username: row for row in await admin.list_users(session, boss)}
    row = rows[new.username]
    assert (row.role, row.unit, row.email, row.language) == (
        "handler",
        "inspektorat",
        "x@metro.go.id",
        "id",
    )
    assert row.active
    assert row.totp_enrolled
    assert row.cases == 0
    assert rows["inspektorat-handler"].cases >= 0


async def test_what_an_admin_types_wrong_is_said_field_by_field(
    ctx: IntakeContext, people: People
) -> None:
    boss, _ = await people.admin()
    with pytest.raises(InvalidInput) as wrong:
        await admin.add_user(
            ctx,
            boss,
            NewUser("metro", "-bad name", "handler", "short", None, "not-mail", "fr"),
        )
    assert set(wrong.value.fields) == {"username", "unit", "email", "language", "password"}
    with pytest.raises(InvalidInput) as no_role:
        await admin.add_user(ctx, boss, NewUser("metro", "someone", "king", PASSWORD))
    assert set(no_role.value.fields) == {"role"}
    with pytest.raises(InvalidInput) as no_unit:
        await admin.add_user(ctx, boss, NewUser("metro", "someone", "handler", PASSWORD, "nope"))
    assert set(no_unit.value.fields) == {"unit"}
    with pytest.raises(Conflict):
        await admin.add_user(
            ctx, boss, NewUser("metro", "inspektorat-handler", "handler", PASSWORD, "upg")
        )
    with pytest.raises(NotFound):  # another tenant's people are not theirs to add
        await admin.add_user(ctx, boss, NewUser("pringsewu", "someone", "auditor", PASSWORD))


# Disabling -------------------------------------------------------------------------------


async def test_disabling_ends_the_sessions_and_enabling_lets_them_back(
    ctx: IntakeContext, people: People
) -> None:
    boss, _ = await people.admin()
    new = handler(people)
    secret = secret_of_uri((await admin.add_user(ctx, boss, new)).uri)
    token = await sign_in_with(ctx, "metro", new.username, PASSWORD, secret)

    await admin.set_active(ctx, boss, new.username, False)
    with pytest.raises(Unauthenticated):
        await authenticate(ctx, token, dt.datetime.now(dt.UTC))
    with pytest.raises(Unauthenticated):
        await sign_in_with(ctx, "metro", new.username, PASSWORD, secret)
    async with ctx.db.reading() as session:
        assert not (await admin.get_user(session, boss, new.username)).active

    await admin.set_active(ctx, boss, new.username, True)
    token = await sign_in_with(ctx, "metro", new.username, PASSWORD, secret)
    assert (await authenticate(ctx, token, dt.datetime.now(dt.UTC))).username == new.username

    async with ctx.db.reading() as session:
        me = await session.get(User, boss.user_id)
    assert me is not None
    with pytest.raises(Forbidden):
        await admin.set_active(ctx, boss, me.username, False)


# New passwords ---------------------------------------------------------------------------


async def test_a_new_password_brings_a_new_key_and_loses_the_cases(
    ctx: IntakeContext, people: People
) -> None:
    boss, _ = await people.admin()
    new = handler(people)
    secret = secret_of_uri((await admin.add_user(ctx, boss, new)).uri)
    case_id = await file_case(ctx)
    await file_case(ctx, excluded=(new.username,))
    before = await actor_of(ctx, "metro", new.username, PASSWORD)
    assert (await open_case(ctx, before, case_id)).status == "received"
    token = await sign_in_with(ctx, "metro", new.username, PASSWORD, secret)
    async with ctx.db.reading() as session:
        old_key = (await user_row(session, "metro", new.username)).public_key

    with pytest.raises(InvalidInput) as short:
        await admin.reset_password(ctx, boss, new.username, "short")
    assert set(short.value.fields) == {"password"}
    reset = await admin.reset_password(ctx, boss, new.username, NEW_PASSWORD)

    assert reset.cases_lost == 1  # the excluded case never had a key of theirs
    assert await keys_held(ctx, "metro", new.username) == 0
    with pytest.raises(Unauthenticated):  # their sessions ended
        await authenticate(ctx, token, dt.datetime.now(dt.UTC))
    with pytest.raises(Unauthenticated):
        await sign_in_with(ctx, "metro", new.username, PASSWORD, secret)
    await sign_in_with(ctx, "metro", new.username, NEW_PASSWORD, secret)
    after = await actor_of(ctx, "metro", new.username, NEW_PASSWORD)
    async with ctx.db.reading() as session:
        assert (await user_row(session, "metro", new.username)).public_key != old_key
    with pytest.raises(NotFound):
        await open_case(ctx, after, case_id)
    with pytest.raises(NotFound):  # the old key opens nothing any more either
        await open_case(ctx, before, case_id)


# New authenticator apps ------------------------------------------------------------------


async def test_a_new_authenticator_secret_stops_the_old_codes(
    ctx: IntakeContext, people: People
) -> None:
    boss, _ = await people.admin()
    new = handler(people)
    old = secret_of_uri((await admin.add_user(ctx, boss, new)).uri)
    token = await sign_in_with(ctx, "metro", new.username, PASSWORD, old)
    case_id = await file_case(ctx)

    enrolment = await admin.reset_totp(ctx, boss, new.username)

    fresh = secret_of_uri(enrolment.uri)
    assert fresh != old
    with pytest.raises(Unauthenticated):
        await authenticate(ctx, token, dt.datetime.now(dt.UTC))
    with pytest.raises(Unauthenticated):
        await sign_in_with(ctx, "metro", new.username, PASSWORD, old)
    await sign_in_with(ctx, "metro", new.username, PASSWORD, fresh)
    # The cases stay theirs: only the second factor changed.
    assert await keys_held(ctx, "metro", new.username) == 1
    actor = await actor_of(ctx, "metro", new.username, PASSWORD)
    assert (await open_case(ctx, actor, case_id)).status == "received"


# Roles -----------------------------------------------------------------------------------


async def test_leaving_a_unit_or_the_case_work_drops_the_keys(
    ctx: IntakeContext, people: People
) -> None:
    boss, _ = await people.admin()
    new = handler(people)
    await admin.add_user(ctx, boss, new)
    await file_case(ctx)
    await file_case(ctx)

    same = await admin.change_role(ctx, boss, new.username, "supervisor", "inspektorat")
    assert same.cases_removed == 0
    assert await keys_held(ctx, "metro", new.username) == 2
    with pytest.raises(InvalidInput) as no_unit:
        await admin.change_role(ctx, boss, new.username, "handler", None)
    assert set(no_unit.value.fields) == {"unit"}
    with pytest.raises(InvalidInput):
        await admin.change_role(ctx, boss, new.username, "emperor", "upg")

    moved = await admin.change_role(ctx, boss, new.username, "handler", "upg")
    assert moved.cases_removed == 2
    assert await keys_held(ctx, "metro", new.username) == 0
    async with ctx.db.reading() as session:
        row = await admin.get_user(session, boss, new.username)
    assert (row.role, row.unit, row.cases) == ("handler", "upg", 0)

    # An admin reads no case: one who becomes admin keeps no key.
    other = handler(people)
    await admin.add_user(ctx, boss, other)
    await file_case(ctx)
    assert await keys_held(ctx, "metro", other.username) == 1
    promoted = await admin.change_role(ctx, boss, other.username, "admin", None)
    assert promoted.cases_removed == 1
    assert await keys_held(ctx, "metro", other.username) == 0
    async with ctx.db.reading() as session:
        me = await session.get(User, boss.user_id)
    assert me is not None
    with pytest.raises(Forbidden):
        await admin.change_role(ctx, boss, me.username, "auditor", None)


async def test_no_admin_service_gives_an_admin_a_case_key(
    ctx: IntakeContext, people: People
) -> None:
    boss, _ = await people.admin()
    assistant = NewUser("metro", people.name("metro"), "admin", PASSWORD, "inspektorat")
    await admin.add_user(ctx, boss, assistant)
    await file_case(ctx)  # routed to the inspectorate, whose unit the new admin names
    await admin.reset_totp(ctx, boss, assistant.username)
    await admin.reset_password(ctx, boss, assistant.username, NEW_PASSWORD)
    await admin.set_active(ctx, boss, assistant.username, False)
    await admin.set_active(ctx, boss, assistant.username, True)
    async with ctx.db.reading() as session:
        me = await session.get(User, boss.user_id)
        assert me is not None
        assert await keys_held(ctx, "metro", me.username) == 0
    assert await keys_held(ctx, "metro", assistant.username) == 0


# Who may ---------------------------------------------------------------------------------


async def test_only_admins_may_and_only_in_their_own_tenant(
    ctx: IntakeContext, people: People
) -> None:
    boss, _ = await people.admin()
    stranger = await people.caller("pringsewu", "inspektorat-handler")
    outsider = NewUser("pringsewu", people.name("pringsewu"), "handler", PASSWORD, "upg")
    their_boss, _ = await people.admin("pringsewu")
    await admin.add_user(ctx, their_boss, outsider)

    for caller in (
        await people.caller("metro", "inspektorat-handler"),
        await people.caller("metro", "upg-supervisor"),
        dataclasses.replace(boss, role="supervisor"),  # what the session says is checked
    ):
        with pytest.raises(Forbidden):
            async with ctx.db.reading() as session:
                await admin.list_users(session, caller)
        with pytest.raises(Forbidden):
            await admin.add_user(ctx, caller, handler(people))
        with pytest.raises(Forbidden):
            await admin.set_active(ctx, caller, "upg-handler", False)
        with pytest.raises(Forbidden):
            await admin.reset_password(ctx, caller, "upg-handler", NEW_PASSWORD)
        with pytest.raises(Forbidden):
            await admin.reset_totp(ctx, caller, "upg-handler")
        with pytest.raises(Forbidden):
            await admin.change_role(ctx, caller, "upg-handler", "handler", "inspektorat")
    # A role claimed but not held in the database is refused too.
    with pytest.raises(Forbidden):
        await admin.set_active(ctx, dataclasses.replace(stranger, role="admin"), "x", True)

    # The admin of metro: pringsewu's people do not exist for them.
    async with ctx.db.reading() as session:
        names = {row.username for row in await admin.list_users(session, boss)}
        with pytest.raises(NotFound):
            await admin.get_user(session, boss, outsider.username)
    assert outsider.username not in names
    with pytest.raises(NotFound):
        await admin.set_active(ctx, boss, outsider.username, False)
    with pytest.raises(NotFound):
        await admin.reset_password(ctx, boss, outsider.username, NEW_PASSWORD)
    with pytest.raises(NotFound):
        await admin.reset_totp(ctx, boss, outsider.username)
    with pytest.raises(NotFound):
        await admin.change_role(ctx, boss, outsider.username, "auditor", None)
    async with ctx.db.reading() as session:
        untouched = await admin.get_user(session, their_boss, outsider.username)
    assert untouched.active
    assert untouched.role == "handler"
