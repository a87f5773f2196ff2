"""``GET /api/v1/audit`` over HTTP, on both engines."""

from __future__ import annotations

import httpx

from gratify.settings import Settings
from tests.cases.test_api import BROKER, file, find, sign_in


async def test_supervisors_read_their_tenant_s_trail_and_handlers_do_not(
    client: httpx.AsyncClient, installation: Settings
) -> None:
    filed = await file(client, "lampung-tengah", BROKER)
    handler = await sign_in(client, installation, "lampung-tengah", "inspektorat-handler")
    case_id = await find(client, handler, filed["case_number"])
    await client.get(f"/api/v1/cases/{case_id}", headers=handler)
    supervisor = await sign_in(client, installation, "lampung-tengah", "inspektorat-supervisor")
    response = await client.get(f"/api/v1/audit?case={case_id}", headers=supervisor)
    assert response.status_code == 200
    body = response.json()
    events = [e["event"] for e in reversed(body["entries"])]
    assert events[0] == "case.filed"
    assert "case.content.read" in events
    assert all(e["case"] == case_id for e in body["entries"])
    assert "Diminta Rp5.000.000" not in response.text  # no report content in the trail
    logins = await client.get("/api/v1/audit?event=account.&per_page=5", headers=supervisor)
    assert {e["event"] for e in logins.json()["entries"]} <= {
        "account.login.succeeded",
        "account.login.failed",
    }
    assert (await client.get("/api/v1/audit", headers=handler)).status_code == 404
    assert (await client.get("/api/v1/audit")).status_code == 401
    bad = await client.get("/api/v1/audit?page=0", headers=supervisor)
    assert bad.status_code == 422
    # Another tenant's supervisor sees none of it.
    other = await sign_in(client, installation, "metro", "inspektorat-supervisor")
    elsewhere = await client.get(f"/api/v1/audit?case={case_id}", headers=other)
    assert elsewhere.json()["entries"] == []
