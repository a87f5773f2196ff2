"""Reading small form bodies within limits, in memory only, for the reporter's pages.

Starlette's ``request.form()`` spools uploads to temporary files; what a reporter sends
must never reach the disk in plaintext, so the pages read bodies here instead: bounded as
they arrive (413 past the limit), parsed in memory. Files of a report go through
`gratify.intake.attachments.parse_multipart`, which seals them as they stream; this module
only reads small bodies (``/kotak``, ``/verify``) and keeps a copy of a report form's text
to fill the form again if a file is refused.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from urllib.parse import parse_qs

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from gratify.errors import N_, BadRequest, TooLarge, UnsupportedMediaType

FORM_TOO_LARGE = N_("What you sent is too large.")
NOT_A_FORM = N_("Send this as a form from the page.")
UNREADABLE_FORM = N_("The form could not be read.")


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refusing (413) more than `limit` bytes as they arrive."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(FORM_TOO_LARGE)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge(FORM_TOO_LARGE)
    return bytes(body)


async def read_urlencoded(request: Request, limit: int) -> dict[str, list[str]]:
    """An ``application/x-www-form-urlencoded`` body of at most `limit` bytes, in memory."""
    if media_type(request) != "application/x-www-form-urlencoded":
        raise UnsupportedMediaType(NOT_A_FORM)
    body = await read_body(request, limit)
    try:
        text = body.decode("ascii")
        return parse_qs(text, keep_blank_values=True, max_num_fields=50, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise BadRequest(UNREADABLE_FORM) from None


def first(fields: Mapping[str, list[str]], name: str) -> str:
    """The first value sent for `name`, or ``""``."""
    values = fields.get(name)
    return values[0] if values else ""


class MultipartTexts:
    """A ``multipart/form-data`` body read in memory: its text parts, and the files of
    `file_field` up to `max_file_bytes` each. Every other file part is skipped unread.

    Two uses: a small form with a small file (``/verify``: an acknowledgement is a few
    hundred bytes), and, fed alongside `parse_multipart`, keeping what a reporter typed
    when one of their files is refused, so the form comes back filled in.
    """

    def __init__(
        self,
        content_type: str,
        *,
        max_text_bytes: int,
        max_parts: int = 100,
        file_field: str | None = None,
        max_file_bytes: int = 0,
    ) -> None:
        media, options = parse_options_header(content_type)
        boundary = options.get(b"boundary", b"")
        if media != b"multipart/form-data" or not boundary or len(boundary) > 200:
            raise BadRequest(UNREADABLE_FORM)
        self.fields: dict[str, list[str]] = {}
        self.files: list[tuple[str, bytes]] = []
        self.ended = False
        self._max_text = max_text_bytes
        self._max_parts = max_parts
        self._file_field = file_field
        self._max_file = max_file_bytes
        self._parts = 0
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._name: str | None = None
        self._filename: str | None = None
        self._data = bytearray()
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._begin,
                "on_header_field": lambda d, s, e: self._header_name.extend(d[s:e]),
                "on_header_value": lambda d, s, e: self._header_value.extend(d[s:e]),
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
                "on_end": self._end,
            },
        )

    def feed(self, data: bytes) -> None:
        """Parse the next piece; `BadRequest` if unreadable, `TooLarge` past a limit."""
        try:
            self._parser.write(data)
        except FormParserError:
            raise BadRequest(UNREADABLE_FORM) from None

    def _begin(self) -> None:
        self._headers = {}
        self._name = None
        self._filename = None
        self._data = bytearray()
        self._parts += 1
        if self._parts > self._max_parts:
            raise TooLarge(FORM_TOO_LARGE)

    def _header_end(self) -> None:
        self._headers[bytes(self._header_name).lower()] = bytes(self._header_value).strip()
        self._header_name.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name")
        self._name = name.decode("utf-8", errors="replace") if name is not None else None
        filename = options.get(b"filename")
        self._filename = (
            filename.decode("utf-8", errors="replace") if filename is not None else None
        )

    def _collecting(self) -> bool:
        if self._name is None:
            return False
        return self._filename is None or self._name == self._file_field

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._collecting():
            return
        limit = self._max_text if self._filename is None else self._max_file
        if len(self._data) + (end - start) > limit:
            raise TooLarge(FORM_TOO_LARGE)
        self._data += data[start:end]

    def _part_end(self) -> None:
        if not self._collecting():
            return
        assert self._name is not None
        if self._filename is None:
            text = self._data.decode("utf-8", errors="replace")
            self.fields.setdefault(self._name, []).append(text)
        elif self._data:
            self.files.append((self._filename, bytes(self._data)))

    def _end(self) -> None:
        self.ended = True


async def read_multipart_texts(
    request: Request, *, limit: int, max_text_bytes: int, file_field: str, max_file_bytes: int
) -> MultipartTexts:
    """A small multipart body (at most `limit` bytes) parsed in memory, never on disk."""
    reader = MultipartTexts(
        request.headers.get("content-type", ""),
        max_text_bytes=max_text_bytes,
        max_parts=10,
        file_field=file_field,
        max_file_bytes=max_file_bytes,
    )
    reader.feed(await read_body(request, limit))
    if not reader.ended:
        raise BadRequest(UNREADABLE_FORM)
    return reader


async def tee_texts(
    chunks: AsyncIterator[bytes], reader: MultipartTexts | None
) -> AsyncIterator[bytes]:
    """`chunks` unchanged, each also fed to `reader` while it still can read them.

    The copy is a convenience (refilling a form after an error), so a problem in it only
    stops the copy; the real parser decides what the body is worth.
    """
    async for chunk in chunks:
        if reader is not None:
            try:
                reader.feed(chunk)
            except (BadRequest, TooLarge):
                reader = None
        yield chunk
