"""Every field of every kind: its error over the API, in Indonesian, and nothing stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from gratify.app import create_app
from gratify.intake.forms import FieldSpec, default_forms
from gratify.intake.models import Case
from gratify.intake.service import IntakeContext
from gratify.settings import Settings
from tests.conftest import running
from tests.intake.test_forms import gratification_answers

VALID: dict[str, tuple[str, dict[str, Any]]] = {
    "gratification": ("dpmptsp", gratification_answers()),
    "whistleblowing": (
        "dishub",
        {
            "category": "extortion",
            "place": "Terminal",
            "what_happened": "Diminta uang.",
            "how_known": "experienced",
        },
    ),
    "broker": (
        "disdukcapil",
        {
            "service": "akta-kelahiran",
            "occurred_on": "2026-10-01",
            "time_window": "12-14",
            "officer_involved": "no",
            "what_happened": "Calo menawarkan jasa.",
        },
    ),
}

# What is wrong, per type: (bad value, Indonesian message shown).
WRONG: dict[str, list[tuple[Any, str]]] = {
    "text": [(123, "Isi bagian ini dengan teks."), ("x" * 501, "Teks ini terlalu panjang.")],
    "textarea": [
        (["a"], "Isi bagian ini dengan teks."),
        ("x" * 20_001, "Teks ini terlalu panjang."),
    ],
    "choice": [("not-a-choice", "Pilih salah satu pilihan.")],
    "service": [("not-a-service", "Pilih layanan dari instansi ini.")],
    "date": [
        ("31/12/2025", "Tulis tanggal dengan format TTTT-BB-HH."),
        ("2999-01-01", "Tanggal tidak boleh di masa depan atau sebelum tahun 2000."),
    ],
    "money": [("sejuta", "Tulis jumlah dalam rupiah, misalnya 1.500.000.")],
    "yesno": [("mungkin", "Jawab ya atau tidak.")],
    "nik": [("123", "NIK terdiri atas 16 angka.")],
    "nip": [("123", "NIP terdiri atas 18 angka.")],
    "email": [("bukan-email", "Tulis alamat email, misalnya nama@contoh.go.id.")],
    "phone": [("telepon saya", "Tulis nomor telepon, misalnya 0812-3456-7890.")],
}


def _cases() -> list[tuple[str, FieldSpec, Any, str]]:
    cases = []
    for form in default_forms().kinds:
        for spec in form.fields:
            if spec.required:
                cases.append((form.kind, spec, None, "Bagian ini wajib diisi."))
            limit_text = spec.max_length
            for value, message in WRONG[spec.type]:
                if limit_text and isinstance(value, str) and len(value) > 500:
                    value = "x" * (limit_text + 1)
                cases.append((form.kind, spec, value, message))
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
async def client(installation: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Starlette]]:
    async with running(create_app(installation)) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            yield http, app


async def _count(app: Starlette) -> int:
    ctx: IntakeContext = app.state.intake
    async with ctx.db.reading() as session:
        return await session.scalar(select(func.count()).select_from(Case)) or 0


@pytest.mark.parametrize(
    ("kind", "spec", "value", "message"),
    CASES,
    ids=[f"{k}-{s.name}-{'missing' if v is None else type(v).__name__}" for k, s, v, _ in CASES],
)
async def test_each_field_error_is_shown_and_nothing_is_stored(
    client: tuple[httpx.AsyncClient, Starlette],
    kind: str,
    spec: FieldSpec,
    value: Any,
    message: str,
) -> None:
    http, app = client
    agency, answers = VALID[kind]
    answers = dict(answers)
    if value is None:
        answers.pop(spec.name, None)
    else:
        answers[spec.name] = value
    before = await _count(app)
    response = await http.post(
        "/api/v1/tenants/metro/reports", json={"kind": kind, "agency": agency, "answers": answers}
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {f"answers.{spec.name}": message}
    assert await _count(app) == before


async def test_the_valid_reports_pass(client: tuple[httpx.AsyncClient, Starlette]) -> None:
    http, _ = client
    for kind, (agency, answers) in VALID.items():
        response = await http.post(
            "/api/v1/tenants/metro/reports",
            json={"kind": kind, "agency": agency, "answers": answers},
        )
        assert response.status_code == 201, response.text
