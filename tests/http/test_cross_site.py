"""Cross-site request forgery over HTTP, on SQLite and PostgreSQL: what another site's
page makes a browser send is refused before anything is read or written; our own pages,
htmx and API programs pass (gratify/web/csrf.py)."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from gratify.settings import Settings
from tests.conftest import sign_in_page
from tests.http.reporter import REPORTS, counts, form_parts, text_of

EVIL = {"Origin": "https://pemeras.example"}
OURS = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}


async def test_a_forged_report_is_refused_and_leaves_nothing(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    agency, answers = REPORTS["calo"]
    before = await counts(app)
    await client.get("/lapor/metro/calo")
    for headers in (EVIL, {"Sec-Fetch-Site": "cross-site"}):
        response = await client.post(
            "/lapor/metro/calo", files=form_parts(agency, answers), headers=headers
        )
        assert response.status_code == 403
        assert "dikirim dari situs lain" in text_of(response.text)
        assert "Traceback" not in response.text
    assert await counts(app) == before
    # The same form from our own page is accepted.
    own = await client.post("/lapor/metro/calo", files=form_parts(agency, answers), headers=OURS)
    assert own.status_code == 303, own.text
    assert (await counts(app))[0] == before[0] + 1


async def test_forged_staff_actions_and_api_calls_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/masuk", data={"wilayah": "metro", "username": "x", "password": "y"}, headers=EVIL
    )
    assert response.status_code == 403
    assert "set-cookie" not in response.headers
    api = await client.post("/api/v1/session", json={"tenant": "metro"}, headers=EVIL)
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "cross_site"
    # In English for a reader who chose it.
    client.cookies.set("lang", "en")
    english = await client.post("/keluar", headers={"Sec-Fetch-Site": "cross-site"})
    assert english.status_code == 403
    assert "sent from another website" in text_of(english.text)


async def test_our_own_pages_and_htmx_pass(
    client: httpx.AsyncClient, installation: Settings
) -> None:
    client.headers.update(OURS)
    await sign_in_page(client, installation, "metro", "inspektorat-handler")
    inbox = await client.get("/kasus", headers={"HX-Request": "true"})
    assert inbox.status_code == 200
    out = await client.post("/keluar", headers={"HX-Request": "true"})
    assert out.status_code in (200, 204, 303)
