"""Fixtures for the intake tests: pages run on the shared SQLite web installation; tests
that need both engines (test_api, test_canary, …) ask for `installation` by overriding
`app_settings` in their module."""

from __future__ import annotations

import pytest

from gratify.settings import Settings
from tests.web.conftest import web_installation, web_settings  # noqa: F401


@pytest.fixture
def app_settings(web_settings: Settings) -> Settings:  # noqa: F811
    return web_settings
