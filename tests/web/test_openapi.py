from __future__ import annotations

import re

import httpx
from openapi_spec_validator import validate
from starlette.routing import Route

from gratify.routes import routes
from gratify.settings import Settings
from gratify.web.openapi import DOCUMENT


def test_the_document_is_valid_openapi() -> None:
    validate(DOCUMENT)


def test_every_api_route_is_documented_with_its_methods() -> None:
    documented = {
        (path, method.upper()) for path, item in DOCUMENT["paths"].items() for method in item
    }
    served = {
        (route.path, method)
        for route in routes(Settings())
        if isinstance(route, Route) and route.path.startswith("/api/v1")
        for method in (route.methods or set()) - {"HEAD"}
    }
    assert served == documented


async def test_it_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.1")
    assert all(re.match(r"^/api/v1/", path) for path in response.json()["paths"])
