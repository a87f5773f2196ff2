"""The pager under a paged list (`templates/_pager.html`): where it stands, and links to
the pages either side as plain hrefs that htmx may also follow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def pager(page: int, pages: int, total: int, href: Callable[[int], str]) -> dict[str, Any]:
    """The pager's context; `href(n)` is the list's own address at page `n`."""
    return {
        "page": page,
        "pages": pages,
        "total": total,
        "previous": href(page - 1) if page > 1 else None,
        "next": href(page + 1) if page < pages else None,
    }
