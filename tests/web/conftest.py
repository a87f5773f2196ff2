"""Fixtures for the web plumbing: the real app from `create_app`, and an HTTP client.

The app runs its real lifespan (database, keys, crypto pool) on one initialised SQLite
installation shared by these tests, which only read from it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from gratify.accounts.install import initialise
from gratify.accounts.tenants_config import demo_tenants_config
from gratify.app import create_app
from gratify.settings import Settings


@pytest.fixture(scope="session")
async def web_installation(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One installation with the demo tenants, for every web test."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("web") / "data")
    await initialise(settings, demo_tenants_config())
    return settings


@contextlib.asynccontextmanager
async def running(app: Starlette) -> AsyncIterator[Starlette]:
    """The app with its lifespan entered, as uvicorn runs it."""
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
def web_settings(web_installation: Settings) -> Settings:
    """Settings as in development: plain HTTP, no Secure cookies."""
    return web_installation


@pytest.fixture
async def app(web_settings: Settings) -> AsyncIterator[Starlette]:
    async with running(create_app(web_settings)) as app:
        yield app


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def secure_app(web_installation: Settings) -> AsyncIterator[Starlette]:
    """The app as deployed behind TLS: Secure, ``__Host-`` cookies and HSTS."""
    async with running(create_app(web_installation.with_changes(secure_cookies=True))) as app:
        yield app


@pytest.fixture
async def secure_client(secure_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=secure_app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        yield client
