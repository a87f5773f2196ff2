"""The landing page, the language switch and the health check."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from gratify.accounts.install import initialise
from gratify.accounts.tenants_config import load_tenants_file
from gratify.app import create_app
from gratify.settings import Settings
from gratify.web.pages import safe_next
from gratify.web.static import STATIC_DIR
from tests.conftest import running
from tests.web.htmlcheck import inline_code


async def test_landing_is_in_indonesian_by_default(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    assert '<html lang="id">' in html
    assert "Laporkan gratifikasi, suap, dan calo dengan aman" in html
    for region in ("Kota Metro", "Kabupaten Pringsewu", "Kabupaten Lampung Tengah"):
        assert region in html
    assert "Tor Browser" in html
    assert 'aria-current="true">Bahasa Indonesia' in html


async def test_pages_speak_indonesian_whatever_the_browser_asks(client: httpx.AsyncClient) -> None:
    """Tor Browser always sends en-US; the service speaks Bahasa Indonesia until switched."""
    response = await client.get("/", headers={"Accept-Language": "en-US,en;q=0.5"})
    assert '<html lang="id">' in response.text
    english = await client.get("/", headers={"Cookie": "lang=en"})
    assert "Report gratification, bribery and brokers safely" in english.text


async def test_landing_says_how_anonymity_is_protected_in_both_languages(
    client: httpx.AsyncClient,
) -> None:
    english = (await client.get("/", headers={"Cookie": "lang=en"})).text
    for claim in ("IP address", "encrypted", "receipt code", "nobody can recover it", "Photos"):
        assert claim in english, claim
    indonesian = (await client.get("/")).text
    for claim in ("alamat IP", "dienkripsi", "kode resi", "memulihkannya", "Foto"):
        assert claim in indonesian, claim


@pytest.mark.parametrize("language", ["id", "en"])
async def test_rendered_pages_hold_no_inline_code_and_load_nothing_from_elsewhere(
    client: httpx.AsyncClient, language: str
) -> None:
    for path in ("/", "/nope"):
        html = (await client.get(path, headers={"Cookie": f"lang={language}"})).text
        assert inline_code(html) == [], path
        # Only this site's paths and in-page anchors: no other host, no scheme.
        assert re.findall(r'(?:src|href|action)="(?![/#])[^"]*"', html) == [], path


async def test_landing_links_only_to_pages_that_exist(client: httpx.AsyncClient) -> None:
    html = (await client.get("/")).text
    for target in re.findall(r'(?:href|src|action)="([^"]+)"', html):
        if target.startswith("#"):
            continue
        if target == "/language":
            response = await client.post(target, data={"lang": "id", "next": "/"})
        else:
            response = await client.get(target)
        assert response.status_code in (200, 303), target


async def test_page_weight_is_well_under_100_kb(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    total = len(page.content)
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text):
        total += len((await client.get(asset)).content)
    assert total < 80_000, total


async def test_switching_to_english_sets_a_cookie_and_goes_back(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/language", data={"lang": "en", "next": "/?from=switch"})
    assert response.status_code == 303
    assert response.headers["location"] == "/?from=switch"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("lang=en;")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "max-age", "path", "samesite"} <= attributes
    assert "secure" not in attributes
    assert "Max-Age=31536000" in cookie
    assert "Path=/" in cookie
    assert "samesite=strict" in cookie.lower()

    page = await client.get(response.headers["location"])
    assert '<html lang="en">' in page.text
    assert 'aria-current="true">English' in page.text
    # The cookie beats the default and the browser's Accept-Language.
    page = await client.get("/", headers={"Accept-Language": "id"})
    assert '<html lang="en">' in page.text

    back = await client.post("/language", data={"lang": "id", "next": "/"}, follow_redirects=True)
    assert '<html lang="id">' in back.text


async def test_behind_tls_the_cookie_is_secure_and_host_only(
    secure_client: httpx.AsyncClient,
) -> None:
    response = await secure_client.post("/language", data={"lang": "en", "next": "/"})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-lang=en;")
    assert "; Secure" in cookie
    assert "Path=/" in cookie
    assert "Domain" not in cookie
    page = await secure_client.get("/")
    assert '<html lang="en">' in page.text


async def test_the_switch_form_on_each_page_points_back_to_it(
    client: httpx.AsyncClient,
) -> None:
    html = (await client.get("/nope?x=1")).text
    assert '<input type="hidden" name="next" value="/nope?x=1">' in html


@pytest.mark.parametrize("language", ["", "fr", "EN"])
async def test_an_unknown_language_is_refused(client: httpx.AsyncClient, language: str) -> None:
    response = await client.post("/language", data={"lang": language, "next": "/"})
    assert response.status_code == 422
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "/\\/evil.example",
        "https://evil.example/",
        "http:/evil.example",
        "evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "/\n/evil.example",
        "",
        "/" + "a" * 5000,
    ],
)
async def test_the_switch_never_redirects_off_site(client: httpx.AsyncClient, target: str) -> None:
    assert safe_next(target) == "/"
    response = await client.post("/language", data={"lang": "en", "next": target})
    assert response.status_code == 303
    assert response.headers["location"] == "/"


@pytest.mark.parametrize("target", ["/", "/stats", "/stats/metro?from=2026-01", "/a/b#c"])
def test_same_site_paths_are_kept(target: str) -> None:
    assert safe_next(target) == target


async def test_a_missing_next_goes_home(client: httpx.AsyncClient) -> None:
    response = await client.post("/language", data={"lang": "en"})
    assert response.headers["location"] == "/"


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_static_folder_holds_the_stylesheet_and_htmx() -> None:
    assert (STATIC_DIR / "css" / "site.css").is_file()
    assert (STATIC_DIR / "htmx.min.js").is_file()


async def test_landing_lists_the_installations_own_tenants(tmp_path: Path) -> None:
    """A deployment with other regions shows those, read from its database."""
    config = tmp_path / "gratify.toml"
    config.write_text(
        '[[tenants]]\nslug = "tanggamus"\nname = "Kabupaten Tanggamus"\n'
        '[[tenants.units]]\nslug = "inspektorat"\nname = "Inspektorat"\n'
    )
    settings = Settings(data_dir=tmp_path / "data")
    await initialise(settings, load_tenants_file(config))
    async with running(create_app(settings)) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            page = (await client.get("/")).text
    assert "Kabupaten Tanggamus" in page
    assert "Kota Metro" not in page
