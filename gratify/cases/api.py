"""The handler JSON API (API.md, "Handler JSON API"): thin views over the case services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gratify.accounts.views import current_handler
from gratify.cases import grants
from gratify.cases.downloads import attachment_response
from gratify.cases.listing import InboxFilter, list_cases
from gratify.cases.service import (
    CaseView,
    add_note,
    open_case,
    send_handler_message,
    transition_case,
)
from gratify.errors import N_, BadRequest, InvalidInput
from gratify.intake.service import IntakeContext
from gratify.web.bodies import query_int, read_json


def _ctx(request: Request) -> IntakeContext:
    ctx: IntakeContext = request.app.state.intake
    return ctx


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def inbox_filter(request: Request) -> InboxFilter:
    """The filters of ``GET /api/v1/cases`` and of the inbox page, from the query string."""
    q = request.query_params
    overdue = q.get("overdue")
    if overdue not in (None, "", "true", "false"):
        raise InvalidInput(fields={"overdue": N_("Please answer yes or no.")})
    sort = q.get("sort") or "received"
    if sort not in ("received", "due"):
        raise InvalidInput(fields={"sort": N_("Please choose one of the options.")})
    return InboxFilter(
        status=q.get("status") or None,
        kind=q.get("kind") or None,
        agency=q.get("agency") or None,
        overdue=None if not overdue else overdue == "true",
        sort=sort,
        page=query_int(request, "page", 1),
        per_page=query_int(request, "per_page", 25),
    )


async def cases(request: Request) -> Response:
    """``GET /api/v1/cases``: metadata only, a page at a time."""
    handler = await current_handler(request)
    ctx = _ctx(request)
    async with ctx.db.reading() as session:
        page = await list_cases(session, handler, inbox_filter(request), _ctx(request).today())
    return JSONResponse(
        {
            "items": [
                {
                    "id": c.id,
                    "case_number": c.case_number,
                    "kind": c.kind,
                    "status": c.status,
                    "agency": c.agency,
                    "received_on": c.received_on.isoformat(),
                    "due_on": c.due_on.isoformat() if c.due_on else None,
                    "overdue": c.overdue,
                    "assigned_to": c.assigned_to,
                }
                for c in page.items
            ],
            "total": page.total,
            "counts": page.counts,
            "page": page.page,
            "per_page": page.per_page,
        }
    )


def case_json(view: CaseView) -> dict[str, Any]:
    """A decrypted case as the API gives it."""
    return {
        "id": view.id,
        "case_number": view.case_number,
        "tenant": view.tenant,
        "kind": view.kind,
        "status": view.status,
        "agency": view.agency,
        "service": view.service,
        "unit": view.unit,
        "received_on": view.received_on.isoformat(),
        "status_since": view.status_since.isoformat() if view.status_since else None,
        "due_on": view.due_on.isoformat() if view.due_on else None,
        "assigned_to": view.assigned_to,
        "kpk_outcome": view.kpk_outcome,
        "closing_reason": view.closing_reason,
        "concerns_inspectorate": view.concerns_inspectorate,
        "answers": view.answers,
        "excluded_handlers": view.excluded_handlers,
        "attachments": [a.as_api() for a in view.attachments],
        "messages": [{"from": m.sender, "body": m.body, "at": m.at} for m in view.messages],
        "notes": [{"author": n.author, "body": n.body, "at": n.at} for n in view.notes],
        "history": [
            {
                "from": h.from_status,
                "to": h.to_status,
                "by": h.actor,
                "on": h.on.isoformat(),
                "reason": h.reason,
                **h.details,
            }
            for h in view.history
        ],
        "next": [{"to": t.target, "requires": sorted(t.requires)} for t in view.next_steps],
    }


async def case(request: Request) -> Response:
    """``GET /api/v1/cases/{id}``: the case decrypted for this handler."""
    handler = await current_handler(request)
    view = await open_case(_ctx(request), handler, request.path_params["case_id"])
    return JSONResponse(case_json(view))


async def _body(request: Request) -> dict[str, Any]:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise BadRequest(N_("Send a JSON object."))
    return body


async def transition(request: Request) -> Response:
    """``POST /api/v1/cases/{id}/transitions``: ``{"to", "reason", ...}``; 409 if not allowed."""
    handler = await current_handler(request)
    body = await _body(request)
    target = body.get("to")
    if not isinstance(target, str):
        raise InvalidInput(fields={"to": N_("Please choose the next status.")})
    moved = await transition_case(
        _ctx(request),
        handler,
        request.path_params["case_id"],
        target,
        body.get("reason"),
        body,
        now=_now(),
        today=_ctx(request).today(),
    )
    return JSONResponse(
        {
            "id": moved.id,
            "status": moved.status,
            "status_since": moved.status_since.isoformat() if moved.status_since else None,
            "due_on": moved.due_on.isoformat() if moved.due_on else None,
        }
    )


async def message(request: Request) -> Response:
    """``POST /api/v1/cases/{id}/messages``: the reporter reads it in their inbox."""
    handler = await current_handler(request)
    body = await _body(request)
    ctx = _ctx(request)
    await send_handler_message(
        ctx,
        handler,
        request.path_params["case_id"],
        body.get("body"),
        now=_now(),
        limit=ctx.max_text_chars,
    )
    return JSONResponse({}, status_code=201)


async def note(request: Request) -> Response:
    """``POST /api/v1/cases/{id}/notes``: an internal note (never shown to the reporter)."""
    handler = await current_handler(request)
    body = await _body(request)
    ctx = _ctx(request)
    await add_note(
        ctx,
        handler,
        request.path_params["case_id"],
        body.get("body"),
        now=_now(),
        limit=ctx.max_text_chars,
    )
    return JSONResponse({}, status_code=201)


def _username(body: dict[str, Any]) -> str:
    name = body.get("username")
    if not isinstance(name, str) or not 0 < len(name) <= 64:
        raise InvalidInput(fields={"username": N_("Please give a username.")})
    return name


async def assignment(request: Request) -> Response:
    """``POST /api/v1/cases/{id}/assignment``: ``{"username"}``."""
    handler = await current_handler(request)
    name = _username(await _body(request))
    await grants.assign_case(_ctx(request), handler, request.path_params["case_id"], name)
    return JSONResponse({"assigned_to": name})


async def holders(request: Request) -> Response:
    """``GET /api/v1/cases/{id}/holders``: who can read the case."""
    handler = await current_handler(request)
    rows = await grants.holders(_ctx(request), handler, request.path_params["case_id"])
    return JSONResponse(
        [{"username": h.username, "role": h.role, "assigned": h.assigned} for h in rows]
    )


async def grant(request: Request) -> Response:
    """``POST /api/v1/cases/{id}/grants``: ``{"username"}``: wrap the key to them."""
    handler = await current_handler(request)
    ctx = _ctx(request)
    name = _username(await _body(request))
    await grants.grant_access(ctx, handler, request.path_params["case_id"], name)
    return JSONResponse({}, status_code=201)


async def revoke(request: Request) -> Response:
    """``DELETE /api/v1/cases/{id}/grants/{username}`` (supervisors)."""
    handler = await current_handler(request)
    await grants.revoke_access(
        _ctx(request), handler, request.path_params["case_id"], request.path_params["username"]
    )
    return Response(status_code=204)


async def conflict(request: Request) -> Response:
    """``POST /api/v1/cases/{id}/conflict``: declare a conflict of interest, hand it back."""
    handler = await current_handler(request)
    await grants.declare_conflict(_ctx(request), handler, request.path_params["case_id"])
    return Response(status_code=204)


async def attachment(request: Request) -> Response:
    """``GET /api/v1/cases/{id}/attachments/{attachment_id}``: the file, decrypted, streamed."""
    handler = await current_handler(request)
    return await attachment_response(
        _ctx(request),
        handler,
        request.path_params["case_id"],
        request.path_params["attachment_id"],
        inline=request.query_params.get("inline") == "1",
    )
