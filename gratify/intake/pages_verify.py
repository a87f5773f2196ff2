"""``/verify``: anyone checks an acknowledgement (*tanda terima*), pasted or as its file.

An acknowledgement holds the reporter's NIP and name, so it is read only into memory,
bounded (`MAX_ACKNOWLEDGEMENT_BYTES`), never spooled to a temporary file as
``request.form()`` would do with an upload.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gratify.errors import GratifyError
from gratify.intake.acknowledgement import (
    EMPTY,
    MAX_ACKNOWLEDGEMENT_BYTES,
    filed_at_local,
    parse_acknowledgement,
    verify_acknowledgement,
)
from gratify.intake.pages_bodies import first, media_type, read_multipart_texts, read_urlencoded
from gratify.intake.pages_forms import format_moment
from gratify.intake.pages_support import (
    app_settings,
)
from gratify.web.errors import status_of
from gratify.web.i18n import gettext
from gratify.web.templating import render

# Room for the form's own parts and headers around one acknowledgement.
_MULTIPART_LIMIT = 2 * MAX_ACKNOWLEDGEMENT_BYTES + 8192
# Percent-encoding can triple a pasted document.
_URLENCODED_LIMIT = 3 * MAX_ACKNOWLEDGEMENT_BYTES + 1024


async def verify_page(request: Request) -> Response:
    """``GET /verify``: the form."""
    return render(request, "intake/verify.html", {"text": "", "error": None, "result": None})


async def _document_text(request: Request) -> tuple[bytes, str]:
    """The acknowledgement sent (the file if one was chosen, else the pasted text) and the
    pasted text to show back."""
    if media_type(request) == "multipart/form-data":
        form = await read_multipart_texts(
            request,
            limit=_MULTIPART_LIMIT,
            max_text_bytes=MAX_ACKNOWLEDGEMENT_BYTES,
            file_field="file",
            max_file_bytes=MAX_ACKNOWLEDGEMENT_BYTES,
        )
        pasted = first(form.fields, "document")
        if form.files:
            return form.files[0][1], pasted
        return pasted.encode("utf-8"), pasted
    fields = await read_urlencoded(request, _URLENCODED_LIMIT)
    pasted = first(fields, "document")
    return pasted.encode("utf-8"), pasted


async def verify(request: Request) -> Response:
    """``POST /verify``: valid or not, and what a valid one attests."""
    pasted = ""
    try:
        data, pasted = await _document_text(request)
        document = parse_acknowledgement(data)
    except GratifyError as error:
        message = gettext(error.message, **error.params)
        if error.message == EMPTY:
            pasted = ""
        shown = {"text": pasted, "error": message, "result": None}
        return render(request, "intake/verify.html", shown, status_code=status_of(error))
    result = verify_acknowledgement(document, request.app.state.keys.verification_keys)
    filed_at = filed_at_local(result.filed_at, app_settings(request).timezone)
    context: dict[str, object] = {
        "text": pasted,
        "error": None,
        "result": result,
        "filed_at_text": format_moment(filed_at) if filed_at else result.filed_at,
    }
    return render(request, "intake/verify.html", context)
