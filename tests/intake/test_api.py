"""The reporter's JSON API over HTTP (API.md), on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from gratify.db.engine import Database
from gratify.intake.models import Attachment, Case
from gratify.settings import Settings
from tests.intake.test_forms import gratification_answers

BROKER: dict[str, Any] = {
    "kind": "broker",
    "agency": "disdukcapil",
    "answers": {
        "service": "kk",
        "occurred_on": "2026-11-02",
        "time_window": "10-12",
        "amount_asked": "Rp 500.000",
        "officer_involved": "yes",
        "what_happened": "Petugas menyarankan lewat calo di parkiran.",
    },
}


@pytest.fixture
def app_settings(installation: Settings) -> Settings:
    """On both engines."""
    return installation


async def _counts(installation: Settings) -> tuple[int, int]:
    db = Database(installation.resolved_database_url)
    try:
        async with db.reading() as session:
            cases = await session.scalar(select(func.count()).select_from(Case)) or 0
            files = await session.scalar(select(func.count()).select_from(Attachment)) or 0
    finally:
        await db.dispose()
    return cases, files


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


async def test_tenants_and_forms(client: httpx.AsyncClient) -> None:
    tenants = (await client.get("/api/v1/tenants")).json()
    assert [t["slug"] for t in tenants] == ["lampung-tengah", "metro", "pringsewu"]
    metro = next(t for t in tenants if t["slug"] == "metro")
    disdukcapil = next(a for a in metro["agencies"] if a["slug"] == "disdukcapil")
    assert {"slug": "ktp-el", "name": "KTP elektronik"} in disdukcapil["services"]
    forms = (await client.get("/api/v1/tenants/metro/forms")).json()
    kinds = {k["kind"]: k for k in forms["kinds"]}
    assert set(kinds) == {"gratification", "whistleblowing", "broker"}
    status = next(f for f in kinds["gratification"]["fields"] if f["name"] == "gift_status")
    assert status == {
        "name": "gift_status",
        "type": "choice",
        "required": True,
        "choices": ["received", "refused", "returned"],
    }
    assert (await client.get("/api/v1/tenants/atlantis/forms")).status_code == 404


async def test_json_report_inbox_and_message(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/tenants/metro/reports", json=BROKER)
    assert response.status_code == 201
    filed = response.json()
    assert set(filed) == {"case_number", "receipt"}
    assert response.headers["cache-control"] == "no-store"

    login = await client.post(
        "/api/v1/inbox/session",
        json={"tenant": "metro", "receipt": filed["receipt"].replace("-", " ").lower()},
    )
    assert login.status_code == 200
    auth = {"Authorization": f"Bearer {login.json()['token']}"}
    inbox = (await client.get("/api/v1/inbox", headers=auth)).json()
    assert inbox["case_number"] == filed["case_number"]
    assert (inbox["tenant"], inbox["agency"], inbox["kind"]) == ("metro", "disdukcapil", "broker")
    assert inbox["status"] == "received"
    assert inbox["answers"]["amount_asked"] == 500_000
    assert inbox["messages"] == []
    sent = await client.post("/api/v1/inbox/messages", headers=auth, json={"body": "Tambahan."})
    assert sent.status_code == 201
    inbox = (await client.get("/api/v1/inbox", headers=auth)).json()
    assert [(m["from"], m["body"]) for m in inbox["messages"]] == [("reporter", "Tambahan.")]
    assert (await client.delete("/api/v1/inbox/session", headers=auth)).status_code == 204
    assert (await client.get("/api/v1/inbox", headers=auth)).status_code == 401


async def test_gratification_gets_a_verifiable_acknowledgement(client: httpx.AsyncClient) -> None:
    body = {"kind": "gratification", "agency": "rsud", "answers": gratification_answers()}
    filed = (await client.post("/api/v1/tenants/pringsewu/reports", json=body)).json()
    ack = filed["acknowledgement"]
    assert set(ack) >= {
        "case_number",
        "filed_at",
        "reporter_nip",
        "report_digest",
        "key_id",
        "signature",
    }
    assert (await client.post("/api/v1/receipts/verify", json=ack)).json()["valid"] is True
    forged = {**ack, "filed_at": "2026-01-02T08:00:00+07:00"}
    assert (await client.post("/api/v1/receipts/verify", json=forged)).json() == {"valid": False}


async def test_multipart_report_with_attachments(
    client: httpx.AsyncClient, installation: Settings
) -> None:
    before = await _counts(installation)
    files = [("attachments", ("bukti.png", _png(), "image/png"))] * 2
    response = await client.post(
        "/api/v1/tenants/lampung-tengah/reports",
        data={"report": json.dumps(BROKER)},
        files=files,
    )
    assert response.status_code == 201, response.text
    after = await _counts(installation)
    assert after == (before[0] + 1, before[1] + 2)
    token = (
        await client.post(
            "/api/v1/inbox/session",
            json={"tenant": "lampung-tengah", "receipt": response.json()["receipt"]},
        )
    ).json()["token"]
    inbox = (await client.get("/api/v1/inbox", headers={"Authorization": f"Bearer {token}"})).json()
    assert [a["filename"] for a in inbox["attachments"]] == ["bukti.png", "bukti.png"]
    assert all(a["metadata_removed"] for a in inbox["attachments"])


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({**BROKER, "kind": "complaint"}, 422, "invalid_input"),
        (
            {**BROKER, "answers": {**BROKER["answers"], "time_window": "night"}},
            422,
            "invalid_input",
        ),
        ({**BROKER, "colour": "red"}, 422, "invalid_input"),
        ([1, 2], 422, "invalid_input"),
    ],
)
async def test_bad_reports_answer_an_error_and_store_nothing(
    client: httpx.AsyncClient, installation: Settings, body: Any, status: int, code: str
) -> None:
    before = await _counts(installation)
    response = await client.post("/api/v1/tenants/metro/reports", json=body)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert await _counts(installation) == before


async def test_errors_name_fields_in_the_readers_language(client: httpx.AsyncClient) -> None:
    body = {**BROKER, "answers": {**BROKER["answers"], "time_window": "night"}}
    indonesian = (await client.post("/api/v1/tenants/metro/reports", json=body)).json()
    assert indonesian["error"]["fields"] == {"answers.time_window": "Pilih salah satu pilihan."}
    english = await client.post(
        "/api/v1/tenants/metro/reports", json=body, headers={"Accept-Language": "en"}
    )
    assert english.json()["error"]["fields"] == {
        "answers.time_window": "Please choose one of the options."
    }


async def test_malformed_bodies(client: httpx.AsyncClient, installation: Settings) -> None:
    before = await _counts(installation)
    url = "/api/v1/tenants/metro/reports"
    not_json = await client.post(
        url, content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 400
    text = await client.post(url, content=b"hello", headers={"Content-Type": "text/plain"})
    assert text.status_code == 415
    huge = await client.post(
        url, content=b"[" + b"1," * 200_000 + b"1]", headers={"Content-Type": "application/json"}
    )
    assert huge.status_code == 413
    no_report = await client.post(url, files=[("attachments", ("a.png", _png(), "image/png"))])
    assert no_report.status_code == 400
    disguised = await client.post(
        url,
        data={"report": json.dumps(BROKER)},
        files=[("attachments", ("foto.jpg", b"<html><script>x</script></html>", "image/jpeg"))],
    )
    assert disguised.status_code == 415
    assert await _counts(installation) == before
    assert (await client.post("/api/v1/tenants/atlantis/reports", json=BROKER)).status_code == 404


async def test_a_wrong_receipt_is_401_whether_or_not_it_exists(client: httpx.AsyncClient) -> None:
    filed = (await client.post("/api/v1/tenants/metro/reports", json=BROKER)).json()
    lookup_exists = filed["receipt"][:10] + "ZZZZ-ZZZZ-ZZZZ-ZZZZ"
    answers = []
    for receipt in (lookup_exists, "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ", "short"):
        response = await client.post(
            "/api/v1/inbox/session", json={"tenant": "metro", "receipt": receipt}
        )
        answers.append((response.status_code, response.json()))
    assert {status for status, _ in answers} == {401}
    assert len({json.dumps(body) for _, body in answers}) == 1
    assert (await client.get("/api/v1/inbox")).status_code == 401
    bogus = {"Authorization": "Bearer not-a-session"}
    assert (await client.get("/api/v1/inbox", headers=bogus)).status_code == 401
