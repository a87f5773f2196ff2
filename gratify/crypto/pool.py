"""A bounded thread pool for slow crypto, so it never blocks the event loop.

Argon2 (argon2-cffi) and AES-GCM (OpenSSL via cryptography) release the GIL while they
work, so threads give real parallelism. The bound caps how much memory concurrent
Argon2 derivations can take (``max_threads x memory_kib``). There is no global lock:
callers queue only behind the pool's own bound.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

__all__ = ["CryptoPool"]

P = ParamSpec("P")
T = TypeVar("T")


class CryptoPool:
    """Run blocking crypto functions on at most ``max_threads`` threads."""

    def __init__(self, max_threads: int) -> None:
        if max_threads < 1:
            raise ValueError("max_threads must be at least 1")
        self.max_threads = max_threads
        self._executor = ThreadPoolExecutor(
            max_workers=max_threads, thread_name_prefix="gratify-crypto"
        )

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(*args, **kwargs)`` in the pool and await its result.

        The event loop keeps serving other requests meanwhile; exceptions propagate.
        """
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        """Wait for running work to finish and release the threads; later runs fail."""
        self._executor.shutdown(wait=True)
