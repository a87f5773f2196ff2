"""The streaming multipart reader: fields in memory, files sealed as they arrive, every
limit enforced while reading, and nothing left behind when a body is bad or cut off."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
from collections.abc import AsyncIterator, Iterator

import pytest

from gratify.crypto.aead import new_data_key
from gratify.crypto.pool import CryptoPool
from gratify.db.engine import Database
from gratify.errors import BadRequest, InvalidInput, TooLarge, UnsupportedMediaType
from gratify.intake import multipart
from gratify.intake.attachments import (
    AttachmentLimits,
    ParsedForm,
    UploadTarget,
    discard_pending,
    parse_multipart,
)
from tests.intake import files
from tests.intake.files import BOUNDARY, FilePart, multipart_body, pieces, stored_rows

MIB = 1024 * 1024
NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)
LIMITS = AttachmentLimits(
    max_bytes=2 * MIB, max_files=3, max_text_chars=50, max_fields=6, max_report_json_bytes=4096
)


@pytest.fixture(scope="module")
def pool() -> Iterator[CryptoPool]:
    crypto = CryptoPool(2)
    yield crypto
    crypto.close()


def _target() -> UploadTarget:
    return UploadTarget(os.urandom(16).hex(), new_data_key(), "reporter")


async def _parse(
    db: Database,
    pool: CryptoPool,
    body: bytes | AsyncIterator[bytes],
    *,
    content_type: str | None = None,
    limits: AttachmentLimits = LIMITS,
    piece: int = 1000,
    file_field: str = "attachments",
) -> ParsedForm:
    chunks = pieces(body, piece) if isinstance(body, bytes) else body
    parsed = await parse_multipart(
        chunks,
        files.content_type() if content_type is None else content_type,
        db=db,
        pool=pool,
        target=_target(),
        limits=limits,
        now=NOW,
        file_field=file_field,
    )
    return parsed


async def _fails(
    db: Database,
    pool: CryptoPool,
    body: bytes | AsyncIterator[bytes],
    error: type[Exception],
    **options: object,
) -> Exception:
    """Parsing fails with ``error`` and the database holds no more rows than before."""
    before = await stored_rows(db)
    with pytest.raises(error) as caught:
        await _parse(db, pool, body, **options)  # type: ignore[arg-type]
    assert await stored_rows(db) == before
    return caught.value


REPORT = json.dumps({"kind": "broker", "answers": {"uraian": "Pungli di loket — Rp 500.000"}})


async def test_fields_and_files_are_read_in_any_piece_size(db: Database, pool: CryptoPool) -> None:
    body = multipart_body(
        fields=[("report", REPORT), ("catatan", "satu"), ("catatan", "dua ✓")],
        files=[
            FilePart("attachments", "foto.jpg", files.jpeg_with_metadata(), "application/pdf"),
            FilePart("attachments", "rekaman.mp3", files.MEDIA["audio/mpeg"], "audio/mpeg"),
            FilePart("attachments", "", b""),  # an empty <input type=file>
        ],
    )
    for piece in (1, 7, 1000, 64 * 1024, len(body)):
        parsed = await _parse(db, pool, body, piece=piece)
        assert parsed.fields == {"report": [REPORT], "catatan": ["satu", "dua ✓"]}
        assert [(a.filename, a.content_type, a.cleaned) for a in parsed.attachments] == [
            ("foto.jpg", "image/jpeg", True),  # declared application/pdf: the content decides
            ("rekaman.mp3", "audio/mpeg", False),
        ]
        assert parsed.attachments[1].size == len(files.MEDIA["audio/mpeg"])
        await discard_pending(db, [a.id for a in parsed.attachments])


async def test_a_form_without_files_is_just_fields(db: Database, pool: CryptoPool) -> None:
    before = await stored_rows(db)
    parsed = await _parse(db, pool, multipart_body(fields=[("report", REPORT)]))
    assert parsed == ParsedForm(fields={"report": [REPORT]}, attachments=[])
    assert await _parse(db, pool, f"--{BOUNDARY}--\r\n".encode()) == ParsedForm({}, [])
    assert await stored_rows(db) == before


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("../../etc/passwd", "passwd.jpg"),
        ("C:\\x\\y.jpg", "y.jpg"),
        ("/home/budi/Foto Rahasia/IMG_2231.JPG", "IMG_2231.JPG"),
        ("..\\..\\boot.ini", "boot.ini.jpg"),
    ],
)
async def test_path_parts_of_filenames_are_dropped(
    db: Database, pool: CryptoPool, raw: str, kept: str
) -> None:
    body = multipart_body(files=[FilePart("attachments", raw, files.jpeg_with_metadata())])
    parsed = await _parse(db, pool, body)
    assert [a.filename for a in parsed.attachments] == [kept]
    await discard_pending(db, [a.id for a in parsed.attachments])


@pytest.mark.parametrize("name", sorted(files.DISGUISED))
async def test_a_disguised_file_is_refused_and_earlier_files_are_removed(
    db: Database, pool: CryptoPool, name: str
) -> None:
    body = multipart_body(
        fields=[("report", REPORT)],
        files=[
            FilePart("attachments", "ok.mp4", files.mp4_bytes(MIB + 10)),
            FilePart("attachments", "foto.jpg", files.DISGUISED[name], "image/jpeg"),
        ],
    )
    error = await _fails(db, pool, body, UnsupportedMediaType)
    assert "MP3, M4A, MP4, OGG" in str(error)


async def test_too_many_files(db: Database, pool: CryptoPool) -> None:
    one = FilePart("attachments", "a.ogg", files.MEDIA["audio/ogg"])
    empty = FilePart("attachments", "", b"")
    body = multipart_body(files=[one, empty, one, one, empty])
    parsed = await _parse(db, pool, body)
    assert len(parsed.attachments) == 3
    await discard_pending(db, [a.id for a in parsed.attachments])
    error = await _fails(db, pool, multipart_body(files=[one] * 4), TooLarge)
    assert error.params == {"count": 3}  # type: ignore[attr-defined]


async def test_a_named_file_without_bytes_is_invalid(db: Database, pool: CryptoPool) -> None:
    body = multipart_body(files=[FilePart("attachments", "kosong.jpg", b"")])
    await _fails(db, pool, body, InvalidInput)


async def test_a_file_over_the_limit_stops_the_reading(db: Database, pool: CryptoPool) -> None:
    head = multipart_body(files=[FilePart("attachments", "a.mp3", files.MEDIA["audio/mpeg"])])
    head = head[: -len(f"--{BOUNDARY}--\r\n")]
    opening = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; '
        'filename="besar.mp4"\r\nContent-Type: video/mp4\r\n\r\n'
    ).encode()
    consumed = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal consumed
        yield head + opening
        for piece in files.mp4_stream(1000 * MIB):
            consumed += len(piece)
            yield piece

    error = await _fails(db, pool, endless(), TooLarge)
    assert error.params == {"mb": "2"}  # type: ignore[attr-defined]
    assert consumed <= LIMITS.max_bytes + 64 * 1024


async def test_a_body_cut_off_half_way_leaves_nothing(db: Database, pool: CryptoPool) -> None:
    body = multipart_body(
        fields=[("report", REPORT)],
        files=[
            FilePart("attachments", "a.mp4", files.mp4_bytes(MIB + 3)),
            FilePart("attachments", "b.mp4", files.mp4_bytes(MIB + 3)),
        ],
    )
    for cut in (len(body) - 3, len(body) - 700_000, 200, 0):
        error = await _fails(db, pool, body[:cut], BadRequest)
        assert error.args[0] == multipart.TRUNCATED


async def test_a_dropped_connection_or_cancellation_leaves_nothing(
    db: Database, pool: CryptoPool
) -> None:
    body = multipart_body(
        files=[
            FilePart("attachments", "a.ogg", files.MEDIA["audio/ogg"]),
            FilePart("attachments", "b.mp4", files.mp4_bytes(2 * MIB)),
        ]
    )
    started = asyncio.Event()

    async def dropping(then: str) -> AsyncIterator[bytes]:
        sent = 0
        async for piece in pieces(body, 64 * 1024):
            yield piece
            sent += len(piece)
            if sent > 1.5 * MIB:
                if then == "drop":
                    raise ConnectionResetError
                started.set()
                await asyncio.sleep(60)

    await _fails(db, pool, dropping("drop"), ConnectionResetError)
    before = await stored_rows(db)
    task = asyncio.create_task(_parse(db, pool, dropping("stall")))
    await asyncio.wait_for(started.wait(), 30)
    assert (await stored_rows(db))[0] == before[0] + 2  # the finished file and the half one
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await stored_rows(db) == before


async def test_the_epilogue_is_not_read(db: Database, pool: CryptoPool) -> None:
    body = multipart_body(fields=[("report", REPORT)])

    async def forever() -> AsyncIterator[bytes]:
        yield body
        while True:
            yield b"epilogue " * 1000

    parsed = await asyncio.wait_for(_parse(db, pool, forever()), 10)
    assert parsed.fields == {"report": [REPORT]}


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data",
        "multipart/form-data; boundary=",
        'multipart/form-data; boundary=""',
        "multipart/form-data; boundary=ab\x00cd",
        'multipart/form-data; boundary="ends-with-space "',
        "multipart/form-data; boundary=" + "x" * 201,
        "multipart/form-data; boundary=ab\u00e9cd",
        f"multipart/mixed; boundary={BOUNDARY}",
        "application/json",
        "",
    ],
)
async def test_a_missing_or_garbled_boundary_is_a_bad_request(
    db: Database, pool: CryptoPool, content_type: str
) -> None:
    body = multipart_body(fields=[("report", REPORT)])
    error = await _fails(db, pool, body, BadRequest, content_type=content_type)
    assert error.args[0] == multipart.NOT_MULTIPART


async def test_a_quoted_boundary_is_accepted(db: Database, pool: CryptoPool) -> None:
    body = multipart_body(fields=[("a", "b")], boundary="q:u=o?t(e)d")
    content_type = 'Multipart/Form-Data; charset=utf-8; boundary="q:u=o?t(e)d"'
    assert (await _parse(db, pool, body, content_type=content_type)).fields == {"a": ["b"]}


def _part(headers: str | bytes, data: bytes = b"x") -> bytes:
    """A body of one part with these header lines."""
    raw = headers.encode() if isinstance(headers, str) else headers
    start, end = f"--{BOUNDARY}\r\n".encode(), f"\r\n--{BOUNDARY}--\r\n".encode()
    return start + raw + b"\r\n\r\n" + data + end


@pytest.mark.parametrize(
    "body",
    [
        multipart_body(fields=[("a", "b")], boundary="another-boundary"),
        b"garbage before\r\n" + multipart_body(fields=[("a", "b")]),
        _part('Content-Disposition: attachment; name="a"'),
        _part('Content-Disposition: inline; name="a"'),
        _part("Content-Disposition: form-data"),
        _part("Content-Type: text/plain"),
        _part('Content-Disposition: form-data; name="a"\r\nContent-Transfer-Encoding: base64'),
        _part('Content-Disposition: form-data; name="a"; x="' + "y" * 5000 + '"'),
        _part('Content-Disposition: form-data; name="a"' + "\r\nX-A: b" * 9),
        _part('Content-Disposition: form-data; name="a"; filename="f.txt"', b"x"),
        _part("Bad Header Name: x"),
    ],
    ids=[
        "other-boundary",
        "preamble",
        "attachment",
        "inline",
        "no-name",
        "no-disposition",
        "base64",
        "header-too-long",
        "too-many-headers",
        "file-in-a-text-field",
        "invalid-header",
    ],
)
async def test_malformed_parts_are_bad_requests(
    db: Database, pool: CryptoPool, body: bytes
) -> None:
    await _fails(db, pool, body, BadRequest)


async def test_a_file_in_another_field_is_refused_after_good_files(
    db: Database, pool: CryptoPool
) -> None:
    body = multipart_body(
        files=[
            FilePart("attachments", "a.ogg", files.MEDIA["audio/ogg"]),
            FilePart("lampiran", "b.ogg", files.MEDIA["audio/ogg"]),
        ]
    )
    error = await _fails(db, pool, body, BadRequest)
    assert error.args[0] == multipart.UNEXPECTED_FILE
    other = multipart_body(files=[FilePart("lampiran", "b.ogg", files.MEDIA["audio/ogg"])])
    parsed = await _parse(db, pool, other, file_field="lampiran")
    assert len(parsed.attachments) == 1
    await discard_pending(db, [a.id for a in parsed.attachments])


@pytest.mark.parametrize(
    "body",
    [
        multipart_body(fields=[("catatan", b"caf\xe9")]),
        multipart_body(fields=[("report", b'{"a": "\xff\xfe"}')]),
        _part(b'Content-Disposition: form-data; name="caf\xe9"'),
    ],
    ids=["field", "report", "field-name"],
)
async def test_text_that_is_not_utf8_is_invalid_input(
    db: Database, pool: CryptoPool, body: bytes
) -> None:
    error = await _fails(db, pool, body, InvalidInput)
    assert error.args[0] == multipart.NOT_UTF8


async def test_text_fields_are_limited_in_characters(db: Database, pool: CryptoPool) -> None:
    at_limit = "é" * 25 + "€" * 25  # 50 characters, 125 bytes
    parsed = await _parse(db, pool, multipart_body(fields=[("uraian", at_limit)]))
    assert parsed.fields == {"uraian": [at_limit]}
    for over in (at_limit + "x", "x" * 10_000):
        body = multipart_body(fields=[("uraian", over)])
        error = await _fails(db, pool, body, TooLarge)
        assert error.params == {"chars": 50}  # type: ignore[attr-defined]


async def test_the_report_part_is_limited_in_bytes_not_characters(
    db: Database, pool: CryptoPool
) -> None:
    long_report = json.dumps({"answers": {"uraian": "x" * 3000}})
    parsed = await _parse(db, pool, multipart_body(fields=[("report", long_report)]))
    assert parsed.fields["report"] == [long_report]
    too_long = json.dumps({"answers": {"uraian": "x" * 5000}})
    error = await _fails(db, pool, multipart_body(fields=[("report", too_long)]), TooLarge)
    assert error.params == {"kb": 4}  # type: ignore[attr-defined]


async def test_the_number_of_fields_and_parts_is_limited(db: Database, pool: CryptoPool) -> None:
    six = [(f"f{i}", "x") for i in range(6)]
    assert len((await _parse(db, pool, multipart_body(fields=six))).fields) == 6
    error = await _fails(db, pool, multipart_body(fields=[*six, ("g", "y")]), TooLarge)
    assert error.args[0] == multipart.TOO_MANY_FIELDS
    # Empty file parts are ignored, but not without end.
    empties = [FilePart("attachments", "", b"")] * 20
    await _fails(db, pool, multipart_body(files=empties), TooLarge)
