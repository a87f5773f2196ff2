"""`create_app(settings)`: the Starlette application and its lifespan."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette

from gratify.crypto.pool import CryptoPool
from gratify.db.engine import Database
from gratify.keys import Keyring
from gratify.routes import routes
from gratify.settings import Settings


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

    app = Starlette(routes=routes(settings), lifespan=lifespan)
    app.state.settings = settings
    return app
