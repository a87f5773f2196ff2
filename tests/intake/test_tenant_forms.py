"""A tenant's own forms (settings.forms_dir) replace the built-in ones for that tenant only."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import httpx
import pytest

from gratify.app import create_app
from gratify.settings import Settings
from tests.conftest import running

EXTRA_FIELD = """
  [[kinds.fields]]
  name = "counter_number"
  group = "event"
  type = "text"
  required = true
  label = "Counter number"
"""


def _forms_with_counter_number() -> str:
    text = resources.files("gratify.intake").joinpath("forms.toml").read_text("utf-8")
    # Insert the field into the broker kind (the last kind of the file).
    return text + EXTRA_FIELD


async def test_a_tenant_can_have_its_own_form(installed: Settings, tmp_path: Path) -> None:
    forms_dir = tmp_path / "forms"
    forms_dir.mkdir()
    (forms_dir / "pringsewu.toml").write_text(_forms_with_counter_number())
    settings = installed.with_changes(forms_dir=forms_dir)
    report = {
        "kind": "broker",
        "agency": "disdukcapil",
        "answers": {
            "service": "kk",
            "occurred_on": "2026-11-02",
            "time_window": "08-10",
            "officer_involved": "no",
            "what_happened": "Calo di loket 3.",
        },
    }
    async with running(create_app(settings)) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:

            def names(body: dict[str, list[dict[str, object]]]) -> set[object]:
                broker = next(k for k in body["kinds"] if k["kind"] == "broker")
                fields = broker["fields"]
                assert isinstance(fields, list)
                return {f["name"] for f in fields}

            own = (await client.get("/api/v1/tenants/pringsewu/forms")).json()
            default = (await client.get("/api/v1/tenants/metro/forms")).json()
            assert "counter_number" in names(own)
            assert "counter_number" not in names(default)
            missing = await client.post("/api/v1/tenants/pringsewu/reports", json=report)
            assert missing.status_code == 422
            assert "answers.counter_number" in missing.json()["error"]["fields"]
            report["answers"]["counter_number"] = "3"  # type: ignore[index]
            ok = await client.post("/api/v1/tenants/pringsewu/reports", json=report)
            assert ok.status_code == 201
            elsewhere = await client.post("/api/v1/tenants/metro/reports", json=report)
            assert elsewhere.status_code == 422


async def test_a_broken_forms_file_stops_the_start(installed: Settings, tmp_path: Path) -> None:
    forms_dir = tmp_path / "forms"
    forms_dir.mkdir()
    (forms_dir / "metro.toml").write_text('[[kinds]]\nkind = "broker"\n')
    with pytest.raises(ValueError, match=r"metro\.toml"):
        async with running(create_app(installed.with_changes(forms_dir=forms_dir))):
            pass
