"""Rate limits kept in the database, so they hold across workers; keyed without addresses.

A key names what is limited (``receipt:<lookup part>``, ``receipt:*``), never who asks:
the threat model forbids storing a reporter's address, even hashed for a while.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import Integer, String, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from gratify.db.base import Base, UTCDateTime


class RateBucket(Base):
    """Failures counted for one key in one fixed window."""

    __tablename__ = "rate_buckets"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime(), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


@dataclasses.dataclass(frozen=True, slots=True)
class Limit:
    """At most `count` events per `window` for one key."""

    count: int
    window: dt.timedelta


def _window_start(now: dt.datetime, window: dt.timedelta) -> dt.datetime:
    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    return epoch + ((now - epoch) // window) * window


async def retry_after(session: AsyncSession, key: str, limit: Limit, now: dt.datetime) -> int:
    """Seconds until `key` may be tried again, or 0 if it is under its limit now."""
    start = _window_start(now, limit.window)
    count = await session.scalar(
        select(RateBucket.count).where(RateBucket.key == key, RateBucket.window_start == start)
    )
    if count is not None and count >= limit.count:
        return max(1, int((start + limit.window - now).total_seconds()))
    return 0


async def record_event(session: AsyncSession, key: str, limit: Limit, now: dt.datetime) -> None:
    """Count one event for `key` in the current window; drop this key's older windows.

    One atomic upsert, so workers counting the same key at once lose no event.
    """
    start = _window_start(now, limit.window)
    await session.execute(
        delete(RateBucket).where(RateBucket.key == key, RateBucket.window_start < start)
    )
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(RateBucket).values(key=key, window_start=start, count=1)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[RateBucket.key, RateBucket.window_start],
            set_={"count": RateBucket.count + 1},
        )
    )
