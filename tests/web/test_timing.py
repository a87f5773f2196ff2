from __future__ import annotations

import httpx

from gratify.app import create_app
from gratify.settings import Settings
from tests.conftest import http_client, running


async def test_no_server_timing_unless_asked_for(client: httpx.AsyncClient) -> None:
    """Exact server times help timing attacks: off by default."""
    assert "server-timing" not in (await client.get("/healthz")).headers


async def test_server_timing_for_benchmarks(web_settings: Settings) -> None:
    app = create_app(web_settings.with_changes(server_timing=True))
    async with running(app), http_client(app) as client:
        header = (await client.get("/healthz")).headers["server-timing"]
    assert header.startswith("app;dur=")
    assert float(header.removeprefix("app;dur=")) >= 0
