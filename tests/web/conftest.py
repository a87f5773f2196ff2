"""Fixtures for the web plumbing: the real app from `create_app`, and an HTTP client.

httpx's ASGITransport runs no lifespan, so these tests need neither a database nor keys.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from gratify.app import create_app
from gratify.settings import Settings


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    """Settings as in development: plain HTTP, no Secure cookies."""
    return Settings(data_dir=tmp_path)


@pytest.fixture
def app(web_settings: Settings) -> Starlette:
    return create_app(web_settings)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def secure_app(tmp_path: Path) -> Starlette:
    """The app as deployed behind TLS: Secure, ``__Host-`` cookies and HSTS."""
    return create_app(Settings(data_dir=tmp_path, secure_cookies=True))


@pytest.fixture
async def secure_client(secure_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=secure_app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        yield client
