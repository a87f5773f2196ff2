"""The inbox (kotak pesan) over HTTP: wrong codes, typos, pauses, messages with and
without htmx, evidence added later. On SQLite and PostgreSQL."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.applications import Starlette

from gratify.crypto.receipt import Receipt, new_receipt, parse_receipt
from tests.http.reporter import counts, file_report, open_inbox, png, text_of


async def test_a_wrong_code_gets_the_same_401_whether_or_not_its_report_exists(
    client: httpx.AsyncClient,
) -> None:
    _, receipt = await file_report(client)
    real = parse_receipt(receipt)
    wrong_secret = Receipt(real.lookup, new_receipt().secret).formatted
    nobody = new_receipt().formatted
    first = await open_inbox(client, wrong_secret)
    second = await open_inbox(client, nobody)
    assert first.status_code == second.status_code == 401
    assert first.text == second.text
    assert "set-cookie" not in first.headers
    words = text_of(first.text)
    assert "Kode resi ini tidak cocok dengan laporan mana pun" in words
    # Nothing typed is repeated.
    assert wrong_secret not in first.text
    assert 'value=""' in first.text
    # Another region's inbox does not open this report either.
    elsewhere = await open_inbox(client, receipt, tenant="pringsewu")
    assert elsewhere.status_code == 401


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("ABCD-EFGH", "24 huruf dan angka"),
        ("ABCD-EFGH-JKMN-PQRS-TVWX-YZ0!", "hanya berisi angka"),
    ],
)
async def test_a_malformed_code_is_explained(
    client: httpx.AsyncClient, typed: str, words: str
) -> None:
    response = await open_inbox(client, typed)
    assert response.status_code == 422
    assert words in text_of(response.text)
    assert 'id="e-receipt"' in response.text


async def test_a_typo_is_caught_before_any_lookup(client: httpx.AsyncClient) -> None:
    code = new_receipt().formatted
    swapped = code[1] + code[0] + code[2:] if code[0] != code[1] else code[:5] + "Z" + code[6:]
    response = await open_inbox(client, swapped)
    assert response.status_code == 422
    assert "salah ketik" in text_of(response.text)


async def test_region_and_code_are_required(client: httpx.AsyncClient) -> None:
    response = await client.post("/kotak", data={"wilayah": "", "receipt": ""})
    assert response.status_code == 422
    assert 'id="e-wilayah"' in response.text
    assert 'id="e-receipt"' in response.text


async def test_guessing_is_paused_with_a_page_a_person_understands(
    client: httpx.AsyncClient,
) -> None:
    lookup = new_receipt().lookup
    statuses = []
    for _ in range(6):
        guess = Receipt(lookup, new_receipt().secret).formatted
        statuses.append((await open_inbox(client, guess)).status_code)
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    paused = await open_inbox(client, Receipt(lookup, new_receipt().secret).formatted)
    assert paused.status_code == 429
    assert int(paused.headers["retry-after"]) > 0
    assert "coba lagi dalam sekitar" in text_of(paused.text)


async def test_the_login_form_suits_a_code_typed_by_hand(client: httpx.AsyncClient) -> None:
    page = (await client.get("/kotak")).text
    field = re.search(r'<input type="text" id="f-receipt"[^>]*>', page)
    assert field is not None
    for attribute in ('autocomplete="off"', 'spellcheck="false"', 'autocapitalize="characters"'):
        assert attribute in field.group(0)
    assert '<form class="report-form" method="post" action="/kotak">' in page


async def test_messages_with_htmx_swap_the_conversation(client: httpx.AsyncClient) -> None:
    _, receipt = await file_report(client)
    await open_inbox(client, receipt)
    page = (await client.get("/kotak/laporan")).text
    assert 'hx-post="/kotak/pesan"' in page
    assert 'hx-target="#conversation"' in page
    swapped = await client.post(
        "/kotak/pesan", data={"body": "Lewat htmx."}, headers={"HX-Request": "true"}
    )
    assert swapped.status_code == 200
    assert swapped.text.lstrip().startswith('<section id="conversation"')
    assert "<html" not in swapped.text
    assert "Lewat htmx." in swapped.text
    # An empty message: the fragment again, with the error and nothing sent.
    empty = await client.post("/kotak/pesan", data={"body": "  "}, headers={"HX-Request": "true"})
    assert empty.status_code == 200
    assert 'id="e-body"' in empty.text
    assert empty.text.count('<li class="message') == 1
    # The same without htmx is a 422 page.
    plain = await client.post("/kotak/pesan", data={"body": ""})
    assert plain.status_code == 422
    assert 'id="e-body"' in plain.text


async def test_an_ended_session_sends_htmx_to_the_login(client: httpx.AsyncClient) -> None:
    client.cookies.set("inbox", "not-a-session")
    response = await client.post("/kotak/pesan", data={"body": "x"}, headers={"HX-Request": "true"})
    assert response.headers["hx-redirect"] == "/kotak?berakhir=1"
    plain = await client.post("/kotak/pesan", data={"body": "x"})
    assert plain.status_code == 303
    assert plain.headers["location"] == "/kotak?berakhir=1"


async def test_evidence_added_later_is_sealed_and_listed(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    _, receipt = await file_report(client)
    await open_inbox(client, receipt)
    before = await counts(app)
    files = [
        ("attachments", ("struk parkir.png", png((10, 200, 10)), "image/png")),
        ("attachments", ("kedua.png", png((10, 10, 200)), "image/png")),
    ]
    added = await client.post("/kotak/bukti", files=files)
    assert added.status_code == 303
    assert added.headers["location"] == "/kotak/laporan#bukti"
    assert await counts(app) == (before[0], before[1] + 2)
    page = text_of((await client.get("/kotak/laporan")).text)
    assert "struk parkir.png" in page
    assert "kedua.png" in page

    empty_part = ("attachments", ("", b"", "application/octet-stream"))
    none = await client.post("/kotak/bukti", files=[empty_part])
    assert none.status_code == 422
    assert 'id="e-attachments"' in none.text
    refused = await client.post(
        "/kotak/bukti", files=[("attachments", ("a.png", b"MZ\x90\x00not a picture", "image/png"))]
    )
    assert refused.status_code == 415
    assert await counts(app) == (before[0], before[1] + 2)


async def test_inbox_pages_need_a_session(client: httpx.AsyncClient) -> None:
    for path in ("/kotak/laporan", "/kotak/tanda-terima.json", "/kotak/tanda-terima"):
        response = await client.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == "/kotak"
    photo = ("attachments", ("a.png", png(), "image/png"))
    response = await client.post("/kotak/bukti", files=[photo])
    assert response.status_code == 303
    assert response.headers["location"] == "/kotak?berakhir=1"


async def test_a_report_without_acknowledgement_has_none_to_download(
    client: httpx.AsyncClient,
) -> None:
    _, receipt = await file_report(client, "pengaduan")
    await open_inbox(client, receipt)
    assert "tanda-terima" not in (await client.get("/kotak/laporan")).text
    assert (await client.get("/kotak/tanda-terima.json")).status_code == 404
