"""Benchmark of gratify.crypto: what a submission and an attachment cost on this machine.

Run ``.venv/bin/python bench/crypto.py [--quick]``; it prints a Markdown table and writes
it into ``bench/RESULTS.md`` under ``## Cryptography (bench/crypto.py)``, keeping the other
sections. ``run(quick)`` returns the figures for ``bench/run.py``.

Every figure is compared with a baseline measured in the same run on the same data:
streaming against single-shot AES-256-GCM, two Argon2id threads against one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bench.results import machine_lines, write_section
from gratify.crypto import envelope
from gratify.crypto.kdf import Argon2Params, derive_key
from gratify.crypto.pool import CryptoPool
from gratify.crypto.stream import DEFAULT_CHUNK_SIZE, StreamOpener, StreamSealer

HEADING = "## Cryptography (bench/crypto.py)"
MIB = 1024 * 1024
UPLOAD_PIECE = 64 * 1024  # what a multipart upload hands over at a time
WRAPS_PER_SUBMISSION = 6  # 5 handlers + 1 escrow
THREADS = 2
STREAM_GOAL = 0.8


def _best_seconds(action: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def _seal_stream(key: bytes, data: memoryview, chunk_size: int) -> int:
    sealer = StreamSealer(key, context=b"bench", chunk_size=chunk_size)
    written = len(sealer.header())
    for offset in range(0, len(data), UPLOAD_PIECE):
        written += len(sealer.feed(data[offset : offset + UPLOAD_PIECE]))
    return written + len(sealer.finish())


def _open_stream(key: bytes, sealed: memoryview) -> int:
    opener = StreamOpener(key, context=b"bench")
    released = 0
    for offset in range(0, len(sealed), UPLOAD_PIECE):
        released += len(opener.feed(sealed[offset : offset + UPLOAD_PIECE]))
    opener.finish()
    return released


def measure_aes(size: int, repeats: int, chunk_sizes: list[int]) -> dict[str, float]:
    """Throughputs in MB/s (10**6 bytes) of AES-256-GCM one-shot and streamed, same data."""
    key = AESGCM.generate_key(256)
    data = os.urandom(size)
    view = memoryview(data)
    nonce = bytes(12)
    cipher = AESGCM(key)
    out = bytearray(size + 16)
    figures: dict[str, float] = {}
    oneshot = _best_seconds(lambda: cipher.encrypt(nonce, data, None), repeats)
    into = _best_seconds(lambda: cipher.encrypt_into(nonce, data, None, out), repeats)
    figures["aes_oneshot_mb_s"] = size / oneshot / 1e6
    figures["aes_into_mb_s"] = size / into / 1e6

    def chunked(chunk_size: int = DEFAULT_CHUNK_SIZE) -> None:
        for offset in range(0, size, chunk_size):
            cipher.encrypt(nonce, view[offset : offset + chunk_size], None)

    figures["aes_chunked_mb_s"] = size / _best_seconds(chunked, repeats) / 1e6
    for chunk_size in chunk_sizes:
        name = f"{chunk_size // 1024}k"

        def seal(chunk_size: int = chunk_size) -> int:
            return _seal_stream(key, view, chunk_size)

        sealer = StreamSealer(key, context=b"bench", chunk_size=chunk_size)
        sealed = memoryview(sealer.header() + sealer.feed(data) + sealer.finish())

        def open_(sealed: memoryview = sealed) -> int:
            return _open_stream(key, sealed)

        seal_seconds = _best_seconds(seal, repeats)
        open_seconds = _best_seconds(open_, repeats)
        del sealed
        figures[f"stream_seal_{name}_mb_s"] = size / seal_seconds / 1e6
        figures[f"stream_open_{name}_mb_s"] = size / open_seconds / 1e6
        figures[f"stream_seal_{name}_vs_oneshot"] = oneshot / seal_seconds
        figures[f"stream_seal_{name}_vs_into"] = into / seal_seconds
        figures[f"stream_open_{name}_vs_into"] = into / open_seconds
    return figures


def measure_hpke(count: int) -> dict[str, float]:
    """HPKE (ML-KEM-768 + X25519) wraps and unwraps of a 32-byte key per second."""
    private, public = envelope.generate_recipient_key()
    dek = os.urandom(32)
    start = time.perf_counter()
    wrapped = [envelope.wrap_data_key(dek, public, context=b"bench") for _ in range(count)]
    wrap_seconds = (time.perf_counter() - start) / count
    start = time.perf_counter()
    for blob in wrapped:
        envelope.unwrap_data_key(blob, private, context=b"bench")
    unwrap_seconds = (time.perf_counter() - start) / count
    return {
        "hpke_wrap_per_s": 1 / wrap_seconds,
        "hpke_unwrap_per_s": 1 / unwrap_seconds,
        "hpke_wrap_s": wrap_seconds,
    }


async def _derive_in_pool(params: Argon2Params, count: int) -> float:
    pool = CryptoPool(THREADS)
    try:
        start = time.perf_counter()
        await asyncio.gather(
            *(pool.run(derive_key, os.urandom(16), os.urandom(16), params) for _ in range(count))
        )
        return time.perf_counter() - start
    finally:
        pool.close()


def measure_argon2(params: Argon2Params, count: int) -> dict[str, float]:
    """Seconds per Argon2id derivation on one thread, and derivations/s on two pool threads."""
    single = []
    for _ in range(count):
        start = time.perf_counter()
        derive_key(os.urandom(16), os.urandom(16), params)
        single.append(time.perf_counter() - start)
    seconds = statistics.median(single)
    pooled = asyncio.run(_derive_in_pool(params, THREADS * count))
    per_second_pool = THREADS * count / pooled
    return {
        "argon2_s": seconds,
        "argon2_per_s_1_thread": 1 / seconds,
        "argon2_per_s_2_threads": per_second_pool,
        "argon2_2_thread_speedup": per_second_pool * seconds,
    }


def run(
    quick: bool = False,
    *,
    time_cost: int = 3,
    memory_kib: int = 64 * 1024,
    parallelism: int = 1,
) -> dict[str, float]:
    """Measure everything once; ``quick`` uses less data and fewer repeats."""
    size = (16 if quick else 64) * MIB
    chunk_sizes = [DEFAULT_CHUNK_SIZE] if quick else [64 * 1024, 256 * 1024, 1024 * 1024]
    figures = measure_aes(size, 3 if quick else 7, chunk_sizes)
    figures.update(measure_hpke(30 if quick else 300))
    params = Argon2Params(time_cost=time_cost, memory_kib=memory_kib, parallelism=parallelism)
    figures.update(measure_argon2(params, 2 if quick else 6))
    per_submission = figures["argon2_s"] + WRAPS_PER_SUBMISSION * figures["hpke_wrap_s"]
    figures["submission_s"] = per_submission
    figures["submissions_per_s_bound"] = THREADS / per_submission
    figures["data_mib"] = size / MIB
    return figures


def render(figures: dict[str, float], command: str, params: Argon2Params) -> str:
    """The Markdown section for RESULTS.md."""
    f = figures
    default = f"{DEFAULT_CHUNK_SIZE // 1024}k"
    rows = [
        (
            "AES-256-GCM one-shot `encrypt()` (baseline A)",
            f"{f['aes_oneshot_mb_s']:.0f} MB/s",
            "1.00",
        ),
        (
            "AES-256-GCM one-shot `encrypt_into()` a reused buffer (baseline B)",
            f"{f['aes_into_mb_s']:.0f} MB/s",
            f"{f['aes_into_mb_s'] / f['aes_oneshot_mb_s']:.2f} x A",
        ),
        (
            f"AES-256-GCM `encrypt()` per {default[:-1]} KiB piece, no framing",
            f"{f['aes_chunked_mb_s']:.0f} MB/s",
            f"{f['aes_chunked_mb_s'] / f['aes_into_mb_s']:.2f} x B",
        ),
    ]
    for key in sorted(k for k in f if k.startswith("stream_seal_") and k.endswith("_mb_s")):
        name = key.removeprefix("stream_seal_").removesuffix("_mb_s")
        label = f"{name[:-1]} KiB chunks" + (" (default)" if name == default else "")
        versus_a = f[f"stream_seal_{name}_vs_oneshot"]
        versus_b = f[f"stream_seal_{name}_vs_into"]
        rows.append(
            (
                f"StreamSealer, {label}",
                f"{f[key]:.0f} MB/s",
                f"{versus_a:.2f} x A, {versus_b:.2f} x B",
            )
        )
        rows.append(
            (
                f"StreamOpener, {label}",
                f"{f[f'stream_open_{name}_mb_s']:.0f} MB/s",
                f"{f[f'stream_open_{name}_vs_into']:.2f} x B",
            )
        )
    argon2 = f"t={params.time_cost} m={params.memory_kib // 1024} MiB p={params.parallelism}"
    wraps = WRAPS_PER_SUBMISSION
    rows += [
        (
            "HPKE wrap (ML-KEM-768 + X25519)",
            f"{f['hpke_wrap_per_s']:.0f} /s",
            f"{f['hpke_wrap_s'] * 1e3:.2f} ms each",
        ),
        ("HPKE unwrap", f"{f['hpke_unwrap_per_s']:.0f} /s", ""),
        (
            f"Argon2id {argon2}, 1 thread (baseline C)",
            f"{f['argon2_s'] * 1e3:.0f} ms per derivation",
            "1.00",
        ),
        (
            f"Argon2id {argon2}, {THREADS} threads in CryptoPool",
            f"{f['argon2_per_s_2_threads']:.2f} derivations/s",
            f"{f['argon2_2_thread_speedup']:.2f} x C",
        ),
        (
            f"Submission: 1 Argon2id + {wraps} HPKE wraps",
            f"{f['submission_s'] * 1e3:.0f} ms of CPU",
            f"Argon2id is {f['argon2_s'] / f['submission_s']:.0%} of it",
        ),
        (
            f"Bound: {THREADS} / (Argon2id + {wraps} wraps)",
            f"{f['submissions_per_s_bound']:.1f} submissions/s",
            f"with {THREADS} cores",
        ),
    ]
    lines = [
        HEADING,
        "",
        *machine_lines(),
        f"- Command: `{command}`; {f['data_mib']:.0f} MiB of random data, fed in "
        f"{UPLOAD_PIECE // 1024} KiB pieces as an upload would be",
        "",
        "| Measure | Result | Against the baseline of this run |",
        "|---|---|---|",
        *(f"| {measure} | {result} | {ratio} |" for measure, result, ratio in rows),
        "",
        *_findings(f, default),
    ]
    return "\n".join(lines) + "\n"


def _findings(f: dict[str, float], default: str) -> list[str]:
    versus_a = f[f"stream_seal_{default}_vs_oneshot"]
    versus_b = f[f"stream_seal_{default}_vs_into"]
    framing = f["aes_chunked_mb_s"] / f[f"stream_seal_{default}_mb_s"] - 1
    verdict = "meets" if versus_a >= STREAM_GOAL else "misses"
    notes = [
        "Findings:",
        "",
        f"- Sealing a stream in {default[:-1]} KiB chunks {verdict} the goal of {STREAM_GOAL} x "
        f"single-shot AES-256-GCM: {versus_a:.2f} x baseline A.",
    ]
    if f["aes_into_mb_s"] > 1.3 * f["aes_oneshot_mb_s"]:
        notes.append(
            "- Baseline A is slow for a reason other than the cipher: `encrypt()` returns a "
            "fresh object as large as the input, and a buffer that large is mapped anew "
            "by the allocator, so every page is faulted in and zero-filled by the kernel. "
            "Baseline B, encrypting into a buffer that already exists, is the cipher's "
            "own speed."
        )
    notes += [
        f"- Against the cipher's own speed (B) the stream reaches {versus_b:.2f}, and it is "
        f"{framing:.0%} slower than calling GCM once per piece without framing. Calling GCM "
        "per chunk costs little (that row against B); the key is derived once per file, not "
        "per chunk; full chunks are sealed straight from a `memoryview` of the caller's "
        "data, never copied into the buffer. The gap is the bookkeeping of each `feed()` "
        "call and, the larger part when measured while investigating, one copy per record "
        "that joins the 4-byte length prefix with the sealed chunk. The prefix lets the "
        "opener recognise the final record from the bytes alone, so "
        "`StreamOpener.finish()` returns nothing and no caller can lose the last chunk by "
        "ignoring a return value; the copy is its price.",
        f"- The opener reaches {f[f'stream_open_{default}_vs_into']:.2f} x B: a record is 20 "
        "bytes longer than the 64 KiB pieces it arrives in, so nearly every record spans "
        "two pieces and is gathered in the opener's buffer (one copy) before it is checked.",
    ]
    larger = [
        key
        for key in f
        if key.startswith("stream_seal_")
        and key.endswith("_mb_s")
        and key != f"stream_seal_{default}_mb_s"
    ]
    if larger and all(f[key] < f[f"stream_seal_{default}_mb_s"] for key in larger):
        notes.append(
            "- Larger chunks are slower here, not faster. Uploads arrive in 64 KiB pieces, so "
            "a larger chunk is first gathered in the sealer's buffer (a copy), and every "
            "buffer and output of 256 KiB or more is a large allocation that the allocator "
            "maps anew each time: the same page-fault cost that slows baseline A (with "
            "glibc's `MALLOC_MMAP_THRESHOLD_` and `MALLOC_TRIM_THRESHOLD_` raised, they "
            f"recover most of the difference to {default[:-1]} KiB chunks). The default stays "
            f"{default[:-1]} KiB, and callers "
            "should feed upload-sized pieces rather than whole files."
        )
    notes += [
        f"- One Argon2id derivation is {f['argon2_s'] / f['submission_s']:.0%} of a "
        "submission's crypto cost; HPKE with ML-KEM-768 is cheap beside it. Argon2 "
        "releases the GIL, so the pool's threads run derivations in parallel "
        f"({f['argon2_2_thread_speedup']:.2f} x one thread with {THREADS} threads).",
    ]
    return notes


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="less data, fewer repeats")
    parser.add_argument("--time-cost", type=int, default=3)
    parser.add_argument("--memory-kib", type=int, default=64 * 1024)
    parser.add_argument("--parallelism", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    params = Argon2Params(args.time_cost, args.memory_kib, args.parallelism)
    figures = run(
        args.quick,
        time_cost=params.time_cost,
        memory_kib=params.memory_kib,
        parallelism=params.parallelism,
    )
    command = " ".join([".venv/bin/python", "bench/crypto.py", *(argv or sys.argv[1:])])
    section = render(figures, command, params)
    print(section)
    if not args.no_write:
        write_section(HEADING, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
