"""``/verify`` over HTTP and ``gratify receipt verify`` with an acknowledgement the app
really issued."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from gratify.cli import main
from gratify.settings import Settings
from tests.http.reporter import REPORTS, form_parts, post_report, text_of


async def _acknowledgement(client: httpx.AsyncClient) -> bytes:
    agency, answers = REPORTS["gratifikasi"]
    sent = await post_report(client, "pringsewu", "gratifikasi", form_parts(agency, answers))
    assert sent.status_code == 303
    await client.get("/lapor/terkirim")
    download = await client.get("/lapor/terkirim/tanda-terima.json")
    assert download.status_code == 200
    return download.content


async def test_the_form_accepts_a_file_or_pasted_text(client: httpx.AsyncClient) -> None:
    page = (await client.get("/verify")).text
    assert 'enctype="multipart/form-data"' in page
    assert 'name="document"' in page
    assert 'type="file" id="f-file" name="file"' in page


async def test_a_real_acknowledgement_is_valid_as_a_file_or_pasted(
    client: httpx.AsyncClient,
) -> None:
    data = await _acknowledgement(client)
    ack = json.loads(data)
    as_file = await client.post(
        "/verify",
        files=[
            ("document", (None, "")),
            ("file", (f"tanda-terima-{ack['case_number']}.json", data, "application/json")),
        ],
    )
    assert as_file.status_code == 200
    words = text_of(as_file.text)
    assert "Sah" in words
    assert ack["case_number"] in words
    assert ack["key_id"] in words
    assert "WIB" in words
    pasted = await client.post("/verify", data={"document": data.decode()})
    assert "Sah" in text_of(pasted.text)
    multipart_pasted = await client.post(
        "/verify",
        files=[
            ("document", (None, data.decode())),
            ("file", ("", b"", "application/octet-stream")),
        ],
    )
    assert ack["case_number"] in multipart_pasted.text


@pytest.mark.parametrize("member", ["filed_at", "reporter_nip", "case_number"])
async def test_a_changed_acknowledgement_is_not_valid(
    client: httpx.AsyncClient, member: str
) -> None:
    ack = json.loads(await _acknowledgement(client))
    ack[member] = ack[member].replace("1", "2", 1) if "1" in ack[member] else ack[member] + "0"
    response = await client.post("/verify", data={"document": json.dumps(ack)})
    assert response.status_code == 200
    words = text_of(response.text)
    assert "Tidak sah" in words
    assert "Sah:" not in words


async def test_not_json_and_too_large_are_explained(client: httpx.AsyncClient) -> None:
    response = await client.post("/verify", data={"document": "{tanda terima"})
    assert response.status_code == 422
    assert 'id="e-document"' in response.text
    assert "{tanda terima" in response.text
    empty = await client.post("/verify", data={"document": ""})
    assert empty.status_code == 422
    big = await client.post(
        "/verify", files=[("file", ("big.json", b" " * (65 * 1024), "application/json"))]
    )
    assert big.status_code == 413


async def test_the_command_checks_what_the_app_issued(
    client: httpx.AsyncClient,
    installation: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("GRATIFY_DATA_DIR", "GRATIFY_KEYS_DIR", "GRATIFY_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    data = await _acknowledgement(client)
    ack = json.loads(data)
    good = tmp_path / "tanda-terima.json"
    good.write_bytes(data)
    keys = ["--data-dir", str(installation.data_dir)]
    assert main(["receipt", "verify", str(good), *keys]) == 0
    assert capsys.readouterr().out == f"valid: {ack['case_number']} filed at {ack['filed_at']}\n"
    ack["reporter_name"] = "Orang Lain"
    bad = tmp_path / "diubah.json"
    bad.write_text(json.dumps(ack), encoding="utf-8")
    assert main(["receipt", "verify", str(bad), *keys]) == 1
    assert capsys.readouterr().out == "invalid\n"
