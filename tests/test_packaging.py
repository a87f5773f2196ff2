"""README's two commands, `.ci/run`, and the wheel: what a new user and CI depend on."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent


def _readme_commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)\n```", (ROOT / "README.md").read_text("utf-8"), re.DOTALL)
    return [block.strip() for block in blocks[:2]]


def test_readme_starts_with_the_run_and_the_test_command() -> None:
    run, test = _readme_commands()
    readme = (ROOT / "README.md").read_text("utf-8")
    assert readme.index(run) < readme.index("## What it is")
    assert run.endswith("gratify demo")
    assert test.endswith("python -m pytest")
    for command in (run, test):
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install")


def test_ci_runs_readmes_test_command_verbatim() -> None:
    _, test = _readme_commands()
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert test in ci.splitlines()
    for check in (".venv/bin/ruff check", ".venv/bin/mypy"):
        assert check in ci


def test_wheel_carries_templates_static_files_catalogues_and_migrations(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = tmp_path.glob("gratify-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "gratify/templates/base.html",
        "gratify/templates/home/landing.html",
        "gratify/static/htmx.min.js",
        "gratify/static/css/site.css",
        "gratify/locale/id/LC_MESSAGES/messages.po",
        "gratify/locale/en/LC_MESSAGES/messages.po",
        "gratify/db/migrations/env.py",
        "gratify/db/migrations/script.py.mako",
        "gratify/db/migrations/versions/0001_tenants.py",
        "gratify/db/migrations/versions/0002_intake.py",
        "gratify/intake/forms.toml",
        "gratify/accounts/demo_tenants.toml",
    ):
        assert expected in names, expected
    assert not any(name.startswith(("tests/", "keys/")) for name in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "gratify = gratify.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
