"""Cross-site request forgery (gratify/web/csrf.py): what another site's page makes a
browser send is refused before anything is read or written; our own pages, htmx and
API programs pass."""

from __future__ import annotations

import pytest

from gratify.web.csrf import is_cross_site


@pytest.mark.parametrize(
    ("method", "headers", "cross"),
    [
        ("GET", {"origin": "https://evil.example", "host": "lapor.go.id"}, False),
        ("POST", {"host": "lapor.go.id"}, False),  # a program: no browser headers
        ("POST", {"sec-fetch-site": "same-origin", "host": "lapor.go.id"}, False),
        ("POST", {"sec-fetch-site": "none", "host": "lapor.go.id"}, False),
        ("POST", {"sec-fetch-site": "same-site", "host": "lapor.go.id"}, True),
        ("POST", {"sec-fetch-site": "cross-site", "host": "lapor.go.id"}, True),
        # Fetch metadata wins over a matching Origin: the browser knows better.
        (
            "POST",
            {
                "sec-fetch-site": "cross-site",
                "origin": "https://lapor.go.id",
                "host": "lapor.go.id",
            },
            True,
        ),
        ("POST", {"origin": "https://lapor.go.id", "host": "lapor.go.id"}, False),
        ("POST", {"origin": "https://LAPOR.go.id", "host": "lapor.go.id"}, False),
        ("POST", {"origin": "http://lapor.go.id:8080", "host": "lapor.go.id"}, True),
        ("POST", {"origin": "https://lapor.go.id.evil.example", "host": "lapor.go.id"}, True),
        # Our own pages send "null" (no-referrer policy) where Fetch Metadata is missing.
        ("POST", {"origin": "null", "host": "lapor.go.id"}, False),
        ("POST", {"origin": "null", "sec-fetch-site": "same-origin"}, False),
        ("POST", {"origin": "null", "sec-fetch-site": "cross-site"}, True),
        ("POST", {"origin": "file://", "host": "lapor.go.id"}, True),
        ("DELETE", {"origin": "https://evil.example", "host": "lapor.go.id"}, True),
        ("PUT", {"sec-fetch-site": "cross-site"}, True),
        ("PATCH", {"sec-fetch-site": "cross-site"}, True),
    ],
)
def test_which_requests_are_cross_site(method: str, headers: dict[str, str], cross: bool) -> None:
    assert is_cross_site(method, headers) is cross
