"""Signing in and out: password and TOTP, then a session that carries the private key.

At login the password opens the user's private key (Argon2id) and the key is sealed again
under ``token_key(token)``: only the browser or API client holds the token, the database
keeps its keyed digest, so any worker can serve the session and a database dump can open
none (DESIGN.md, "Cryptography"). The same pattern as the reporter's inbox
(`gratify.intake.inbox`).

Every wrong username, password or code, and a disabled account, gets the same
`Unauthenticated` after the same Argon2id work. Failures are counted per account in the
database (``login:<tenant>:<username>``), never per address: after `PER_ACCOUNT.count`
failures in a window, attempts are refused (`RateLimited`) until the window ends.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import secrets
from collections.abc import Awaitable

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.accounts.models import SLUG_LENGTH, HandlerSession, Tenant, User
from gratify.accounts.totp import matching_step, open_secret
from gratify.accounts.users import unlock_private_key
from gratify.audit.chain import record
from gratify.audit.events import ACTOR_SYSTEM, actor_user
from gratify.crypto.aead import associated_data, seal, unseal
from gratify.crypto.errors import CryptoError
from gratify.crypto.kdf import Argon2Params, hash_password, verify_password
from gratify.crypto.tokens import new_token, token_digest, token_key
from gratify.errors import N_, RateLimited, Unauthenticated
from gratify.intake.service import IntakeContext
from gratify.web.ratelimit import Limit, RateBucket, record_event, retry_after

IDLE = dt.timedelta(minutes=30)
ABSOLUTE = dt.timedelta(hours=12)
PER_ACCOUNT = Limit(count=5, window=dt.timedelta(minutes=15))
WRONG_LOGIN = N_("Wrong username, password or code.")
NOT_ENROLLED = N_(
    "Your account has no authenticator app set up yet. Ask your administrator to enrol it."
)
SESSION_ENDED = N_("Your session has ended. Please sign in again.")
_SESSION_PURPOSE = "handler-session"
_RATE_KEY_LENGTH = 128
# A hash with the deployment's parameters, checked for a username that does not exist so
# that it costs the same Argon2id work as one that does.
_dummy_hashes: dict[Argon2Params, str] = {}


@dataclasses.dataclass(frozen=True, slots=True)
class HandlerLogin:
    """What a successful login gives: the token, shown to the client only."""

    token: str = dataclasses.field(repr=False)
    expires_at: dt.datetime
    user_id: int


@dataclasses.dataclass(frozen=True, slots=True)
class Handler:
    """The signed-in user of a request, with their private key for this request only."""

    user_id: int
    tenant_id: int
    tenant: str
    unit_id: int | None
    role: str
    username: str
    private_key: bytes = dataclasses.field(repr=False)


def _round_up(moment: dt.datetime) -> dt.datetime:
    """To the next ten minutes, so stored expiries do not tell when someone was active."""
    step = 600
    return dt.datetime.fromtimestamp(math.ceil(moment.timestamp() / step) * step, tz=dt.UTC)


def _session_context(user_id: int, digest: str) -> bytes:
    return associated_data("handler-session", user_id, digest)


def rate_key(tenant: str, username: str) -> str:
    """The rate-limit key of an account; a digest if the names are too long for the column."""
    key = f"login:{tenant}:{username}"
    if len(key) <= _RATE_KEY_LENGTH:
        return key
    return "login:#" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


async def _dummy_hash(ctx: IntakeContext) -> str:
    phc = _dummy_hashes.get(ctx.argon2)
    if phc is None:
        phc = await ctx.pool.run(hash_password, secrets.token_urlsafe(16), ctx.argon2)
        _dummy_hashes[ctx.argon2] = phc
    return phc


async def _find_user(session: AsyncSession, tenant: str, username: str) -> User | None:
    if not (0 < len(tenant) <= SLUG_LENGTH and 0 < len(username) <= SLUG_LENGTH):
        return None
    found: User | None = await session.scalar(
        select(User)
        .join(Tenant, Tenant.id == User.tenant_id)
        .where(Tenant.slug == tenant, User.username == username)
    )
    return found


async def _failed(
    ctx: IntakeContext,
    key: str,
    now: dt.datetime,
    *,
    tenant: str,
    username: str,
    reason: str,
) -> Unauthenticated:
    """Count the failure for the account and put it in the tenant's trail (if the tenant
    exists: a made-up region has no trail to write to)."""
    async with ctx.db.writing() as session:
        await record_event(session, key, PER_ACCOUNT, now)
        tenant_id = await session.scalar(select(Tenant.id).where(Tenant.slug == tenant))
        if tenant_id is not None:
            await record(
                session,
                keyring=ctx.keyring,
                tenant_id=tenant_id,
                event="account.login.failed",
                actor=ACTOR_SYSTEM,
                details={"username": username[:64], "reason": reason},
                now=now,
            )
    return Unauthenticated(WRONG_LOGIN)


async def login(
    ctx: IntakeContext, tenant: str, username: str, password: str, totp: str, now: dt.datetime
) -> HandlerLogin:
    """Check password and code, open a session. `Unauthenticated` (401) for any wrong
    value or a disabled account, or for a user without TOTP (`NOT_ENROLLED`, told only
    after the right password); `RateLimited` (429) while this account's guessing is paused.
    """
    tenant, username = tenant.strip(), username.strip()
    key = rate_key(tenant, username)
    async with ctx.db.reading() as session:
        wait = await retry_after(session, key, PER_ACCOUNT, now)
        user = await _find_user(session, tenant, username)
    if wait:
        raise RateLimited(retry_after=wait)
    phc = user.password_hash if user is not None else await _dummy_hash(ctx)
    password_ok = await ctx.pool.run(verify_password, phc, password)

    def failed(reason: str) -> Awaitable[Unauthenticated]:
        return _failed(ctx, key, now, tenant=tenant, username=username, reason=reason)

    if user is None:
        raise await failed("unknown")
    if not password_ok:
        raise await failed("password")
    if not user.active:
        raise await failed("disabled")
    if user.totp_secret is None:
        raise Unauthenticated(NOT_ENROLLED)
    try:
        secret = open_secret(ctx.keyring.session_secret, user)
    except CryptoError:
        raise await failed("totp") from None
    step = matching_step(secret, totp, now, user.totp_last_step)
    if step is None:
        raise await failed("totp")
    try:
        private_key = await unlock_private_key(ctx.pool, user, password)
    except CryptoError:
        raise await failed("password") from None
    token = new_token()
    digest = token_digest(ctx.keyring.session_secret, token)
    expires_at = _round_up(now + ABSOLUTE)
    sealed = seal(
        token_key(token, purpose=_SESSION_PURPOSE),
        private_key,
        context=_session_context(user.id, digest),
    )
    async with ctx.db.writing() as session:
        # The step is claimed atomically: of two logins with one code, one wins.
        claimed = await session.scalar(
            update(User)
            .where(
                User.id == user.id,
                User.active.is_(True),
                or_(User.totp_last_step.is_(None), User.totp_last_step < step),
            )
            .values(totp_last_step=step)
            .returning(User.id)
        )
        if claimed is not None:
            await session.execute(delete(HandlerSession).where(HandlerSession.expires_at < now))
            await session.execute(delete(RateBucket).where(RateBucket.key == key))
            session.add(
                HandlerSession(
                    token_hash=digest,
                    user_id=user.id,
                    sealed_key=sealed,
                    idle_expires_at=min(_round_up(now + IDLE), expires_at),
                    expires_at=expires_at,
                )
            )
            await record(
                session,
                keyring=ctx.keyring,
                tenant_id=user.tenant_id,
                event="account.login.succeeded",
                actor=actor_user(user.id),
                details={"user": user.id},
                now=now,
            )
    if claimed is None:
        raise await failed("totp")
    return HandlerLogin(token, expires_at, user.id)


async def authenticate(ctx: IntakeContext, token: str, now: dt.datetime) -> Handler:
    """The user of a live session, with their private key; refreshes the idle expiry.
    `Unauthenticated` if the session has ended, expired, or its user was disabled."""
    digest = token_digest(ctx.keyring.session_secret, token)
    async with ctx.db.reading() as session:
        row = await session.get(HandlerSession, digest)
        found = None
        if row is not None:
            found = (
                await session.execute(
                    select(User, Tenant.slug)
                    .join(Tenant, Tenant.id == User.tenant_id)
                    .where(User.id == row.user_id)
                )
            ).first()
    live = (
        row is not None
        and found is not None
        and found[0].active
        and row.expires_at > now
        and row.idle_expires_at > now
    )
    if not live or row is None or found is None:
        if row is not None:
            await logout(ctx, token)
        raise Unauthenticated(SESSION_ENDED)
    user, tenant_slug = found
    try:
        private_key = unseal(
            token_key(token, purpose=_SESSION_PURPOSE),
            row.sealed_key,
            context=_session_context(user.id, digest),
        )
    except CryptoError:
        raise Unauthenticated(SESSION_ENDED) from None
    idle = min(_round_up(now + IDLE), row.expires_at)
    if idle > row.idle_expires_at:
        # Rounded to ten minutes, so this writes at most once in ten minutes a session.
        async with ctx.db.writing() as session:
            await session.execute(
                update(HandlerSession)
                .where(HandlerSession.token_hash == digest, HandlerSession.idle_expires_at < idle)
                .values(idle_expires_at=idle)
            )
    return Handler(
        user_id=user.id,
        tenant_id=user.tenant_id,
        tenant=str(tenant_slug),
        unit_id=user.unit_id,
        role=user.role,
        username=user.username,
        private_key=private_key,
    )


async def logout(ctx: IntakeContext, token: str) -> None:
    """End the session now; nothing happens for a token that opens none."""
    digest = token_digest(ctx.keyring.session_secret, token)
    async with ctx.db.writing() as session:
        await session.execute(delete(HandlerSession).where(HandlerSession.token_hash == digest))


async def end_sessions(session: AsyncSession, user_id: int) -> None:
    """End every session of a user (when they are disabled or their password changes)."""
    await session.execute(delete(HandlerSession).where(HandlerSession.user_id == user_id))
