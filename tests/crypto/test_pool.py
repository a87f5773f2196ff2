"""The crypto pool: results and errors come back, work runs in parallel, the loop stays free.

Nothing here measures time: concurrency is proven with a barrier that only opens when two
calls are inside the pool at once, and responsiveness with an event only the loop can set.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

import pytest

from gratify.crypto.kdf import FAST_TEST_PARAMS, derive_key
from gratify.crypto.pool import CryptoPool

SALT = b"0123456789abcdef"
# Generous: only reached when the code under test is broken.
DEADLOCK_TIMEOUT = 30.0


def _keyword_function(a: int, *, b: int) -> int:
    return a * 10 + b


def _fail() -> None:
    raise ValueError("boom")


async def test_run_returns_results_and_passes_keywords() -> None:
    pool = CryptoPool(2)
    try:
        assert await pool.run(_keyword_function, 4, b=2) == 42
        key = await pool.run(derive_key, b"secret", SALT, FAST_TEST_PARAMS)
        assert key == derive_key(b"secret", SALT, FAST_TEST_PARAMS)
    finally:
        pool.close()


async def test_exceptions_propagate() -> None:
    pool = CryptoPool(1)
    try:
        with pytest.raises(ValueError, match="boom"):
            await pool.run(_fail)
    finally:
        pool.close()


def test_pool_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_threads"):
        CryptoPool(0)


async def test_two_argon2_derivations_overlap() -> None:
    barrier = threading.Barrier(2, timeout=DEADLOCK_TIMEOUT)

    def derive_in_step(secret: bytes) -> bytes:
        first = derive_key(secret, SALT, FAST_TEST_PARAMS)
        # Both calls must be inside the pool at the same time to get past this line.
        barrier.wait()
        return derive_key(first, SALT, FAST_TEST_PARAMS)

    pool = CryptoPool(2)
    try:
        keys = await asyncio.gather(pool.run(derive_in_step, b"a"), pool.run(derive_in_step, b"b"))
    finally:
        pool.close()
    assert len(set(keys)) == 2
    assert not barrier.broken


async def test_a_single_thread_pool_does_not_overlap() -> None:
    """The counterpart of the test above: proves the barrier really detects serial work."""
    barrier = threading.Barrier(2, timeout=0.2)

    def wait_for_partner() -> None:
        barrier.wait()

    pool = CryptoPool(1)
    try:
        results = await asyncio.gather(
            pool.run(wait_for_partner), pool.run(wait_for_partner), return_exceptions=True
        )
    finally:
        pool.close()
    assert all(isinstance(result, threading.BrokenBarrierError) for result in results)


async def test_event_loop_keeps_running_during_derivation() -> None:
    started = threading.Event()
    loop_ran = threading.Event()
    ticks = 0

    def derive_while_loop_ticks() -> bytes:
        started.set()
        key = derive_key(b"secret", SALT, FAST_TEST_PARAMS)
        # Only the event loop sets this; if run() blocked the loop it would never be set.
        assert loop_ran.wait(DEADLOCK_TIMEOUT)
        return key

    async def ticker() -> None:
        nonlocal ticks
        while True:
            if started.is_set():
                ticks += 1
                if ticks >= 3:
                    loop_ran.set()
            await asyncio.sleep(0)

    pool = CryptoPool(1)
    ticking = asyncio.create_task(ticker())
    try:
        key = await pool.run(derive_while_loop_ticks)
    finally:
        ticking.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticking
        pool.close()
    assert len(key) == 32
    assert ticks >= 3


async def test_closed_pool_refuses_work() -> None:
    pool = CryptoPool(1)
    pool.close()
    with pytest.raises(RuntimeError):
        await pool.run(_keyword_function, 1, b=2)
