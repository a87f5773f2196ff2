from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from gratify.accounts.models import Tenant
from gratify.db.engine import Database, create_engine
from gratify.db.migrate import upgrade_to_head
from tests.conftest import RollbackDatabase


async def test_sqlite_is_wal_with_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'x' / 'g.sqlite3'}")
    try:
        async with db.reading() as session:
            assert (await session.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await session.execute(text("PRAGMA busy_timeout"))).scalar() == 10_000
            assert (await session.execute(text("PRAGMA secure_delete"))).scalar() == 1
    finally:
        await db.dispose()


async def test_sqlite_foreign_keys_are_enforced(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'g.sqlite3'}")
    await upgrade_to_head(db.engine)
    try:
        with pytest.raises(IntegrityError):
            async with db.writing() as session:
                await session.execute(
                    text("INSERT INTO units (tenant_id, slug, name) VALUES (999, 'u', 'U')")
                )
    finally:
        await db.dispose()


async def test_writing_commits_and_a_failure_leaves_nothing(db: RollbackDatabase) -> None:
    async with db.writing() as session:
        session.add(Tenant(slug="kept", name="Kept"))
    with pytest.raises(RuntimeError):
        async with db.writing() as session:
            session.add(Tenant(slug="dropped", name="Dropped"))
            await session.flush()
            raise RuntimeError("half-way")
    async with db.reading() as session:
        slugs = set(await session.scalars(select(Tenant.slug)))
    assert "kept" in slugs
    assert "dropped" not in slugs


async def test_unique_slug_is_enforced(db: RollbackDatabase) -> None:
    async with db.writing() as session:
        session.add(Tenant(slug="dup", name="A"))
    with pytest.raises(IntegrityError):
        async with db.writing() as session:
            session.add(Tenant(slug="dup", name="B"))


async def test_errors_never_carry_parameter_values(db: RollbackDatabase) -> None:
    """Parameters are hidden, so a failing insert cannot put a value into a log line."""
    async with db.writing() as session:
        session.add(Tenant(slug="canary-x", name="CANARY-PARAM"))
    with pytest.raises(IntegrityError) as info:
        async with db.writing() as session:
            session.add(Tenant(slug="canary-x", name="CANARY-PARAM"))
    assert "CANARY-PARAM" not in str(info.value)


async def test_two_sqlite_writers_queue_instead_of_failing(tmp_path: Path) -> None:
    """BEGIN IMMEDIATE: a read-then-write transaction waits its turn rather than erroring."""
    import asyncio

    url = f"sqlite+aiosqlite:///{tmp_path / 'g.sqlite3'}"
    engine = create_engine(url)
    await upgrade_to_head(engine)
    db = Database(url, engine=engine)
    async with db.writing() as session:
        session.add(Tenant(slug="counter", name="0"))

    async def increment() -> None:
        async with db.writing() as session:
            tenant = await session.scalar(select(Tenant).where(Tenant.slug == "counter"))
            assert tenant is not None
            await asyncio.sleep(0)
            tenant.name = str(int(tenant.name) + 1)

    await asyncio.gather(*(increment() for _ in range(20)))
    async with db.reading() as session:
        assert await session.scalar(select(Tenant.name).where(Tenant.slug == "counter")) == "20"
    await db.dispose()
