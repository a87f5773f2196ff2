"""Fixtures for the intake pages: the web fixtures (real app and lifespan, demo tenants)."""

from __future__ import annotations

from tests.web.conftest import app, client, web_installation, web_settings  # noqa: F401
