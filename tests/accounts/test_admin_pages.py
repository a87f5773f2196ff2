"""The admin pages and the supervisor's unit page over HTTP, on SQLite and PostgreSQL,
driven as a browser with JavaScript off drives them: form posts, 303s followed by hand,
cookies kept by the client."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import update
from starlette.applications import Starlette

from gratify.accounts.models import User
from gratify.accounts.totp import code_at, time_step
from gratify.crypto.pool import CryptoPool
from gratify.intake.service import IntakeContext
from gratify.settings import Settings
from tests.accounts.test_admin import (
    NEW_PASSWORD,
    PASSWORD,
    People,
    file_case,
    make_context,
    user_row,
)
from tests.conftest import http_client, sign_in_page
from tests.web.htmlcheck import inline_code

USERS = "/admin/pengguna"
RESULT = "/admin/hasil"
UNIT = "/admin/unit"
REGRANT = "/kasus-unit/beri-akses"


@pytest.fixture
async def ctx(installation: Settings) -> AsyncIterator[IntakeContext]:
    pool = CryptoPool(2)
    context = make_context(installation, pool)
    yield context
    pool.close()
    await context.db.dispose()


@pytest.fixture
async def people(ctx: IntakeContext) -> AsyncIterator[People]:
    made = People(ctx)
    yield made
    await made.remove()


@pytest.fixture
async def browser(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser, with cookies of its own."""
    async with http_client(app) as client:
        yield client


async def fresh_code(ctx: IntakeContext, tenant: str, username: str, secret: str) -> str:
    """The current code, usable again (the account's last step forgotten: a test-only
    shortcut, so a test may sign one person in more than once in 30 seconds)."""
    async with ctx.db.writing() as session:
        user = await user_row(session, tenant, username)
        await session.execute(update(User).where(User.id == user.id).values(totp_last_step=None))
    return code_at(secret, time_step(dt.datetime.now(dt.UTC)))


async def page_sign_in(
    client: httpx.AsyncClient, ctx: IntakeContext, username: str, password: str, secret: str
) -> httpx.Response:
    code = await fresh_code(ctx, "metro", username, secret)
    return await client.post(
        "/masuk",
        data={"wilayah": "metro", "username": username, "password": password, "code": code},
    )


async def api_sign_in(
    client: httpx.AsyncClient, ctx: IntakeContext, username: str, password: str, secret: str
) -> httpx.Response:
    code = await fresh_code(ctx, "metro", username, secret)
    return await client.post(
        "/api/v1/session",
        json={"tenant": "metro", "username": username, "password": password, "totp": code},
    )


async def signed_in_admin(client: httpx.AsyncClient, ctx: IntakeContext, people: People) -> str:
    _, secret = await people.admin()
    username = people.added[-1][1]
    signed = await page_sign_in(client, ctx, username, PASSWORD, secret)
    assert signed.status_code == 303, signed.text
    return username


def checked(response: httpx.Response, status: int = 200) -> str:
    """The page, after checking its status and that the CSP would block nothing in it."""
    assert response.status_code == status, response.text
    assert inline_code(response.text) == []
    return response.text


def secret_on(page: str) -> str:
    found = re.search(r'<dd class="mono break">([A-Z2-7]{32})</dd>', page)
    assert found is not None, page
    return found.group(1)


async def add(
    client: httpx.AsyncClient, people: People, role: str = "handler", unit: str = "inspektorat"
) -> tuple[str, str]:
    """Add a person through the form; their username and the secret the page shows once."""
    username = people.name("metro")
    added = await client.post(
        USERS,
        data={
            "username": username,
            "role": role,
            "unit": unit,
            "email": "",
            "language": "id",
            "password": PASSWORD,
        },
    )
    assert added.status_code == 303, added.text
    assert added.headers["location"] == RESULT
    shown = checked(await client.get(RESULT))
    return username, secret_on(shown)


async def test_an_admin_adds_a_handler_who_then_signs_in(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, ctx: IntakeContext, people: People
) -> None:
    await signed_in_admin(client, ctx, people)
    listing = checked(await client.get(USERS))
    assert "inspektorat-handler" in listing
    assert 'action="/admin/pengguna"' in listing
    assert "pringsewu" not in listing

    username = people.name("metro")
    form = {
        "username": username,
        "role": "handler",
        "unit": "inspektorat",
        "email": "budi@metro.go.id",
        "language": "en",
        "password": PASSWORD,
    }
    added = await client.post(USERS, data=form)
    assert added.status_code == 303
    assert added.headers["location"] == RESULT
    assert PASSWORD not in added.headers.get("set-cookie", "")
    shown = await client.get(RESULT)
    page = checked(shown)
    assert shown.headers["cache-control"] == "no-store"
    # The QR code is drawn in the page: an inline SVG, nothing loaded from anywhere.
    assert re.search(r'<svg role="img" aria-label="[^"]+"[^>]* class="qr"', page)
    assert "<img" not in page
    for attribute in re.findall(r'(?:src|href|action|xlink:href)="([^"]*)"', page):
        assert attribute.startswith(("/", "#")), attribute
    secret = secret_on(page)
    assert f"secret={secret}" in html.unescape(page)  # the URI as text, to type in
    again = await client.get(RESULT)  # shown once
    assert again.status_code == 303
    assert again.headers["location"] == USERS
    assert secret not in (await client.get(USERS)).text

    signed = await api_sign_in(browser, ctx, username, PASSWORD, secret)
    assert signed.status_code == 200, signed.text
    who = await browser.get(
        "/api/v1/session", headers={"Authorization": f"Bearer {signed.json()['token']}"}
    )
    assert who.json() == {"tenant": "metro", "username": username, "role": "handler"}
    row = checked(await client.get(f"{USERS}/{username}"))
    assert "budi@metro.go.id" in row
    assert "English" in row


async def test_a_mistake_is_said_beside_its_field(
    client: httpx.AsyncClient, ctx: IntakeContext, people: People
) -> None:
    await signed_in_admin(client, ctx, people)
    refused = await client.post(
        USERS,
        data={
            "username": "-bad name",
            "role": "handler",
            "unit": "",
            "email": "nope",
            "language": "id",
            "password": "short",
        },
    )
    page = checked(refused, 422)
    for field in ("username", "unit", "email", "password"):
        assert f'id="f-{field}-error"' in page
        assert re.search(rf'id="f-{field}"[^>]*aria-describedby="[^"]*f-{field}-error', page)
        assert f'href="#f-{field}"' in page  # the summary links to the field
    assert 'value="-bad name"' in page  # what was typed comes back…
    assert "short" not in page  # …but never the password
    taken = await client.post(
        USERS,
        data={
            "username": "inspektorat-handler",
            "role": "auditor",
            "unit": "",
            "email": "",
            "language": "id",
            "password": PASSWORD,
        },
    )
    assert 'id="f-username-error"' in checked(taken, 422)


async def test_disabling_ends_the_live_session_and_enabling_lets_them_back(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, ctx: IntakeContext, people: People
) -> None:
    me = await signed_in_admin(client, ctx, people)
    username, secret = await add(client, people)
    token = (await api_sign_in(browser, ctx, username, PASSWORD, secret)).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert (await browser.get("/api/v1/session", headers=auth)).status_code == 200

    disabled = await client.post(f"{USERS}/{username}/nonaktif")
    assert disabled.status_code == 303
    assert disabled.headers["location"] == f"{USERS}/{username}"
    page = checked(await client.get(f"{USERS}/{username}"))
    assert 'role="status"' in page
    assert f'action="{USERS}/{username}/aktif"' in page
    assert (await browser.get("/api/v1/session", headers=auth)).status_code == 401
    assert (await api_sign_in(browser, ctx, username, PASSWORD, secret)).status_code == 401

    assert (await client.post(f"{USERS}/{username}/aktif")).status_code == 303
    assert (await api_sign_in(browser, ctx, username, PASSWORD, secret)).status_code == 200

    myself = await client.post(f"{USERS}/{me}/nonaktif")
    assert 'class="error-box"' in checked(myself, 403)


async def test_a_reset_password_loses_the_cases_until_a_supervisor_gives_them_back(
    client: httpx.AsyncClient,
    browser: httpx.AsyncClient,
    ctx: IntakeContext,
    people: People,
    installation: Settings,
    app: Starlette,
) -> None:
    await signed_in_admin(client, ctx, people)
    username, secret = await add(client, people)
    case_id = await file_case(ctx)
    excluded = await file_case(ctx, excluded=(username,))
    token = (await api_sign_in(browser, ctx, username, PASSWORD, secret)).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert (await browser.get(f"/api/v1/cases/{case_id}", headers=auth)).status_code == 200
    assert (await browser.get(f"/api/v1/cases/{excluded}", headers=auth)).status_code == 404
    before = checked(await client.get(f"{USERS}/{username}"))
    assert 'action="/admin/pengguna/' + username + '/kata-sandi"' in before

    short = await client.post(f"{USERS}/{username}/kata-sandi", data={"password": "short"})
    page = checked(short, 422)
    assert re.search(r'id="pw-password"[^>]*aria-describedby="[^"]*pw-password-error', page)
    reset = await client.post(f"{USERS}/{username}/kata-sandi", data={"password": NEW_PASSWORD})
    assert reset.status_code == 303
    assert reset.headers["location"] == RESULT
    result = checked(await client.get(RESULT))
    assert re.search(r"\b1\b", result)  # one case lost: the excluded one was never theirs
    assert "gratify keys recover" in result
    assert "<svg" not in result

    assert (await browser.get("/api/v1/session", headers=auth)).status_code == 401
    assert (await api_sign_in(browser, ctx, username, PASSWORD, secret)).status_code == 401
    token = (await api_sign_in(browser, ctx, username, NEW_PASSWORD, secret)).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert (await browser.get(f"/api/v1/cases/{case_id}", headers=auth)).status_code == 404

    async with http_client(app) as supervisor:
        await sign_in_page(supervisor, installation, "metro", "inspektorat-supervisor")
        unit = checked(await supervisor.get(UNIT))
        assert username in unit
        assert f'action="{REGRANT}"' in unit
        given = await supervisor.post(REGRANT, data={"username": username})
        assert given.status_code == 303
        assert given.headers["location"] == UNIT
        assert 'role="status"' in checked(await supervisor.get(UNIT))
        stranger = await supervisor.post(REGRANT, data={"username": "upg-handler"})
        assert 'class="error-box"' in checked(stranger, 422)

    assert (await browser.get(f"/api/v1/cases/{case_id}", headers=auth)).status_code == 200
    assert (await browser.get(f"/api/v1/cases/{excluded}", headers=auth)).status_code == 404


async def test_a_new_authenticator_app_stops_the_old_codes(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, ctx: IntakeContext, people: People
) -> None:
    await signed_in_admin(client, ctx, people)
    username, old = await add(client, people)
    renewed = await client.post(f"{USERS}/{username}/totp")
    assert renewed.status_code == 303
    assert renewed.headers["location"] == RESULT
    page = checked(await client.get(RESULT))
    assert 'class="qr"' in page
    fresh = secret_on(page)
    assert fresh != old
    assert (await api_sign_in(browser, ctx, username, PASSWORD, old)).status_code == 401
    assert (await api_sign_in(browser, ctx, username, PASSWORD, fresh)).status_code == 200


async def test_a_role_change_is_said_on_the_person_s_page(
    client: httpx.AsyncClient, ctx: IntakeContext, people: People
) -> None:
    await signed_in_admin(client, ctx, people)
    username, _ = await add(client, people)
    await file_case(ctx)
    changed = await client.post(f"{USERS}/{username}/peran", data={"role": "auditor", "unit": ""})
    assert changed.status_code == 303
    page = checked(await client.get(f"{USERS}/{username}"))
    assert 'role="status"' in page
    assert '<option value="auditor" selected>' in page
    refused = await client.post(f"{USERS}/{username}/peran", data={"role": "handler", "unit": ""})
    assert re.search(r'id="role-unit"[^>]*aria-invalid="true"', checked(refused, 422))


async def test_handlers_and_supervisors_find_no_admin_page(
    client: httpx.AsyncClient, installation: Settings
) -> None:
    paths = [
        ("GET", USERS),
        ("POST", USERS),
        ("GET", f"{USERS}/upg-handler"),
        ("POST", f"{USERS}/upg-handler/nonaktif"),
        ("POST", f"{USERS}/upg-handler/aktif"),
        ("POST", f"{USERS}/upg-handler/kata-sandi"),
        ("POST", f"{USERS}/upg-handler/totp"),
        ("POST", f"{USERS}/upg-handler/peran"),
        ("GET", RESULT),
    ]
    for username in ("inspektorat-handler", "inspektorat-supervisor"):
        await sign_in_page(client, installation, "metro", username)
        for method, path in paths:
            answer = await client.request(method, path, data={"password": NEW_PASSWORD})
            assert answer.status_code == 404, (username, path)
    # The unit page is the supervisor's alone.
    await sign_in_page(client, installation, "metro", "inspektorat-handler")
    assert (await client.get(UNIT)).status_code == 404
    assert (await client.post(REGRANT, data={"username": "upg-handler"})).status_code == 404
    client.cookies.clear()
    stranger = await client.get(USERS)
    assert stranger.status_code == 303
    assert stranger.headers["location"].startswith("/masuk")
    assert (await client.post(REGRANT, data={"username": "x"})).status_code == 303


async def test_an_admin_finds_no_one_of_another_region(
    client: httpx.AsyncClient, ctx: IntakeContext, people: People
) -> None:
    await signed_in_admin(client, ctx, people)
    assert (await client.get(UNIT)).status_code == 404  # not a supervisor
    outsider = people.name("pringsewu")
    their_boss, _ = await people.admin("pringsewu")
    from gratify.accounts import admin
    from gratify.accounts.users import NewUser

    await admin.add_user(
        ctx, their_boss, NewUser("pringsewu", outsider, "handler", PASSWORD, "upg")
    )
    assert outsider not in (await client.get(USERS)).text
    for method, path in (
        ("GET", f"{USERS}/{outsider}"),
        ("POST", f"{USERS}/{outsider}/nonaktif"),
        ("POST", f"{USERS}/{outsider}/aktif"),
        ("POST", f"{USERS}/{outsider}/kata-sandi"),
        ("POST", f"{USERS}/{outsider}/totp"),
        ("POST", f"{USERS}/{outsider}/peran"),
    ):
        answer = await client.request(
            method, path, data={"password": NEW_PASSWORD, "role": "auditor"}
        )
        assert answer.status_code == 404, path
    async with ctx.db.reading() as session:
        row = await user_row(session, "pringsewu", outsider)
    assert row.active
    assert row.role == "handler"
