"""Fixtures for tests over HTTP: the real app (lifespan, keys, database) on the shared
installation of `tests.conftest` (demo tenants and handlers, SQLite and PostgreSQL),
driven the way a browser with JavaScript off drives it: form posts, redirects followed by
hand, cookies kept by the client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from gratify.app import create_app
from gratify.settings import Settings
from tests.web.conftest import running


@pytest.fixture
async def app(installation: Settings) -> AsyncIterator[Starlette]:
    async with running(create_app(installation)) as app:
        yield app


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def secure_app(installation: Settings) -> AsyncIterator[Starlette]:
    """As deployed behind TLS: Secure cookies with their prefixes."""
    async with running(create_app(installation.with_changes(secure_cookies=True))) as app:
        yield app


@pytest.fixture
async def secure_client(secure_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=secure_app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        yield client
