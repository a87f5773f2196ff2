"""Static files: where they live and their content-hashed URLs.

A page links ``/static/css/site.css?v=<hash>``; because the hash changes with the content,
the file can be cached for a year (`gratify.web.headers`), and a new release is fetched
at once.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
STATIC_PREFIX = "/static/"
VERSION_PARAM = "v"
_VERSION_LENGTH = 12


@functools.lru_cache(maxsize=256)
def static_version(path: str) -> str | None:
    """The first 12 hex digits of the SHA-256 of static file `path`, or None if there is none.

    Computed once per file and process: a deployment's files do not change under it.
    """
    file = (STATIC_DIR / path.lstrip("/")).resolve()
    if not file.is_relative_to(STATIC_DIR) or not file.is_file():
        return None
    return hashlib.sha256(file.read_bytes()).hexdigest()[:_VERSION_LENGTH]


def static_url(path: str) -> str:
    """The URL of static file `path` (relative to ``gratify/static``), with its content hash."""
    version = static_version(path)
    if version is None:
        raise FileNotFoundError(f"no static file {path!r}")
    return f"{STATIC_PREFIX}{path.lstrip('/')}?{VERSION_PARAM}={version}"
