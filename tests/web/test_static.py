"""Static files: the pinned htmx, content-hashed URLs, and templates that the CSP allows."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from gratify.web.static import STATIC_DIR, static_url, static_version
from gratify.web.templating import templates_dir
from tests.web.htmlcheck import inline_code


def test_vendored_htmx_is_the_pinned_release() -> None:
    table = (STATIC_DIR / "VENDORED.md").read_text(encoding="utf-8")
    row = next(line for line in table.splitlines() if line.startswith("| `htmx.min.js`"))
    cells = [cell.strip().strip("`") for cell in row.strip("|").split("|")]
    _file, package, version, source, sha256, licence = cells
    assert package.startswith("htmx.org")
    assert re.fullmatch(r"2\.\d+\.\d+", version)
    assert source == "package/dist/htmx.min.js"
    assert licence.startswith("0BSD")
    content = (STATIC_DIR / "htmx.min.js").read_bytes()
    assert hashlib.sha256(content).hexdigest() == sha256
    assert f'version:"{version}"' in content.decode("utf-8")


def test_static_url_carries_the_content_hash() -> None:
    content = (STATIC_DIR / "css" / "site.css").read_bytes()
    digest = hashlib.sha256(content).hexdigest()[:12]
    assert static_url("css/site.css") == f"/static/css/site.css?v={digest}"
    assert static_url("/css/site.css") == static_url("css/site.css")


def test_static_url_refuses_missing_files_and_paths_outside() -> None:
    with pytest.raises(FileNotFoundError):
        static_url("css/nope.css")
    assert static_version("../settings.py") is None
    assert static_version("css") is None


@pytest.mark.parametrize(
    "template", sorted(templates_dir().rglob("*.html")), ids=lambda path: path.name
)
def test_no_template_holds_inline_script_or_style(template: Path) -> None:
    # Jinja syntax is opaque to the HTML parser; the markup around it is what counts.
    source = template.read_text(encoding="utf-8")
    assert inline_code(source) == []
    assert "style=" not in source
