"""Every reporter page: no inline script or style (the CSP would block it), nothing loaded
from elsewhere, Bahasa Indonesia by default and English when switched."""

from __future__ import annotations

import re

import httpx
import pytest

from gratify.crypto.receipt import new_receipt
from gratify.web.static import STATIC_DIR
from tests.http.reporter import REPORTS, form_parts, open_inbox, post_report, receipt_on
from tests.web.htmlcheck import inline_code

_LINKS = re.compile(r'(?:src|href|action|hx-get|hx-post)="([^"]*)"')


async def _pages(client: httpx.AsyncClient) -> dict[str, httpx.Response]:
    """Each reporter page as the client's language shows it."""
    pages = {}
    for path in (
        "/lapor",
        "/lapor?wilayah=metro",
        "/lapor/metro/gratifikasi",
        "/lapor/metro/pengaduan",
        "/lapor/metro/calo",
        "/lapor/metro/calo?agency=disdukcapil",
        "/lapor/terkirim",
        "/kotak",
        "/kotak?keluar=1",
        "/verify",
    ):
        pages[path] = await client.get(path)
    agency, answers = REPORTS["gratifikasi"]
    pages["422"] = await post_report(client, "metro", "gratifikasi", form_parts(agency, {}))
    await post_report(client, "metro", "gratifikasi", form_parts(agency, answers))
    sent = await client.get("/lapor/terkirim")
    pages["sent"] = sent
    pages["printable"] = await client.get("/lapor/terkirim/tanda-terima")
    receipt = receipt_on(sent.text)
    assert receipt is not None
    pages["401"] = await open_inbox(client, new_receipt().formatted)
    await open_inbox(client, receipt)
    pages["inbox"] = await client.get("/kotak/laporan")
    ack = (await client.get("/kotak/tanda-terima.json")).text
    pages["verified"] = await client.post("/verify", data={"document": ack})
    return pages


@pytest.mark.parametrize("language", ["id", "en"])
async def test_no_inline_code_and_nothing_from_elsewhere(
    client: httpx.AsyncClient, language: str
) -> None:
    client.cookies.set("lang", language)
    pages = await _pages(client)
    for name, response in pages.items():
        assert response.headers["content-type"] == "text/html; charset=utf-8", name
        html = response.text
        assert f'<html lang="{language}">' in html, name
        assert inline_code(html) == [], name
        for target in _LINKS.findall(html):
            assert target.startswith(("/", "#")), (name, target)
            assert not target.startswith("//"), (name, target)
        assert response.headers["cache-control"] == "no-store", name


async def test_english_when_switched(client: httpx.AsyncClient) -> None:
    client.cookies.set("lang", "en")
    pages = await _pages(client)
    assert "Make a report" in pages["/lapor"].text
    assert "You don't have to give your name." in pages["/lapor/metro/pengaduan"].text
    assert "Write it down now" in pages["sent"].text
    assert "Your inbox" in pages["inbox"].text
    assert "Valid: this acknowledgement is genuine" in pages["verified"].text


async def test_indonesian_by_default(client: httpx.AsyncClient) -> None:
    pages = await _pages(client)
    assert "Buat laporan" in pages["/lapor"].text
    assert "Kotak pesan Anda" in pages["inbox"].text
    assert "Kode resi Anda" in pages["sent"].text
    for name, response in pages.items():
        # No English msgid left untranslated on an Indonesian page (a few sure tells).
        for english in ("Choose…", "(optional)", "Receipt code", "Send report"):
            assert english not in response.text, (name, english)


async def test_landing_links_to_reporting_and_the_inbox(client: httpx.AsyncClient) -> None:
    page = (await client.get("/")).text
    assert 'href="/lapor"' in page
    assert 'href="/kotak"' in page


def test_the_receipt_and_acknowledgement_print_without_the_site_frame() -> None:
    css = (STATIC_DIR / "css" / "site.css").read_text(encoding="utf-8")
    printing = css[css.index("@media print") :]
    for hidden in (".site-header", ".site-footer", ".no-print", "form"):
        assert hidden in printing.split("}", 1)[0]
