"""`create_app(settings)`: the Starlette application and its lifespan."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware

from gratify.accounts.keys import Keyring
from gratify.accounts.service import list_tenants
from gratify.audit.daily import CHECK_EVERY, sign_due_checkpoints
from gratify.background import Job, running_jobs
from gratify.crypto.pool import CryptoPool
from gratify.db.engine import Database
from gratify.intake.attachments import purge_abandoned
from gratify.intake.forms import load_tenant_forms
from gratify.intake.service import IntakeContext
from gratify.notify.jobs import notify_jobs
from gratify.routes import routes
from gratify.server import quiet_data_bearing_loggers
from gratify.settings import Settings
from gratify.stats import stored as stored_publications
from gratify.web.csrf import CrossSiteRequestMiddleware
from gratify.web.errors import InternalErrorMiddleware, exception_handlers
from gratify.web.headers import SecurityHeadersMiddleware
from gratify.web.i18n import LanguageMiddleware
from gratify.web.templating import Templates
from gratify.web.timing import ServerTimingMiddleware

# Pending uploads live for an hour (intake/attachments.py); swept a few times an hour.
PURGE_EVERY = dt.timedelta(minutes=15)


def background_jobs(db: Database, keys: Keyring, stats_k: int) -> list[Job]:
    """What every worker does on a clock (`gratify.background`)."""
    return [
        Job("audit checkpoints", CHECK_EVERY, functools.partial(sign_due_checkpoints, db, keys)),
        Job("abandoned uploads", PURGE_EVERY, functools.partial(purge_abandoned, db)),
        Job(
            "statistics publications",
            stored_publications.REFRESH_EVERY,
            functools.partial(_refresh_publications, db, stats_k),
        ),
    ]


async def _refresh_publications(db: Database, k: int, _now: dt.datetime) -> None:
    """The months whose counts changed, suppressed again and stored (`gratify.stats.stored`)."""
    await stored_publications.refresh(db, k)


async def _tenant_slugs(db: Database) -> list[str]:
    async with db.reading() as session:
        return [t.slug for t in await list_tenants(session)]


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the app. Without settings, they are read from the environment."""
    settings = settings or Settings.load()
    quiet_data_bearing_loggers()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = Database(settings.resolved_database_url)
        pool = CryptoPool(settings.crypto_threads)
        app.state.db = db
        app.state.crypto = pool
        keys = Keyring.load(settings.resolved_keys_dir)
        app.state.keys = keys
        app.state.intake = IntakeContext.from_settings(
            settings,
            db=db,
            pool=pool,
            keyring=keys,
            tenant_forms=load_tenant_forms(settings.forms_dir, await _tenant_slugs(db)),
        )
        # Uploads a crashed worker left pending are removed at start (and periodically later).
        await purge_abandoned(db, dt.datetime.now(dt.UTC))
        jobs = background_jobs(db, keys, settings.stats_min_count)
        app.state.jobs = jobs + notify_jobs(settings, db)
        try:
            async with running_jobs(app.state.jobs):
                yield
        finally:
            pool.close()
            await db.dispose()

    app = Starlette(
        routes=routes(settings),
        # Outermost first: headers wrap every answer, even the 500 page, which is
        # rendered after the language is chosen.
        middleware=[
            *([Middleware(ServerTimingMiddleware)] if settings.server_timing else []),
            Middleware(SecurityHeadersMiddleware, settings=settings),
            Middleware(LanguageMiddleware, settings=settings),
            Middleware(InternalErrorMiddleware),
            Middleware(CrossSiteRequestMiddleware),
        ],
        exception_handlers=exception_handlers(),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.templates = Templates(settings)
    return app
