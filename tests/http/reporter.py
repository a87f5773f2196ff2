"""What a reporter does in the tests: the answers of each kind, a photo, posting a form as
a browser does (multipart, an empty file part when no file is chosen), reading the
receipt off the page."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import func, select
from starlette.applications import Starlette

from gratify.intake.models import Attachment, Case

DAYS_AGO = (dt.date.today() - dt.timedelta(days=3)).isoformat()

# kind slug -> (agency, answers as typed into the form)
REPORTS: dict[str, tuple[str, dict[str, str]]] = {
    "gratifikasi": (
        "rsud",
        {
            "reporter_name": "Siti Rahmawati",
            "reporter_nik": "1872015501900001",
            "reporter_nip": "199001152015032001",
            "reporter_position": "Analis Kepegawaian",
            "reporter_address": "Jl. Jenderal Sudirman 12, Metro",
            "reporter_phone": "0812-3456-7890",
            "giver_name": "PT Contoh Jaya",
            "relationship": "business_partner",
            "received_on": DAYS_AGO,
            "received_place": "Kantor BKPSDM",
            "gift_kind": "goods",
            "gift_description": "Parsel berisi jam tangan",
            "estimated_value": "2.500.000",
            "occasion": "religious_holiday",
            "chronology": "Diantar kurir ke meja saya.",
            "gift_status": "refused",
            "object_location": "with_giver",
            "concerns_inspectorate": "no",
        },
    ),
    "pengaduan": (
        "dishub",
        {
            "category": "extortion",
            "accused": "Petugas loket uji KIR",
            "place": "Kantor uji KIR",
            "occurred_on": DAYS_AGO,
            "what_happened": "Diminta uang tambahan Rp 200.000\nagar lulus uji.",
            "how_known": "experienced",
            "concerns_inspectorate": "no",
        },
    ),
    "calo": (
        "disdukcapil",
        {
            "service": "kk",
            "occurred_on": DAYS_AGO,
            "time_window": "10-12",
            "amount_asked": "500.000",
            "officer_involved": "unsure",
            "what_happened": "Seorang calo di parkiran menawarkan KK jadi sehari.",
            "concerns_inspectorate": "no",
        },
    ),
}

# A label of the form and a value as the inbox shows them back, per kind (Indonesian).
SHOWN = {
    "gratifikasi": ("Nama pemberi", "PT Contoh Jaya"),
    "pengaduan": ("Di mana?", "Kantor uji KIR"),
    "calo": ("Layanan apa?", "Kartu Keluarga"),
}


def png(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), colour).save(out, "PNG")
    return out.getvalue()


def form_parts(
    agency: str,
    answers: dict[str, str],
    *,
    files: list[tuple[str, bytes]] | None = None,
    **more: str,
) -> list[tuple[str, Any]]:
    """The parts a browser sends for the report form, files last as in the page."""
    parts: list[tuple[str, Any]] = [("agency", (None, agency))]
    parts += [(name, (None, value)) for name, value in answers.items()]
    parts += [(name, (None, value)) for name, value in more.items()]
    if files:
        parts += [("attachments", (name, data, "application/octet-stream")) for name, data in files]
    else:
        # No file chosen: browsers still send the part, with no name and no bytes.
        parts.append(("attachments", ("", b"", "application/octet-stream")))
    return parts


async def post_report(
    client: httpx.AsyncClient, tenant: str, slug: str, parts: list[tuple[str, Any]]
) -> httpx.Response:
    """Open the form (as a browser does, which gets the cookie check), then send it."""
    await client.get(f"/lapor/{tenant}/{slug}")
    return await client.post(f"/lapor/{tenant}/{slug}", files=parts)


_RECEIPT = re.compile(r'<p class="receipt" id="receipt">(.*?)</p>', re.DOTALL)


def receipt_on(page: str) -> str | None:
    """The receipt code shown on the sent page, or None."""
    found = _RECEIPT.search(page)
    if found is None:
        return None
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def text_of(page: str) -> str:
    """The page's text without tags and with entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


async def counts(app: Starlette) -> tuple[int, int]:
    """Cases and attachments in the app's database."""
    async with app.state.db.reading() as session:
        cases = await session.scalar(select(func.count()).select_from(Case)) or 0
        files = await session.scalar(select(func.count()).select_from(Attachment)) or 0
    return cases, files


async def file_report(
    client: httpx.AsyncClient, slug: str = "calo", tenant: str = "metro", **kw: Any
) -> tuple[str, str]:
    """File a report through the pages; the case number and receipt shown once."""
    agency, answers = REPORTS[slug]
    response = await post_report(client, tenant, slug, form_parts(agency, answers, **kw))
    assert response.status_code == 303, response.text
    page = (await client.get(response.headers["location"])).text
    receipt = receipt_on(page)
    assert receipt is not None
    number = re.search(r'<dd class="mono">([A-Z\-0-9]+)</dd>', page)
    assert number is not None
    return number.group(1), receipt


async def open_inbox(
    client: httpx.AsyncClient, receipt: str, tenant: str = "metro"
) -> httpx.Response:
    return await client.post("/kotak", data={"wilayah": tenant, "receipt": receipt})
