"""The reporter rates the handling of their closed case, from the inbox page or the API.

Thin views over `ratings`. The page's form posts to ``/kotak/nilai`` and comes back to
the inbox (303), with a word on the page (``?dinilai=1`` saved, ``?nilai=salah`` not).
"""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from gratify.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from gratify.intake.pages_bodies import first, read_urlencoded
from gratify.intake.pages_support import inbox_token
from gratify.intake.service import IntakeContext
from gratify.stats.ratings import current_rating, parse_rating, rate_case
from gratify.web.bodies import bearer_token, read_json


def _ctx(request: Request) -> IntakeContext:
    ctx: IntakeContext = request.app.state.intake
    return ctx


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def rate_page(request: Request) -> Response:
    """``POST /kotak/nilai``: save the rating, back to the inbox."""
    token = inbox_token(request)
    if token is None:
        return RedirectResponse("/kotak?berakhir=1", status_code=303)
    fields = await read_urlencoded(request, 1024)
    try:
        rating = parse_rating(first(fields, "handling"), first(fields, "clarity"))
        await rate_case(_ctx(request), token, rating, _now())
    except Unauthenticated:
        return RedirectResponse("/kotak?berakhir=1", status_code=303)
    except (InvalidInput, Conflict):
        return RedirectResponse("/kotak/laporan?nilai=salah#nilai", status_code=303)
    return RedirectResponse("/kotak/laporan?dinilai=1#nilai", status_code=303)


async def rate_api(request: Request) -> Response:
    """``POST /api/v1/inbox/rating`` ``{"handling": 1-5, "clarity": 1-5}``: 204; 409 if
    the case is not closed."""
    token = bearer_token(request)
    body = await read_json(request)
    if not isinstance(body, dict):
        raise InvalidInput()
    rating = parse_rating(body.get("handling"), body.get("clarity"))
    await rate_case(_ctx(request), token, rating, _now())
    return Response(status_code=204)


async def rating_api(request: Request) -> Response:
    """``GET /api/v1/inbox/rating``: the reporter's own rating; 404 if none yet."""
    rating = await current_rating(_ctx(request), bearer_token(request), _now())
    if rating is None:
        raise NotFound()
    return JSONResponse(
        {"handling": rating.handling, "clarity": rating.clarity},
        headers={"Cache-Control": "no-store"},
    )
