"""Errors: one status table, JSON under /api/, HTML elsewhere, never exception text."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gratify.errors import (
    N_,
    BadRequest,
    Conflict,
    Forbidden,
    GratifyError,
    InvalidInput,
    NotFound,
    RateLimited,
    TooLarge,
    Unauthenticated,
    UnsupportedMediaType,
)
from gratify.web.errors import STATUS, status_of
from gratify.web.i18n import translate_for
from tests.web.htmlcheck import inline_code

CANARY = "canary-secret"

RAISED: dict[str, GratifyError] = {
    "bad": BadRequest(),
    "unauthenticated": Unauthenticated(),
    "forbidden": Forbidden(),
    "missing": NotFound(),
    "conflict": Conflict(),
    "large": TooLarge(),
    "media": UnsupportedMediaType(),
    "invalid": InvalidInput(fields={"lang": N_("Choose Bahasa Indonesia or English.")}),
    "limited": RateLimited(retry_after=30),
}
EXPECTED_STATUS = {
    "bad": 400,
    "unauthenticated": 401,
    "forbidden": 403,
    "missing": 404,
    "conflict": 409,
    "large": 413,
    "media": 415,
    "invalid": 422,
    "limited": 429,
}


async def _raise(request: Request) -> Response:
    name = request.path_params["name"]
    if name == "boom":
        raise RuntimeError(f"{CANARY}: report text the server must never show")
    if name == "params":
        raise InvalidInput(N_("Error %(status)s"), status=f"<b>{CANARY}</b>")
    raise RAISED[name]


@pytest.fixture
async def raising_client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """The real app, plus routes that raise, at /raise/{name} and /api/v1/raise/{name}."""
    app.router.routes.extend(
        [Route("/raise/{name}", _raise), Route("/api/v1/raise/{name}", _raise)]
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def test_every_domain_error_has_a_status_in_the_one_table() -> None:
    for cls in (*STATUS, *GratifyError.__subclasses__()):
        assert cls in STATUS, cls
    assert status_of(RAISED["invalid"]) == 422

    class Subclassed(NotFound):
        pass

    assert status_of(Subclassed()) == 404


@pytest.mark.parametrize("name", sorted(RAISED))
async def test_domain_errors_answer_json_under_the_api(
    raising_client: httpx.AsyncClient, name: str
) -> None:
    error = RAISED[name]
    response = await raising_client.get(f"/api/v1/raise/{name}")
    assert response.status_code == EXPECTED_STATUS[name]
    body = response.json()["error"]
    assert body["code"] == error.code
    assert body["message"] == translate_for("id", error.message)
    assert body["message"] != error.message, "Bahasa Indonesia by default"


@pytest.mark.parametrize("name", sorted(RAISED))
async def test_domain_errors_answer_an_html_page_elsewhere(
    raising_client: httpx.AsyncClient, name: str
) -> None:
    error = RAISED[name]
    response = await raising_client.get(f"/raise/{name}", headers={"Cookie": "lang=en"})
    assert response.status_code == EXPECTED_STATUS[name]
    assert response.headers["content-type"].startswith("text/html")
    assert error.message in response.text
    assert '<html lang="en">' in response.text


async def test_rate_limited_says_when_to_retry(raising_client: httpx.AsyncClient) -> None:
    response = await raising_client.get("/api/v1/raise/limited")
    assert response.headers["retry-after"] == "30"


async def test_unauthenticated_api_calls_name_the_scheme(
    raising_client: httpx.AsyncClient,
) -> None:
    response = await raising_client.get("/api/v1/raise/unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"


async def test_invalid_input_lists_its_fields_translated(
    raising_client: httpx.AsyncClient,
) -> None:
    response = await raising_client.get("/api/v1/raise/invalid")
    assert response.json()["error"]["fields"] == {
        "lang": translate_for("id", "Choose Bahasa Indonesia or English.")
    }
    page = await raising_client.get("/raise/invalid")
    assert translate_for("id", "Choose Bahasa Indonesia or English.") in page.text


async def test_message_parameters_are_filled_and_escaped_on_pages(
    raising_client: httpx.AsyncClient,
) -> None:
    api = await raising_client.get("/api/v1/raise/params", headers={"Accept-Language": "en"})
    assert api.json()["error"]["message"] == f"Error <b>{CANARY}</b>"
    page = await raising_client.get("/raise/params")
    assert f"&lt;b&gt;{CANARY}&lt;/b&gt;" in page.text
    assert f"<b>{CANARY}" not in page.text


async def test_api_404_is_json_in_indonesian_by_default(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": "Halaman atau data yang Anda cari tidak ditemukan.",
        }
    }


async def test_api_404_is_in_english_when_asked(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nope", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert response.json()["error"] == {
        "code": "not_found",
        "message": "The page or item you asked for does not exist.",
    }


async def test_404_page_is_html_in_the_visitor_s_language(client: httpx.AsyncClient) -> None:
    response = await client.get("/nope")
    assert response.status_code == 404
    assert '<html lang="id">' in response.text
    assert "Halaman atau data yang Anda cari tidak ditemukan." in response.text
    assert inline_code(response.text) == []
    english = await client.get("/nope", headers={"Cookie": "lang=en"})
    assert "The page or item you asked for does not exist." in english.text


async def test_wrong_method_is_405_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.get("/language", headers={"Cookie": "lang=en"})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert "does not accept this kind of request" in response.text


@pytest.mark.parametrize("path", ["/raise/boom", "/api/v1/raise/boom"])
async def test_a_crash_shows_no_exception_text_and_logs_only_type_and_route(
    raising_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = await raising_client.get(path, headers={"Cookie": "lang=en"})
    assert response.status_code == 500
    assert CANARY not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    assert "Something went wrong on our side" in response.text
    assert response.headers["content-security-policy"], "the 500 answer has the headers too"
    assert response.headers["cache-control"] == "no-store"
    assert CANARY not in caplog.text
    assert "127.0.0.1" not in caplog.text
    (record,) = [r for r in caplog.records if r.name == "gratify.web.errors"]
    assert record.getMessage() == (
        f"unhandled builtins.RuntimeError on GET {path.removesuffix('boom')}{{name}}"
    )
    assert record.exc_info is None


async def test_a_crash_under_the_api_is_json(raising_client: httpx.AsyncClient) -> None:
    response = await raising_client.get("/api/v1/raise/boom")
    assert response.json() == {
        "error": {
            "code": "internal_error",
            "message": translate_for(
                "id", "Something went wrong on our side. Please try again later."
            ),
        }
    }
