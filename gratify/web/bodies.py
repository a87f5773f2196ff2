"""Reading what a request carries: bodies within limits, query numbers, bearer tokens."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from gratify.errors import (
    N_,
    BadRequest,
    InvalidInput,
    TooLarge,
    Unauthenticated,
    UnsupportedMediaType,
)

MAX_JSON_BYTES = 256 * 1024


async def read_json(request: Request, limit: int = MAX_JSON_BYTES) -> Any:
    """The JSON body, refusing more than `limit` bytes as they arrive (413), bad JSON (400)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaType(N_("Send JSON (Content-Type: application/json)."))
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge(N_("The request is too large."))
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge(N_("The request is too large."))
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequest(N_("The request is not valid JSON.")) from None


def query_int(request: Request, name: str, default: int, ceiling: int = 1_000_000) -> int:
    """A whole number from 1 to `ceiling` in the query string, or `default` if absent;
    anything else is `InvalidInput` naming the parameter (422)."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not 0 < int(raw) <= ceiling:
        raise InvalidInput(fields={name: N_("Please give a whole number.")})
    return int(raw)


def bearer_token(request: Request) -> str:
    """The token of ``Authorization: Bearer …``; `Unauthenticated` (401) without one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 512 or not token.isascii():
        raise Unauthenticated(N_("Sign in first."))
    return token
