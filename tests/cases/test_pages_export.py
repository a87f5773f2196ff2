"""The case file export, ``GET /kasus/{id}/ekspor``, on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re

import httpx
from sqlalchemy import select

from gratify.audit.listing import list_entries
from gratify.cases.pages_export import export_filename
from gratify.db.engine import Database
from gratify.intake.models import Case
from gratify.settings import Settings
from tests.cases.test_api import BROKER, file
from tests.cases.test_pages import find_case
from tests.conftest import sign_in_page
from tests.http.reporter import text_of


async def _events(settings: Settings, case_id: str) -> list[tuple[str, object]]:
    db = Database(settings.resolved_database_url)
    try:
        async with db.reading() as session:
            tenant = await session.scalar(select(Case.tenant_id).where(Case.id == case_id))
            assert tenant is not None
            page = await list_entries(session, tenant, case_id=case_id)
    finally:
        await db.dispose()
    return [(e.event, e.as_json()["details"]) for e in reversed(page.entries)]


async def test_the_case_file_is_a_recorded_download_that_loads_nothing(
    client: httpx.AsyncClient, installation: Settings
) -> None:
    filed = await file(client, "metro", BROKER)
    await sign_in_page(client, installation, "metro", "inspektorat-handler")
    case_id = await find_case(client, filed["case_number"])
    await client.post(f"/kasus/{case_id}/catatan", data={"body": "Cek rekaman CCTV loket."})
    page = await client.get(f"/kasus/{case_id}")
    assert f'href="/kasus/{case_id}/ekspor"' in page.text
    before = await _events(installation, case_id)

    response = await client.get(f"/kasus/{case_id}/ekspor")
    assert response.status_code == 200
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="{export_filename(filed["case_number"])}"'
    assert re.fullmatch(r'attachment; filename="kasus-[A-Za-z0-9-]+\.html"', disposition)
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.headers["cache-control"].startswith("no-store")
    text = text_of(response.text)
    assert filed["case_number"] in text
    assert BROKER["answers"]["what_happened"] in text
    assert "Cek rekaman CCTV loket." in text
    assert "Rahasia." in text  # the warning, in Indonesian
    # Nothing loaded from anywhere, even opened from disk: its own policy, no links out.
    policy = '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'">'
    assert policy in html.unescape(response.text)
    assert not re.search(r"<(script|link|img|iframe)\b", response.text)
    assert not re.search(r'(src|href)="', response.text)

    after = await _events(installation, case_id)
    # The export is one entry of its own, not an ordinary read.
    assert after[len(before) :] == [("case.exported", {"format": "html"})]


def test_export_filenames_are_safe() -> None:
    assert export_filename("MET/2026/BRK/0001") == "kasus-MET-2026-BRK-0001.html"
    assert export_filename("../../etc") == "kasus-etc.html"
