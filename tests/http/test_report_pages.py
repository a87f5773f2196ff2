"""The reporter's path with JavaScript off: choose, fill in, send, get the receipt once,
come back with it, read, answer, leave. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from starlette.applications import Starlette

from tests.http.reporter import (
    REPORTS,
    SHOWN,
    counts,
    file_report,
    form_parts,
    open_inbox,
    png,
    post_report,
    receipt_on,
    text_of,
)


async def test_start_page_lists_regions_then_the_three_kinds(client: httpx.AsyncClient) -> None:
    page = (await client.get("/lapor")).text
    assert '<select id="f-wilayah" name="wilayah"' in page
    assert '<form class="report-form region-form" method="get" action="/lapor">' in page
    for region in ("Kota Metro", "Kabupaten Pringsewu", "Kabupaten Lampung Tengah"):
        assert region in page
    assert 'href="/lapor/metro/' not in page

    chosen = (await client.get("/lapor?wilayah=metro")).text
    for slug in ("gratifikasi", "pengaduan", "calo"):
        assert f'href="/lapor/metro/{slug}"' in chosen
    assert 'href="/lapor/metro/gratifikasi/cek"' in chosen
    words = text_of(chosen)
    assert "Tidak yakin harus melapor? Periksa dulu" in words
    assert "anonim" in words

    unknown = (await client.get("/lapor?wilayah=atlantis")).text
    assert 'id="e-wilayah"' in unknown
    moved = await client.get("/lapor/metro")
    assert moved.status_code == 303
    assert moved.headers["location"] == "/lapor?wilayah=metro"


@pytest.mark.parametrize("slug", ["gratifikasi", "pengaduan", "calo"])
async def test_report_receipt_inbox_message_logout(
    client: httpx.AsyncClient, app: Starlette, slug: str
) -> None:
    agency, answers = REPORTS[slug]
    query = f"?agency={agency}" if slug == "calo" else ""
    form = await client.get(f"/lapor/metro/{slug}{query}")
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.text
    assert '<input type="file" id="f-attachments" name="attachments" multiple' in form.text

    before = await counts(app)
    parts = form_parts(agency, answers, files=[("bukti foto.png", png())])
    sent = await post_report(client, "metro", slug, parts)
    assert sent.status_code == 303
    assert sent.headers["location"] == "/lapor/terkirim"
    # The receipt travels sealed in a cookie, never in the URL.
    cookie = sent.headers["set-cookie"]
    assert cookie.startswith("receipt=")
    assert "Path=/lapor/terkirim" in cookie
    assert "Max-Age=600" in cookie
    assert "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    assert await counts(app) == (before[0] + 1, before[1] + 1)

    page = await client.get("/lapor/terkirim")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    receipt = receipt_on(page.text)
    assert receipt is not None
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){5}", receipt)
    assert receipt not in cookie
    words = text_of(page.text)
    assert "Tulis sekarang" in words
    assert "tidak juga kami" in words
    case_number = re.search(r"METRO-\d{4}-\d{6}", page.text)
    assert case_number is not None

    # Shown once: a reload does not show it again.
    again = await client.get("/lapor/terkirim")
    assert receipt_on(again.text) is None
    assert receipt.replace("-", "") not in again.text.replace("-", "")
    assert "hanya ditampilkan sekali" in text_of(again.text)

    # Back with the receipt typed in small letters without dashes.
    opened = await open_inbox(client, receipt.replace("-", "").lower())
    assert opened.status_code == 303
    assert opened.headers["location"] == "/kotak/laporan"
    session_cookie = opened.headers["set-cookie"]
    assert session_cookie.startswith("inbox=")
    assert "Path=/" in session_cookie
    assert "HttpOnly" in session_cookie
    assert "samesite=strict" in session_cookie.lower()
    token = client.cookies.get("inbox")
    assert token

    inbox = await client.get("/kotak/laporan")
    assert inbox.status_code == 200
    words = text_of(inbox.text)
    assert case_number.group(0) in words
    assert "Diterima" in words
    label, value = SHOWN[slug]
    assert f"{label} {value}" in words
    assert "bukti foto.png" in words
    assert "data tersembunyi sudah dihapus" in words

    posted = await client.post("/kotak/pesan", data={"body": "Saya bisa dihubungi lewat sini."})
    assert posted.status_code == 303
    assert posted.headers["location"] == "/kotak/laporan#pesan"
    inbox = await client.get("/kotak/laporan")
    assert "Saya bisa dihubungi lewat sini." in inbox.text
    assert '<li class="message mine">' in inbox.text

    left = await client.post("/kotak/keluar")
    assert left.status_code == 303
    assert left.headers["location"] == "/kotak?keluar=1"
    assert "inbox=" in left.headers["set-cookie"]
    assert "Max-Age=0" in left.headers["set-cookie"]
    gone = await client.get("/kotak/laporan")
    assert gone.status_code == 303
    assert gone.headers["location"] == "/kotak"
    # The old token opens nothing any more.
    client.cookies.set("inbox", token)
    ended = await client.get("/kotak/laporan")
    assert ended.status_code == 303
    assert ended.headers["location"] == "/kotak?berakhir=1"
    notice = await client.get("/kotak?berakhir=1")
    assert "Sesi kotak pesan Anda telah berakhir" in text_of(notice.text)


async def test_gratification_acknowledgement_downloads_after_the_receipt_is_gone(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    agency, answers = REPORTS["gratifikasi"]
    sent = await post_report(client, "metro", "gratifikasi", form_parts(agency, answers))
    assert sent.status_code == 303
    page = (await client.get("/lapor/terkirim")).text
    receipt = receipt_on(page)
    assert receipt is not None
    assert 'href="/lapor/terkirim/tanda-terima.json"' in page
    assert 'href="/lapor/terkirim/tanda-terima"' in page

    download = await client.get("/lapor/terkirim/tanda-terima.json")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/json"
    ack = download.json()
    assert download.headers["content-disposition"] == (
        f'attachment; filename="tanda-terima-{ack["case_number"]}.json"'
    )
    assert ack["reporter_nip"] == answers["reporter_nip"]
    printable = await client.get("/lapor/terkirim/tanda-terima")
    assert printable.status_code == 200
    assert ack["case_number"] in printable.text
    assert ack["signature"] in printable.text
    assert "Siti Rahmawati" in printable.text

    # The receipt is gone from the flash; the acknowledgement is not.
    again = (await client.get("/lapor/terkirim")).text
    assert receipt_on(again) is None
    assert 'href="/lapor/terkirim/tanda-terima.json"' in again

    # Later, from the inbox.
    assert (await open_inbox(client, receipt)).status_code == 303
    inbox = await client.get("/kotak/laporan")
    assert 'href="/kotak/tanda-terima.json"' in inbox.text
    later = await client.get("/kotak/tanda-terima.json")
    assert json.loads(later.content) == ack
    assert (await client.get("/kotak/tanda-terima")).status_code == 200

    # Without the flash, nothing.
    client.cookies.clear()
    missing = await client.get("/lapor/terkirim/tanda-terima.json")
    assert missing.status_code == 404


async def test_a_forged_or_stale_flash_shows_nothing(client: httpx.AsyncClient) -> None:
    client.cookies.set("receipt", "AAAA" * 40, path="/lapor/terkirim")
    page = await client.get("/lapor/terkirim")
    assert page.status_code == 200
    assert receipt_on(page.text) is None
    assert (await client.get("/lapor/terkirim/tanda-terima.json")).status_code == 404


async def test_missing_answers_come_back_with_errors_beside_them_and_nothing_kept(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    agency, answers = REPORTS["pengaduan"]
    partial = {k: v for k, v in answers.items() if k not in ("what_happened", "how_known")}
    partial["place"] = "Terminal <Mulyojati> & pasar"
    partial["occurred_on"] = ""  # optional, left empty
    before = await counts(app)
    response = await post_report(
        client,
        "metro",
        "pengaduan",
        form_parts(agency, partial, files=[("foto.png", png())], excluded_handlers="budi\nani"),
    )
    assert response.status_code == 422
    assert await counts(app) == before
    page = response.text
    # Each error beside its field, named by aria-describedby, and in the summary.
    assert 'id="e-what_happened"' in page
    assert 'aria-describedby="e-what_happened" aria-invalid="true"' in page
    assert 'id="e-how_known"' in page
    assert 'href="#f-what_happened"' in page
    assert 'href="#f-how_known"' in page
    assert "Bagian ini wajib diisi." in page
    # What was typed is kept (escaped), and the files must be chosen again.
    assert 'value="Terminal &lt;Mulyojati&gt; &amp; pasar"' in page
    assert 'value="extortion" checked' in page
    assert 'option value="dishub" selected' in page
    assert ">budi\nani</textarea>" in page
    assert "pilih lagi" in text_of(page)


async def test_without_cookies_nothing_is_filed(client: httpx.AsyncClient, app: Starlette) -> None:
    """The receipt reaches the next page only in a cookie: a browser that keeps none is
    told so before anything is filed, rather than losing the receipt after."""
    agency, answers = REPORTS["pengaduan"]
    before = await counts(app)
    parts = form_parts(agency, answers, files=[("foto.png", png())])
    response = await client.post("/lapor/metro/pengaduan", files=parts)
    assert response.status_code == 422
    assert await counts(app) == before
    assert "tidak menyimpan cookie" in text_of(response.text)
    assert answers["what_happened"] in response.text
    assert response.headers["set-cookie"].startswith("cookies=1;")
    # Once the browser keeps it, the same form goes through.
    assert (await client.post("/lapor/metro/pengaduan", files=parts)).status_code == 303


async def test_a_refused_file_keeps_the_typed_answers(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    agency, answers = REPORTS["calo"]
    before = await counts(app)
    parts = form_parts(agency, answers, files=[("skrip.png", b"<html><script>x</script></html>")])
    response = await post_report(client, "metro", "calo", parts)
    assert response.status_code == 415
    assert await counts(app) == before
    assert 'id="e-attachments"' in response.text
    assert answers["what_happened"] in response.text
    assert 'value="kk" selected' in response.text


async def test_a_wrong_service_or_agency_is_said_beside_it(client: httpx.AsyncClient) -> None:
    _, answers = REPORTS["calo"]
    response = await post_report(client, "metro", "calo", form_parts("dpmptsp", answers))
    assert response.status_code == 422
    assert 'id="e-service"' in response.text
    # The service list now follows the agency chosen.
    assert '<option value="nib">' in response.text
    response = await post_report(client, "metro", "calo", form_parts("atlantis", answers))
    assert response.status_code == 422
    assert 'id="e-agency"' in response.text


async def test_too_many_excluded_people_is_an_error(client: httpx.AsyncClient) -> None:
    agency, answers = REPORTS["pengaduan"]
    names = ",".join(f"user{i}" for i in range(21))
    parts = form_parts(agency, answers, excluded_handlers=names)
    response = await post_report(client, "metro", "pengaduan", parts)
    assert response.status_code == 422
    assert 'id="e-excluded"' in response.text


async def test_broker_agency_comes_first_without_javascript(client: httpx.AsyncClient) -> None:
    step = await client.get("/lapor/metro/calo")
    assert step.status_code == 200
    assert '<form class="report-form" method="get" action="/lapor/metro/calo">' in step.text
    assert 'method="post"' not in step.text.split("<main", 1)[1]
    assert '<option value="disdukcapil">' in step.text

    form = await client.get("/lapor/metro/calo", params={"agency": "disdukcapil"})
    assert 'method="post"' in form.text
    assert '<option value="disdukcapil" selected>' in form.text
    assert '<option value="ktp-el">KTP elektronik</option>' in form.text
    # The agency select can swap the service list in place with htmx.
    assert 'hx-get="/lapor/metro/calo"' in form.text
    assert 'hx-target="#field-service"' in form.text

    swap = await client.get(
        "/lapor/metro/calo",
        params={"agency": "dpmptsp"},
        headers={"HX-Request": "true", "HX-Target": "field-service"},
    )
    assert swap.status_code == 200
    assert swap.text.lstrip().startswith('<div class="field" id="field-service">')
    assert "<html" not in swap.text
    assert "NIB dan izin usaha (OSS)" in swap.text
    assert "KTP elektronik" not in swap.text


async def test_forms_tell_the_reporter_what_they_need_to_know(client: httpx.AsyncClient) -> None:
    gratification = text_of((await client.get("/lapor/metro/gratifikasi")).text)
    assert "Instansi Anda" in gratification
    assert "Tidak yakin harus melapor? Periksa dulu" in gratification
    whistle = (await client.get("/lapor/metro/pengaduan")).text
    words = text_of(whistle)
    assert "Anda tidak wajib memberikan nama." in words
    assert "Inspektorat Kabupaten Pringsewu" in words  # the partner region's inspectorate
    assert 'name="concerns_inspectorate" value="no" checked' in whistle
    assert 'name="excluded_handlers"' in whistle
    assert "20 MB" in words
    assert "10 berkas" in words
    assert "wajah" in words  # a photo can show who you are
    assert 'inputmode="numeric"' in (await client.get("/lapor/metro/calo?agency=dishub")).text


@pytest.mark.parametrize(
    "path", ["/lapor/atlantis/pengaduan", "/lapor/metro/lainnya", "/lapor/metro/gratification"]
)
async def test_unknown_regions_and_kinds_are_404(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 404
    parts = form_parts("disdukcapil", {})
    assert (await client.post(path, files=parts)).status_code == 404


async def test_behind_tls_the_cookies_are_secure_and_prefixed(
    secure_client: httpx.AsyncClient,
) -> None:
    number, receipt = await file_report(secure_client)
    assert number.startswith("METRO-")
    opened = await open_inbox(secure_client, receipt)
    cookie = opened.headers["set-cookie"]
    assert cookie.startswith("__Host-inbox=")
    assert "; Secure" in cookie
    assert "Path=/" in cookie
    assert "Domain" not in cookie
    assert (await secure_client.get("/kotak/laporan")).status_code == 200
    agency, answers = REPORTS["pengaduan"]
    sent = await post_report(secure_client, "metro", "pengaduan", form_parts(agency, answers))
    flash = sent.headers["set-cookie"]
    assert flash.startswith("__Secure-receipt=")
    assert "; Secure" in flash
    assert "Path=/lapor/terkirim" in flash
