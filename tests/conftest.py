"""Fixtures shared by the whole suite.

Every database test runs on SQLite **and** PostgreSQL (`database_url` is parametrised).
PostgreSQL is found at ``GRATIFY_TEST_POSTGRES_URL`` (default: trust auth on
127.0.0.1:5432 as ``postgres``); each run creates its own database and drops it after.
Without PostgreSQL those tests skip, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from starlette.applications import Starlette

from gratify.accounts.install import initialise
from gratify.accounts.keys import Keyring
from gratify.accounts.tenants_config import TenantsConfig, demo_tenants_config
from gratify.app import create_app
from gratify.crypto.kdf import FAST_TEST_PARAMS, Argon2Params
from gratify.crypto.pool import CryptoPool
from gratify.db.engine import Database, create_engine
from gratify.db.migrate import upgrade_to_head
from gratify.intake.service import IntakeContext
from gratify.settings import Settings

POSTGRES_ADMIN_URL = os.environ.get(
    "GRATIFY_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() == "true"


async def _postgres_reachable() -> str | None:
    engine = create_engine(POSTGRES_ADMIN_URL)
    try:
        async with asyncio.timeout(5), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not reachable", reported below
        return f"{type(exc).__name__}: {exc}"
    finally:
        await engine.dispose()
    return None


def require_postgres(problem: str | None) -> None:
    """Skip, or under CI=true fail, when PostgreSQL is not there."""
    if problem is None:
        return
    message = f"PostgreSQL unreachable at {POSTGRES_ADMIN_URL}: {problem}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@contextlib.asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database for this run; dropped afterwards."""
    require_postgres(await _postgres_reachable())
    name = f"gratify_test_{secrets.token_hex(6)}"
    admin = create_engine(POSTGRES_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """The database engine a test runs on; each database test runs once per engine."""
    return str(request.param)


@pytest.fixture(scope="session")
async def migrated_url(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A database at head, shared by the session's tests (each rolls back its changes)."""
    async with migrated_database(backend, tmp_path_factory.mktemp("db")) as url:
        yield url


@contextlib.asynccontextmanager
async def migrated_database(backend: str, folder: Path) -> AsyncIterator[str]:
    """A new database at head on `backend`: a SQLite file in `folder`, or a PostgreSQL
    database of its own (dropped after; unreachable: skipped, or failed under CI=true)."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / 'gratify.sqlite3'}"
        engine = create_engine(url)
        await upgrade_to_head(engine)
        await engine.dispose()
        yield url
        return
    async with postgres_database() as url:
        engine = create_engine(url)
        await upgrade_to_head(engine)
        await engine.dispose()
        yield url


@pytest.fixture(scope="session")
async def engine(migrated_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(migrated_url)
    yield engine
    await engine.dispose()


class RollbackDatabase(Database):
    """A `Database` whose transactions are savepoints inside one outer transaction.

    The test's changes are visible to everything it calls, and all rolled back at the end
    (Warehouse's rollback-per-test), so tests share one migrated database safely.
    """

    def __init__(self, connection: AsyncConnection) -> None:
        super().__init__(str(connection.engine.url), engine=connection.engine)
        self.connection = connection

    def session(self) -> AsyncSession:
        return AsyncSession(
            bind=self.connection,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
        )

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self.session() as session:
            yield session

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        async with self.session() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        """The engine belongs to the session-wide fixture."""


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[RollbackDatabase]:
    """A `Database` whose every change is rolled back after the test."""
    async with engine.execution_options(gratify_write=True).connect() as conn:
        outer = await conn.begin()
        try:
            yield RollbackDatabase(conn)
        finally:
            await outer.rollback()


@pytest.fixture
async def session(db: RollbackDatabase) -> AsyncIterator[AsyncSession]:
    """A session inside the test's rolled-back transaction."""
    async with db.session() as session:
        yield session


@pytest.fixture
def fast_argon2() -> Argon2Params:
    """Cheap Argon2id parameters: for tests only, never for a deployment."""
    return FAST_TEST_PARAMS


@pytest.fixture
def settings(tmp_path: Path, fast_argon2: Argon2Params) -> Settings:
    """Settings for an installation in a fresh temporary data dir, on SQLite."""
    return Settings(
        data_dir=tmp_path / "data",
        argon2_time_cost=fast_argon2.time_cost,
        argon2_memory_kib=fast_argon2.memory_kib,
        argon2_parallelism=fast_argon2.parallelism,
    )


@pytest.fixture
def demo_config() -> TenantsConfig:
    return demo_tenants_config()


@pytest.fixture
async def installed(settings: Settings, demo_config: TenantsConfig) -> Settings:
    """An initialised installation (keys, database at head, demo tenants) on SQLite."""
    await initialise(settings, demo_config)
    return settings


@contextlib.asynccontextmanager
async def running(app: Starlette) -> AsyncIterator[Starlette]:
    """The app with its lifespan entered, as uvicorn runs it."""
    async with app.router.lifespan_context(app):
        yield app


@contextlib.asynccontextmanager
async def http_client(
    app: Starlette, base_url: str = "http://testserver"
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to `app` in process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
        yield client


@contextlib.asynccontextmanager
async def intake_context(
    settings: Settings, pool: CryptoPool | None = None
) -> AsyncIterator[IntakeContext]:
    """What the app's lifespan builds, for calling services directly (fast Argon2)."""
    db = Database(settings.resolved_database_url)
    pool = pool or CryptoPool(2)
    try:
        yield IntakeContext(
            db=db,
            pool=pool,
            keyring=Keyring.load(settings.resolved_keys_dir),
            argon2=FAST_TEST_PARAMS,
            timezone=settings.timezone,
            max_text_chars=settings.max_text_chars,
        )
    finally:
        pool.close()
        await db.dispose()


@pytest.fixture
async def ctx(installation: Settings) -> AsyncIterator[IntakeContext]:
    """Services' context on the shared installation (both engines)."""
    async with intake_context(installation) as context:
        yield context


@pytest.fixture
def app_settings(installation: Settings) -> Settings:
    """The installation the `app` fixture serves; folders override it (tests/web: SQLite)."""
    return installation


@pytest.fixture
async def app(app_settings: Settings) -> AsyncIterator[Starlette]:
    """The real app, lifespan entered (database, keys, crypto pool)."""
    async with running(create_app(app_settings)) as app:
        yield app


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(app) as client:
        yield client


@pytest.fixture
async def secure_app(app_settings: Settings) -> AsyncIterator[Starlette]:
    """The app as deployed behind TLS: Secure, ``__Host-`` cookies and HSTS."""
    async with running(create_app(app_settings.with_changes(secure_cookies=True))) as app:
        yield app


@pytest.fixture
async def secure_client(secure_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(secure_app, "https://testserver") as client:
        yield client


@pytest.fixture
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No GRATIFY_* variables from the developer's shell leak into the test."""
    for key in list(os.environ):
        if key.startswith("GRATIFY_"):
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
async def installation(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Settings]:
    """A whole installation (keys, demo tenants, handlers) on each engine, for HTTP tests.

    Shared by the session: tests add reports but must not rely on counting all of them.
    Each unit of each tenant gets a handler ``<unit>-handler`` and a supervisor; each tenant
    an ``admin`` and an ``auditor``.
    """
    data_dir = tmp_path_factory.mktemp(f"installation-{backend}") / "data"
    fast = FAST_TEST_PARAMS
    base = Settings(
        data_dir=data_dir,
        argon2_time_cost=fast.time_cost,
        argon2_memory_kib=fast.memory_kib,
        argon2_parallelism=fast.parallelism,
    )
    async with contextlib.AsyncExitStack() as stack:
        if backend == "postgresql":
            url = await stack.enter_async_context(postgres_database())
            base = base.with_changes(database_url=url)
        await initialise(base, demo_tenants_config())
        await add_demo_staff(base)
        yield base


HANDLER_PASSWORD = "correct horse battery staple"


def demo_totp_secret(tenant: str, username: str) -> str:
    """The TOTP secret of a demo staff member: fixed, so tests can make their codes."""
    digest = hashlib.sha256(f"gratify demo totp:{tenant}:{username}".encode()).digest()
    return base64.b32encode(digest[:20]).decode("ascii")


async def fresh_totp_code(settings: Settings, tenant: str, username: str) -> str:
    """The current code of a demo staff member, made usable again for this test.

    A code is accepted once only, and the installation is shared by the session's tests,
    so the user's last accepted step is forgotten first (a test-only shortcut).
    """
    import datetime as dt

    from sqlalchemy import update

    from gratify.accounts.models import Tenant, User
    from gratify.accounts.totp import code_at, time_step

    db = Database(settings.resolved_database_url)
    try:
        async with db.writing() as session:
            tenant_id = select(Tenant.id).where(Tenant.slug == tenant).scalar_subquery()
            await session.execute(
                update(User)
                .where(User.tenant_id == tenant_id, User.username == username)
                .values(totp_last_step=None)
            )
    finally:
        await db.dispose()
    return code_at(demo_totp_secret(tenant, username), time_step(dt.datetime.now(dt.UTC)))


async def sign_in(
    client: httpx.AsyncClient,
    settings: Settings,
    tenant: str = "metro",
    username: str = "inspektorat-handler",
) -> str:
    """A bearer token for a demo staff member, through ``POST /api/v1/session``."""
    code = await fresh_totp_code(settings, tenant, username)
    response = await client.post(
        "/api/v1/session",
        json={"tenant": tenant, "username": username, "password": HANDLER_PASSWORD, "totp": code},
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


async def sign_in_page(
    client: httpx.AsyncClient,
    settings: Settings,
    tenant: str = "metro",
    username: str = "inspektorat-handler",
) -> None:
    """Sign a demo staff member in through the ``/masuk`` form: `client` keeps the cookie."""
    code = await fresh_totp_code(settings, tenant, username)
    response = await client.post(
        "/masuk",
        data={"wilayah": tenant, "username": username, "password": HANDLER_PASSWORD, "code": code},
    )
    assert response.status_code == 303, response.text


async def add_demo_staff(settings: Settings) -> None:
    """A handler and a supervisor in every unit of every demo tenant, and an ``admin`` and an
    ``auditor`` of no unit in each tenant, each enrolled in TOTP with `demo_totp_secret`
    (codes: `fresh_totp_code`)."""
    import datetime as dt

    from gratify.accounts.keys import Keyring
    from gratify.accounts.totp import enrol
    from gratify.accounts.users import NewUser, create_user
    from gratify.crypto.pool import CryptoPool

    keyring = Keyring.load(settings.resolved_keys_dir)
    db = Database(settings.resolved_database_url)
    pool = CryptoPool(2)
    try:
        async with db.writing() as session:
            for tenant in demo_tenants_config().tenants:
                for unit in tenant.units:
                    for role in ("handler", "supervisor"):
                        username = f"{unit.slug}-{role}"
                        user = await create_user(
                            session,
                            pool,
                            NewUser(
                                tenant=tenant.slug,
                                username=username,
                                role=role,
                                password=HANDLER_PASSWORD,
                                unit=unit.slug,
                            ),
                            FAST_TEST_PARAMS,
                            dt.date.today(),
                        )
                        enrol(
                            keyring.session_secret,
                            user,
                            demo_totp_secret(tenant.slug, username),
                        )
                for role in ("admin", "auditor"):
                    unitless = await create_user(
                        session,
                        pool,
                        NewUser(
                            tenant=tenant.slug,
                            username=role,
                            role=role,
                            password=HANDLER_PASSWORD,
                        ),
                        FAST_TEST_PARAMS,
                        dt.date.today(),
                    )
                    enrol(keyring.session_secret, unitless, demo_totp_secret(tenant.slug, role))
    finally:
        pool.close()
        await db.dispose()
