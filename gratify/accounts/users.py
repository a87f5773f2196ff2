"""Users and their key material: create a user, unlock their private key.

Only what intake needs to wrap case keys to handlers lives here for now; login, TOTP and
the admin pages come with the case-handling issue.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.accounts.models import Tenant, Unit, User
from gratify.crypto.aead import associated_data
from gratify.crypto.envelope import generate_recipient_key, recipient_key_id
from gratify.crypto.kdf import Argon2Params, hash_password, open_under_secret, seal_under_secret
from gratify.crypto.pool import CryptoPool
from gratify.errors import N_, Conflict, InvalidInput, NotFound

ROLES = ("handler", "supervisor", "admin", "auditor")
# Roles that work cases and so receive a wrapped key to the cases of their unit.
CASE_ROLES = ("handler", "supervisor")
MIN_PASSWORD_LENGTH = 12


def private_key_context(tenant_id: int, username: str) -> bytes:
    return associated_data("user-private-key", tenant_id, username)


@dataclasses.dataclass(frozen=True, slots=True)
class NewUser:
    tenant: str
    username: str
    role: str
    password: str = dataclasses.field(repr=False)
    unit: str | None = None
    email: str | None = None
    language: str = "id"


async def create_user(
    session: AsyncSession, pool: CryptoPool, new: NewUser, params: Argon2Params, today: dt.date
) -> User:
    """Add a user with a fresh key pair whose private half is sealed under their password."""
    if new.role not in ROLES:
        raise InvalidInput(fields={"role": N_("Choose handler, supervisor, admin or auditor.")})
    if len(new.password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(fields={"password": N_("A password needs at least 12 characters.")})
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == new.tenant))
    if tenant is None:
        raise NotFound()
    unit_id = None
    if new.unit is not None:
        unit_id = await session.scalar(
            select(Unit.id).where(Unit.tenant_id == tenant.id, Unit.slug == new.unit)
        )
        if unit_id is None:
            raise InvalidInput(fields={"unit": N_("There is no such unit in this region.")})
    taken = await session.scalar(
        select(User.id).where(User.tenant_id == tenant.id, User.username == new.username)
    )
    if taken is not None:
        raise Conflict(N_("This username is taken."))
    private, public = generate_recipient_key()
    secret = new.password.encode()
    sealed = await pool.run(
        seal_under_secret,
        secret,
        private,
        params=params,
        context=private_key_context(tenant.id, new.username),
    )
    password_hash = await pool.run(hash_password, new.password, params)
    user = User(
        tenant_id=tenant.id,
        unit_id=unit_id,
        username=new.username,
        role=new.role,
        email=new.email,
        language=new.language,
        password_hash=password_hash,
        public_key=public,
        key_id=recipient_key_id(public),
        sealed_private_key=sealed,
        active=True,
        created_on=today,
    )
    session.add(user)
    await session.flush()
    return user


async def unlock_private_key(pool: CryptoPool, user: User, password: str) -> bytes:
    """The user's private key; raises the crypto `IntegrityError` for a wrong password."""
    return await pool.run(
        open_under_secret,
        password.encode(),
        user.sealed_private_key,
        context=private_key_context(user.tenant_id, user.username),
    )


async def case_recipients(session: AsyncSession, unit_id: int) -> list[User]:
    """The active handlers and supervisors of a unit: who receives a new case's key."""
    rows = await session.scalars(
        select(User)
        .where(User.unit_id == unit_id, User.active.is_(True), User.role.in_(CASE_ROLES))
        .order_by(User.id)
    )
    return list(rows)
