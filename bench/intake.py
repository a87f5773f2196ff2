"""Intake throughput: end-to-end submissions per second against the Argon2id bound.

Runs `gratify serve` (one worker, default Argon2id parameters) on loopback, files reports
over HTTP from concurrent clients in another process, and compares the rate with the bound
`bench/crypto.py` measures in the same run: each submission costs one Argon2id derivation
(the receipt key) plus one HPKE wrap per recipient, so two cores can do no better.

    .venv/bin/python bench/intake.py [--reports 60] [--clients 8] [--no-write]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import crypto as crypto_bench
from bench.results import machine_lines, write_section
from gratify.accounts.install import initialise
from gratify.accounts.tenants_config import demo_tenants_config
from gratify.accounts.users import NewUser, create_user
from gratify.crypto.kdf import FAST_TEST_PARAMS, Argon2Params, derive_key
from gratify.crypto.pool import CryptoPool
from gratify.db.engine import Database
from gratify.settings import Settings

HEADING = "## Intake (bench/intake.py)"
HANDLERS = 5  # + 1 escrow wrap = the 6 wraps of bench/crypto.py's bound
REPORT = {
    "kind": "broker",
    "agency": "disdukcapil",
    "answers": {
        "service": "ktp-el",
        "occurred_on": "2026-11-02",
        "time_window": "08-10",
        "officer_involved": "unsure",
        "what_happened": "Calo di depan loket meminta Rp300.000 agar KTP-el cepat jadi. " * 8,
    },
}


async def _prepare(data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir)
    await initialise(settings, demo_tenants_config())
    db = Database(settings.resolved_database_url)
    pool = CryptoPool(2)
    try:
        async with db.writing() as session:
            for n in range(HANDLERS):
                await create_user(
                    session,
                    pool,
                    NewUser("metro", f"handler{n}", "handler", "bench-password-123", "inspektorat"),
                    FAST_TEST_PARAMS,  # staff passwords are not what this measures
                    dt.date.today(),
                )
    finally:
        pool.close()
        await db.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _load(base: str, reports: int, clients: int) -> tuple[float, list[float], int]:
    """Wall seconds, per-request latencies, and errors for `reports` submissions."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(reports):
        queue.put_nowait(n)
    latencies: list[float] = []
    errors = 0

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            queue.get_nowait()
            start = time.perf_counter()
            response = await http.post("/api/v1/tenants/metro/reports", json=REPORT)
            latencies.append(time.perf_counter() - start)
            errors += response.status_code != 201

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as http:
        for _ in range(clients):  # warm up: connections, caches, the first Argon2 allocations
            await http.post("/api/v1/tenants/metro/reports", json=REPORT)
        start = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        return time.perf_counter() - start, latencies, errors


async def _pool_rate(derivations: int) -> float:
    """Argon2id derivations per second on the app's two pool threads, default parameters."""
    params = Argon2Params(3, 64 * 1024, 1)
    pool = CryptoPool(2)
    try:
        await pool.run(derive_key, os.urandom(16), os.urandom(16), params)  # warm up
        start = time.perf_counter()
        await asyncio.gather(
            *(
                pool.run(derive_key, os.urandom(16), os.urandom(16), params)
                for _ in range(derivations)
            )
        )
        return derivations / (time.perf_counter() - start)
    finally:
        pool.close()


def run(reports: int = 60, clients: int = 8) -> dict[str, float]:
    """Measure the bounds and the end-to-end rate in one run."""
    crypto = crypto_bench.run(quick=True)
    pool_rate = asyncio.run(_pool_rate(24))
    # Per submission: one derivation on the pool, plus six wraps spread over two threads.
    measured_bound = 1 / (
        1 / pool_rate + crypto_bench.WRAPS_PER_SUBMISSION * crypto["hpke_wrap_s"] / 2
    )
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        asyncio.run(_prepare(data_dir))
        port = _free_port()
        env = {**os.environ, "GRATIFY_CRYPTO_THREADS": "2", "GRATIFY_LOG_LEVEL": "WARNING"}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gratify",
                "serve",
                "--data-dir",
                str(data_dir),
                "--port",
                str(port),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    httpx.get(f"{base}/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            seconds, latencies, errors = asyncio.run(_load(base, reports, clients))
        finally:
            server.terminate()
            server.wait(timeout=30)
    rate = reports / seconds
    return {
        "bound_per_s": crypto["submissions_per_s_bound"],
        "argon2_s": crypto["argon2_s"],
        "pool_per_s": pool_rate,
        "measured_bound_per_s": measured_bound,
        "rate_per_s": rate,
        "ratio": rate / measured_bound,
        "ratio_to_ideal": rate / crypto["submissions_per_s_bound"],
        "median_ms": statistics.median(latencies) * 1000,
        "p95_ms": statistics.quantiles(latencies, n=20)[-1] * 1000,
        "errors": errors,
        "reports": reports,
        "clients": clients,
    }


def render(f: dict[str, float], command: str) -> str:
    return "\n".join(
        [
            HEADING,
            "",
            *machine_lines(),
            f"- Command: `{command}`",
            "",
            "| measure | figure | ratio |",
            "|---|---|---|",
            f"| ideal bound: 2 x one-thread Argon2id rate, + 6 wraps (bench/crypto.py) | "
            f"{f['bound_per_s']:.2f} /s | 1.00 |",
            f"| Argon2id measured on the app's 2 pool threads, alone | {f['pool_per_s']:.2f} /s | "
            f"{f['pool_per_s'] / f['bound_per_s']:.2f} of ideal |",
            f"| Argon2 bound: that pool rate + 6 wraps per submission | "
            f"{f['measured_bound_per_s']:.2f} /s | "
            f"{f['measured_bound_per_s'] / f['bound_per_s']:.2f} of ideal |",
            f"| end-to-end JSON submissions, {int(f['clients'])} clients, {int(f['reports'])} "
            f"reports | {f['rate_per_s']:.2f} /s | **{f['ratio']:.2f} of the Argon2 bound** "
            f"(goal ≥ 0.8); {f['ratio_to_ideal']:.2f} of ideal |",
            f"| latency median / p95 | {f['median_ms']:.0f} ms / {f['p95_ms']:.0f} ms | |",
            f"| errors | {int(f['errors'])} | |",
            "",
            "Reading: each submission spends one Argon2id derivation (t=3, 64 MiB) and six HPKE "
            "wraps in the crypto pool; everything else (HTTP, JSON, checking, sealing, the "
            "insert) is what separates the rate from the bound. The load generator runs on the "
            "same two cores, so it takes its share from the server. The ideal bound assumes two "
            "threads run 64 MiB Argon2id twice as fast as one; on this VM they often do not "
            "(memory bandwidth), which is why the bound that counts is the pool rate measured in "
            "the same run.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="intake throughput against the Argon2 bound")
    parser.add_argument("--reports", type=int, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    figures = run(args.reports, args.clients)
    command = f"python bench/intake.py --reports {args.reports} --clients {args.clients}"
    section = render(figures, command)
    print(section)
    if not args.no_write:
        write_section(HEADING, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
