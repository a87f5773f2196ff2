"""Recovery with the escrow key: new handlers get the cases back; excluded people never."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from gratify.accounts.install import initialise
from gratify.accounts.keys import Keyring
from gratify.accounts.models import User
from gratify.accounts.tenants_config import demo_tenants_config
from gratify.accounts.users import NewUser, create_user, unlock_private_key
from gratify.cases.recovery import recover_access
from gratify.cases.service import open_case
from gratify.crypto.envelope import generate_recipient_key, import_private_key_text
from gratify.crypto.kdf import FAST_TEST_PARAMS
from gratify.crypto.pool import CryptoPool
from gratify.db.engine import Database
from gratify.errors import InvalidInput, NotFound
from gratify.intake.service import IntakeContext, ReportDraft, file_report
from gratify.settings import Settings
from tests.cases.conftest import Actor
from tests.cases.test_service import BROKER

NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)
PASSWORD = "a long enough password"


async def test_escrow_recovery_regrants_the_unit_but_never_the_excluded(
    settings: Settings,
) -> None:
    result = await initialise(settings, demo_tenants_config())
    escrow_text = next(k.private_text for k in result.escrow_keys if k.tenant == "metro")
    db = Database(settings.resolved_database_url)
    pool = CryptoPool(2)
    try:
        ctx = IntakeContext(
            db=db,
            pool=pool,
            keyring=Keyring.load(settings.resolved_keys_dir),
            argon2=FAST_TEST_PARAMS,
            timezone=settings.timezone,
            max_text_chars=1000,
        )
        draft = ReportDraft(BROKER.kind, BROKER.agency, BROKER.answers, ["kepala"])
        async with db.writing() as session:  # "kepala" exists before filing and is excluded
            await create_user(
                session,
                pool,
                NewUser("metro", "kepala", "supervisor", PASSWORD, "inspektorat"),
                FAST_TEST_PARAMS,
                NOW.date(),
            )
        filed = await file_report(ctx, "metro", draft, now=NOW)
        async with db.writing() as session:  # a handler who joins after the filing
            await create_user(
                session,
                pool,
                NewUser("metro", "baru", "handler", PASSWORD, "inspektorat"),
                FAST_TEST_PARAMS,
                NOW.date(),
            )

        async def actor(username: str) -> Actor:
            async with db.reading() as session:
                user = await session.scalar(select(User).where(User.username == username))
            assert user is not None
            return Actor(
                user.id, user.unit_id, user.role, await unlock_private_key(pool, user, PASSWORD)
            )

        from gratify.intake.models import Case

        async with db.reading() as session:
            case_id = await session.scalar(
                select(Case.id).where(Case.case_number == filed.case_number)
            )
        assert case_id is not None
        new, excluded = await actor("baru"), await actor("kepala")
        with pytest.raises(NotFound):
            await open_case(ctx, new, case_id)

        wrong, _ = generate_recipient_key()
        with pytest.raises(InvalidInput):
            await recover_access(ctx, "metro", wrong)
        recovered = await recover_access(ctx, "metro", import_private_key_text(escrow_text))
        assert (recovered.cases_seen, recovered.keys_granted, recovered.cases_unreadable) == (
            1,
            1,
            0,
        )
        assert (await open_case(ctx, new, case_id)).case_number == filed.case_number
        with pytest.raises(NotFound):
            await open_case(ctx, excluded, case_id)
        again = await recover_access(ctx, "metro", import_private_key_text(escrow_text))
        assert again.keys_granted == 0  # nothing twice
    finally:
        pool.close()
        await db.dispose()


def test_the_command_reads_the_escrow_key_from_stdin(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io
    import re
    from pathlib import Path

    from gratify.cli import main

    assert isinstance(tmp_path, Path)
    data = tmp_path / "data"
    assert main(["init", "--data-dir", str(data)]) == 0
    printed = capsys.readouterr().out
    blocks = re.findall(r"-----BEGIN [A-Z ]+-----.*?-----END [A-Z ]+-----", printed, re.DOTALL)
    metro = next(b for b in blocks if "tenant metro" in printed.split(b)[0].rsplit("ESCROW", 1)[-1])
    monkeypatch.setattr("sys.stdin", io.StringIO(metro))
    assert main(["keys", "recover", "--tenant", "metro", "--data-dir", str(data)]) == 0
    assert "cases seen: 0, keys granted: 0" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("not a key"))
    assert main(["keys", "recover", "--tenant", "metro", "--data-dir", str(data)]) == 1
    assert "not an escrow key" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(blocks[0] if blocks[0] != metro else blocks[1]))
    assert main(["keys", "recover", "--tenant", "metro", "--data-dir", str(data)]) == 1
    assert "not an escrow key of this region" in capsys.readouterr().err
