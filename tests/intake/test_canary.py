"""No report content at rest in plaintext: the canary test (threat model, invariant 1).

One report of each kind carries a unique canary in every text field and inside a photo
that also has EXIF GPS; then every byte the installation wrote — the SQLite database, its
WAL and shared memory, the keys, the temp dir, the log — is scanned. On PostgreSQL the
database is dumped with pg_dump and the dump is scanned.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy.engine import make_url
from starlette.applications import Starlette

from gratify.intake.attachments import open_attachment
from gratify.intake.forms import default_forms
from gratify.intake.inbox import session_case_key
from gratify.intake.service import IntakeContext
from gratify.settings import Settings
from tests.intake.test_forms import gratification_answers

GPS_LATITUDE = (5, 6, 7)  # somewhere in Lampung; must not survive


def _canary(kind: str, field: str) -> str:
    return f"CANARY{kind[:4].upper()}{field.replace('_', '').upper()}XQZ"


def _answers(kind: str, agency_services: dict[str, Any]) -> dict[str, Any]:
    """Valid answers with a canary in every free-text field of the kind."""
    form = default_forms().form(kind)
    assert form is not None
    base: dict[str, Any] = {
        "gratification": gratification_answers(),
        "whistleblowing": {
            "category": "bribery",
            "place": "x",
            "what_happened": "x",
            "how_known": "witnessed",
        },
        "broker": {
            "service": "ktp-el",
            "occurred_on": "2026-11-02",
            "time_window": "08-10",
            "officer_involved": "no",
            "what_happened": "x",
        },
    }[kind]
    for field in form.fields:
        if field.type in ("text", "textarea"):
            base[field.name] = f"{_canary(kind, field.name)} apa adanya"
    return base


def _photo_with_gps(canary: str) -> bytes:
    image = Image.new("RGB", (32, 24), (10, 120, 40))
    exif = Image.Exif()
    exif[0x010E] = canary  # ImageDescription
    gps = exif.get_ifd(0x8825)
    gps[1] = "S"
    gps[2] = GPS_LATITUDE
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    data = out.getvalue()
    assert canary.encode() in data
    return data


@pytest.fixture
def app_settings(installation: Settings) -> Settings:
    """On both engines."""
    return installation


def _scan(data: bytes, canaries: list[str], where: str) -> None:
    for canary in canaries:
        assert canary.encode() not in data, f"{canary} found in {where}"
        assert canary.encode("utf-16-le") not in data, f"{canary} (UTF-16) found in {where}"


async def test_no_canary_anywhere_at_rest(
    app: Starlette,
    installation: Settings,
    backend: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    caplog.set_level(logging.DEBUG)
    canaries: list[str] = []
    receipts = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for kind, agency in (
            ("gratification", "dpmptsp"),
            ("whistleblowing", "dishub"),
            ("broker", "disdukcapil"),
        ):
            answers = _answers(kind, {})
            canaries += [v.split()[0] for v in answers.values() if str(v).startswith("CANARY")]
            photo_canary = _canary(kind, "photo")
            canaries.append(photo_canary)
            report = {
                "kind": kind,
                "agency": agency,
                "answers": answers,
                "excluded_handlers": [_canary(kind, "excluded")],
            }
            canaries.append(_canary(kind, "excluded"))
            response = await client.post(
                "/api/v1/tenants/metro/reports",
                data={"report": json.dumps(report)},
                files=[
                    (
                        "attachments",
                        (f"{photo_canary}.jpg", _photo_with_gps(photo_canary), "image/jpeg"),
                    )
                ],
            )
            assert response.status_code == 201, response.text
            receipts.append(response.json()["receipt"])
            message_canary = _canary(kind, "message")
            canaries.append(message_canary)
            token = (
                await client.post(
                    "/api/v1/inbox/session", json={"tenant": "metro", "receipt": receipts[-1]}
                )
            ).json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            await client.post("/api/v1/inbox/messages", headers=auth, json={"body": message_canary})
            inbox = (await client.get("/api/v1/inbox", headers=auth)).json()
            assert inbox["messages"][0]["body"] == message_canary  # it is there, sealed

            # The photo comes back without its EXIF text or GPS position.
            ctx: IntakeContext = app.state.intake
            case_id, dek = await session_case_key(ctx, token, dt.datetime.now(dt.UTC))
            _meta, chunks = await open_attachment(
                ctx.db, case_id, inbox["attachments"][0]["id"], dek
            )
            photo = b"".join([chunk async for chunk in chunks])
            assert photo_canary.encode() not in photo
            assert Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825) == {}

    assert len(canaries) > 20
    files = [p for p in installation.data_dir.rglob("*") if p.is_file()]
    if backend == "sqlite":
        assert any(p.name.endswith("-wal") for p in files)
    for path in [*files, *(p for p in temp.rglob("*") if p.is_file())]:
        _scan(path.read_bytes(), canaries, str(path))
    _scan(caplog.text.encode(), canaries, "the log")
    if backend == "postgresql":
        pg_dump = shutil.which("pg_dump")
        assert pg_dump is not None, "pg_dump is needed to scan PostgreSQL"
        url = make_url(installation.resolved_database_url).set(drivername="postgresql")
        dump = await asyncio.to_thread(
            lambda: (
                subprocess.run(
                    [pg_dump, "--data-only", url.render_as_string(hide_password=False)],
                    check=True,
                    capture_output=True,
                ).stdout
            )
        )
        assert b"COPY public.cases" in dump
        _scan(dump, canaries, "pg_dump")
