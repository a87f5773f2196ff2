"""The reporter's JSON API (API.md, "Public JSON API"): thin views over the services."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gratify.accounts.service import list_tenants
from gratify.errors import N_, BadRequest, NotFound
from gratify.intake.acknowledgement import verify_acknowledgement
from gratify.intake.attachments import (
    AttachmentLimits,
    UploadTarget,
    discard_pending,
    parse_multipart,
)
from gratify.intake.inbox import (
    InboxView,
    close_inbox,
    open_inbox,
    read_inbox,
    send_reporter_message,
)
from gratify.intake.service import CaseIdentity, Filed, IntakeContext, file_report, parse_draft
from gratify.web.bodies import MAX_JSON_BYTES, bearer_token, read_json


def _ctx(request: Request) -> IntakeContext:
    ctx: IntakeContext = request.app.state.intake
    return ctx


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def tenants(request: Request) -> Response:
    """``GET /api/v1/tenants``: every tenant with its agencies and their services."""
    async with _ctx(request).db.reading() as session:
        rows = await list_tenants(session)
    return JSONResponse(
        [
            {
                "slug": t.slug,
                "name": t.name,
                "agencies": [
                    {
                        "slug": a.slug,
                        "name": a.name,
                        "services": [{"slug": s.slug, "name": s.name} for s in a.services],
                    }
                    for a in t.agencies
                ],
            }
            for t in rows
        ],
        headers={"Cache-Control": "public, max-age=300"},
    )


async def forms(request: Request) -> Response:
    """``GET /api/v1/tenants/{tenant}/forms``: the report kinds and their fields."""
    ctx = _ctx(request)
    async with ctx.db.reading() as session:
        known = {t.slug for t in await list_tenants(session)}
    if request.path_params["tenant"] not in known:
        raise NotFound()
    return JSONResponse(
        {
            "kinds": [
                {"kind": form.kind, "fields": [f.as_api() for f in form.fields]}
                for form in ctx.forms_for(request.path_params["tenant"]).kinds
            ]
        },
        headers={"Cache-Control": "public, max-age=300"},
    )


def _filed(filed: Filed) -> Response:
    body: dict[str, Any] = {"case_number": filed.case_number, "receipt": filed.receipt.formatted}
    if filed.acknowledgement is not None:
        body["acknowledgement"] = filed.acknowledgement
    return JSONResponse(body, status_code=201)


async def submit(request: Request) -> Response:
    """``POST /api/v1/tenants/{tenant}/reports``: JSON, or multipart with files (API.md)."""
    ctx = _ctx(request)
    tenant = request.path_params["tenant"]
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "multipart/form-data":
        draft = parse_draft(await read_json(request))
        return _filed(await file_report(ctx, tenant, draft, now=_now()))
    identity = CaseIdentity.new()
    settings = request.app.state.settings
    parsed = await parse_multipart(
        request.stream(),
        request.headers["content-type"],
        db=ctx.db,
        pool=ctx.pool,
        target=UploadTarget(identity.case_id, identity.dek, "reporter"),
        limits=AttachmentLimits.from_settings(settings),
        now=_now(),
    )
    ids = [a.id for a in parsed.attachments]
    try:
        parts = parsed.fields.get("report", [])
        if len(parts) != 1 or len(parts[0].encode()) > MAX_JSON_BYTES:
            raise BadRequest(N_("Send the report as one part named report, in JSON."))
        try:
            body = json.loads(parts[0])
        except json.JSONDecodeError:
            raise BadRequest(N_("The request is not valid JSON.")) from None
        filed = await file_report(
            ctx, tenant, parse_draft(body), now=_now(), identity=identity, attachment_ids=ids
        )
    except BaseException:
        await discard_pending(ctx.db, ids)
        raise
    return _filed(filed)


async def inbox_session(request: Request) -> Response:
    """``POST /api/v1/inbox/session``: a receipt for a bearer token; 401 for any wrong one."""
    body = await read_json(request, limit=4096)
    if not isinstance(body, dict) or not all(
        isinstance(body.get(k), str) for k in ("tenant", "receipt")
    ):
        raise BadRequest(N_("Send the region and the receipt code."))
    session = await open_inbox(_ctx(request), body["tenant"], body["receipt"], _now())
    return JSONResponse({"token": session.token, "expires_at": session.expires_at.isoformat()})


async def end_inbox_session(request: Request) -> Response:
    """``DELETE /api/v1/inbox/session``: log out now."""
    await close_inbox(_ctx(request), bearer_token(request))
    return Response(status_code=204)


def inbox_json(view: InboxView) -> dict[str, Any]:
    """The inbox as API.md lists it."""
    body: dict[str, Any] = {
        "case_number": view.case_number,
        "tenant": view.tenant,
        "agency": view.agency,
        "kind": view.kind,
        "status": view.status,
        "received_on": view.received_on.isoformat(),
        "answers": view.answers,
        "attachments": [a.as_api() for a in view.attachments],
        "messages": [{"from": m.sender, "body": m.body, "at": m.at} for m in view.messages],
    }
    if view.acknowledgement is not None:
        body["acknowledgement"] = view.acknowledgement
    return body


async def inbox(request: Request) -> Response:
    """``GET /api/v1/inbox``: the reporter's case, decrypted for this answer only."""
    view = await read_inbox(_ctx(request), bearer_token(request), _now())
    return JSONResponse(inbox_json(view))


async def inbox_message(request: Request) -> Response:
    """``POST /api/v1/inbox/messages``: the reporter answers."""
    token = bearer_token(request)
    body = await read_json(request)
    if not isinstance(body, dict):
        raise BadRequest(N_("Send the message as a JSON object with a body."))
    await send_reporter_message(_ctx(request), token, body.get("body"), _now())
    return JSONResponse({}, status_code=201)


async def verify_receipt(request: Request) -> Response:
    """``POST /api/v1/receipts/verify``: is this acknowledgement signed by this installation?"""
    result = verify_acknowledgement(
        await read_json(request), request.app.state.keys.verification_keys
    )
    body: dict[str, Any] = {"valid": result.valid}
    if result.valid:
        body.update(
            {
                "case_number": result.case_number,
                "filed_at": result.filed_at,
                "key_id": result.key_id,
            }
        )
    return JSONResponse(body)
