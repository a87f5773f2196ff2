"""Work each worker does on a clock while it serves: `Job`s run by `running_jobs`.

Every worker runs every job; a job must therefore be safe to run twice at once (each
takes what it needs in its own transactions and re-checks inside them). Workers start
their jobs at a random point of the first interval, so a fleet started together does
not run them in step, and a failure is logged by its type only (a message could hold
data; threat model, "logs") and retried at the next interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

logger = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclasses.dataclass(frozen=True, slots=True)
class Job:
    """``run(now)`` every ``every``; ``name`` is for the logs."""

    name: str
    every: dt.timedelta
    run: Callable[[dt.datetime], Awaitable[object]]


async def run_repeatedly(
    job: Job, clock: Clock = utc_now, *, first_delay: float | None = None
) -> None:
    """Run `job` forever: after `first_delay` seconds (random within one interval by
    default), then every interval. Cancel the task to stop it."""
    interval = job.every.total_seconds()
    delay = first_delay if first_delay is not None else secrets.randbelow(1000) / 1000 * interval
    while True:
        await asyncio.sleep(delay)
        delay = interval
        try:
            await job.run(clock())
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a job's failure must not end the worker
            logger.error("background job %r failed: %s", job.name, type(error).__name__)


@contextlib.asynccontextmanager
async def running_jobs(jobs: Sequence[Job], clock: Clock = utc_now) -> AsyncIterator[None]:
    """Run `jobs` in the background while the block runs; stop them when it ends."""
    tasks = [asyncio.create_task(run_repeatedly(job, clock), name=job.name) for job in jobs]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
