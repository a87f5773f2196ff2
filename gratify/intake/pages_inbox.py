"""The reporter's inbox (*kotak pesan*): come back with the receipt code, read the case,
answer the handlers, add evidence, download the acknowledgement, leave.

The session token lives only in a cookie (``__Host-inbox`` behind TLS): HttpOnly,
SameSite=Strict, Path=/, gone when the browser closes. A wrong receipt gets the same page
whether or not its lookup part exists; a typo (the check character does not match) is
said plainly, which tells nothing about any report.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from gratify.accounts.service import list_tenants, tenant_by_slug
from gratify.crypto.receipt import MalformedReceipt, parse_receipt
from gratify.errors import (
    N_,
    GratifyError,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthenticated,
)
from gratify.intake.attachments import (
    AttachmentLimits,
    AttachmentMeta,
    UploadTarget,
    discard_pending,
    parse_multipart,
)
from gratify.intake.evidence import attach_evidence
from gratify.intake.inbox import (
    WRONG_RECEIPT,
    InboxView,
    close_inbox,
    open_inbox,
    read_inbox,
    send_reporter_message,
    session_case_key,
)
from gratify.intake.pages import acknowledgement_download, acknowledgement_page
from gratify.intake.pages_bodies import first, read_urlencoded
from gratify.intake.pages_forms import answer_rows, format_moment, service_names
from gratify.intake.pages_support import (
    app_settings,
    delete_inbox_cookie,
    inbox_token,
    intake_context,
    is_htmx,
    set_inbox_cookie,
    utc_now,
)
from gratify.web.errors import status_of
from gratify.web.formatting import format_date, format_number
from gratify.web.i18n import gettext
from gratify.web.templating import render

LOGIN_LIMIT = 4096
SESSION_ENDED = N_("Your inbox session has ended. Enter your receipt code again.")
LOGGED_OUT = N_(
    "You have left the inbox. If others use this device, close the browser window as well."
)
CHOOSE_REGION = N_("Choose the region you sent your report to.")
TYPE_RECEIPT = N_("Type your receipt code.")
TOO_MANY_TRIES = N_(
    "Too many wrong receipt codes have been tried. To protect reports from guessing, "
    "trying is paused. Please try again in about %(minutes)s minutes."
)
MALFORMED = {
    "length": N_("A receipt code has 24 letters and digits. Check that none is missing."),
    "character": N_(
        "A receipt code has only the digits 0 to 9 and the letters A to Z. Check what you typed."
    ),
    "checksum": N_("This receipt code has a typing mistake. Check each character again."),
}
CHOOSE_FILES = N_("Choose at least one file.")
KIND_NAMES = {
    "gratification": N_("Gratification report"),
    "whistleblowing": N_("Report of wrongdoing"),
    "broker": N_("Broker or illegal fee report"),
}

STATUS_WORDS: dict[str, tuple[str, str]] = {
    "received": (
        N_("Received"),
        N_("Your report has arrived and is waiting for a handler to look at it."),
    ),
    "acknowledged": (N_("Acknowledged"), N_("A handler has seen your report.")),
    "in_review": (N_("Being examined"), N_("The handlers are examining your report.")),
    "awaiting_reporter": (
        N_("Waiting for your answer"),
        N_("The handlers have asked you something. Read the messages below and answer."),
    ),
    "forwarded": (
        N_("Passed on"),
        N_("Your report has been passed on to the body that can act on it."),
    ),
    "forwarded_to_kpk": (
        N_("Forwarded to the KPK"),
        N_("Your report has been forwarded to the KPK, which decides what happens to the gift."),
    ),
    "decided": (N_("Decided"), N_("A decision has been made on your report.")),
    "closed": (N_("Closed"), N_("Work on your report has ended.")),
}


def _size(size: int) -> str:
    if size < 1024 * 1024:
        return gettext(N_("%(size)s KB"), size=format_number(max(1, round(size / 1024))))
    return gettext(N_("%(size)s MB"), size=format_number(round(size / (1024 * 1024), 1)))


def _moment(at: str, timezone: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(at)
    except ValueError:
        return at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return format_moment(moment.astimezone(zoneinfo.ZoneInfo(timezone)))


async def _login_page(
    request: Request,
    *,
    region: str = "",
    receipt: str = "",
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    async with intake_context(request).db.reading() as session:
        tenants = await list_tenants(session)
    if not region and len(tenants) == 1:
        region = tenants[0].slug
    context = {
        "tenants": tenants,
        "region": region,
        "receipt": receipt,
        "errors": errors or {},
        "notice": notice,
    }
    return render(request, "intake/inbox_login.html", context, status_code, headers)


async def login_page(request: Request) -> Response:
    """``GET /kotak``: region and receipt code."""
    notice = None
    if "berakhir" in request.query_params:
        notice = gettext(SESSION_ENDED)
    elif "keluar" in request.query_params:
        notice = gettext(LOGGED_OUT)
    return await _login_page(request, region=request.query_params.get("wilayah", ""), notice=notice)


async def login(request: Request) -> Response:
    """``POST /kotak``: open the inbox; 401 for any wrong code, 429 while paused."""
    fields = await read_urlencoded(request, LOGIN_LIMIT)
    region, text = first(fields, "wilayah"), first(fields, "receipt")
    async with intake_context(request).db.reading() as db_session:
        slugs = {t.slug for t in await list_tenants(db_session)}
    errors: dict[str, str] = {}
    if region not in slugs:
        errors["wilayah"] = gettext(CHOOSE_REGION)
    if not text.strip():
        errors["receipt"] = gettext(TYPE_RECEIPT)
    else:
        try:
            parse_receipt(text)
        except MalformedReceipt as malformed:
            errors["receipt"] = gettext(MALFORMED[malformed.reason])
    if errors:
        # A typo concerns only what was typed, so it is shown back to be corrected.
        shown = text if "receipt" in errors and text.strip() else ""
        return await _login_page(
            request, region=region, receipt=shown[:100], errors=errors, status_code=422
        )
    try:
        session = await open_inbox(intake_context(request), region, text, utc_now())
    except Unauthenticated:
        # The same page for every wrong code: nothing typed is repeated.
        return await _login_page(
            request, region=region, errors={"receipt": gettext(WRONG_RECEIPT)}, status_code=401
        )
    except RateLimited as limited:
        minutes = max(1, -(-limited.retry_after // 60))
        return await _login_page(
            request,
            region=region,
            errors={"receipt": gettext(TOO_MANY_TRIES, minutes=minutes)},
            status_code=429,
            headers={"Retry-After": str(limited.retry_after)},
        )
    response = RedirectResponse("/kotak/laporan", status_code=303)
    set_inbox_cookie(response, app_settings(request), session.token)
    return response


def _ended(request: Request) -> Response:
    """The session is gone: back to ``/kotak`` with a word why."""
    target = "/kotak?berakhir=1"
    response: Response
    if is_htmx(request):
        response = Response(status_code=200, headers={"HX-Redirect": target})
    else:
        response = RedirectResponse(target, status_code=303)
    delete_inbox_cookie(response, app_settings(request))
    return response


def _attachment(meta: AttachmentMeta) -> dict[str, Any]:
    return {"name": meta.filename, "size": _size(meta.size), "cleaned": meta.cleaned}


async def _inbox_page(
    request: Request,
    view: InboxView,
    *,
    message_error: str | None = None,
    message_text: str = "",
    evidence_error: str | None = None,
    status_code: int = 200,
    fragment: bool = False,
) -> Response:
    ctx = intake_context(request)
    settings = app_settings(request)
    async with ctx.db.reading() as session:
        tenant = await tenant_by_slug(session, view.tenant)
    form = ctx.forms_for(view.tenant).form(view.kind)
    status = STATUS_WORDS.get(view.status)
    context = {
        "view": view,
        "region": tenant.name if tenant else "",
        "kind_title": gettext(KIND_NAMES[view.kind]) if view.kind in KIND_NAMES else view.kind,
        "status_word": gettext(status[0]) if status else view.status,
        "status_text": gettext(status[1]) if status else "",
        "received_on": format_date(view.received_on),
        "answers": answer_rows(form, view.answers, service_names(tenant)),
        "attachments": [_attachment(a) for a in view.attachments],
        "messages": [
            {"mine": m.sender == "reporter", "body": m.body, "at": _moment(m.at, settings.timezone)}
            for m in view.messages
        ],
        "message_error": message_error,
        "message_text": message_text,
        "evidence_error": evidence_error,
        "max_files": settings.max_attachments,
        "max_mb": max(1, settings.max_attachment_bytes // (1024 * 1024)),
        "max_chars": settings.max_text_chars,
    }
    template = "intake/_conversation.html" if fragment else "intake/inbox.html"
    return render(request, template, context, status_code=status_code)


async def inbox(request: Request) -> Response:
    """``GET /kotak/laporan``: the case as the reporter may see it."""
    token = inbox_token(request)
    if token is None:
        return RedirectResponse("/kotak", status_code=303)
    try:
        view = await read_inbox(intake_context(request), token, utc_now())
    except Unauthenticated:
        return _ended(request)
    return await _inbox_page(request, view)


async def post_message(request: Request) -> Response:
    """``POST /kotak/pesan``: the reporter answers; 303 back, or with htmx the
    conversation alone, swapped in place."""
    token = inbox_token(request)
    if token is None:
        return _ended(request)
    ctx = intake_context(request)
    settings = app_settings(request)
    # Percent-encoded UTF-8 takes at most 9 bytes a character.
    fields = await read_urlencoded(request, settings.max_text_chars * 9 + 1024)
    body = first(fields, "body")
    try:
        await send_reporter_message(ctx, token, body, utc_now())
        view = await read_inbox(ctx, token, utc_now())
    except Unauthenticated:
        return _ended(request)
    except InvalidInput as invalid:
        try:
            view = await read_inbox(ctx, token, utc_now())
        except Unauthenticated:
            return _ended(request)
        error = gettext(invalid.fields.get("body", invalid.message))
        # htmx swaps only successful answers, so its fragment with the error is a 200.
        return await _inbox_page(
            request,
            view,
            message_error=error,
            message_text=body,
            status_code=200 if is_htmx(request) else 422,
            fragment=is_htmx(request),
        )
    if is_htmx(request):
        return await _inbox_page(request, view, fragment=True)
    return RedirectResponse("/kotak/laporan#pesan", status_code=303)


async def post_evidence(request: Request) -> Response:
    """``POST /kotak/bukti``: files sealed for the case as they arrive, then linked."""
    token = inbox_token(request)
    if token is None:
        return _ended(request)
    ctx = intake_context(request)
    try:
        case_id, dek = await session_case_key(ctx, token, utc_now())
    except Unauthenticated:
        return _ended(request)
    ids: list[str] = []
    try:
        parsed = await parse_multipart(
            request.stream(),
            request.headers.get("content-type", ""),
            db=ctx.db,
            pool=ctx.pool,
            target=UploadTarget(case_id, dek, "reporter"),
            limits=AttachmentLimits.from_settings(app_settings(request)),
            now=utc_now(),
        )
        ids = [a.id for a in parsed.attachments]
        if not ids:
            raise InvalidInput(CHOOSE_FILES)
        await attach_evidence(ctx, case_id, ids)
    except GratifyError as error:
        await discard_pending(ctx.db, ids)
        try:
            view = await read_inbox(ctx, token, utc_now())
        except Unauthenticated:
            return _ended(request)
        return await _inbox_page(
            request,
            view,
            evidence_error=gettext(error.message, **error.params),
            status_code=status_of(error),
        )
    except BaseException:
        await discard_pending(ctx.db, ids)
        raise
    return RedirectResponse("/kotak/laporan#bukti", status_code=303)


async def logout(request: Request) -> Response:
    """``POST /kotak/keluar``: end the session now."""
    token = inbox_token(request)
    if token is not None:
        await close_inbox(intake_context(request), token)
    response = RedirectResponse("/kotak?keluar=1", status_code=303)
    delete_inbox_cookie(response, app_settings(request))
    return response


async def _acknowledgement(request: Request) -> dict[str, Any] | Response:
    token = inbox_token(request)
    if token is None:
        return RedirectResponse("/kotak", status_code=303)
    try:
        view = await read_inbox(intake_context(request), token, utc_now())
    except Unauthenticated:
        return _ended(request)
    if view.acknowledgement is None:
        raise NotFound()
    return view.acknowledgement


async def acknowledgement_json(request: Request) -> Response:
    """``GET /kotak/tanda-terima.json``."""
    document = await _acknowledgement(request)
    if isinstance(document, Response):
        return document
    return acknowledgement_download(document)


async def acknowledgement_print(request: Request) -> Response:
    """``GET /kotak/tanda-terima``: printable."""
    document = await _acknowledgement(request)
    if isinstance(document, Response):
        return document
    return acknowledgement_page(request, document, "/kotak/laporan")
