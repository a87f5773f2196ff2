"""Each month's suppressed publication, stored in the database (``stats_publications``).

Suppressing a month of a large installation takes a noticeable time (about 100-150 ms at
1,000,000 cases), so it is done once per change of the month's counts, not per request
or per worker: the result is stored with the *fingerprint* of the counts it came from
(a SHA-256 over the counts and k). A reader recomputes the fingerprint of the counts it
has just read and uses the stored publication only when the two agree; otherwise it
suppresses the month itself and stores the result (`store`). `refresh` does the same for
every month whose counts changed: the background job each worker runs every minute.

Safe to run concurrently: a publication is a pure function of (counts, k), so two
workers storing the same month store the same text or, when the counts changed in
between, each a text that is right for the counts it names; the upsert keeps the last,
and a reader never trusts a row whose fingerprint is not that of the counts it sees.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.db.engine import Database
from gratify.stats import aggregates
from gratify.stats.models import StatsCell, StatsPublication
from gratify.stats.publication import MonthFigures, publish_counts
from gratify.stats.suppression import Key

REFRESH_EVERY = dt.timedelta(minutes=1)

Publish = Callable[[str, Mapping[Key, int], int], MonthFigures]


def _key(key: Key) -> list[Any]:
    assert isinstance(key, tuple)
    return list(key)


def fingerprint(counts: Mapping[Key, int], k: int) -> str:
    """What a stored publication was computed from: the month's counts and k."""
    items = sorted(([_key(key), n] for key, n in counts.items()), key=repr)
    text = json.dumps([k, items], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def encode(figures: MonthFigures) -> str:
    """The cells and totals as JSON, in their order (keys as lists)."""
    return json.dumps(
        {
            "cells": [[_key(key), v] for key, v in figures.cells.items()],
            "totals": [[_key(key), v] for key, v in figures.totals.items()],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def decode(month: str, text: str) -> MonthFigures:
    data = json.loads(text)
    return MonthFigures(
        month,
        {tuple(key): v for key, v in data["cells"]},
        {tuple(key): v for key, v in data["totals"]},
    )


async def load(session: AsyncSession, months: Iterable[str], k: int) -> dict[str, tuple[str, str]]:
    """The stored publications of those months: month -> (fingerprint, JSON)."""
    wanted = list(months)
    if not wanted:
        return {}
    p = StatsPublication
    rows = await session.execute(
        select(p.month, p.fingerprint, p.published).where(
            p.k == k, p.month >= min(wanted), p.month <= max(wanted)
        )
    )
    return {month: (fp, text) for month, fp, text in rows if month in wanted}


async def store(session: AsyncSession, k: int, items: Iterable[tuple[str, str, str]]) -> None:
    """Upsert (month, fingerprint, JSON) rows: idempotent, the last write is kept."""
    rows = [{"month": m, "k": k, "fingerprint": fp, "published": text} for m, fp, text in items]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for row in rows:  # one statement each: a few months at a time
        statement = insert(StatsPublication).values(**row)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["month", "k"],
                set_={"fingerprint": row["fingerprint"], "published": row["published"]},
            )
        )


async def refresh(db: Database, k: int, publish: Publish = publish_counts) -> list[str]:
    """Suppress again, and store, every month whose counts are not those of its stored
    publication; return those months. The background job (`job`)."""
    async with db.reading() as session:
        bounds = (
            await session.execute(select(func.min(StatsCell.month), func.max(StatsCell.month)))
        ).one()
        if bounds[0] is None:
            return []
        names = await aggregates.load_names(session)
        detail = await aggregates.load_detail(session, names, bounds[0], bounds[1])
        stored = await load(session, detail, k)
    fresh = []
    for month in sorted(detail):
        counts = detail[month]
        fp = fingerprint(counts, k)
        if stored.get(month, ("", ""))[0] != fp:
            fresh.append((month, fp, encode(publish(month, counts, k))))
    if fresh:
        async with db.writing() as session:
            await store(session, k, fresh)
    return [month for month, _, _ in fresh]
