"""Security and caching headers on every kind of response."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from gratify.web.headers import CONTENT_SECURITY_POLICY
from gratify.web.static import static_url

EXPECTED = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}

# One of each kind of answer: a page, an HTML error, a static file, JSON, a JSON error.
PATHS = ["/", "/nope", static_url("css/site.css"), "/healthz", "/api/v1/nope"]


@pytest.mark.parametrize("path", PATHS)
async def test_every_response_has_the_security_headers(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, name
    policy = response.headers["permissions-policy"]
    for feature in ("camera", "microphone", "geolocation", "interest-cohort"):
        assert f"{feature}=()" in policy
    assert "server" not in response.headers
    assert "strict-transport-security" not in response.headers


def test_the_policy_allows_nothing_inline_and_nothing_from_elsewhere() -> None:
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in CONTENT_SECURITY_POLICY.split("; ")
    )
    assert directives["default-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    for directive in ("script-src", "style-src", "connect-src", "form-action", "font-src"):
        assert directives[directive] == ["'self'"], directive
    sources = {source for values in directives.values() for source in values}
    assert sources <= {"'self'", "'none'", "data:"}, "only this origin, never another host"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("path", ["/", "/nope", "/healthz", "/api/v1/nope"])
async def test_pages_and_answers_are_never_cached(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.headers["cache-control"] == "no-store"


async def test_a_route_s_own_cache_control_is_kept(app: Starlette) -> None:
    async def cached(request: Request) -> Response:
        return PlainTextResponse("public", headers={"Cache-Control": "public, max-age=60"})

    async def branded(request: Request) -> Response:
        return PlainTextResponse("x", headers={"Server": "leaky/1.0"})

    app.router.routes.extend([Route("/cached", cached), Route("/branded", branded)])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get("/cached")).headers["cache-control"] == "public, max-age=60"
        assert "server" not in (await client.get("/branded")).headers


async def test_a_static_file_asked_for_by_its_hash_is_cached_for_a_year(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(static_url("css/site.css"))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-type"].startswith("text/css")


@pytest.mark.parametrize(
    "path",
    ["/static/css/site.css", "/static/css/site.css?v=000000000000", "/static/htmx.min.js?x=1"],
)
async def test_a_static_file_without_its_current_hash_is_cached_briefly(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=3600"


async def test_a_missing_static_file_is_an_uncached_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/static/nope.css?v=abc")
    assert response.status_code == 404
    assert response.headers["cache-control"] == "no-store"
    assert "text/html" in response.headers["content-type"]


async def test_hsts_only_behind_tls(secure_client: httpx.AsyncClient) -> None:
    response = await secure_client.get("/")
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
