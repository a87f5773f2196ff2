"""Shared by the benchmarks: the machine's description and writing one section of RESULTS.md."""

from __future__ import annotations

import datetime
import os
import platform
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def machine_lines() -> list[str]:
    """Markdown lines naming the machine, Python and the date."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"- Machine: `{platform.platform()}`, {cpus} CPUs (nproc), CPU model: {model}",
        f"- Python {platform.python_version()}, date {datetime.date.today().isoformat()}",
    ]


def write_section(heading: str, section: str, path: Path = RESULTS) -> None:
    """Replace the section under `heading` (a ``## `` line) of RESULTS.md, keeping the others."""
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    lines = text.splitlines()
    body = section.rstrip("\n").splitlines()
    if heading in lines:
        start = lines.index(heading)
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        lines[start:end] = body + ([""] if end < len(lines) else [])
    else:
        lines += ["", *body]
    path.write_text("\n".join(lines).rstrip("\n") + "\n")
