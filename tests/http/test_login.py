"""Staff sign in and out over HTTP: the JSON session API and the /masuk pages, on SQLite
and PostgreSQL. Sessions live in the database: a token works on any app instance."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gratify.accounts.models import User
from gratify.accounts.views import current_handler, handler_or_redirect
from gratify.app import create_app
from gratify.intake.service import IntakeContext
from gratify.settings import Settings
from tests.accounts.test_auth import PASSWORD, Account, make_account, remove_account
from tests.conftest import (
    HANDLER_PASSWORD,
    fresh_totp_code,
    http_client,
    running,
    sign_in,
    sign_in_page,
)
from tests.http.reporter import text_of
from tests.web.htmlcheck import inline_code


def _ctx(app: Starlette) -> IntakeContext:
    ctx: IntakeContext = app.state.intake
    return ctx


@pytest.fixture
async def account(app: Starlette) -> AsyncIterator[Account]:
    made = await make_account(_ctx(app))
    yield made
    await remove_account(_ctx(app), made)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def body(account: Account, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "tenant": account.tenant,
        "username": account.username,
        "password": PASSWORD,
        "totp": account.code(_now()),
    }
    values.update(changes)
    return values


def form(account: Account, **changes: str) -> dict[str, str]:
    values = {
        "wilayah": account.tenant,
        "username": account.username,
        "password": PASSWORD,
        "code": account.code(_now()),
    }
    values.update(changes)
    return values


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# The JSON API ----------------------------------------------------------------------------


async def test_a_token_from_one_worker_works_on_another(
    client: httpx.AsyncClient, app_settings: Settings, account: Account
) -> None:
    response = await client.post("/api/v1/session", json=body(account))
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) == {"token", "expires_at"}
    expires_at = dt.datetime.fromisoformat(answer["expires_at"])
    assert (
        dt.timedelta(hours=11, minutes=59)
        < expires_at - _now()
        <= dt.timedelta(hours=12, minutes=10)
    )
    assert response.headers["cache-control"] == "no-store"
    token = answer["token"]

    async with running(create_app(app_settings)) as other, http_client(other) as second:
        who = await second.get("/api/v1/session", headers=bearer(token))
        assert who.status_code == 200
        assert who.json() == {"tenant": "metro", "username": account.username, "role": "auditor"}
        ended = await second.delete("/api/v1/session", headers=bearer(token))
        assert ended.status_code == 204
    after = await client.get("/api/v1/session", headers=bearer(token))
    assert after.status_code == 401
    assert after.headers["www-authenticate"] == "Bearer"


async def test_every_wrong_value_gets_the_same_401(
    app: Starlette, client: httpx.AsyncClient, account: Account
) -> None:
    wrong_code = f"{(int(account.code(_now())) + 1) % 1_000_000:06d}"
    attempts = [
        body(account, password="not the right password"),
        body(account, totp=wrong_code),
        body(account, username="nobody-at-all"),
        body(account, tenant="pringsewu"),
    ]
    answers = [await client.post("/api/v1/session", json=b) for b in attempts]
    async with _ctx(app).db.writing() as session:
        await session.execute(update(User).where(User.id == account.user_id).values(active=False))
    answers.append(await client.post("/api/v1/session", json=body(account)))
    first = answers[0]
    assert first.status_code == 401
    assert first.json() == {
        "error": {
            "code": "unauthenticated",
            "message": "Nama pengguna, kata sandi, atau kode salah.",
        }
    }
    for answer in answers[1:]:
        assert answer.status_code == 401
        assert answer.content == first.content
        assert answer.headers.get("www-authenticate") == "Bearer"
    english = await client.post(
        "/api/v1/session", json=body(account), headers={"Accept-Language": "en"}
    )
    assert english.json()["error"]["message"] == "Wrong username, password or code."


async def test_a_code_is_refused_the_second_time(
    client: httpx.AsyncClient, account: Account
) -> None:
    once = body(account)
    first = await client.post("/api/v1/session", json=once)
    assert first.status_code == 200
    await client.delete("/api/v1/session", headers=bearer(first.json()["token"]))
    second = await client.post("/api/v1/session", json=once)
    assert second.status_code == 401


async def test_repeated_failures_pause_the_account_with_retry_after(
    client: httpx.AsyncClient, account: Account
) -> None:
    for _ in range(5):
        failed = await client.post("/api/v1/session", json=body(account, password="x" * 12))
        assert failed.status_code == 401
    paused = await client.post("/api/v1/session", json=body(account))
    assert paused.status_code == 429
    assert paused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(paused.headers["retry-after"]) <= 15 * 60


@pytest.mark.parametrize(
    ("content", "status"),
    [
        ({"tenant": "metro", "username": "x", "password": "y"}, 400),
        ({"tenant": "metro", "username": "x", "password": "y", "totp": 123456}, 400),
        (["metro", "x", "y", "123456"], 400),
        ("not json", 415),
    ],
)
async def test_a_malformed_login_is_a_clear_error(
    client: httpx.AsyncClient, content: object, status: int
) -> None:
    if isinstance(content, str):
        response = await client.post("/api/v1/session", content=content)
    else:
        response = await client.post("/api/v1/session", json=content)
    assert response.status_code == status
    assert "error" in response.json()


async def test_the_api_wants_a_bearer_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/session")).status_code == 401
    assert (await client.delete("/api/v1/session")).status_code == 401
    stale = await client.get("/api/v1/session", headers=bearer("made-up-token"))
    assert stale.status_code == 401


async def test_demo_staff_sign_in_with_the_test_helpers(
    client: httpx.AsyncClient, app_settings: Settings
) -> None:
    for _ in range(2):  # the helper makes a code usable again for the next test
        token = await sign_in(client, app_settings, "pringsewu", "upg-supervisor")
        who = await client.get("/api/v1/session", headers=bearer(token))
        assert who.json()["role"] == "supervisor"
        await client.delete("/api/v1/session", headers=bearer(token))


# The pages -------------------------------------------------------------------------------


async def test_the_login_page_is_a_plain_form_without_inline_code(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/masuk")
    assert response.status_code == 200
    html = response.text
    assert inline_code(html) == []
    assert '<form class="report-form" method="post" action="/masuk">' in html
    assert '<button type="submit"' in html
    assert re.search(r'<select id="f-wilayah" name="wilayah" required>', html)
    assert '<option value="metro">' in html
    assert re.search(r'name="username"[^>]*autocomplete="username"', html)
    assert re.search(
        r'type="password"[^>]*name="password"[^>]*autocomplete="current-password"', html
    )
    assert re.search(r'name="code"[^>]*inputmode="numeric"[^>]*autocomplete="one-time-code"', html)
    assert "Masuk untuk petugas penanganan" in text_of(html)
    assert response.headers["cache-control"] == "no-store"


async def test_signing_in_sets_the_cookie_and_goes_to_the_cases(
    client: httpx.AsyncClient, account: Account
) -> None:
    response = await client.post("/masuk", data=form(account))
    assert response.status_code == 303
    assert response.headers["location"] == "/kasus"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("staff=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    assert "Path=/" in cookie
    assert "Secure" not in cookie
    assert "Max-Age" not in cookie
    assert "expires" not in cookie.lower()
    # Signed in, the login page sends one on to the cases.
    again = await client.get("/masuk")
    assert again.status_code == 303
    assert again.headers["location"] == "/kasus"


async def test_behind_tls_the_cookie_is_host_prefixed_and_secure(
    secure_client: httpx.AsyncClient, account: Account
) -> None:
    response = await secure_client.post("/masuk", data=form(account))
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-staff=")
    assert "Secure" in cookie
    assert "Path=/" in cookie
    assert "Domain" not in cookie


async def test_wrong_values_get_the_same_page_without_what_was_typed_secretly(
    client: httpx.AsyncClient, account: Account
) -> None:
    wrong_password = await client.post("/masuk", data=form(account, password="guess-guess-1"))
    unknown = await client.post("/masuk", data=form(account, username="nobody-here"))
    for response in (wrong_password, unknown):
        assert response.status_code == 401
        assert "set-cookie" not in response.headers
        assert "Nama pengguna, kata sandi, atau kode salah." in text_of(response.text)
        assert "guess-guess-1" not in response.text
        assert PASSWORD not in response.text
        assert 'name="code" value=""' in response.text
        assert inline_code(response.text) == []
    # The username is given back, to correct it.
    assert 'value="nobody-here"' in unknown.text


async def test_missing_fields_are_named(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/masuk", data={"wilayah": "", "username": "", "password": "", "code": "12"}
    )
    assert response.status_code == 422
    html = response.text
    for field in ("wilayah", "username", "password", "code"):
        assert f'id="e-{field}"' in html
        assert f'href="#f-{field}"' in html


async def test_a_paused_account_is_told_when_to_try_again(
    client: httpx.AsyncClient, account: Account
) -> None:
    for _ in range(5):
        failed = await client.post("/masuk", data=form(account, password="guess-guess-1"))
        assert failed.status_code == 401
    paused = await client.post("/masuk", data=form(account))
    assert paused.status_code == 429
    assert 1 <= int(paused.headers["retry-after"]) <= 15 * 60
    assert "coba lagi" in text_of(paused.text).lower()
    assert "set-cookie" not in paused.headers


async def test_signing_out_ends_the_session(client: httpx.AsyncClient, account: Account) -> None:
    signed_in = await client.post("/masuk", data=form(account))
    token = signed_in.cookies["staff"]
    out = await client.post("/keluar")
    assert out.status_code == 303
    assert out.headers["location"] == "/masuk?keluar=1"
    assert 'staff=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    assert "staff" not in client.cookies
    page = await client.get("/masuk?keluar=1")
    assert page.status_code == 200
    assert "Anda telah keluar." in text_of(page.text)
    # The token is dead everywhere, not only forgotten by this browser.
    assert (await client.get("/api/v1/session", headers=bearer(token))).status_code == 401


async def test_demo_staff_sign_in_through_the_page(
    client: httpx.AsyncClient, app_settings: Settings
) -> None:
    await sign_in_page(client, app_settings, "lampung-tengah", "inspektorat-handler")
    assert "staff" in client.cookies


# The request helpers ---------------------------------------------------------------------


async def _whoami_page(request: Request) -> Response:
    handler = await handler_or_redirect(request)
    if isinstance(handler, Response):
        return handler
    return JSONResponse({"username": handler.username})


async def _whoami_api(request: Request) -> Response:
    handler = await current_handler(request)
    again = await current_handler(request)
    assert again is handler
    return JSONResponse({"username": handler.username})


@pytest.fixture
def probe_app(app: Starlette) -> Starlette:
    """The app with two test-only endpoints that use the request helpers."""
    app.router.routes.insert(0, Route("/test-whoami", _whoami_page))
    app.router.routes.insert(0, Route("/api/v1/test-whoami", _whoami_api))
    return app


async def test_pages_redirect_strangers_to_the_login(
    probe_app: Starlette, client: httpx.AsyncClient, account: Account
) -> None:
    stranger = await client.get("/test-whoami")
    assert stranger.status_code == 303
    assert stranger.headers["location"] == "/masuk"
    # A cookie whose session ended: a word why, and the cookie goes.
    client.cookies.set("staff", "ended-session-token")
    ended = await client.get("/test-whoami")
    assert ended.status_code == 303
    assert ended.headers["location"] == "/masuk?berakhir=1"
    assert "staff=" in ended.headers["set-cookie"]
    client.cookies.set("staff", "ended-session-token")
    htmx = await client.get("/test-whoami", headers={"HX-Request": "true"})
    assert htmx.status_code == 200
    assert htmx.headers["hx-redirect"] == "/masuk?berakhir=1"
    assert "location" not in htmx.headers
    client.cookies.clear()
    await client.post("/masuk", data=form(account))
    known = await client.get("/test-whoami")
    assert known.status_code == 200
    assert known.json() == {"username": account.username}


async def test_the_api_takes_the_bearer_token_not_the_cookie(
    probe_app: Starlette, client: httpx.AsyncClient, account: Account
) -> None:
    await client.post("/masuk", data=form(account))
    assert "staff" in client.cookies
    by_cookie = await client.get("/api/v1/test-whoami")
    assert by_cookie.status_code == 401
    token = client.cookies["staff"]
    by_token = await client.get("/api/v1/test-whoami", headers=bearer(token))
    assert by_token.json() == {"username": account.username}


async def test_an_ended_session_is_said_and_its_cookie_dropped(client: httpx.AsyncClient) -> None:
    client.cookies.set("staff", "ended-session-token")
    page = await client.get("/masuk?berakhir=1")
    assert page.status_code == 200
    assert "Sesi Anda telah berakhir. Silakan masuk lagi." in text_of(page.text)
    assert page.headers["set-cookie"].startswith("staff=")
    assert "Max-Age=0" in page.headers["set-cookie"] or 'staff=""' in page.headers["set-cookie"]


@pytest.mark.parametrize(
    ("username", "home", "link"),
    [
        ("admin", "/admin/pengguna", None),
        ("upg-supervisor", "/kasus", "/admin/unit"),
        ("upg-handler", "/kasus", None),
    ],
)
async def test_each_role_starts_where_its_work_is(
    client: httpx.AsyncClient, installation: Settings, username: str, home: str, link: str | None
) -> None:
    code = await fresh_totp_code(installation, "lampung-tengah", username)
    response = await client.post(
        "/masuk",
        data={
            "wilayah": "lampung-tengah",
            "username": username,
            "password": HANDLER_PASSWORD,
            "code": code,
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == home
    page = await client.get(home)
    assert page.status_code == 200
    if link is not None:
        assert f'href="{link}"' in page.text
    elif username != "admin":
        assert 'href="/admin/unit"' not in page.text
    assert (await client.get("/masuk")).headers["location"] == home
