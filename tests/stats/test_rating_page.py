"""Rating from the inbox page, JavaScript off (both engines)."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import select

from gratify.cases.service import transition_case
from gratify.intake.models import Case
from gratify.intake.service import IntakeContext
from tests.cases.conftest import ActorFor
from tests.http.reporter import file_report, open_inbox, text_of


async def test_the_form_appears_once_the_case_is_closed_and_saves(
    ctx: IntakeContext, actor: ActorFor, client: httpx.AsyncClient
) -> None:
    number, receipt = await file_report(client)
    assert (await open_inbox(client, receipt)).status_code == 303
    page = await client.get("/kotak/laporan")
    assert 'id="nilai"' not in page.text
    async with ctx.db.reading() as session:
        case_id = await session.scalar(select(Case.id).where(Case.case_number == number))
    assert case_id is not None
    handler = await actor("metro", "inspektorat-handler")
    now = dt.datetime.now(dt.UTC)
    for target, details in (("acknowledged", {}), ("closed", {"closing_reason": "resolved"})):
        await transition_case(
            ctx, handler, case_id, target, "alasan", details, now=now, today=now.date()
        )
    page = await client.get("/kotak/laporan")
    assert 'id="nilai"' in page.text
    assert 'action="/kotak/nilai"' in page.text
    bad = await client.post("/kotak/nilai", data={"handling": "9", "clarity": "3"})
    assert bad.status_code == 303
    assert "nilai=salah" in bad.headers["location"]
    shown = await client.get(bad.headers["location"])
    assert "Pilih nilai 1 sampai 5 untuk kedua pertanyaan" in text_of(shown.text)
    saved = await client.post("/kotak/nilai", data={"handling": "4", "clarity": "3"})
    assert saved.status_code == 303
    shown = await client.get(saved.headers["location"])
    assert "penilaian Anda tersimpan" in text_of(shown.text)
