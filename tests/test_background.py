"""The worker's clock jobs (gratify/background.py) and the app's use of them."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import pytest
from starlette.applications import Starlette

from gratify.background import Job, run_repeatedly, running_jobs

NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


async def test_a_job_runs_every_interval_and_survives_its_failures(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs: list[dt.datetime] = []
    enough = asyncio.Event()

    async def flaky(now: dt.datetime) -> None:
        runs.append(now)
        if len(runs) == 4:
            enough.set()
        if len(runs) == 2:
            raise ValueError("secret detail of a report")

    job = Job("flaky", dt.timedelta(milliseconds=5), flaky)
    task = asyncio.create_task(run_repeatedly(job, lambda: NOW, first_delay=0))
    await asyncio.wait_for(enough.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert runs[:4] == [NOW] * 4
    # The failure is logged by its type only: an exception's message may hold data.
    assert "ValueError" in caplog.text
    assert "secret detail" not in caplog.text
    assert any(r.levelno == logging.ERROR for r in caplog.records)


async def test_jobs_stop_with_their_block() -> None:
    runs = 0
    enough = asyncio.Event()

    async def count(_now: dt.datetime) -> None:
        nonlocal runs
        runs += 1
        if runs == 3:
            enough.set()

    async with running_jobs([Job("count", dt.timedelta(milliseconds=1), count)]):
        await asyncio.wait_for(enough.wait(), 5)
    stopped_at = runs
    await asyncio.sleep(0.02)
    assert runs == stopped_at


async def test_the_app_signs_checkpoints_and_sweeps_uploads(app: Starlette) -> None:
    """Every worker runs the daily checkpoints and the upload sweep (started in the
    lifespan, which the `app` fixture runs)."""
    jobs = {job.name: job.every for job in app.state.jobs}
    assert jobs == {
        "audit checkpoints": dt.timedelta(hours=1),
        "abandoned uploads": dt.timedelta(minutes=15),
        "mail outbox": dt.timedelta(seconds=5),
        "sent mail purge": dt.timedelta(hours=1),
        "deadline reminders": dt.timedelta(minutes=30),
        "statistics publications": dt.timedelta(minutes=1),
    }
