"""Fixtures for tests over HTTP: the real app (lifespan, keys, database) on the shared
installation of `tests.conftest` (demo tenants and handlers, SQLite and PostgreSQL),
driven the way a browser with JavaScript off drives it: form posts, redirects followed by
hand, cookies kept by the client."""

from __future__ import annotations

# The `app`, `client`, `secure_app` and `secure_client` fixtures of tests/conftest.py
# serve `installation` here, on both engines.
