"""The forms of the case page: the next step, a message to the reporter, an internal note,
assignment, access, and declaring a conflict of interest.

Each is a plain POST form: on success 303 back to ``/kasus/{id}#section``; with htmx
(steps, messages, notes) the changed section alone, swapped in place. A mistake (422), a
step no longer allowed (409) or a refusal (403) draws the case page again with the error
beside the form. CSRF: the staff cookie is SameSite=Strict and every form posts to this
origin; token protection comes with the site-wide CSRF middleware.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from gratify.accounts.auth import Handler
from gratify.accounts.views import handler_or_redirect
from gratify.cases import grants
from gratify.cases.pages_case import render_case
from gratify.cases.pages_support import INBOX_PATH, FormError, case_path, read_form, today
from gratify.cases.service import add_note, send_handler_message, transition_case
from gratify.errors import N_, Conflict, Forbidden, InvalidInput
from gratify.intake.pages_support import intake_context, is_htmx, utc_now
from gratify.web.errors import status_of
from gratify.web.i18n import gettext

MAX_USERNAME = 64
GIVE_USERNAME = N_("Please give a username.")
# What a form can be refused for; anything else (NotFound above all) is the error page.
SHOWN_BESIDE = (InvalidInput, Conflict, Forbidden)

Action = Callable[[Handler, str, dict[str, str]], Awaitable[object]]


def _form_error(
    form: str, error: InvalidInput | Conflict | Forbidden, values: dict[str, str]
) -> FormError:
    fields = {}
    if isinstance(error, InvalidInput):
        fields = {name: gettext(msgid) for name, msgid in error.fields.items()}
    return FormError(
        form=form,
        message=gettext(error.message, **error.params),
        status_code=status_of(error),
        fields=fields,
        values=values,
    )


async def _handle(
    request: Request,
    form: str | Callable[[dict[str, str], Exception], str],
    section: str,
    action: Action,
    fragment: str | None = None,
) -> Response:
    """Read the form, act, answer: 303 to the section, or its fragment under htmx, or the
    page (the fragment) with the error beside form `form`."""
    handler = await handler_or_redirect(request)
    if isinstance(handler, RedirectResponse):
        return handler
    case_id = request.path_params["case_id"]
    values = await read_form(request)
    htmx = is_htmx(request) and fragment is not None
    try:
        await action(handler, case_id, values)
    except SHOWN_BESIDE as error:
        name = form if isinstance(form, str) else form(values, error)
        return await render_case(
            request,
            handler,
            case_id,
            error=_form_error(name, error, values),
            fragment=fragment if htmx else None,
        )
    if htmx:
        return await render_case(request, handler, case_id, fragment=fragment)
    return RedirectResponse(case_path(case_id, section), status_code=303)


def _username(values: dict[str, str]) -> str:
    name = values.get("username", "").strip()
    if not 0 < len(name) <= MAX_USERNAME:
        raise InvalidInput(fields={"username": GIVE_USERNAME})
    return name


def _step_form(values: dict[str, str], error: Exception) -> str:
    # A step no longer allowed has no form left to show its error beside.
    return "steps" if isinstance(error, Conflict) else f"step:{values.get('to', '')}"


async def transition(request: Request) -> Response:
    """``POST /kasus/{case_id}/langkah``: ``to``, ``reason`` and what the step requires."""
    ctx = intake_context(request)

    async def act(handler: Handler, case_id: str, values: dict[str, str]) -> None:
        await transition_case(
            ctx,
            handler,
            case_id,
            values.get("to", ""),
            values.get("reason", ""),
            values,
            now=utc_now(),
            today=today(request),
        )

    return await _handle(request, _step_form, "status", act, "cases/_case_step.html")


async def message(request: Request) -> Response:
    """``POST /kasus/{case_id}/pesan``: the reporter reads it in their inbox."""
    ctx = intake_context(request)

    async def act(handler: Handler, case_id: str, values: dict[str, str]) -> None:
        await send_handler_message(
            ctx,
            handler,
            case_id,
            values.get("body", ""),
            now=utc_now(),
            limit=ctx.max_text_chars,
        )

    return await _handle(request, "message", "pesan", act, "cases/_conversation.html")


async def note(request: Request) -> Response:
    """``POST /kasus/{case_id}/catatan``: an internal note, never shown to the reporter."""
    ctx = intake_context(request)

    async def act(handler: Handler, case_id: str, values: dict[str, str]) -> None:
        await add_note(
            ctx,
            handler,
            case_id,
            values.get("body", ""),
            now=utc_now(),
            limit=ctx.max_text_chars,
        )

    return await _handle(request, "note", "catatan", act, "cases/_notes.html")


async def assignment(request: Request) -> Response:
    """``POST /kasus/{case_id}/penugasan``: ``username``: take the case (anyone holding
    it), or give it to a holder (supervisors)."""
    ctx = intake_context(request)

    async def act(handler: Handler, case_id: str, values: dict[str, str]) -> None:
        await grants.assign_case(ctx, handler, case_id, _username(values))

    return await _handle(request, "assign", "penanganan", act)


async def grant(request: Request) -> Response:
    """``POST /kasus/{case_id}/akses``: ``username``: wrap the case's key to a colleague."""
    ctx = intake_context(request)

    async def act(handler: Handler, case_id: str, values: dict[str, str]) -> None:
        await grants.grant_access(ctx, handler, case_id, _username(values))

    return await _handle(request, "grant", "penanganan", act)


async def revoke(request: Request) -> Response:
    """``POST /kasus/{case_id}/akses/cabut``: ``username`` (supervisors)."""
    ctx = intake_context(request)

    async def act(handler: Handler, case_id: str, values: dict[str, str]) -> None:
        await grants.revoke_access(ctx, handler, case_id, _username(values))

    return await _handle(request, "revoke", "penanganan", act)


async def conflict(request: Request) -> Response:
    """``POST /kasus/{case_id}/konflik``: declare a conflict of interest (after the
    confirmation page); the case is no longer this handler's, so back to the inbox."""
    handler = await handler_or_redirect(request)
    if isinstance(handler, RedirectResponse):
        return handler
    await grants.declare_conflict(intake_context(request), handler, request.path_params["case_id"])
    return RedirectResponse(f"{INBOX_PATH}?konflik=1", status_code=303)
