"""Signing in and out through the services, on SQLite and PostgreSQL; `gratify user add`.

Each test signs in as a user of its own (an auditor of no unit, removed afterwards), so
fixed times, spent codes and counted failures touch no other test of the shared
installation.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
import re
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import pytest
from sqlalchemy import delete, select, update

from gratify.accounts import auth
from gratify.accounts.auth import Handler, HandlerLogin, authenticate, login, logout
from gratify.accounts.models import HandlerSession, Tenant, User
from gratify.accounts.totp import code_at, enrol, secret_of_uri, time_step
from gratify.accounts.users import NewUser, create_user, unlock_private_key
from gratify.cli import main
from gratify.crypto.aead import unseal
from gratify.crypto.errors import IntegrityError
from gratify.crypto.kdf import FAST_TEST_PARAMS, verify_password
from gratify.crypto.pool import CryptoPool
from gratify.crypto.tokens import new_token, token_digest, token_key
from gratify.errors import RateLimited, Unauthenticated
from gratify.intake.service import IntakeContext
from gratify.settings import Settings
from tests.conftest import intake_context

NOW = dt.datetime(2026, 11, 23, 3, 17, 41, tzinfo=dt.UTC)
PASSWORD = "a long enough test password"
T = TypeVar("T")


class CountingPool(CryptoPool):
    """A crypto pool that counts what it runs, by function name."""

    def __init__(self, max_threads: int) -> None:
        super().__init__(max_threads)
        self.calls: list[str] = []

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        self.calls.append(fn.__name__)
        return await super().run(fn, *args, **kwargs)


@pytest.fixture
async def ctx(installation: Settings) -> AsyncIterator[IntakeContext]:
    """Counting which crypto work each call does."""
    async with intake_context(installation, CountingPool(2)) as context:
        yield context


@dataclasses.dataclass
class Account:
    tenant: str
    username: str
    secret: str
    user_id: int

    def code(self, now: dt.datetime, offset: int = 0) -> str:
        return code_at(self.secret, time_step(now) + offset)


async def make_account(ctx: IntakeContext, *, enrolled: bool = True) -> Account:
    username = f"t-{secrets.token_hex(5)}"
    async with ctx.db.writing() as session:
        user = await create_user(
            session,
            ctx.pool,
            NewUser(tenant="metro", username=username, role="auditor", password=PASSWORD),
            FAST_TEST_PARAMS,
            NOW.date(),
        )
        secret = enrol(ctx.keyring.session_secret, user) if enrolled else ""
        if not enrolled:
            user.totp_secret = None
    return Account("metro", username, secret, user.id)


async def remove_account(ctx: IntakeContext, account: Account) -> None:
    async with ctx.db.writing() as session:
        await session.execute(delete(User).where(User.id == account.user_id))


@pytest.fixture
async def account(ctx: IntakeContext) -> AsyncIterator[Account]:
    made = await make_account(ctx)
    yield made
    await remove_account(ctx, made)


async def sign_in(
    ctx: IntakeContext, account: Account, now: dt.datetime = NOW, offset: int = 0
) -> HandlerLogin:
    return await login(
        ctx, account.tenant, account.username, PASSWORD, account.code(now, offset), now
    )


async def session_row(ctx: IntakeContext, token: str) -> HandlerSession | None:
    async with ctx.db.reading() as session:
        return await session.get(HandlerSession, token_digest(ctx.keyring.session_secret, token))


async def set_active(ctx: IntakeContext, account: Account, active: bool) -> None:
    async with ctx.db.writing() as session:
        await session.execute(update(User).where(User.id == account.user_id).values(active=active))


# Signing in ----------------------------------------------------------------------------


async def test_a_login_opens_a_session_that_carries_the_private_key(
    ctx: IntakeContext, account: Account
) -> None:
    signed_in = await sign_in(ctx, account)
    assert signed_in.user_id == account.user_id
    assert len(signed_in.token) >= 43
    # Twelve hours, rounded up to ten minutes: 03:17:41 -> 15:20.
    assert signed_in.expires_at == dt.datetime(2026, 11, 23, 15, 20, tzinfo=dt.UTC)
    assert signed_in.token not in repr(signed_in)

    handler = await authenticate(ctx, signed_in.token, NOW + dt.timedelta(minutes=1))
    async with ctx.db.reading() as session:
        user = await session.get(User, account.user_id)
        tenant_id = await session.scalar(select(Tenant.id).where(Tenant.slug == "metro"))
    assert user is not None
    assert tenant_id is not None
    assert handler == Handler(
        user_id=account.user_id,
        tenant_id=tenant_id,
        tenant="metro",
        unit_id=None,
        role="auditor",
        username=account.username,
        private_key=await unlock_private_key(ctx.pool, user, PASSWORD),
    )
    assert "private_key" not in repr(handler)
    assert handler.private_key.hex() not in repr(handler)


async def test_surrounding_spaces_in_the_names_do_not_matter(
    ctx: IntakeContext, account: Account
) -> None:
    signed_in = await login(
        ctx, " metro ", f" {account.username}\t", PASSWORD, account.code(NOW), NOW
    )
    assert signed_in.user_id == account.user_id


async def test_the_session_row_holds_neither_the_token_nor_the_private_key(
    ctx: IntakeContext, account: Account
) -> None:
    signed_in = await sign_in(ctx, account)
    handler = await authenticate(ctx, signed_in.token, NOW)
    row = await session_row(ctx, signed_in.token)
    assert row is not None
    stored = (row.token_hash.encode(), row.sealed_key)
    for column in stored:
        assert signed_in.token.encode() not in column
        assert handler.private_key not in column
    assert row.token_hash == token_digest(ctx.keyring.session_secret, signed_in.token)
    # Opening the sealed key takes the token: another token's key does not open it.
    context = auth._session_context(account.user_id, row.token_hash)
    with pytest.raises(IntegrityError):
        unseal(token_key(new_token(), purpose="handler-session"), row.sealed_key, context=context)
    # The server's own secrets (a dump plus the keys folder) do not open it either.
    for server_key in (ctx.keyring.session_secret, row.token_hash.encode()[:32]):
        with pytest.raises(IntegrityError):
            unseal(server_key, row.sealed_key, context=context)
    opened = unseal(
        token_key(signed_in.token, purpose="handler-session"), row.sealed_key, context=context
    )
    assert opened == handler.private_key
    # Expiries are rounded: they do not tell when the user came or went.
    for moment in (row.idle_expires_at, row.expires_at):
        assert (moment.minute % 10, moment.second, moment.microsecond) == (0, 0, 0)


async def test_a_token_that_opens_no_session_is_refused(ctx: IntakeContext) -> None:
    with pytest.raises(Unauthenticated) as refused:
        await authenticate(ctx, new_token(), NOW)
    assert refused.value.message == auth.SESSION_ENDED


# Every failure looks the same ------------------------------------------------------------


async def _failure(
    ctx: IntakeContext, tenant: str, username: str, password: str, code: str
) -> Unauthenticated:
    with pytest.raises(Unauthenticated) as failed:
        await login(ctx, tenant, username, password, code, NOW)
    return failed.value


async def test_every_wrong_value_gets_the_same_answer_after_the_same_argon2_work(
    ctx: IntakeContext, account: Account
) -> None:
    pool = ctx.pool
    assert isinstance(pool, CountingPool)
    code = account.code(NOW)
    wrong_code = code_at(account.secret, time_step(NOW) + 5)
    attempts = {
        "wrong password": ("metro", account.username, "wrong password of length", code),
        "wrong code": ("metro", account.username, PASSWORD, wrong_code),
        "not a code": ("metro", account.username, PASSWORD, "abcdef"),
        "unknown user": ("metro", "nobody-" + account.username, PASSWORD, code),
        "other tenant": ("pringsewu", account.username, PASSWORD, code),
        "unknown tenant": ("atlantis", account.username, PASSWORD, code),
        "too long a name": ("metro", "x" * 500, PASSWORD, code),
    }
    for name, args in attempts.items():
        pool.calls.clear()
        failure = await _failure(ctx, *args)
        assert failure.message == auth.WRONG_LOGIN == "Wrong username, password or code.", name
        assert failure.params == {}, name
        # One Argon2id password check each, whether or not the account exists.
        assert pool.calls.count("verify_password") == 1, name
        assert "open_under_secret" not in pool.calls, name

    await set_active(ctx, account, False)
    pool.calls.clear()
    disabled = await _failure(ctx, "metro", account.username, PASSWORD, code)
    assert disabled.message == auth.WRONG_LOGIN
    assert pool.calls.count("verify_password") == 1


async def test_a_user_without_totp_is_told_to_ask_for_enrolment_only_with_the_right_password(
    ctx: IntakeContext,
) -> None:
    bare = await make_account(ctx, enrolled=False)
    try:
        wrong = await _failure(ctx, "metro", bare.username, "wrong password of length", "123456")
        assert wrong.message == auth.WRONG_LOGIN
        right = await _failure(ctx, "metro", bare.username, PASSWORD, "123456")
        assert right.message == auth.NOT_ENROLLED
        assert "administrator" in right.message
    finally:
        await remove_account(ctx, bare)


# Codes -----------------------------------------------------------------------------------


async def test_a_code_is_accepted_once(ctx: IntakeContext, account: Account) -> None:
    first = await sign_in(ctx, account)
    again = await _failure(ctx, "metro", account.username, PASSWORD, account.code(NOW))
    assert again.message == auth.WRONG_LOGIN
    # Nor later within its window, nor the step before it.
    later = NOW + dt.timedelta(seconds=25)
    with pytest.raises(Unauthenticated):
        await login(ctx, "metro", account.username, PASSWORD, account.code(NOW), later)
    with pytest.raises(Unauthenticated):
        await login(ctx, "metro", account.username, PASSWORD, account.code(NOW, -1), NOW)
    # The first session is not disturbed; the next step's code works.
    await authenticate(ctx, first.token, NOW)
    await sign_in(ctx, account, offset=1)


async def test_two_logins_with_one_code_at_once_open_one_session(
    ctx: IntakeContext, account: Account
) -> None:
    results = await asyncio.gather(
        sign_in(ctx, account), sign_in(ctx, account), return_exceptions=True
    )
    assert sorted(type(r).__name__ for r in results) == ["HandlerLogin", "Unauthenticated"]


@pytest.mark.parametrize(("offset", "accepted"), [(-2, False), (-1, True), (1, True), (2, False)])
async def test_the_steps_either_side_are_accepted_no_further(
    ctx: IntakeContext, account: Account, offset: int, accepted: bool
) -> None:
    if accepted:
        await sign_in(ctx, account, offset=offset)
    else:
        with pytest.raises(Unauthenticated):
            await sign_in(ctx, account, offset=offset)


# Slowing guessing down -------------------------------------------------------------------


async def test_failures_pause_the_account_until_the_window_ends(
    ctx: IntakeContext, account: Account
) -> None:
    # 03:17:41 is in the window 03:15-03:30.
    for _ in range(auth.PER_ACCOUNT.count):
        await _failure(ctx, "metro", account.username, "wrong password of length", "000000")
    pool = ctx.pool
    assert isinstance(pool, CountingPool)
    pool.calls.clear()
    with pytest.raises(RateLimited) as paused:
        await sign_in(ctx, account)
    assert paused.value.retry_after == (12 * 60 + 19)
    # Refused before any Argon2id work, and the right password does not get through.
    assert pool.calls == []
    # Another account is not affected.
    other = await make_account(ctx)
    try:
        await sign_in(ctx, other)
    finally:
        await remove_account(ctx, other)
    # When the window ends, the account holder can sign in again.
    after = dt.datetime(2026, 11, 23, 3, 30, 5, tzinfo=dt.UTC)
    await sign_in(ctx, account, now=after)


async def test_unknown_usernames_are_counted_too(ctx: IntakeContext) -> None:
    name = f"ghost-{secrets.token_hex(4)}"
    for _ in range(auth.PER_ACCOUNT.count):
        await _failure(ctx, "metro", name, PASSWORD, "123456")
    with pytest.raises(RateLimited):
        await login(ctx, "metro", name, PASSWORD, "123456", NOW)


async def test_a_successful_login_forgets_earlier_failures(
    ctx: IntakeContext, account: Account
) -> None:
    for _ in range(auth.PER_ACCOUNT.count - 1):
        await _failure(ctx, "metro", account.username, "wrong password of length", "000000")
    await sign_in(ctx, account)
    for _ in range(auth.PER_ACCOUNT.count - 1):
        await _failure(ctx, "metro", account.username, "wrong password of length", "000000")
    await sign_in(ctx, account, offset=1)


def test_rate_keys_fit_their_column() -> None:
    assert auth.rate_key("metro", "inspektorat-handler") == "login:metro:inspektorat-handler"
    long = auth.rate_key("m" * 64, "u" * 64)
    assert len(long) <= 128
    assert long != auth.rate_key("m" * 64, "u" * 63 + "v")


# Sessions end ----------------------------------------------------------------------------


async def test_a_session_ends_after_thirty_idle_minutes(
    ctx: IntakeContext, account: Account
) -> None:
    signed_in = await sign_in(ctx, account)
    row = await session_row(ctx, signed_in.token)
    assert row is not None
    # 03:17:41 + 30 min, rounded up.
    assert row.idle_expires_at == dt.datetime(2026, 11, 23, 3, 50, tzinfo=dt.UTC)
    # Use keeps it alive past the first idle expiry…
    at = NOW
    for _ in range(4):
        at += dt.timedelta(minutes=25)
        await authenticate(ctx, signed_in.token, at)
    row = await session_row(ctx, signed_in.token)
    assert row is not None
    # 04:57:41 + 30 min, rounded up.
    assert row.idle_expires_at == dt.datetime(2026, 11, 23, 5, 30, tzinfo=dt.UTC)
    # …and idle past its expiry, it ends for good.
    with pytest.raises(Unauthenticated):
        await authenticate(ctx, signed_in.token, dt.datetime(2026, 11, 23, 5, 30, 1, tzinfo=dt.UTC))
    assert await session_row(ctx, signed_in.token) is None
    with pytest.raises(Unauthenticated):
        await authenticate(ctx, signed_in.token, at)


async def test_a_session_ends_after_twelve_hours_however_busy(
    ctx: IntakeContext, account: Account
) -> None:
    signed_in = await sign_in(ctx, account)
    at = NOW
    while at + dt.timedelta(minutes=20) < signed_in.expires_at:
        at += dt.timedelta(minutes=20)
        await authenticate(ctx, signed_in.token, at)
    row = await session_row(ctx, signed_in.token)
    assert row is not None
    assert row.idle_expires_at <= row.expires_at == signed_in.expires_at
    with pytest.raises(Unauthenticated):
        await authenticate(ctx, signed_in.token, signed_in.expires_at + dt.timedelta(seconds=1))


async def test_logout_ends_the_session(ctx: IntakeContext, account: Account) -> None:
    first = await sign_in(ctx, account)
    second = await sign_in(ctx, account, offset=1)
    await logout(ctx, first.token)
    assert await session_row(ctx, first.token) is None
    with pytest.raises(Unauthenticated):
        await authenticate(ctx, first.token, NOW)
    # Other sessions of the user go on; a second logout does nothing.
    await authenticate(ctx, second.token, NOW)
    await logout(ctx, first.token)


async def test_disabling_a_user_ends_their_sessions(ctx: IntakeContext, account: Account) -> None:
    signed_in = await sign_in(ctx, account)
    await set_active(ctx, account, False)
    with pytest.raises(Unauthenticated):
        await authenticate(ctx, signed_in.token, NOW)
    assert await session_row(ctx, signed_in.token) is None
    await set_active(ctx, account, True)
    with pytest.raises(Unauthenticated):
        await authenticate(ctx, signed_in.token, NOW)


async def test_end_sessions_ends_every_session_of_a_user(
    ctx: IntakeContext, account: Account
) -> None:
    tokens = [(await sign_in(ctx, account, offset=o)).token for o in (-1, 0, 1)]
    async with ctx.db.writing() as session:
        await auth.end_sessions(session, account.user_id)
    for token in tokens:
        with pytest.raises(Unauthenticated):
            await authenticate(ctx, token, NOW)


async def test_expired_sessions_are_swept_at_the_next_login(
    ctx: IntakeContext, account: Account
) -> None:
    old = await sign_in(ctx, account)
    tomorrow = NOW + dt.timedelta(days=1)
    await sign_in(ctx, account, now=tomorrow)
    assert await session_row(ctx, old.token) is None


# gratify user add ------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def cli_env(installation: Settings, monkeypatch: pytest.MonkeyPatch, clean_environ: None) -> str:
    """The environment of an operator of the shared installation; its data dir."""
    if installation.database_url:
        monkeypatch.setenv("GRATIFY_DATABASE_URL", installation.database_url)
    monkeypatch.setenv("GRATIFY_ARGON2_TIME_COST", str(installation.argon2_time_cost))
    monkeypatch.setenv("GRATIFY_ARGON2_MEMORY_KIB", str(installation.argon2_memory_kib))
    return str(installation.data_dir)


def add_user(
    monkeypatch: pytest.MonkeyPatch, data_dir: str, *extra: str, stdin: str = PASSWORD + "\n"
) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["user", "add", "--data-dir", data_dir, *extra])


async def test_user_add_prints_the_uri_whose_codes_sign_in(
    ctx: IntakeContext,
    cli_env: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    username = f"cli-{secrets.token_hex(4)}"
    args = ["--tenant", "metro", "--username", username, "--role", "handler"]
    args += ["--unit", "upg", "--email", "a@example.org", "--lang", "en", "--password-stdin"]
    # The command runs its own event loop, as from a shell.
    code = await asyncio.to_thread(add_user, monkeypatch, cli_env, *args)
    out = capsys.readouterr().out
    assert code == 0
    uris = re.findall(r"otpauth://\S+", out)
    assert len(uris) == 1
    assert "gratify%20Kota%20Metro" in uris[0]
    assert "\x1b[" not in out  # not a terminal: no QR code
    async with ctx.db.reading() as session:
        user = await session.scalar(select(User).where(User.username == username))
    assert user is not None
    try:
        assert (user.role, user.email, user.language, user.active) == (
            "handler",
            "a@example.org",
            "en",
            True,
        )
        assert user.unit_id is not None
        assert verify_password(user.password_hash, PASSWORD)
        secret = secret_of_uri(uris[0])
        assert user.totp_secret is not None
        assert secret.encode() not in user.totp_secret
        now = dt.datetime.now(dt.UTC)
        code_now = code_at(secret, time_step(now))
        signed_in = await login(ctx, "metro", username, PASSWORD, code_now, now)
        assert (await authenticate(ctx, signed_in.token, now)).username == username
    finally:
        async with ctx.db.writing() as session:
            await session.execute(delete(User).where(User.username == username))


async def test_user_add_on_a_terminal_also_draws_the_qr_code(
    ctx: IntakeContext, cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    username = f"cli-{secrets.token_hex(4)}"
    terminal = Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    args = ["--tenant", "metro", "--username", username, "--role", "auditor", "--password-stdin"]
    try:
        assert await asyncio.to_thread(add_user, monkeypatch, cli_env, *args) == 0
        assert "otpauth://totp/" in terminal.getvalue()
        assert "\x1b[" in terminal.getvalue()
    finally:
        async with ctx.db.writing() as session:
            await session.execute(delete(User).where(User.username == username))


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--tenant", "atlantis"], PASSWORD, "there is no tenant 'atlantis'"),
        (["--unit", "kpk"], PASSWORD, "tenant 'metro' has no unit 'kpk'"),
        (
            ["--username", "inspektorat-handler"],
            PASSWORD,
            "username 'inspektorat-handler' is taken",
        ),
        ([], "too short", "at least 12 characters"),
        ([], "", "no password on standard input"),
        (["--role", "king"], PASSWORD, "--role must be one of handler, supervisor, admin, auditor"),
        (["--lang", "fr"], PASSWORD, "--lang must be id or en"),
        (["--username", "two words"], PASSWORD, "--username takes 1 to 64 letters"),
        (["--username", "x" * 65], PASSWORD, "--username takes 1 to 64 letters"),
        (["--no-stdin"], PASSWORD, "--password-stdin"),
    ],
)
async def test_user_add_explains_what_is_wrong(
    cli_env: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    stdin: str,
    message: str,
) -> None:
    given = {"--tenant": "metro", "--username": f"cli-{secrets.token_hex(4)}", "--role": "admin"}
    flags = ["--password-stdin"]
    for name, value in zip(args[::2], args[1::2], strict=False):
        given[name] = value
    if args == ["--no-stdin"]:
        flags = []
    argv = [part for pair in given.items() for part in pair] + flags
    code = await asyncio.to_thread(add_user, monkeypatch, cli_env, *argv, stdin=stdin + "\n")
    captured = capsys.readouterr()
    assert code == 1
    assert message in captured.err
    assert "otpauth" not in captured.out
