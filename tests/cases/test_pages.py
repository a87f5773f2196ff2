"""The handler's pages over HTTP, on SQLite and PostgreSQL: the inbox /kasus and the case
page, driven as a browser does with JavaScript off (form posts, 303s followed by hand) and
as htmx does (HX-Request, fragments)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from starlette.applications import Starlette

from gratify.intake.models import Case
from gratify.settings import Settings
from tests.cases.test_api import BROKER, file
from tests.conftest import http_client, sign_in_page
from tests.http.reporter import text_of
from tests.intake.test_forms import gratification_answers
from tests.web.htmlcheck import inline_code

HTMX = {"HX-Request": "true"}
_LINKS = re.compile(r'(?:src|href|action|hx-get|hx-post)="([^"]*)"')


def gratification() -> dict[str, Any]:
    return {"kind": "gratification", "agency": "disdukcapil", "answers": gratification_answers()}


def case_id_on(page: str, number: str) -> str:
    """The id of case `number`, from its link in the inbox."""
    found = re.search(rf'href="/kasus/([0-9a-f]{{32}})" class="mono">{re.escape(number)}<', page)
    assert found is not None, number
    return found.group(1)


async def find_case(client: httpx.AsyncClient, number: str, query: str = "") -> str:
    page = await client.get(f"/kasus?per_page=100{query}")
    assert page.status_code == 200, page.text
    return case_id_on(page.text, number)


async def step(client: httpx.AsyncClient, case_id: str, to: str, **fields: str) -> httpx.Response:
    data = {"to": to, "reason": f"Alasan: {to}", **fields}
    return await client.post(f"/kasus/{case_id}/langkah", data=data)


def assert_clean(response: httpx.Response, name: str) -> None:
    """No inline script or style (the CSP would block it), nothing from elsewhere."""
    assert response.headers["content-type"] == "text/html; charset=utf-8", name
    assert inline_code(response.text) == [], name
    for target in _LINKS.findall(response.text):
        assert target.startswith(("/", "#")), (name, target)
        assert not target.startswith("//"), (name, target)


@pytest.fixture
async def reporter_client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser: the reporter's (or a colleague's), with cookies of its own."""
    async with http_client(app) as other:
        yield other


async def test_without_a_session_the_pages_send_to_the_sign_in(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/kasus", f"/kasus/{'a' * 32}", f"/kasus/{'a' * 32}/konflik"):
        response = await client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/masuk"
    posted = await client.post(f"/kasus/{'a' * 32}/pesan", data={"body": "x"})
    assert posted.status_code == 303
    assert posted.headers["location"] == "/masuk"
    # htmx would swap the sign-in page into a part of the page: it is told to load it whole.
    swapped = await client.get("/kasus?status=received", headers=HTMX)
    assert swapped.status_code == 200
    assert swapped.headers["hx-redirect"] == "/masuk"


async def test_the_whole_path_through_the_pages(
    client: httpx.AsyncClient, reporter_client: httpx.AsyncClient, installation: Settings
) -> None:
    filed = await file(reporter_client, "metro", gratification())
    number = filed["case_number"]
    await sign_in_page(client, installation, "metro", "upg-handler")

    # The inbox lists it; filters keep or drop it.
    inbox = await client.get("/kasus?per_page=100")
    assert inbox.status_code == 200
    assert_clean(inbox, "inbox")
    case_id = case_id_on(inbox.text, number)
    words = text_of(inbox.text)
    assert "Kasus" in words
    assert "Diterima" in words
    assert await find_case(client, number, "&kind=gratification&status=received&sort=due")
    assert await find_case(client, number, "&agency=disdukcapil&overdue=false")
    for query in ("kind=broker", "status=closed", "agency=rsud", "overdue=true"):
        assert number not in (await client.get(f"/kasus?per_page=100&{query}")).text, query
    # htmx gets the results alone, and caches are told the URL answers two ways.
    fragment = await client.get("/kasus?kind=gratification&per_page=100", headers=HTMX)
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="inbox-results"')
    assert "<html" not in fragment.text
    assert number in fragment.text
    assert fragment.headers["vary"] == "HX-Request"

    # The case page: facts, answers with the form's labels, files with a sandboxed preview.
    page = await client.get(f"/kasus/{case_id}")
    assert page.status_code == 200
    assert_clean(page, "case")
    assert "frame-src 'self'" in page.headers["content-security-policy"]
    words = text_of(page.text)
    assert number in words
    assert "Siti Rahmawati" in words
    assert "Nama pemberi" in words
    assert "PT Contoh Jaya" in words
    attachment = re.search(rf'href="/kasus/{case_id}/lampiran/([^"?]+)"', page.text)
    assert attachment is not None
    path = f"/kasus/{case_id}/lampiran/{attachment.group(1)}"
    assert f'<iframe class="preview" sandbox src="{path}?inline=1"' in page.text
    download = await client.get(path)
    assert download.status_code == 200
    assert download.content.startswith(b"\x89PNG")
    assert download.headers["content-disposition"].startswith("attachment")
    policy = download.headers["content-security-policy"]
    assert policy.startswith("sandbox; default-src 'none'")
    assert "frame-ancestors 'none'" in policy
    inline = await client.get(f"{path}?inline=1")
    assert inline.headers["content-disposition"].startswith("inline")
    assert inline.headers["content-type"] == "image/png"
    assert "sandbox" in inline.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in inline.headers["content-security-policy"]

    # A step the workflow does not allow now: 409, the page again, the error with the steps.
    illegal = await step(client, case_id, "kpk_decided")
    assert illegal.status_code == 409
    assert_clean(illegal, "409")
    assert "tidak diperbolehkan" in text_of(illegal.text)
    assert re.search(r'id="langkah".*?class="error-box" role="alert"', illegal.text, re.DOTALL)

    moved = await step(client, case_id, "acknowledged")
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/kasus/{case_id}#status"
    # With htmx the status section comes back, and conversation and history by id.
    review = await client.post(
        f"/kasus/{case_id}/langkah",
        data={"to": "in_review", "reason": "Mulai telaah"},
        headers=HTMX,
    )
    assert review.status_code == 200
    assert review.text.lstrip().startswith('<section id="status"')
    assert (
        '<section id="pesan" class="conversation" aria-labelledby="pesan-title" hx-swap-oob="true">'
        in review.text
    )
    assert 'id="riwayat" aria-labelledby="riwayat-title" hx-swap-oob="true"' in review.text
    assert "Mulai telaah" in review.text
    assert "<html" not in review.text

    # Ask the reporter; an empty message is refused beside its field.
    empty = await client.post(f"/kasus/{case_id}/pesan", data={"body": "  "})
    assert empty.status_code == 422
    assert 'id="e-message"' in empty.text
    assert 'aria-describedby="h-message e-message" aria-invalid="true"' in empty.text
    asked = await client.post(f"/kasus/{case_id}/pesan", data={"body": "Kapan diterima?"})
    assert asked.status_code == 303
    assert asked.headers["location"] == f"/kasus/{case_id}#pesan"
    assert (await step(client, case_id, "awaiting_reporter")).status_code == 303

    # The reporter answers through the inbox API.
    token = (
        await reporter_client.post(
            "/api/v1/inbox/session", json={"tenant": "metro", "receipt": filed["receipt"]}
        )
    ).json()["token"]
    reporter = {"Authorization": f"Bearer {token}"}
    inbox_view = (await reporter_client.get("/api/v1/inbox", headers=reporter)).json()
    assert inbox_view["messages"][-1]["body"] == "Kapan diterima?"
    answered = await reporter_client.post(
        "/api/v1/inbox/messages", headers=reporter, json={"body": "Tanggal 20."}
    )
    assert answered.status_code == 201
    words = text_of((await client.get(f"/kasus/{case_id}")).text)
    assert "Pelapor" in words
    assert "Tanggal 20." in words

    assert (await step(client, case_id, "in_review")).status_code == 303
    assert (await step(client, case_id, "forwarded_to_kpk")).status_code == 303

    # KPK's decision without its letter: 422, each missing field's error beside it.
    missing = await step(client, case_id, "kpk_decided", outcome="kompensasi")
    assert missing.status_code == 422
    assert_clean(missing, "422")
    for name in ("decision_number", "decision_date"):
        assert f'id="s-kpk_decided-{name}-e"' in missing.text, name
        assert re.search(
            rf'id="s-kpk_decided-{name}"[^>]*aria-describedby="[^"]*s-kpk_decided-{name}-e"',
            missing.text,
        ), name
    assert 'id="s-kpk_decided-outcome-e"' not in missing.text
    summary = re.search(r'<div class="error-summary".*?</div>', missing.text, re.DOTALL)
    assert summary is not None
    assert 'href="#s-kpk_decided-decision_number"' in summary.group(0)
    assert '<option value="kompensasi" selected>' in missing.text
    assert '<details class="step" open>' in missing.text
    decided = await step(
        client,
        case_id,
        "kpk_decided",
        outcome="kompensasi",
        decision_number="B-77/2026",
        decision_date=dt.date.today().isoformat(),
    )
    assert decided.status_code == 303

    # Closing: the page says the text goes to the reporter; it does.
    page = await client.get(f"/kasus/{case_id}")
    assert "pesan terakhir" in text_of(page.text)
    closed = await step(
        client,
        case_id,
        "closed",
        closing_reason="kpk_decided",
        reason="KPK menetapkan kompensasi. Terima kasih atas laporan Anda.",
    )
    assert closed.status_code == 303
    page = await client.get(f"/kasus/{case_id}")
    words = text_of(page.text)
    assert "Selesai" in words
    assert "B-77/2026" in words
    assert "kompensasi" in words
    assert 'name="to"' not in page.text  # no further steps
    inbox_view = (await reporter_client.get("/api/v1/inbox", headers=reporter)).json()
    assert inbox_view["status"] == "closed"
    assert inbox_view["messages"][-1]["body"] == (
        "KPK menetapkan kompensasi. Terima kasih atas laporan Anda."
    )


async def test_notes_are_swapped_in_place_and_never_reach_the_reporter(
    client: httpx.AsyncClient, reporter_client: httpx.AsyncClient, installation: Settings
) -> None:
    filed = await file(reporter_client, "metro", BROKER)
    await sign_in_page(client, installation, "metro", "inspektorat-handler")
    case_id = await find_case(client, filed["case_number"])
    added = await client.post(
        f"/kasus/{case_id}/catatan", data={"body": "Cek CCTV loket."}, headers=HTMX
    )
    assert added.status_code == 200
    assert added.text.lstrip().startswith('<section id="catatan"')
    assert "Cek CCTV loket." in added.text
    refused = await client.post(f"/kasus/{case_id}/catatan", data={"body": ""}, headers=HTMX)
    assert refused.status_code == 200  # htmx swaps only successful answers
    assert 'id="e-note"' in refused.text
    plain = await client.post(f"/kasus/{case_id}/catatan", data={"body": "Kedua."})
    assert plain.status_code == 303
    assert plain.headers["location"] == f"/kasus/{case_id}#catatan"
    message = await client.post(f"/kasus/{case_id}/pesan", data={"body": "Ya?"}, headers=HTMX)
    assert message.text.lstrip().startswith('<section id="pesan"')
    token = (
        await reporter_client.post(
            "/api/v1/inbox/session", json={"tenant": "metro", "receipt": filed["receipt"]}
        )
    ).json()["token"]
    seen = await reporter_client.get("/api/v1/inbox", headers={"Authorization": f"Bearer {token}"})
    assert "Cek CCTV" not in seen.text
    assert "Ya?" in seen.text


async def test_a_case_of_another_unit_is_a_missing_case(
    client: httpx.AsyncClient,
    reporter_client: httpx.AsyncClient,
    installation: Settings,
) -> None:
    filed = await file(reporter_client, "metro", BROKER)
    await sign_in_page(reporter_client, installation, "metro", "inspektorat-handler")
    case_id = await find_case(reporter_client, filed["case_number"])
    page = (await reporter_client.get(f"/kasus/{case_id}")).text
    attachment = re.search(rf"/kasus/{case_id}/lampiran/([^\"?]+)", page)
    assert attachment is not None
    await sign_in_page(client, installation, "metro", "upg-handler")
    assert filed["case_number"] not in (await client.get("/kasus?per_page=100")).text
    made_up = "f" * 32
    for method, template, data in (
        ("GET", "/kasus/{id}", None),
        ("GET", "/kasus/{id}/konflik", None),
        ("GET", "/kasus/{id}/ekspor", None),
        ("GET", "/kasus/{id}/lampiran/" + attachment.group(1), None),
        ("POST", "/kasus/{id}/langkah", {"to": "acknowledged", "reason": "x"}),
        ("POST", "/kasus/{id}/langkah", {"to": "acknowledged", "reason": ""}),
        ("POST", "/kasus/{id}/pesan", {"body": "x"}),
        ("POST", "/kasus/{id}/catatan", {"body": "x"}),
        ("POST", "/kasus/{id}/penugasan", {"username": "upg-handler"}),
        ("POST", "/kasus/{id}/akses", {"username": "upg-handler"}),
        ("POST", "/kasus/{id}/akses/cabut", {"username": "inspektorat-handler"}),
        ("POST", "/kasus/{id}/konflik", {}),
    ):
        answers = []
        for target in (case_id, made_up):
            response = await client.request(method, template.format(id=target), data=data)
            # The language switch on every page names the page's own path.
            answers.append((response.status_code, response.text.replace(target, "ID")))
        assert answers[0] == answers[1], template
        assert answers[0][0] == 404, template
    # The owner's case is untouched by all of the above.
    page = (await reporter_client.get(f"/kasus/{case_id}")).text
    assert "Diterima" in text_of(page)
    assert "Belum ada catatan" in text_of(page)


async def test_taking_assigning_granting_and_revoking(
    client: httpx.AsyncClient, reporter_client: httpx.AsyncClient, installation: Settings
) -> None:
    filed = await file(reporter_client, "pringsewu", BROKER)
    await sign_in_page(client, installation, "pringsewu", "inspektorat-handler")
    case_id = await find_case(client, filed["case_number"])
    page = await client.get(f"/kasus/{case_id}")
    assert "Ambil kasus ini" in text_of(page.text)
    assert "/akses/cabut" not in page.text  # revoking is for supervisors
    taken = await client.post(
        f"/kasus/{case_id}/penugasan", data={"username": "inspektorat-handler"}
    )
    assert taken.status_code == 303
    assert taken.headers["location"] == f"/kasus/{case_id}#penanganan"
    page = await client.get(f"/kasus/{case_id}")
    assert "Kasus ini ditugaskan kepada Anda" in text_of(page.text)
    unknown = await client.post(f"/kasus/{case_id}/akses", data={"username": "nobody"})
    assert unknown.status_code == 422
    assert 'id="e-grant"' in unknown.text
    assert 'value="nobody"' in unknown.text
    refused = await client.post(
        f"/kasus/{case_id}/akses/cabut", data={"username": "inspektorat-supervisor"}
    )
    assert refused.status_code == 403
    assert "supervisor" in text_of(refused.text)

    await sign_in_page(reporter_client, installation, "pringsewu", "inspektorat-supervisor")
    page = await reporter_client.get(f"/kasus/{case_id}")
    assert '<select id="f-assign" name="username"' in page.text
    assert "Cabut akses inspektorat-handler" in text_of(page.text)
    revoked = await reporter_client.post(
        f"/kasus/{case_id}/akses/cabut", data={"username": "inspektorat-handler"}
    )
    assert revoked.status_code == 303
    assert (await client.get(f"/kasus/{case_id}")).status_code == 404
    regranted = await reporter_client.post(
        f"/kasus/{case_id}/akses", data={"username": "inspektorat-handler"}
    )
    assert regranted.status_code == 303
    assigned = await reporter_client.post(
        f"/kasus/{case_id}/penugasan", data={"username": "inspektorat-handler"}
    )
    assert assigned.status_code == 303
    page = await client.get(f"/kasus/{case_id}")
    assert page.status_code == 200
    assert "Kasus ini ditugaskan kepada Anda" in text_of(page.text)


async def test_declaring_a_conflict_of_interest_asks_first(
    client: httpx.AsyncClient, reporter_client: httpx.AsyncClient, installation: Settings
) -> None:
    filed = await file(reporter_client, "lampung-tengah", BROKER)
    await sign_in_page(client, installation, "lampung-tengah", "inspektorat-handler")
    case_id = await find_case(client, filed["case_number"])
    confirm = await client.get(f"/kasus/{case_id}/konflik")
    assert confirm.status_code == 200
    assert_clean(confirm, "conflict")
    assert f'action="/kasus/{case_id}/konflik"' in confirm.text
    assert (await client.get(f"/kasus/{case_id}")).status_code == 200  # nothing happened yet
    declared = await client.post(f"/kasus/{case_id}/konflik")
    assert declared.status_code == 303
    assert declared.headers["location"] == "/kasus?konflik=1"
    notice = await client.get("/kasus?konflik=1")
    assert "konflik kepentingan" in text_of(notice.text)
    assert filed["case_number"] not in notice.text
    assert (await client.get(f"/kasus/{case_id}")).status_code == 404


async def test_supervisors_see_overdue_cases_first(
    app: Starlette,
    client: httpx.AsyncClient,
    reporter_client: httpx.AsyncClient,
    installation: Settings,
) -> None:
    filed = await file(reporter_client, "metro", BROKER)
    await sign_in_page(client, installation, "metro", "inspektorat-supervisor")
    case_id = await find_case(client, filed["case_number"])
    async with app.state.db.writing() as session:
        await session.execute(
            update(Case)
            .where(Case.id == case_id)
            .values(due_on=dt.date.today() - dt.timedelta(days=3))
        )
    page = await client.get("/kasus?per_page=100")
    assert_clean(page, "supervisor inbox")
    box = re.search(r'<section class="overdue-box".*?</section>', page.text, re.DOTALL)
    assert box is not None
    assert filed["case_number"] in box.group(0)
    row = re.search(
        rf'<tr class="is-overdue">\s*<th scope="row"><a href="/kasus/{case_id}"', page.text
    )
    assert row is not None
    assert "Lewat tenggat" in text_of(page.text)
    overdue_only = await client.get("/kasus?per_page=100&overdue=true")
    assert filed["case_number"] in overdue_only.text
    # A handler has no such box, but the same flag in the table.
    await sign_in_page(reporter_client, installation, "metro", "inspektorat-handler")
    handler_page = await reporter_client.get("/kasus?per_page=100&overdue=true")
    assert 'class="overdue-box"' not in handler_page.text
    assert filed["case_number"] in handler_page.text


async def test_counts_pages_and_bad_filters(
    client: httpx.AsyncClient, reporter_client: httpx.AsyncClient, installation: Settings
) -> None:
    for _ in range(3):
        await file(reporter_client, "pringsewu", BROKER)
    await sign_in_page(client, installation, "pringsewu", "inspektorat-handler")
    first = await client.get("/kasus?per_page=1")
    assert "Halaman 1 dari" in text_of(first.text)
    assert 'href="/kasus?per_page=1&amp;page=2"' in first.text
    assert 'hx-get="/kasus?per_page=1&amp;page=2"' in first.text
    second = await client.get("/kasus?per_page=1&page=2")
    assert 'href="/kasus?per_page=1" hx-get="/kasus?per_page=1" rel="prev"' in second.text
    counts = re.search(r'<nav class="status-counts".*?</nav>', first.text, re.DOTALL)
    assert counts is not None
    assert 'href="/kasus?status=received&amp;per_page=1"' in counts.group(0)
    bad = await client.get("/kasus?sort=colour&overdue=maybe")
    assert bad.status_code == 422
    assert_clean(bad, "bad filters")
    assert 'class="error-summary"' in bad.text


@pytest.mark.parametrize("language", ["id", "en"])
async def test_the_pages_speak_the_chosen_language(
    client: httpx.AsyncClient,
    reporter_client: httpx.AsyncClient,
    installation: Settings,
    language: str,
) -> None:
    filed = await file(reporter_client, "metro", BROKER)
    client.cookies.set("lang", language)
    await sign_in_page(client, installation, "metro", "inspektorat-handler")
    case_id = await find_case(client, filed["case_number"])
    page = await client.get(f"/kasus/{case_id}")
    assert f'<html lang="{language}">' in page.text
    words = text_of(page.text)
    expected = "Catatan internal" if language == "id" else "Internal notes"
    assert expected in words
