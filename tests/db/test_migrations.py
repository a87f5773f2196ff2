from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from gratify.db.engine import create_engine
from gratify.db.migrate import current_revision, head_revision, upgrade_to_head
from gratify.db.registry import all_metadata
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
        finally:
            await engine.dispose()
