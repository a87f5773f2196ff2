from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from gratify.db.engine import create_engine
from gratify.db.migrate import alembic_config, current_revision, head_revision, upgrade_to_head
from gratify.db.registry import all_metadata
from gratify.intake.models import CaseKey
from tests.conftest import postgres_database


async def test_head_is_known() -> None:
    assert head_revision() is not None


async def _check_fresh_database(engine: AsyncEngine) -> None:
    assert await current_revision(engine) is None
    await upgrade_to_head(engine)
    assert await current_revision(engine) == head_revision()
    await upgrade_to_head(engine)  # a second run is a no-op
    assert await current_revision(engine) == head_revision()

    def differences(conn: Connection) -> list[object]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, all_metadata()))

    async with engine.connect() as conn:
        assert await conn.run_sync(differences) == []
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"tenants", "units", "agencies", "services", "tenant_keys"} <= tables


async def test_sqlite_migrates_to_head_and_matches_the_models(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'g.sqlite3'}")
    try:
        await _check_fresh_database(engine)
    finally:
        await engine.dispose()


async def test_postgresql_migrates_to_head_and_matches_the_models() -> None:
    async with postgres_database() as url:
        engine = create_engine(url)
        try:
            await _check_fresh_database(engine)
            # The planner knows a key holder's unit follows from the holder (0012).
            async with engine.connect() as conn:
                names = (await conn.execute(text("SELECT stxname FROM pg_statistic_ext"))).all()
            assert ("case_keys_user_unit",) in [tuple(n) for n in names]
        finally:
            await engine.dispose()


INBOX = ("unit_id", "status", "received_on", "kind", "agency_id", "due_on")


async def _migrate(engine: AsyncEngine, revision: str, *, down: bool = False) -> None:
    def move(connection: Connection) -> None:
        config = alembic_config(connection)
        (command.downgrade if down else command.upgrade)(config, revision)

    async with engine.execution_options(gratify_write=True).begin() as conn:
        await conn.run_sync(move)


async def _inbox_rows(engine: AsyncEngine) -> list[tuple[object, ...]]:
    columns = [CaseKey.__table__.c[name] for name in INBOX]
    async with engine.connect() as conn:
        rows = await conn.execute(select(*columns).order_by(CaseKey.id))
        return [tuple(row) for row in rows]


async def _check_inbox_copy_migrates(engine: AsyncEngine) -> None:
    """0008 copies existing cases' inbox columns onto their keys, and its triggers keep
    them; down and up again leaves the same."""
    await _migrate(engine, "0007_inbox_indexes")
    async with engine.execution_options(gratify_write=True).begin() as conn:
        await conn.execute(text("INSERT INTO tenants (id, slug, name) VALUES (1, 't', 'T')"))
        await conn.execute(
            text("INSERT INTO units (id, tenant_id, slug, name) VALUES (1, 1, 'u', 'U')")
        )
        await conn.execute(
            text(
                "INSERT INTO cases (id, tenant_id, case_number, kind, unit_id, status,"
                " received_on, due_on, concerns_inspectorate, receipt_lookup, receipt_key,"
                " report, report_digest) VALUES ('c1', 1, 'N-1', 'broker', 1, 'received',"
                " :received, :due, false, 'r1', :blob, :blob, 'd')"
            ),
            {"received": dt.date(2026, 11, 20), "due": dt.date(2026, 11, 25), "blob": b"x"},
        )
        await conn.execute(
            text("INSERT INTO case_keys (case_id, wrapped) VALUES ('c1', :w), ('c1', :w)"),
            {"w": b"k"},
        )
    await _migrate(engine, "head")
    copied = (1, "received", dt.date(2026, 11, 20), "broker", None, dt.date(2026, 11, 25))
    assert await _inbox_rows(engine) == [copied, copied]
    async with engine.execution_options(gratify_write=True).begin() as conn:
        await conn.execute(text("UPDATE cases SET status = 'closed', due_on = NULL"))
        await conn.execute(
            text("INSERT INTO case_keys (case_id, wrapped) VALUES ('c1', :w)"), {"w": b"k"}
        )
    closed = (1, "closed", dt.date(2026, 11, 20), "broker", None, None)
    assert await _inbox_rows(engine) == [closed, closed, closed]
    await _migrate(engine, "0007_inbox_indexes", down=True)
    await _migrate(engine, "head")
    assert await _inbox_rows(engine) == [closed, closed, closed]


async def test_sqlite_inbox_copy_migrates_with_data(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'g.sqlite3'}")
    try:
        await _check_inbox_copy_migrates(engine)
    finally:
        await engine.dispose()


async def test_postgresql_inbox_copy_migrates_with_data() -> None:
    async with postgres_database() as url:
        engine = create_engine(url)
        try:
            await _check_inbox_copy_migrates(engine)
        finally:
            await engine.dispose()
