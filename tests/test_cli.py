"""The `gratify` command, run as an operator would: in-process through `main`, and for the
server, as a real process answering HTTP on loopback."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gratify.accounts.install import initialise
from gratify.accounts.service import list_tenants
from gratify.cli import main
from gratify.crypto.envelope import import_private_key_text
from gratify.db.engine import Database
from gratify.db.migrate import head_revision
from gratify.settings import Settings, settings_table
from tests.conftest import postgres_database

pytestmark = pytest.mark.usefixtures("clean_environ")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_init_creates_database_keys_and_tenants(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    assert main(["init", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    keys = data / "keys"
    assert set(_files(keys)) == {
        "signing.key",
        "signing.pub",
        "session.secret",
        "escrow-metro.pub",
        "escrow-pringsewu.pub",
        "escrow-lampung-tengah.pub",
    }
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in keys.iterdir())
    assert (data / "gratify.sqlite3").exists()
    # Each escrow private key is printed once, with words about what it is for…
    assert out.count("ESCROW RECOVERY KEY") == 3
    assert "shown ONCE" in out
    # …and never written anywhere under the data dir.
    armored = re.findall(r"-----BEGIN [A-Z ]+-----.*?-----END [A-Z ]+-----", out, re.DOTALL)
    assert len(armored) == 3
    assert all(len(import_private_key_text(text)) > 32 for text in armored)
    for path in data.rglob("*"):
        if path.is_file():
            assert b"BEGIN GRATIFY ESCROW" not in path.read_bytes()


def test_second_init_refuses_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    assert main(["init", "--data-dir", str(data)]) == 0
    before = _files(data / "keys")
    capsys.readouterr()
    assert main(["init", "--data-dir", str(data)]) == 1
    err = capsys.readouterr().err
    assert "refusing to overwrite" in err
    assert _files(data / "keys") == before


def test_init_with_a_tenants_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "gratify.toml"
    config.write_text(
        'default_language = "en"\n'
        '[[tenants]]\nslug = "bandar-lampung"\nname = "Kota Bandar Lampung"\n'
        '[[tenants.units]]\nslug = "inspektorat"\nname = "Inspektorat"\n'
    )
    data = tmp_path / "data"
    assert main(["init", "--data-dir", str(data), "--config", str(config)]) == 0
    assert "tenants created: bandar-lampung" in capsys.readouterr().out
    assert (data / "keys" / "escrow-bandar-lampung.pub").exists()


def test_init_with_a_bad_tenants_file_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "gratify.toml"
    config.write_text('[[tenants]]\nslug = "Bad Slug"\nname = "X"\n')
    data = tmp_path / "data"
    assert main(["init", "--data-dir", str(data), "--config", str(config)]) == 1
    assert "tenants[0].slug" in capsys.readouterr().err
    assert not (data / "keys" / "signing.key").exists()


def test_tenants_load_adds_a_tenant_with_its_own_escrow_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    assert main(["init", "--data-dir", str(data)]) == 0
    before = _files(data / "keys")
    extra = tmp_path / "extra.toml"
    extra.write_text(
        '[[tenants]]\nslug = "tanggamus"\nname = "Kabupaten Tanggamus"\n'
        '[[tenants.units]]\nslug = "inspektorat"\nname = "Inspektorat"\n'
    )
    capsys.readouterr()
    assert main(["tenants", "load", "--data-dir", str(data), str(extra)]) == 0
    out = capsys.readouterr().out
    assert out.count("ESCROW RECOVERY KEY") == 1
    after = _files(data / "keys")
    assert {k: v for k, v in after.items() if k in before} == before
    assert "escrow-tanggamus.pub" in after
    # Each change is in the tenant's audit trail, by the operator; a second load of the
    # same file changes nothing and records nothing.
    assert main(["tenants", "load", "--data-dir", str(data), str(extra)]) == 0
    capsys.readouterr()
    assert main(["audit", "verify", "--data-dir", str(data), "--tenant", "tanggamus"]) == 0
    assert "2 entries" in capsys.readouterr().out
    changes = asyncio.run(_settings_changes(data, "tanggamus"))
    assert [c[0] for c in changes] == ["operator", "operator"]
    assert changes[0][1] == {"name": "tenant", "change": "added"}
    escrow = changes[1][1]
    assert isinstance(escrow, dict)
    assert escrow["change"] == "added"
    assert str(escrow["name"]).startswith("escrow_key:")


async def _settings_changes(data: Path, tenant: str) -> list[tuple[str, object]]:
    from gratify.audit.listing import list_entries

    db = Database(Settings(data_dir=data).resolved_database_url)
    try:
        async with db.reading() as session:
            slug = {t.slug: t.id for t in await list_tenants(session)}
            page = await list_entries(session, slug[tenant], event="settings.changed")
    finally:
        await db.dispose()
    return [(e.actor, e.as_json()["details"]) for e in reversed(page.entries)]


def test_migrate_reports_the_revision(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--data-dir", str(tmp_path / "d")]) == 0
    assert f"at revision {head_revision()}" in capsys.readouterr().out


def test_serve_refuses_an_uninitialised_installation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--data-dir", str(tmp_path / "d")]) == 1
    assert "run `gratify init` first" in capsys.readouterr().err


def test_settings_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["settings", "--markdown"]) == 0
    assert capsys.readouterr().out == settings_table()
    assert main(["settings"]) == 0
    assert "data_dir=" in capsys.readouterr().out


def test_help_texts(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("init", "serve", "demo", "migrate", "settings"):
        with pytest.raises(SystemExit) as info:
            main([command, "--help"])
        assert info.value.code == 0
        assert "usage: gratify" in capsys.readouterr().out


async def test_init_on_postgresql(tmp_path: Path) -> None:
    async with postgres_database() as url:
        settings = Settings(data_dir=tmp_path / "data", database_url=url)
        from gratify.accounts.tenants_config import demo_tenants_config

        result = await initialise(settings, demo_tenants_config())
        assert len(result.escrow_keys) == 3
        db = Database(url)
        try:
            async with db.reading() as session:
                slugs = [t.slug for t in await list_tenants(session)]
        finally:
            await db.dispose()
        assert slugs == ["lampung-tengah", "metro", "pringsewu"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def gratify_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int, Path]]:
    """`gratify demo` as a real process in a fresh folder, as README's first command runs it."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRATIFY_")}
    stderr_path = tmp_path / "stderr.log"
    with stderr_path.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gratify", "demo", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        try:
            yield proc, port, stderr_path
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def _wait_until_up(port: int, proc: subprocess.Popen[str]) -> None:
    for _ in range(900):
        if proc.poll() is not None:
            pytest.fail(f"gratify exited early with {proc.returncode}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("gratify demo did not answer within 90 seconds")


def test_demo_serves_the_landing_page_and_logs_no_client_address(
    gratify_process: tuple[subprocess.Popen[str], int, Path], tmp_path: Path
) -> None:
    proc, port, stderr_path = gratify_process
    _wait_until_up(port, proc)
    page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
    assert page.status_code == 200
    assert 'lang="id"' in page.text
    assert "server" not in page.headers
    assert httpx.get(f"http://127.0.0.1:{port}/nope", timeout=5).status_code == 404
    # A malformed request makes uvicorn log a warning: it must not name the client.
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        sock.recv(1024)
    assert (tmp_path / "gratify-demo" / "gratify.sqlite3").exists()
    # API.md: demo users are printed, and a few sample cases exist.
    staff = httpx.get(f"http://127.0.0.1:{port}/masuk", timeout=5)
    assert staff.status_code == 200
    proc.terminate()
    proc.wait(timeout=20)
    printed = proc.stdout.read() if proc.stdout else ""
    assert "Demo staff" in printed
    assert printed.count("otpauth://totp/") == 15  # 3 tenants x (2 units x 2 roles + admin)
    samples = re.findall(r"[A-Z-]+-\d{4}-\d{6}\s+[0-9A-Z]{4}(?:-[0-9A-Z]{4}){5}", printed)
    assert len(samples) == 9  # one report of each kind in each tenant, with its receipt
    log = stderr_path.read_text()
    assert "Application startup complete" in log
    assert "127.0.0.1" not in log
    assert "GET /" not in log
