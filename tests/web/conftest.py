"""Fixtures for the web plumbing: the real app from `create_app`, and an HTTP client.

The app runs its real lifespan (database, keys, crypto pool) on one initialised SQLite
installation shared by these tests, which only read from it.
"""

from __future__ import annotations

import pytest

from gratify.accounts.install import initialise
from gratify.accounts.tenants_config import demo_tenants_config
from gratify.settings import Settings


@pytest.fixture(scope="session")
async def web_installation(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One installation with the demo tenants, for every web test."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("web") / "data")
    await initialise(settings, demo_tenants_config())
    return settings


@pytest.fixture
def web_settings(web_installation: Settings) -> Settings:
    """Settings as in development: plain HTTP, no Secure cookies."""
    return web_installation


@pytest.fixture
def app_settings(web_settings: Settings) -> Settings:
    """Web plumbing needs one engine only: the shared SQLite installation."""
    return web_settings
