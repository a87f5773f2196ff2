"""Choosing the language, translating, and formatting dates, numbers and rupiah."""

from __future__ import annotations

import datetime
from decimal import Decimal

import httpx
import pytest
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gratify.settings import Settings
from gratify.web.formatting import format_date, format_number, format_rupiah
from gratify.web.i18n import (
    choose_language,
    current_language,
    gettext,
    lazy_gettext,
    negotiate,
    ngettext,
    translate_for,
    use_language,
)

NOT_FOUND = "The page or item you asked for does not exist."
NOT_FOUND_ID = "Halaman atau data yang Anda cari tidak ditemukan."


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("id-ID,id;q=0.9,en;q=0.8", "id"),
        ("fr-FR, en;q=0.5, id;q=0.7", "id"),
        ("en;q=0.5, id;q=0.5", "en"),
        ("EN-gb", "en"),
        ("de, fr;q=0.8", None),
        ("*", None),
        ("en;q=0, id;q=0.1", "id"),
        ("en;q=bogus, id;q=0.2", "id"),
        ("en;q=2", None),
        ("in", None),
    ],
)
def test_accept_language_negotiation(header: str | None, expected: str | None) -> None:
    assert negotiate(header) == expected


def _headers(**values: str) -> Headers:
    return Headers({name.replace("_", "-"): value for name, value in values.items()})


def test_cookie_then_api_accept_language_then_default() -> None:
    plain = Settings(default_language="id")
    assert choose_language(_headers(), plain) == "id"
    assert choose_language(_headers(accept_language="en"), plain) == "id", "pages: the default"
    assert choose_language(_headers(accept_language="en"), plain, "/api/v1/tenants") == "en"
    assert choose_language(_headers(cookie="lang=en"), plain) == "en"
    api_cookie = _headers(accept_language="en", cookie="lang=id")
    assert choose_language(api_cookie, plain, "/api/v1/tenants") == "id"
    assert choose_language(_headers(cookie="lang=xx"), plain) == "id", "a bad cookie is ignored"
    assert choose_language(_headers(), Settings(default_language="en")) == "en"


def test_behind_tls_only_the_host_cookie_counts() -> None:
    secure = Settings(secure_cookies=True)
    assert choose_language(_headers(cookie="lang=en"), secure) == "id"
    assert choose_language(_headers(cookie="__Host-lang=en"), secure) == "en"


def test_gettext_follows_the_current_language() -> None:
    assert current_language() == "id"
    assert gettext(NOT_FOUND) == NOT_FOUND_ID
    with use_language("en"):
        assert gettext(NOT_FOUND) == NOT_FOUND
    assert gettext(NOT_FOUND) == NOT_FOUND_ID


def test_translate_for_needs_no_request_and_fills_parameters() -> None:
    assert translate_for("id", NOT_FOUND) == NOT_FOUND_ID
    assert translate_for("en", "Error %(status)s", status=404) == "Error 404"
    assert translate_for("id", "Error %(status)s", status=404) == "Kesalahan 404"
    assert translate_for("id", "a msgid nobody translated") == "a msgid nobody translated"
    with pytest.raises(ValueError, match="unsupported"):
        translate_for("fr", NOT_FOUND)


def test_lazy_gettext_translates_when_shown() -> None:
    constant = lazy_gettext(NOT_FOUND)
    assert str(constant) == NOT_FOUND_ID
    with use_language("en"):
        assert f"{constant}" == NOT_FOUND
    assert constant == lazy_gettext(NOT_FOUND)


def test_ngettext_chooses_the_form_and_fills_the_number() -> None:
    with use_language("en"):
        assert ngettext("%(num)d report", "%(num)d reports", 1) == "1 report"
        assert ngettext("%(num)d report", "%(num)d reports", 3) == "3 reports"


def test_rupiah_per_language() -> None:
    assert format_rupiah(1_500_000, "id") == "Rp1.500.000"
    assert format_rupiah(1_500_000, "en") == "IDR\u00a01,500,000"
    assert format_rupiah(Decimal("999.6"), "id") == "Rp1.000"
    with use_language("en"):
        assert format_rupiah(200_000) == "IDR\u00a0200,000"
    assert format_rupiah(200_000) == "Rp200.000"


def test_dates_and_numbers_per_language() -> None:
    day = datetime.date(2026, 1, 20)
    assert format_date(day, language="id") == "20 Januari 2026"
    assert format_date(day, language="en") == "January 20, 2026"
    assert format_date(datetime.datetime(2026, 1, 20, 23, 59), "short", "id") == "20/01/26"
    assert format_number(1234567.5, "id") == "1.234.567,5"
    assert format_number(1234567.5, "en") == "1,234,567.5"
    with use_language("en"):
        assert format_date(day, "full") == "Tuesday, January 20, 2026"


async def test_the_middleware_sets_request_state_and_the_context(app: Starlette) -> None:
    async def echo(request: Request) -> Response:
        return JSONResponse([request.state.language, current_language(), gettext(NOT_FOUND)])

    app.router.routes.append(Route("/echo", echo))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        english = await client.get("/echo", headers={"Cookie": "lang=en"})
        assert english.json() == ["en", "en", NOT_FOUND]
        default = await client.get("/echo")
        assert default.json() == ["id", "id", NOT_FOUND_ID]
    assert current_language() == "id", "the request's language does not leak out"
