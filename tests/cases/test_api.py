"""The handler JSON API over HTTP, on SQLite and PostgreSQL: the whole path, and isolation."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import pytest
from PIL import Image

from gratify.settings import Settings
from tests.conftest import HANDLER_PASSWORD, fresh_totp_code
from tests.intake.test_forms import gratification_answers

BROKER: dict[str, Any] = {
    "kind": "broker",
    "agency": "dpmptsp",
    "answers": {
        "service": "pbg",
        "occurred_on": "2026-11-10",
        "time_window": "10-12",
        "officer_involved": "yes",
        "what_happened": "Diminta Rp5.000.000 agar PBG cepat terbit.",
    },
}


async def sign_in(
    client: httpx.AsyncClient, settings: Settings, tenant: str, username: str
) -> dict[str, str]:
    code = await fresh_totp_code(settings, tenant, username)
    response = await client.post(
        "/api/v1/session",
        json={"tenant": tenant, "username": username, "password": HANDLER_PASSWORD, "totp": code},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def file(client: httpx.AsyncClient, tenant: str, body: dict[str, Any]) -> dict[str, Any]:
    png = io.BytesIO()
    Image.new("RGB", (4, 4), (1, 2, 3)).save(png, "PNG")
    response = await client.post(
        f"/api/v1/tenants/{tenant}/reports",
        data={"report": json.dumps(body)},
        files=[("attachments", ("bukti.png", png.getvalue(), "image/png"))],
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def find(client: httpx.AsyncClient, auth: dict[str, str], number: str) -> str:
    listing = (await client.get("/api/v1/cases?per_page=100", headers=auth)).json()
    ids = [c["id"] for c in listing["items"] if c["case_number"] == number]
    assert len(ids) == 1
    return str(ids[0])


async def test_the_whole_path_over_the_api(
    client: httpx.AsyncClient, installation: Settings
) -> None:
    filed = await file(
        client,
        "metro",
        {"kind": "gratification", "agency": "disdukcapil", "answers": gratification_answers()},
    )
    auth = await sign_in(client, installation, "metro", "upg-handler")
    case_id = await find(client, auth, filed["case_number"])
    listing = (
        await client.get("/api/v1/cases?status=received&kind=gratification", headers=auth)
    ).json()
    item = next(i for i in listing["items"] if i["id"] == case_id)
    assert set(item) >= {"id", "case_number", "kind", "status", "agency", "received_on", "due_on"}
    assert "answers" not in item  # metadata only

    case = (await client.get(f"/api/v1/cases/{case_id}", headers=auth)).json()
    assert case["answers"]["reporter_name"] == "Siti Rahmawati"
    assert [a["filename"] for a in case["attachments"]] == ["bukti.png"]
    download = await client.get(
        f"/api/v1/cases/{case_id}/attachments/{case['attachments'][0]['id']}", headers=auth
    )
    assert download.status_code == 200
    assert download.content.startswith(b"\x89PNG")
    assert "attachment" in download.headers["content-disposition"]
    assert "sandbox" in download.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in download.headers["content-security-policy"]

    async def step(to: str, **extra: str) -> httpx.Response:
        return await client.post(
            f"/api/v1/cases/{case_id}/transitions",
            headers=auth,
            json={"to": to, "reason": f"ke {to}", **extra},
        )

    illegal = await step("kpk_decided")
    assert illegal.status_code == 409
    assert illegal.json()["error"]["code"] == "conflict"
    assert (await step("acknowledged")).json()["status"] == "acknowledged"
    assert (await step("in_review")).status_code == 200
    question = await client.post(
        f"/api/v1/cases/{case_id}/messages", headers=auth, json={"body": "Kapan diterima?"}
    )
    assert question.status_code == 201
    token = (
        await client.post(
            "/api/v1/inbox/session", json={"tenant": "metro", "receipt": filed["receipt"]}
        )
    ).json()["token"]
    reporter = {"Authorization": f"Bearer {token}"}
    inbox = (await client.get("/api/v1/inbox", headers=reporter)).json()
    assert inbox["messages"][-1] == {
        "from": "handler",
        "body": "Kapan diterima?",
        "at": inbox["messages"][-1]["at"],
    }
    await client.post("/api/v1/inbox/messages", headers=reporter, json={"body": "Tanggal 20."})
    assert (await step("forwarded_to_kpk")).status_code == 200
    missing = await step("kpk_decided", outcome="kompensasi")
    assert missing.status_code == 422
    assert set(missing.json()["error"]["fields"]) == {"decision_number", "decision_date"}
    decided = await step(
        "kpk_decided", outcome="kompensasi", decision_number="B-77/2026", decision_date="2026-11-20"
    )
    assert decided.status_code == 200
    closed = await step("closed", closing_reason="kpk_decided")
    assert closed.json()["status"] == "closed"
    case = (await client.get(f"/api/v1/cases/{case_id}", headers=auth)).json()
    assert case["kpk_outcome"] == "kompensasi"
    assert [m["from"] for m in case["messages"]] == ["handler", "reporter", "handler"]
    assert case["history"][-1]["to"] == "closed"
    assert case["next"] == []
    inbox = (await client.get("/api/v1/inbox", headers=reporter)).json()
    assert inbox["status"] == "closed"
    assert inbox["messages"][-1]["body"] == "ke closed"

    # The trail holds exactly what happened, in order, each read included (issue 5).
    auditor = await sign_in(client, installation, "metro", "auditor")
    trail = await client.get(f"/api/v1/audit?case={case_id}&per_page=200", headers=auditor)
    assert trail.status_code == 200, trail.text
    entries = list(reversed(trail.json()["entries"]))
    handler = entries[1]["actor"]
    assert handler.startswith("user:")
    steps = [("received", "acknowledged"), ("acknowledged", "in_review")]
    closing = [
        ("in_review", "forwarded_to_kpk"),
        ("forwarded_to_kpk", "kpk_decided"),
        ("kpk_decided", "closed"),
    ]
    assert [(e["event"], e["actor"]) for e in entries] == [
        ("case.filed", "reporter"),
        ("case.content.read", handler),
        ("case.attachment.downloaded", handler),
        *[("case.transitioned", handler)] * 2,
        ("case.message.sent", handler),
        ("reporter.inbox.opened", "reporter"),
        ("reporter.message.sent", "reporter"),
        *[("case.transitioned", handler)] * 3,
        ("case.message.sent", handler),  # the closing message to the reporter
        ("case.content.read", handler),
    ]
    moves = [(e["details"]["from"], e["details"]["to"]) for e in entries if "to" in e["details"]]
    assert moves == steps + closing
    assert entries[2]["details"] == {"attachment": case["attachments"][0]["id"]}
    # Refused steps (409, 422) left nothing; no entry holds what was written.
    assert "Tanggal 20" not in trail.text
    assert "Kapan diterima" not in trail.text


# Every endpoint that takes a case id: (method, path template, JSON body).
CASE_ENDPOINTS = [
    ("GET", "/api/v1/cases/{id}", None),
    ("POST", "/api/v1/cases/{id}/transitions", {"to": "acknowledged", "reason": "x"}),
    ("POST", "/api/v1/cases/{id}/messages", {"body": "x"}),
    ("POST", "/api/v1/cases/{id}/notes", {"body": "x"}),
    ("POST", "/api/v1/cases/{id}/assignment", {"username": "inspektorat-handler"}),
    ("GET", "/api/v1/cases/{id}/holders", None),
    ("POST", "/api/v1/cases/{id}/grants", {"username": "inspektorat-handler"}),
    ("DELETE", "/api/v1/cases/{id}/grants/inspektorat-handler", None),
    ("POST", "/api/v1/cases/{id}/conflict", None),
    ("GET", "/api/v1/cases/{id}/attachments/{attachment}", None),
]


async def test_a_case_not_yours_is_exactly_a_missing_case(
    client: httpx.AsyncClient, installation: Settings
) -> None:
    body = {**BROKER, "excluded_handlers": ["inspektorat-supervisor"]}
    filed = await file(client, "pringsewu", body)
    owner = await sign_in(client, installation, "pringsewu", "inspektorat-handler")
    case_id = await find(client, owner, filed["case_number"])
    attachment = (await client.get(f"/api/v1/cases/{case_id}", headers=owner)).json()[
        "attachments"
    ][0]["id"]
    outsiders = {
        "another unit": await sign_in(client, installation, "pringsewu", "upg-handler"),
        "another tenant": await sign_in(client, installation, "metro", "inspektorat-handler"),
        "excluded": await sign_in(client, installation, "pringsewu", "inspektorat-supervisor"),
        "admin without a grant": await sign_in(client, installation, "pringsewu", "admin"),
    }
    missing_id = "f" * 32
    for method, template, payload in CASE_ENDPOINTS:
        answers = []
        for who, auth in outsiders.items():
            for target in (case_id, missing_id):
                path = template.format(id=target, attachment=attachment)
                response = await client.request(
                    method, path, headers=auth, json=payload if payload is not None else None
                )
                answers.append((who, target, response.status_code, response.text))
        assert {status for _, _, status, _ in answers} == {404}, (template, answers)
        assert len({text for _, _, _, text in answers}) == 1, template
        anonymous = await client.request(
            method,
            template.format(id=case_id, attachment=attachment),
            json=payload if payload is not None else None,
        )
        assert anonymous.status_code == 401
    for auth in outsiders.values():
        listing = (await client.get("/api/v1/cases?per_page=100", headers=auth)).json()
        assert case_id not in {c["id"] for c in listing["items"]}
    # The owner still has it, untouched by all of the above.
    case = (await client.get(f"/api/v1/cases/{case_id}", headers=owner)).json()
    assert case["status"] == "received"
    assert case["notes"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("per_page=x", "per_page"),
        ("overdue=maybe", "overdue"),
        ("sort=colour", "sort"),
    ],
)
async def test_bad_inbox_queries(
    client: httpx.AsyncClient, installation: Settings, query: str, field: str
) -> None:
    auth = await sign_in(client, installation, "metro", "inspektorat-handler")
    response = await client.get(f"/api/v1/cases?{query}", headers=auth)
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]
