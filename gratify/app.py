"""`create_app(settings)`: the Starlette application and its lifespan."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware

from gratify.accounts.keys import Keyring
from gratify.crypto.pool import CryptoPool
from gratify.db.engine import Database
from gratify.routes import routes
from gratify.settings import Settings
from gratify.web.errors import InternalErrorMiddleware, exception_handlers
from gratify.web.headers import SecurityHeadersMiddleware
from gratify.web.i18n import LanguageMiddleware
from gratify.web.templating import Templates


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the app. Without settings, they are read from the environment."""
    settings = settings or Settings.load()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = Database(settings.resolved_database_url)
        pool = CryptoPool(settings.crypto_threads)
        app.state.db = db
        app.state.crypto = pool
        app.state.keys = Keyring.load(settings.resolved_keys_dir)
        try:
            yield
        finally:
            pool.close()
            await db.dispose()

    app = Starlette(
        routes=routes(settings),
        # Outermost first: headers wrap every answer, even the 500 page, which is
        # rendered after the language is chosen.
        middleware=[
            Middleware(SecurityHeadersMiddleware, settings=settings),
            Middleware(LanguageMiddleware, settings=settings),
            Middleware(InternalErrorMiddleware),
        ],
        exception_handlers=exception_handlers(),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.templates = Templates(settings)
    return app
