"""Reading a ``multipart/form-data`` body as it arrives, sealing its files on the way.

Starlette's ``request.form()`` spools uploaded files to temporary files: plaintext on disk,
which an attachment must never be. So the body is parsed here with python-multipart's
low-level streaming `MultipartParser`, fed from ``request.stream()`` in pieces of at most
`FEED_BYTES`: text parts are collected in memory (only there), and the parts named
``file_field`` go straight into an `Upload` that seals them into pending attachment rows
as they arrive (see `gratify.intake.attachments`).

Everything is bounded: the boundary (RFC 2046 characters, at most 200), each part's
headers (`MAX_PART_HEADERS` lines of at most `MAX_PART_HEADER_BYTES`), the number of
parts, fields and files, each text field (``max_text_chars`` characters), the JSON part
(``max_report_json_bytes``) and each file (``max_bytes``, counted as it streams). Reading
stops at the first limit passed, and at the closing boundary (an epilogue is not read).
A body that ends before its closing boundary (a dropped connection) is `BadRequest`.
Whatever goes wrong, the attachments this request created are deleted before the
exception propagates.

The parser's own log lines can quote bytes of the body, so it logs nowhere.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from gratify.crypto.pool import CryptoPool
from gratify.db.engine import Database
from gratify.errors import N_, BadRequest, InvalidInput, TooLarge
from gratify.intake.attachment_meta import AttachmentLimits, AttachmentMeta, UploadTarget
from gratify.intake.uploads import FILE_EMPTY, Upload, discard_pending

__all__ = [
    "FEED_BYTES",
    "MAX_PART_HEADERS",
    "MAX_PART_HEADER_BYTES",
    "ParsedForm",
    "boundary_of",
    "parse_multipart",
]

logger = logging.getLogger(__name__)

FEED_BYTES = 64 * 1024
MAX_PART_HEADERS = 8
MAX_PART_HEADER_BYTES = 4096
_UTF8_MAX_BYTES_PER_CHAR = 4
# RFC 2046 section 5.1.1 bchars, no space at the end; longer than its 70 for lenient clients.
_BOUNDARY = re.compile(rb"[0-9A-Za-z'()+_,\-./:=? ]{0,199}[0-9A-Za-z'()+_,\-./:=?]")
_IDENTITY_ENCODINGS = (b"binary", b"8bit", b"7bit")

NOT_MULTIPART = N_("The request must be a form (multipart/form-data) with a valid boundary.")
UNREADABLE = N_("The form could not be read.")
TRUNCATED = N_("The form was cut off before it was complete. Please send it again.")
UNEXPECTED_FILE = N_("The form has a file in a place where no file is expected.")
TOO_MANY_FIELDS = N_("The form has too many fields.")
TOO_MANY_FILES = N_("You can attach at most %(count)s files.")
TEXT_TOO_LONG = N_("A text is longer than %(chars)s characters.")
REPORT_TOO_LARGE = N_("The report is larger than %(kb)s KB.")
NOT_UTF8 = N_("The form contains text that could not be read: it is not UTF-8.")

_QUIET = logging.Logger("gratify.intake.multipart.parser", level=logging.CRITICAL + 1)
_QUIET.addHandler(logging.NullHandler())


@dataclass(frozen=True)
class ParsedForm:
    """Every text part by name, in order, and the files stored as pending attachments."""

    fields: dict[str, list[str]]
    attachments: list[AttachmentMeta]


def boundary_of(content_type: str) -> bytes:
    """The boundary of a ``multipart/form-data`` Content-Type; `BadRequest` otherwise."""
    media, options = parse_options_header(content_type)
    boundary = options.get(b"boundary", b"")
    if media != b"multipart/form-data" or not _BOUNDARY.fullmatch(boundary):
        raise BadRequest(NOT_MULTIPART)
    return boundary


_Event = tuple[str, object]


class _Reader:
    """python-multipart's push parser as a function: bytes in, part events out."""

    def __init__(self, boundary: bytes) -> None:
        self.ended = False
        self._events: list[_Event] = []
        self._headers: dict[bytes, bytes] = {}
        self._name = bytearray()
        self._value = bytearray()
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._headers.clear,
                "on_header_field": lambda d, s, e: self._name.extend(d[s:e]),
                "on_header_value": lambda d, s, e: self._value.extend(d[s:e]),
                "on_header_end": self._header_end,
                "on_headers_finished": lambda: self._events.append(("start", dict(self._headers))),
                "on_part_data": lambda d, s, e: self._events.append(("data", d[s:e])),
                "on_part_end": lambda: self._events.append(("end", None)),
                "on_end": self._end,
            },
            max_header_count=MAX_PART_HEADERS,
            max_header_size=MAX_PART_HEADER_BYTES,
        )
        self._parser.logger = _QUIET

    def _header_end(self) -> None:
        self._headers[bytes(self._name).lower()] = bytes(self._value).strip(b" \t")
        self._name.clear()
        self._value.clear()

    def _end(self) -> None:
        self.ended = True

    def feed(self, data: bytes) -> list[_Event]:
        try:
            self._parser.write(data)
        except FormParserError:
            raise BadRequest(UNREADABLE) from None
        events, self._events = self._events, []
        return events


@dataclass
class _Text:
    name: str
    limit: int
    is_json: bool
    data: bytearray = field(default_factory=bytearray)


@dataclass
class _File:
    filename: str
    upload: Upload | None = None


class _Form:
    """What the parts add up to, and the limits they must keep."""

    def __init__(
        self,
        *,
        db: Database,
        pool: CryptoPool,
        target: UploadTarget,
        limits: AttachmentLimits,
        now: dt.datetime,
        file_field: str,
        json_field: str,
    ) -> None:
        self._db = db
        self._pool = pool
        self._target = target
        self._limits = limits
        self._now = now
        self._file_field = file_field
        self._json_field = json_field
        self.fields: dict[str, list[str]] = {}
        self.attachments: list[AttachmentMeta] = []
        self._parts = 0
        self._texts = 0
        self._files = 0
        self._current: _Text | _File | None = None

    async def handle(self, event: _Event) -> None:
        kind, value = event
        if kind == "start":
            assert isinstance(value, dict)
            self._start(value)
        elif kind == "data":
            assert isinstance(value, bytes)
            await self._data(value)
        else:
            await self._end()

    def _start(self, headers: dict[bytes, bytes]) -> None:
        limits = self._limits
        self._parts += 1
        if self._parts > limits.max_fields + limits.max_files:
            raise TooLarge(TOO_MANY_FIELDS)
        disposition = headers.get(b"content-disposition", b"").decode("latin-1")
        kind, options = parse_options_header(disposition)
        raw_name = options.get(b"name")
        encoding = headers.get(b"content-transfer-encoding", b"binary").lower()
        if kind != b"form-data" or raw_name is None or encoding not in _IDENTITY_ENCODINGS:
            raise BadRequest(UNREADABLE)
        name = _utf8(raw_name)
        if name == self._file_field:
            raw_filename = options.get(b"filename", b"")
            self._current = _File(raw_filename.decode("utf-8", errors="replace"))
            return
        if b"filename" in options:
            raise BadRequest(UNEXPECTED_FILE)
        self._texts += 1
        if self._texts > limits.max_fields:
            raise TooLarge(TOO_MANY_FIELDS)
        is_json = name == self._json_field
        limit = (
            limits.max_report_json_bytes
            if is_json
            else limits.max_text_chars * _UTF8_MAX_BYTES_PER_CHAR
        )
        self._current = _Text(name, limit, is_json)

    async def _data(self, data: bytes) -> None:
        part = self._current
        if isinstance(part, _Text):
            if len(part.data) + len(data) > part.limit:
                raise self._text_too_large(part)
            part.data += data
            return
        assert part is not None
        if part.upload is None:
            if self._files >= self._limits.max_files:
                raise TooLarge(TOO_MANY_FILES, count=self._limits.max_files)
            self._files += 1
            part.upload = Upload(
                part.filename,
                db=self._db,
                pool=self._pool,
                target=self._target,
                limits=self._limits,
                now=self._now,
            )
        await part.upload.write(data)

    async def _end(self) -> None:
        part, self._current = self._current, None
        if isinstance(part, _Text):
            text = _utf8(part.data)
            if not part.is_json and len(text) > self._limits.max_text_chars:
                raise self._text_too_large(part)
            self.fields.setdefault(part.name, []).append(text)
            return
        assert part is not None
        if part.upload is None:
            if part.filename:
                raise InvalidInput(FILE_EMPTY)
            return  # an empty <input type=file>: no name, no bytes
        upload = part.upload
        self.attachments.append(await upload.finish())

    def _text_too_large(self, part: _Text) -> TooLarge:
        if part.is_json:
            return TooLarge(REPORT_TOO_LARGE, kb=self._limits.max_report_json_bytes // 1024)
        return TooLarge(TEXT_TOO_LONG, chars=self._limits.max_text_chars)

    async def abort(self) -> None:
        """Delete every attachment this form stored, finished or not."""
        part, self._current = self._current, None
        if isinstance(part, _File) and part.upload is not None:
            await part.upload.abort()
        ids = [meta.id for meta in self.attachments]
        if not ids:
            return
        try:
            await asyncio.shield(discard_pending(self._db, ids))
        except Exception as exc:
            logger.warning("could not discard a failed form's files: %s", type(exc).__qualname__)


def _utf8(data: bytes | bytearray) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(NOT_UTF8) from None


async def parse_multipart(
    chunks: AsyncIterator[bytes],
    content_type: str,
    *,
    db: Database,
    pool: CryptoPool,
    target: UploadTarget,
    limits: AttachmentLimits,
    now: dt.datetime,
    file_field: str = "attachments",
    json_field: str = "report",
) -> ParsedForm:
    """Read a multipart body from ``chunks``: text parts into memory, the parts named
    ``file_field`` into pending attachments of ``target``.

    ``json_field`` names the part holding the API's JSON report: it is bounded by
    ``limits.max_report_json_bytes`` instead of ``max_text_chars``. An empty file part (no
    name, no bytes: an empty ``<input type=file>``) is ignored. The attachments returned
    are pending: link them with `attach_to_case` in the case's transaction, or delete them
    with `discard_pending`. On any exception what was stored is deleted first.
    """
    boundary = boundary_of(content_type)
    form = _Form(
        db=db,
        pool=pool,
        target=target,
        limits=limits,
        now=now,
        file_field=file_field,
        json_field=json_field,
    )
    try:
        reader = _Reader(boundary)
        async for chunk in chunks:
            for offset in range(0, len(chunk), FEED_BYTES):
                for event in reader.feed(chunk[offset : offset + FEED_BYTES]):
                    await form.handle(event)
                if reader.ended:
                    break
            if reader.ended:
                break
        if not reader.ended:
            raise BadRequest(TRUNCATED)
        return ParsedForm(fields=form.fields, attachments=form.attachments)
    except BaseException:
        await form.abort()
        raise
