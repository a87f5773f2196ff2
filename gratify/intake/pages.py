"""The reporter's pages: choose a region and a kind, fill in the form, get the receipt.

Every page works without JavaScript: plain forms, POST then 303. htmx only swaps the
service list when the agency changes. The receipt is shown once, on ``/lapor/terkirim``,
carried there in a sealed ten-minute cookie (`pages_support.Flash`): never in a URL,
never stored on the server.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from gratify.accounts.models import Agency, Tenant
from gratify.accounts.service import list_tenants, tenant_by_slug
from gratify.errors import N_, BadRequest, GratifyError, InvalidInput, NotFound
from gratify.intake.acknowledgement import (
    acknowledgement_filename,
    acknowledgement_json,
    content_disposition,
    filed_at_local,
)
from gratify.intake.attachments import (
    AttachmentLimits,
    UploadTarget,
    discard_pending,
    parse_multipart,
)
from gratify.intake.forms import FormSpec
from gratify.intake.multipart import NOT_UTF8, TEXT_TOO_LONG, TOO_MANY_FIELDS
from gratify.intake.pages_bodies import MultipartTexts, media_type, tee_texts
from gratify.intake.pages_forms import (
    agency_services,
    answers_from,
    format_moment,
    has_service_field,
    sections,
    split_usernames,
    widget_for,
)
from gratify.intake.pages_support import (
    FLASH_MAX_AGE,
    KIND_BY_SLUG,
    SLUG_BY_KIND,
    Flash,
    app_settings,
    delete_flash_cookie,
    has_check_cookie,
    intake_context,
    is_htmx,
    request_flash,
    set_check_cookie,
    set_flash_cookie,
    utc_now,
)
from gratify.intake.service import CaseIdentity, ReportDraft, file_report
from gratify.web.errors import status_of
from gratify.web.i18n import gettext
from gratify.web.templating import render

FILES_AGAIN = N_(
    "If you attached files, choose them again: a browser cannot keep them when the page comes back."
)
FIX_MISTAKES = N_("Your report has not been sent yet. Please correct the marked answers.")
NOT_SENT = N_("Your report has not been sent yet.")
NO_COOKIES = N_(
    "Your report has not been sent yet: your browser did not keep this site's cookie. The "
    "receipt code reaches the next page only in a cookie, so allow cookies for this site, "
    "then send the report again."
)
# What parse_multipart refuses that is not about a file.
_NOT_FILES = frozenset({TEXT_TOO_LONG, TOO_MANY_FIELDS, NOT_UTF8})
SERVICE_TARGET = "field-service"
AGENCY_LABELS = {
    "gratification": N_("Your agency"),
    "whistleblowing": N_("Which agency is it about?"),
    "broker": N_("Which office or agency was it?"),
}
EXCLUDED_LABEL = N_("People who must not see this report")
ATTACHMENTS_LABEL = N_("Files")


async def start(request: Request) -> Response:
    """``GET /lapor``: choose the region, then the kind of report."""
    async with intake_context(request).db.reading() as session:
        tenants = await list_tenants(session)
    wanted = request.query_params.get("wilayah", "")
    chosen = next((t for t in tenants if t.slug == wanted), None)
    if chosen is None and len(tenants) == 1:
        chosen = tenants[0]
    return render(
        request,
        "intake/start.html",
        {"tenants": tenants, "tenant": chosen, "unknown": bool(wanted) and chosen is None},
    )


async def tenant_home(request: Request) -> Response:
    """``GET /lapor/{tenant}``: the start page with that region chosen."""
    slug = request.path_params["tenant"]
    return RedirectResponse(f"/lapor?{urlencode({'wilayah': slug})}", status_code=303)


async def _tenant_and_form(request: Request) -> tuple[Tenant, FormSpec]:
    kind = KIND_BY_SLUG.get(request.path_params["kind"])
    ctx = intake_context(request)
    form = ctx.forms_for(request.path_params["tenant"]).form(kind) if kind else None
    if form is None:
        raise NotFound()
    async with ctx.db.reading() as session:
        tenant = await tenant_by_slug(session, request.path_params["tenant"])
    if tenant is None:
        raise NotFound()
    return tenant, form


def _agency(tenant: Tenant, slug: str) -> Agency | None:
    return next((a for a in tenant.agencies if a.slug == slug), None)


def _form_page(
    request: Request,
    tenant: Tenant,
    form: FormSpec,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    """The form, filled with `values`, each error (translated) beside its field."""
    values = values or {}
    errors = dict(errors or {})
    agency = _agency(tenant, values.get("agency", ""))
    settings = app_settings(request)
    answer_errors = {k.removeprefix("answers."): v for k, v in errors.items()}
    groups, routing = sections(form, values, answer_errors, agency)
    # The summary at the top: each problem with the question it is about, linked to it.
    targets = {f"answers.{f.name}": (f"f-{f.name}", gettext(f.label)) for f in form.fields}
    targets["agency"] = ("f-agency", gettext(AGENCY_LABELS[form.kind]))
    targets["excluded_handlers"] = ("f-excluded", gettext(EXCLUDED_LABEL))
    targets["attachments"] = ("f-attachments", gettext(ATTACHMENTS_LABEL))
    rank = {key: index for index, key in enumerate(["agency", *targets])}
    ordered = sorted(errors.items(), key=lambda item: rank.get(item[0], len(rank)))
    summary = [(*targets.get(key, ("", "")), text) for key, text in ordered]
    context = {
        "tenant": tenant,
        "form": form,
        "slug": SLUG_BY_KIND[form.kind],
        "agency": agency,
        "agency_error": errors.get("agency"),
        "agency_label": gettext(AGENCY_LABELS[form.kind]),
        "excluded_label": gettext(EXCLUDED_LABEL),
        "attachments_label": gettext(ATTACHMENTS_LABEL),
        "groups": groups,
        "routing": routing,
        "partner": tenant.partner_unit.name if tenant.partner_unit else None,
        "excluded": values.get("excluded_handlers", ""),
        "excluded_error": errors.get("excluded_handlers"),
        "attachments_error": errors.get("attachments"),
        "summary": summary,
        "message": message,
        "files_again": bool(errors or message),
        "max_files": settings.max_attachments,
        "max_mb": max(1, settings.max_attachment_bytes // (1024 * 1024)),
        "has_services": has_service_field(form),
        "agency_step": has_service_field(form) and agency is None and not (errors or message),
    }
    response = render(request, "intake/report_form.html", context, status_code=status_code)
    # Proves, before anything is filed, that this browser keeps cookies: the receipt
    # reaches the next page only in one.
    set_check_cookie(response, settings)
    return response


async def report_form(request: Request) -> Response:
    """``GET /lapor/{tenant}/{kind}``: the form; ``?agency=`` picks the agency first (the
    services of a broker report depend on it). htmx asks for just the service list."""
    tenant, form = await _tenant_and_form(request)
    chosen = request.query_params.get("agency", "")
    spec = next((f for f in form.fields if f.type == "service"), None)
    if spec and is_htmx(request) and request.headers.get("hx-target") == SERVICE_TARGET:
        services = agency_services(_agency(tenant, chosen))
        widget = widget_for(spec, "", None, services=services)
        return render(request, "intake/_service_field.html", {"widget": widget})
    values = {"agency": chosen, "concerns_inspectorate": "no"}
    return _form_page(request, tenant, form, values=values)


def _values(fields: Mapping[str, Sequence[str]]) -> dict[str, str]:
    return {name: items[0] for name, items in fields.items() if items}


async def submit_report(request: Request) -> Response:
    """``POST /lapor/{tenant}/{kind}``: files sealed as they stream in; then file the
    report, or show the form again with what was typed and what to correct."""
    tenant, form = await _tenant_and_form(request)
    ctx = intake_context(request)
    settings = app_settings(request)
    if media_type(request) != "multipart/form-data":
        return _form_page(
            request,
            tenant,
            form,
            message=gettext(N_("Send the report from the form on this page.")),
            status_code=415,
        )
    limits = AttachmentLimits.from_settings(settings)
    identity = CaseIdentity.new()
    try:
        copy: MultipartTexts | None = MultipartTexts(
            request.headers["content-type"],
            max_text_bytes=limits.max_text_chars * 4,
            max_parts=limits.max_fields + limits.max_files,
        )
    except GratifyError:
        copy = None
    try:
        parsed = await parse_multipart(
            tee_texts(request.stream(), copy),
            request.headers["content-type"],
            db=ctx.db,
            pool=ctx.pool,
            target=UploadTarget(identity.case_id, identity.dek, "reporter"),
            limits=limits,
            now=utc_now(),
        )
    except GratifyError as error:
        # A file refused (too large, wrong type) or the body unreadable: nothing was kept.
        text = gettext(error.message, **error.params)
        about_files = not isinstance(error, BadRequest) and error.message not in _NOT_FILES
        values = _values(copy.fields) if copy is not None else {}
        return _form_page(
            request,
            tenant,
            form,
            values=values,
            errors={"attachments" if about_files else "form": text},
            message=gettext(NOT_SENT),
            status_code=status_of(error),
        )
    ids = [a.id for a in parsed.attachments]
    values = _values(parsed.fields)
    if not has_check_cookie(request):
        await discard_pending(ctx.db, ids)
        return _form_page(
            request,
            tenant,
            form,
            values=values,
            message=gettext(NO_COOKIES),
            status_code=422,
        )
    try:
        excluded, excluded_error = split_usernames(values.get("excluded_handlers", ""))
        if excluded_error:
            raise InvalidInput(fields={"excluded_handlers": excluded_error})
        draft = ReportDraft(
            form.kind, values.get("agency", ""), answers_from(form, parsed.fields), excluded
        )
        filed = await file_report(
            ctx, tenant.slug, draft, now=utc_now(), identity=identity, attachment_ids=ids
        )
    except InvalidInput as invalid:
        await discard_pending(ctx.db, ids)
        errors = {name: gettext(msgid) for name, msgid in invalid.fields.items()}
        message = gettext(FIX_MISTAKES)
        return _form_page(
            request, tenant, form, values=values, errors=errors, message=message, status_code=422
        )
    except GratifyError as error:
        # An attached file expired before the report was filed (Conflict), or the like.
        await discard_pending(ctx.db, ids)
        text = gettext(error.message, **error.params)
        return _form_page(
            request,
            tenant,
            form,
            values=values,
            errors={"attachments": text},
            message=gettext(NOT_SENT),
            status_code=status_of(error),
        )
    except BaseException:
        await discard_pending(ctx.db, ids)
        raise
    response = RedirectResponse("/lapor/terkirim", status_code=303)
    flash = Flash(
        case_number=filed.case_number,
        kind=form.kind,
        region=tenant.name,
        expires=int(utc_now().timestamp()) + FLASH_MAX_AGE,
        receipt=filed.receipt.formatted,
        acknowledgement=filed.acknowledgement,
    )
    set_flash_cookie(response, settings, ctx.keyring, flash)
    return response


def _receipt_groups(receipt: str) -> list[str]:
    return receipt.split("-")


async def sent(request: Request) -> Response:
    """``GET /lapor/terkirim``: the receipt, once. A reload finds it gone."""
    settings = app_settings(request)
    flash = request_flash(request, utc_now())
    context = {
        "flash": flash,
        "receipt_groups": _receipt_groups(flash.receipt) if flash and flash.receipt else None,
    }
    response = render(request, "intake/sent.html", context)
    if flash is not None and flash.acknowledgement is not None:
        # The acknowledgement stays downloadable for the rest of the ten minutes; the
        # receipt does not.
        set_flash_cookie(
            response, settings, intake_context(request).keyring, flash.without_receipt()
        )
    else:
        delete_flash_cookie(response, settings)
    return response


def _flash_acknowledgement(request: Request) -> dict[str, object]:
    flash = request_flash(request, utc_now())
    if flash is None or flash.acknowledgement is None:
        raise NotFound(
            N_(
                "The acknowledgement is no longer available here. Open your inbox with your "
                "receipt code to download it."
            )
        )
    return flash.acknowledgement


def acknowledgement_download(document: Mapping[str, object]) -> Response:
    """The acknowledgement as a JSON file to save."""
    name = acknowledgement_filename(str(document.get("case_number", "")))
    return Response(
        acknowledgement_json(document),
        media_type="application/json",
        headers={"Content-Disposition": content_disposition(name)},
    )


def acknowledgement_page(request: Request, document: Mapping[str, object], back: str) -> Response:
    """The acknowledgement as a page to print."""
    settings = app_settings(request)
    filed_at = filed_at_local(str(document.get("filed_at", "")), settings.timezone)
    context = {
        "ack": document,
        "filed_at_text": format_moment(filed_at) if filed_at else None,
        "json_text": acknowledgement_json(document).decode("utf-8"),
        "back": back,
    }
    return render(request, "intake/acknowledgement.html", context)


async def sent_acknowledgement_json(request: Request) -> Response:
    """``GET /lapor/terkirim/tanda-terima.json``."""
    return acknowledgement_download(_flash_acknowledgement(request))


async def sent_acknowledgement_print(request: Request) -> Response:
    """``GET /lapor/terkirim/tanda-terima``: printable."""
    return acknowledgement_page(request, _flash_acknowledgement(request), "/lapor/terkirim")
