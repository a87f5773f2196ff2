"""Every URL of the site, its endpoint and who may call it: the one map."""

from __future__ import annotations

from starlette.routing import BaseRoute

from gratify.settings import Settings


def routes(settings: Settings) -> list[BaseRoute]:
    return []
