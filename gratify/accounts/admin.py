"""Account administration: a tenant's admins add people, disable and enable them, reset
their password or authenticator app and change their role (DESIGN.md, "Roles and access").

Every use case is one transaction and checks, inside it, that the caller is an active
``admin`` (else `Forbidden`); everything is limited to the admin's own tenant, and a user
of another tenant is `NotFound`, like one that does not exist. Nothing here opens or
wraps a case key: admins read no case content, and they get no key from these services.

Resetting a password cannot keep the person's access to their cases: their private key
is sealed under the old password, which nobody else knows. They get a new key pair under
the new password, their old wrapped keys are deleted (nothing could open them any more),
and a supervisor of their unit gives the cases back (`gratify.cases.regrant`), or the
escrow holder does (``gratify keys recover``). The same goes for a person who leaves a
unit or the case-working roles: their keys to cases they may no longer see are deleted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Protocol

from sqlalchemy import ScalarSelect, delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from gratify.accounts.auth import end_sessions
from gratify.accounts.models import SLUG_LENGTH, Tenant, Unit, User
from gratify.accounts.totp import enrol, issuer, provisioning_uri
from gratify.accounts.users import (
    CASE_ROLES,
    MIN_PASSWORD_LENGTH,
    ROLES,
    NewUser,
    create_user,
    private_key_context,
)
from gratify.audit.chain import record
from gratify.audit.events import actor_user
from gratify.crypto.envelope import generate_recipient_key, recipient_key_id
from gratify.crypto.kdf import hash_password, seal_under_secret
from gratify.errors import N_, Forbidden, InvalidInput, NotFound
from gratify.intake.models import Case, CaseExclusion, CaseKey
from gratify.intake.service import IntakeContext
from gratify.notify.service import queue_account_mail

ADMIN = "admin"
LANGUAGES = ("id", "en")
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
MAX_EMAIL = 254
# Argon2id would hash a longer one, but nobody types it: a bound against huge bodies.
MAX_PASSWORD = 1024

ONLY_ADMINS = N_("Only an administrator manages accounts.")
NOT_YOURSELF = N_("You cannot do this to your own account. Ask another administrator.")
BAD_USERNAME = N_(
    "A username has 1 to 64 letters, digits, dots, dashes, underscores or @, "
    "and starts with a letter or digit."
)
BAD_EMAIL = N_("Give an e-mail address like nama@contoh.go.id, or leave it empty.")
BAD_LANGUAGE = N_("Choose Bahasa Indonesia or English.")
BAD_ROLE = N_("Choose handler, supervisor, admin or auditor.")
NO_SUCH_UNIT = N_("There is no such unit in this region.")
UNIT_NEEDED = N_("A handler or supervisor works in a unit: choose one.")
SHORT_PASSWORD = N_("A password needs at least 12 characters.")
LONG_PASSWORD = N_("A password can have at most 1024 characters.")


class Actor(Protocol):
    """The signed-in caller, as these services need them (`gratify.accounts.auth.Handler`)."""

    @property
    def user_id(self) -> int: ...
    @property
    def tenant_id(self) -> int: ...
    @property
    def role(self) -> str: ...


@dataclasses.dataclass(frozen=True, slots=True)
class UserRow:
    """One account as an admin sees it; `cases` is how many cases they hold a key to
    (and are not excluded from): who can read what."""

    username: str
    role: str
    unit: str | None
    unit_name: str | None
    email: str | None
    language: str
    active: bool
    totp_enrolled: bool
    cases: int


@dataclasses.dataclass(frozen=True, slots=True)
class UnitChoice:
    slug: str
    name: str


@dataclasses.dataclass(frozen=True, slots=True)
class Enrolment:
    """A new authenticator secret, to show once: the provisioning URI carries it."""

    username: str
    uri: str = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True, slots=True)
class PasswordReset:
    """What resetting a password did: the cases the person can no longer open."""

    username: str
    cases_lost: int


@dataclasses.dataclass(frozen=True, slots=True)
class RoleChange:
    """What changing a role did: keys deleted to cases the person may no longer see."""

    username: str
    role: str
    unit: str | None
    cases_removed: int


# Checks ----------------------------------------------------------------------------------


def _quick_check(admin: Actor) -> None:
    """Refuse a non-admin before any work (the transaction checks again, from the row)."""
    if admin.role != ADMIN:
        raise Forbidden(ONLY_ADMINS)


async def _check_admin(session: AsyncSession, admin: Actor) -> User:
    """The caller's row, if they are an active admin of their tenant now; else `Forbidden`."""
    _quick_check(admin)
    me = await session.get(User, admin.user_id)
    if me is None or not me.active or me.role != ADMIN or me.tenant_id != admin.tenant_id:
        raise Forbidden(ONLY_ADMINS)
    return me


async def _target(session: AsyncSession, admin: Actor, username: str) -> User:
    """A user of the admin's tenant, locked for this transaction; else `NotFound`."""
    if not 0 < len(username) <= SLUG_LENGTH:
        raise NotFound()
    user = await session.scalar(
        select(User)
        .where(User.tenant_id == admin.tenant_id, User.username == username)
        .with_for_update()
    )
    if user is None:
        raise NotFound()
    return user


def _not_self(admin: Actor, user: User) -> None:
    if user.id == admin.user_id:
        raise Forbidden(NOT_YOURSELF)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(fields={"password": SHORT_PASSWORD})
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(fields={"password": LONG_PASSWORD})


async def _unit_id(
    session: AsyncSession, tenant_id: int, role: str, unit: str | None
) -> int | None:
    """The unit's id in the tenant; `InvalidInput` if unknown or missing for a case role."""
    if not unit:
        if role in CASE_ROLES:
            raise InvalidInput(fields={"unit": UNIT_NEEDED})
        return None
    unit_id = await session.scalar(
        select(Unit.id).where(Unit.tenant_id == tenant_id, Unit.slug == unit)
    )
    if unit_id is None:
        raise InvalidInput(fields={"unit": NO_SUCH_UNIT})
    return unit_id


def _readable_count() -> ScalarSelect[int]:
    """SQL: how many cases the outer query's user holds a key to and is not excluded from."""
    key, exclusion = aliased(CaseKey), aliased(CaseExclusion)
    excluded = exists().where(exclusion.case_id == key.case_id, exclusion.user_id == User.id)
    return (
        select(func.count(key.id))
        .where(key.user_id == User.id, ~excluded)
        .correlate(User)
        .scalar_subquery()
    )


async def _tenant(session: AsyncSession, tenant_id: int) -> Tenant:
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound()
    return tenant


# Reading ---------------------------------------------------------------------------------


def _row(user: User, unit: str | None, unit_name: str | None, cases: int) -> UserRow:
    return UserRow(
        username=user.username,
        role=user.role,
        unit=unit,
        unit_name=unit_name,
        email=user.email,
        language=user.language,
        active=user.active,
        totp_enrolled=user.totp_secret is not None,
        cases=int(cases or 0),
    )


async def _audit(
    ctx: IntakeContext, session: AsyncSession, admin: Actor, event: str, **details: object
) -> None:
    """An account event in the admin's tenant's trail, in the action's transaction."""
    await record(
        session,
        keyring=ctx.keyring,
        tenant_id=admin.tenant_id,
        event=event,
        actor=actor_user(admin.user_id),
        details=details,
        now=dt.datetime.now(dt.UTC),
    )


async def list_users(session: AsyncSession, admin: Actor) -> list[UserRow]:
    """Every account of the admin's tenant, by username, with how many cases each can read."""
    await _check_admin(session, admin)
    rows = await session.execute(
        select(User, Unit.slug, Unit.name, _readable_count())
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(User.tenant_id == admin.tenant_id)
        .order_by(User.username)
    )
    return [_row(*row) for row in rows]


async def get_user(session: AsyncSession, admin: Actor, username: str) -> UserRow:
    """One account of the admin's tenant; `NotFound` for any other."""
    await _check_admin(session, admin)
    if not 0 < len(username) <= SLUG_LENGTH:
        raise NotFound()
    row = (
        await session.execute(
            select(User, Unit.slug, Unit.name, _readable_count())
            .outerjoin(Unit, Unit.id == User.unit_id)
            .where(User.tenant_id == admin.tenant_id, User.username == username)
        )
    ).first()
    if row is None:
        raise NotFound()
    return _row(*row)


async def tenant_units(session: AsyncSession, admin: Actor) -> list[UnitChoice]:
    """The units of the admin's tenant, for choosing one."""
    await _check_admin(session, admin)
    rows = await session.execute(
        select(Unit.slug, Unit.name).where(Unit.tenant_id == admin.tenant_id).order_by(Unit.slug)
    )
    return [UnitChoice(slug, name) for slug, name in rows]


# Changing --------------------------------------------------------------------------------


def check_new_user(new: NewUser) -> None:
    """`InvalidInput` with every field that is wrong (the form shows them all at once)."""
    fields: dict[str, str] = {}
    if not USERNAME.fullmatch(new.username):
        fields["username"] = BAD_USERNAME
    if new.role not in ROLES:
        fields["role"] = BAD_ROLE
    elif new.role in CASE_ROLES and not new.unit:
        fields["unit"] = UNIT_NEEDED
    if new.email is not None and (len(new.email) > MAX_EMAIL or not EMAIL.fullmatch(new.email)):
        fields["email"] = BAD_EMAIL
    if new.language not in LANGUAGES:
        fields["language"] = BAD_LANGUAGE
    try:
        _check_password(new.password)
    except InvalidInput as short:
        fields.update(short.fields)
    if fields:
        raise InvalidInput(fields=fields)


async def add_user(
    ctx: IntakeContext, admin: Actor, new: NewUser, today: dt.date | None = None
) -> Enrolment:
    """Add a person to the admin's tenant (`new.tenant` must be it) with a new key pair and
    an authenticator secret; the provisioning URI is returned to show once. They get no
    key to existing cases: a supervisor of their unit gives them those."""
    _quick_check(admin)
    check_new_user(new)
    async with ctx.db.writing() as session:
        await _check_admin(session, admin)
        tenant = await _tenant(session, admin.tenant_id)
        if new.tenant != tenant.slug:
            raise NotFound()
        user = await create_user(session, ctx.pool, new, ctx.argon2, today or ctx.today())
        secret = enrol(ctx.keyring.session_secret, user)
        await queue_account_mail(session, user, "account_created", dt.datetime.now(dt.UTC))
        await _audit(ctx, session, admin, "account.totp.enrolled", user=user.id)
        return Enrolment(user.username, provisioning_uri(user, secret, issuer(tenant.name)))


async def set_active(ctx: IntakeContext, admin: Actor, username: str, active: bool) -> None:
    """Enable or disable an account. Disabling ends the person's sessions now; their keys
    stay, unusable while disabled, so enabling gives them their cases back. An admin
    cannot disable themselves."""
    _quick_check(admin)
    async with ctx.db.writing() as session:
        await _check_admin(session, admin)
        user = await _target(session, admin, username)
        if not active:
            _not_self(admin, user)
            await end_sessions(session, user.id)
        user.active = active
        event = "account.enabled" if active else "account.disabled"
        await _audit(ctx, session, admin, event, user=user.id)


async def reset_password(
    ctx: IntakeContext, admin: Actor, username: str, new_password: str
) -> PasswordReset:
    """Give the person a new password, and with it a new key pair: the old private key
    cannot be opened without the old password. Their wrapped keys are deleted and their
    sessions end; the result says how many cases they can no longer open until a
    supervisor gives them back (or ``gratify keys recover`` does)."""
    _quick_check(admin)
    _check_password(new_password)
    private, public = await ctx.pool.run(generate_recipient_key)
    sealed = await ctx.pool.run(
        seal_under_secret,
        new_password.encode(),
        private,
        params=ctx.argon2,
        context=private_key_context(admin.tenant_id, username),
    )
    password_hash = await ctx.pool.run(hash_password, new_password, ctx.argon2)
    async with ctx.db.writing() as session:
        await _check_admin(session, admin)
        user = await _target(session, admin, username)
        _not_self(admin, user)
        lost = await session.scalar(
            select(func.count(CaseKey.id)).where(CaseKey.user_id == user.id)
        )
        await session.execute(delete(CaseKey).where(CaseKey.user_id == user.id))
        user.password_hash = password_hash
        user.public_key = public
        user.key_id = recipient_key_id(public)
        user.sealed_private_key = sealed
        await end_sessions(session, user.id)
        await queue_account_mail(session, user, "password_reset", dt.datetime.now(dt.UTC))
        await _audit(
            ctx, session, admin, "account.password.reset", user=user.id, cases_lost=int(lost or 0)
        )
    return PasswordReset(username, int(lost or 0))


async def reset_totp(ctx: IntakeContext, admin: Actor, username: str) -> Enrolment:
    """A new authenticator secret for the person (the old one's codes stop working) and
    their sessions end; the provisioning URI is returned to show once."""
    _quick_check(admin)
    async with ctx.db.writing() as session:
        await _check_admin(session, admin)
        user = await _target(session, admin, username)
        _not_self(admin, user)
        tenant = await _tenant(session, admin.tenant_id)
        secret = enrol(ctx.keyring.session_secret, user)
        await end_sessions(session, user.id)
        await queue_account_mail(session, user, "totp_reset", dt.datetime.now(dt.UTC))
        await _audit(ctx, session, admin, "account.totp.enrolled", user=user.id)
        return Enrolment(user.username, provisioning_uri(user, secret, issuer(tenant.name)))


async def change_role(
    ctx: IntakeContext, admin: Actor, username: str, role: str, unit: str | None
) -> RoleChange:
    """Give the person another role or unit. Keys to cases they may no longer see are
    deleted (all of them when the role works no cases; those of other units otherwise),
    and they stop being assigned those cases. A new unit's cases come from its supervisor."""
    _quick_check(admin)
    if role not in ROLES:
        raise InvalidInput(fields={"role": BAD_ROLE})
    unit = unit or None
    async with ctx.db.writing() as session:
        await _check_admin(session, admin)
        user = await _target(session, admin, username)
        _not_self(admin, user)
        unit_id = await _unit_id(session, admin.tenant_id, role, unit)
        await _audit(
            ctx,
            session,
            admin,
            "account.role.changed",
            user=user.id,
            unit=unit,
            **{"from": user.role, "to": role},
        )
        user.role, user.unit_id = role, unit_id
        gone = select(Case.id)
        if role in CASE_ROLES:
            gone = gone.where(Case.unit_id != unit_id)
        held = (CaseKey.user_id == user.id) & CaseKey.case_id.in_(gone)
        removed = await session.scalar(select(func.count(CaseKey.id)).where(held))
        if removed:
            await session.execute(
                update(Case)
                .where(
                    Case.assigned_to == user.id, Case.id.in_(select(CaseKey.case_id).where(held))
                )
                .values(assigned_to=None)
            )
            await session.execute(delete(CaseKey).where(held))
    return RoleChange(username, role, unit, int(removed or 0))
