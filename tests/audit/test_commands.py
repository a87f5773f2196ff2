"""`gratify audit verify | export | verify-export`, as an operator runs them, and the
export verified by a third party with only the public key."""

from __future__ import annotations

import asyncio
import base64
import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from gratify.accounts.keys import Keyring, write_key_file
from gratify.accounts.models import Tenant
from gratify.audit.chain import CHECKPOINT_EVERY, count_entries, record
from gratify.audit.export import verify_export
from gratify.cli import main
from gratify.crypto.sign import SigningKey
from gratify.db.engine import Database
from gratify.settings import Settings

pytestmark = pytest.mark.usefixtures("clean_environ")
NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)


async def _fill(settings: Settings, count: int, tenant: str = "metro") -> int:
    """Append `count` entries to the tenant's chain; how many it then holds (the install
    recorded the tenant's creation and escrow key first: settings.changed)."""
    keyring = Keyring.load(settings.resolved_keys_dir)
    db = Database(settings.resolved_database_url)
    try:
        async with db.writing() as session:
            tenant_id = await session.scalar(select(Tenant.id).where(Tenant.slug == tenant))
            assert tenant_id is not None
            for i in range(count):
                await record(
                    session,
                    keyring=keyring,
                    tenant_id=tenant_id,
                    event="case.content.read",
                    actor=f"user:{i % 4 + 1}",
                    case_id=f"case-{i % 7}",
                    details={"part": "answers"},
                    now=NOW + dt.timedelta(seconds=i),
                )
            return await count_entries(session, tenant_id)
    finally:
        await db.dispose()


async def _sql(settings: Settings, statement: str, **params: object) -> None:
    db = Database(settings.resolved_database_url)
    try:
        async with db.writing() as session:
            await session.execute(text(statement), params)
    finally:
        await db.dispose()


async def _main(args: list[str]) -> int:
    """`gratify ...` in a thread: the command runs its own event loop."""
    return await asyncio.to_thread(main, args)


async def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = await _main(args)
    captured = capsys.readouterr()
    return status, captured.out + captured.err


async def test_verify_command(installed: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(installed.data_dir)]
    total = await _fill(installed, CHECKPOINT_EVERY + 5)
    status, out = await _run(["audit", "verify", *data], capsys)
    assert status == 0, out
    assert f"metro: intact, {total} entries, 1 checkpoints" in out
    status, out = await _run(["audit", "verify", "--tenant", "metro", *data], capsys)
    assert status == 0
    assert out.startswith("metro: intact")
    status, out = await _run(["audit", "verify", "--tenant", "nowhere", *data], capsys)
    assert status == 1
    assert "no tenant 'nowhere'" in out

    status, out = await _run(["audit", "checkpoint", *data], capsys)
    assert status == 0
    assert f"metro: checkpoint at entry {total}" in out
    status, out = await _run(["audit", "checkpoint", "--tenant", "metro", *data], capsys)
    assert (status, out) == (0, "metro: nothing new since the last checkpoint\n")
    assert (await _run(["audit", "checkpoint", "--tenant", "nowhere", *data], capsys))[0] == 1
    status, out = await _run(["audit", "verify", "--tenant", "metro", *data], capsys)
    assert "2 checkpoints" in out

    await _sql(
        installed,
        'UPDATE audit_entries SET details = \'{"part":"identity"}\' '
        "WHERE tenant_id = (SELECT id FROM tenants WHERE slug = 'metro') AND seq = 42",
    )
    status, out = await _run(["audit", "verify", *data], capsys)
    assert status == 1
    assert "metro: BROKEN at entry 42: entry 42 (case.content.read) does not match" in out


async def test_export_round_trip(
    installed: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = ["--data-dir", str(installed.data_dir)]
    total = await _fill(installed, CHECKPOINT_EVERY + 10)
    whole = tmp_path / "whole.json"
    status, out = await _run(["audit", "export", "--tenant", "metro", *data, str(whole)], capsys)
    assert status == 0, out
    document = json.loads(whole.read_text("utf-8"))
    assert (document["first_seq"], document["last_seq"]) == (1, total)
    assert len(document["entries"]) == total
    assert [c["seq"] for c in document["checkpoints"]] == [CHECKPOINT_EVERY]
    assert verify_export(document).ok

    status, out = await _run(["audit", "verify-export", str(whole)], capsys)
    assert (status, out.split(":")[0]) == (0, "intact")
    pub = installed.resolved_keys_dir / "signing.pub"
    status, out = await _run(
        ["audit", "verify-export", "--public-key", str(pub), str(whole)], capsys
    )
    assert status == 0, out

    part = tmp_path / "part.json"
    args = ["audit", "export", "--tenant", "metro", "--from", "50", "--to", "105", *data]
    assert (await _run([*args, str(part)], capsys))[0] == 0
    segment = json.loads(part.read_text("utf-8"))
    assert [e["seq"] for e in segment["entries"]] == list(range(50, 106))
    assert segment["prev_hash"] == document["entries"][48]["hash"]
    result = verify_export(segment)
    assert (result.ok, result.entries, result.checkpoints) == (True, 56, 1)

    # Another installation's key does not vouch for this export.
    stranger = SigningKey.generate()
    other = tmp_path / "other.pub"
    write_key_file(other, stranger.public_bytes, "another installation")
    status, out = await _run(
        ["audit", "verify-export", "--public-key", str(other), str(part)], capsys
    )
    assert status == 1
    assert "seal" in out


def _tampered(document: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(document)


async def test_tampered_exports_are_detected(installed: Settings, tmp_path: Path) -> None:
    await _fill(installed, 12)
    path = tmp_path / "export.json"
    data = ["--data-dir", str(installed.data_dir)]
    assert await _main(["audit", "export", "--tenant", "metro", *data, str(path)]) == 0
    document = json.loads(path.read_text("utf-8"))
    assert verify_export(document).ok

    edited = _tampered(document)
    edited["entries"][4]["details"] = {"part": "identity"}
    assert verify_export(edited).first_bad_seq == 5

    deleted = _tampered(document)
    del deleted["entries"][6]
    assert verify_export(deleted).first_bad_seq == 7

    truncated = _tampered(document)
    del truncated["entries"][-2:]
    result = verify_export(truncated)
    assert (result.ok, result.first_bad_seq) == (False, len(document["entries"]) - 1)

    swapped = _tampered(document)
    swapped["entries"][2], swapped["entries"][3] = swapped["entries"][3], swapped["entries"][2]
    assert verify_export(swapped).first_bad_seq == 3

    inserted = _tampered(document)
    inserted["entries"].insert(3, copy.deepcopy(inserted["entries"][3]))
    assert verify_export(inserted).first_bad_seq == 4

    # A key swapped into the file does not help: the seal was made with the real one.
    rekeyed = _tampered(document)
    fake = SigningKey.generate()
    rekeyed["public_keys"] = {fake.key_id: base64.b64encode(fake.public_bytes).decode()}
    assert not verify_export(rekeyed).ok

    renamed = _tampered(document)
    renamed["tenant_slug"] = "south"
    assert not verify_export(renamed).ok

    assert not verify_export({"format": "something else"}).ok
    assert not verify_export({**document, "entries": "nope"}).ok
    broken = _tampered(document)
    del broken["entries"][0]["event"]
    assert not verify_export(broken).ok

    path.write_text(json.dumps(edited), "utf-8")
    assert await _main(["audit", "verify-export", str(path)]) == 1
    path.write_text("not json", "utf-8")
    assert await _main(["audit", "verify-export", str(path)]) == 1
