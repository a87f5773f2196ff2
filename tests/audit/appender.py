"""A worker process for tests/audit/test_concurrency.py: appends to one tenant's chain through
`gratify.audit.chain.record`, with its own engine, each entry in its own transaction.

    python -m tests.audit.appender     (run from the checkout's root)

It reads one JSON line from stdin (``url``, ``signing_key`` in hex, ``tenant``, ``worker``,
``count``, ``now``), connects, prints ``ready``, waits for a line ``go``, appends ``count``
entries (details ``{"note": i}``), and prints one JSON line: ``{"seqs": [...]}`` or
``{"error": "..."}``. A module of its own, started as a plain process, so a worker imports
only what it runs (not pytest or the suite's fixtures).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from typing import Any

from sqlalchemy import text

from gratify.accounts.keys import Keyring
from gratify.audit.chain import record
from gratify.crypto.sign import SigningKey
from gratify.db.engine import Database

EVENT = "case.note.written"


def actor_of(worker: int) -> str:
    """The actor a worker records as: ``user:<worker + 1>``."""
    return f"user:{worker + 1}"


async def append(job: dict[str, Any]) -> list[int]:
    """Connect, say ``ready``, wait for ``go``, append; the seqs the appends were given."""
    keyring = Keyring(SigningKey.from_private_bytes(bytes.fromhex(job["signing_key"])), b"")
    now = dt.datetime.fromisoformat(job["now"])
    worker = int(job["worker"])
    db = Database(job["url"])
    try:
        # Connected before the start, so the workers' first appends really overlap.
        async with db.reading() as session:
            await session.execute(text("SELECT 1"))
        print("ready", flush=True)
        # Blocking is fine: nothing else runs in this process until the start.
        if sys.stdin.readline().strip() != "go":
            raise RuntimeError("no start signal")
        seqs = []
        for i in range(int(job["count"])):
            async with db.writing() as session:
                entry = await record(
                    session,
                    keyring=keyring,
                    tenant_id=int(job["tenant"]),
                    event=EVENT,
                    actor=actor_of(worker),
                    case_id=f"case-{worker}",
                    details={"note": i},
                    now=now,
                )
                seqs.append(entry.seq)
        return seqs
    finally:
        await db.dispose()


def main() -> int:
    """Process entry point (see the module's docstring)."""
    job = json.loads(sys.stdin.readline())
    try:
        seqs = asyncio.run(append(job))
    except Exception as exc:  # reported to the test, which fails with it
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
        return 1
    print(json.dumps({"seqs": seqs}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
