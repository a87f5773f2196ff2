"""Attachments: stored sealed in chunk rows, typed by content, opened only by their case,
and nothing left behind when anything fails."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
import tempfile
import tracemalloc
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin
from sqlalchemy import delete, insert, select, update

from gratify.crypto.aead import new_data_key
from gratify.crypto.errors import IntegrityError
from gratify.crypto.pool import CryptoPool
from gratify.db.engine import Database, create_engine
from gratify.db.migrate import upgrade_to_head
from gratify.errors import Conflict, InvalidInput, NotFound, TooLarge, UnsupportedMediaType
from gratify.intake.attachment_meta import megabytes
from gratify.intake.attachments import (
    PENDING_FOR,
    AttachmentLimits,
    AttachmentMeta,
    UploadTarget,
    attach_to_case,
    discard_pending,
    list_attachments,
    open_attachment,
    parse_multipart,
    purge_abandoned,
    store_attachment,
)
from gratify.intake.filetypes import (
    ACCEPTED,
    DEFAULT_FILENAME,
    MAX_FILENAME_CHARS,
    safe_filename,
    sniff,
)
from gratify.intake.models import Attachment, AttachmentChunk
from gratify.intake.uploads import ROW_BYTES
from gratify.settings import Settings
from tests.intake import files
from tests.intake.files import make_case, pieces, stored_rows

MIB = 1024 * 1024
NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)
LIMITS = AttachmentLimits(max_bytes=4 * MIB, max_files=3, max_text_chars=100)


@pytest.fixture(scope="module")
def pool() -> Iterator[CryptoPool]:
    crypto = CryptoPool(2)
    yield crypto
    crypto.close()


def _target(case_id: str | None = None, dek: bytes | None = None) -> UploadTarget:
    return UploadTarget(case_id or os.urandom(16).hex(), dek or new_data_key(), "reporter")


async def _store(
    db: Database,
    pool: CryptoPool,
    target: UploadTarget,
    data: bytes | Iterable[bytes],
    filename: str = "bukti.mp4",
    limits: AttachmentLimits = LIMITS,
) -> AttachmentMeta:
    return await store_attachment(
        pieces(data), filename, db=db, pool=pool, target=target, limits=limits, now=NOW
    )


async def _read(db: Database, case_id: str, attachment_id: str, dek: bytes) -> bytes:
    _meta, stream = await open_attachment(db, case_id, attachment_id, dek)
    return b"".join([piece async for piece in stream])


async def _linked(
    db: Database, pool: CryptoPool, data: bytes, name: str = "bukti.mp4"
) -> tuple[UploadTarget, AttachmentMeta]:
    target = _target(await make_case(db))
    meta = await _store(db, pool, target, data, name)
    async with db.writing() as session:
        await attach_to_case(session, [meta.id], target.case_id)
    return target, meta


# --- types and names ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(files.DISGUISED))
def test_a_disguised_file_is_refused_by_its_content(name: str) -> None:
    with pytest.raises(UnsupportedMediaType) as caught:
        sniff(files.DISGUISED[name])
    assert "JPEG, PNG, WebP" in caught.value.message


@pytest.mark.parametrize("mime", sorted(files.MEDIA))
def test_media_types_are_recognised(mime: str) -> None:
    assert sniff(files.MEDIA[mime]).mime == mime


@pytest.mark.parametrize(
    ("raw", "mime", "kept"),
    [
        ("../../etc/passwd", "image/jpeg", "passwd.jpg"),
        ("C:\\x\\y.jpg", "image/jpeg", "y.jpg"),
        ("\\\\server\\share\\foto.JPEG", "image/jpeg", "foto.JPEG"),
        ("rekaman.m4a", "audio/mp4", "rekaman.m4a"),
        ("laporan.html", "image/jpeg", "laporan.html.jpg"),
        ("foto.pdf", "image/jpeg", "foto.pdf.jpg"),
        ("gpj.\u202eexe.pdf", "application/pdf", "gpj.exe.pdf"),
        ("a\x00b\r\nc\x7f.png", "image/png", "abc.png"),
        ("..", "image/png", f"{DEFAULT_FILENAME}.png"),
        ("", "video/mp4", f"{DEFAULT_FILENAME}.mp4"),
        ("   .mp3", "audio/mpeg", "mp3.mp3"),  # no hidden files
        ("Bukti Suap — Pak Budi.pdf", "application/pdf", "Bukti Suap — Pak Budi.pdf"),
    ],
)
def test_filenames_keep_only_a_safe_base_name(raw: str, mime: str, kept: str) -> None:
    assert safe_filename(raw, ACCEPTED[mime]) == kept


def test_long_filenames_are_cut_keeping_the_extension() -> None:
    kept = safe_filename("x" * 500 + ".pdf", ACCEPTED["application/pdf"])
    assert len(kept) == MAX_FILENAME_CHARS
    assert kept.endswith("x.pdf")


def test_limits_come_from_the_settings() -> None:
    settings = Settings(max_attachment_bytes=5 * MIB, max_attachments=4, max_text_chars=300)
    assert AttachmentLimits.from_settings(settings) == AttachmentLimits(5 * MIB, 4, 300)
    assert megabytes(20 * MIB) == "20"
    assert megabytes(MIB // 2) == "0.5"


def test_an_upload_target_checks_its_sender_and_hides_its_key() -> None:
    with pytest.raises(ValueError, match="sender"):
        UploadTarget("c", new_data_key(), "someone")
    target = _target()
    assert target.dek.hex() not in repr(target)


# --- storing and opening -----------------------------------------------------------------


async def test_a_streamed_file_round_trips_in_chunk_rows(db: Database, pool: CryptoPool) -> None:
    data = files.mp4_bytes(3 * MIB + 12345)
    target = _target(await make_case(db))
    meta = await _store(db, pool, target, data, "rekaman kantor.mp4")
    assert meta.content_type == "video/mp4"
    assert meta.size == len(data)
    assert meta.cleaned is False
    assert meta.filename == "rekaman kantor.mp4"
    async with db.reading() as session:
        row = await session.get(Attachment, meta.id)
        assert row is not None
        assert row.case_id is None
        assert row.sender == "reporter"
        assert row.pending_until is not None
        assert row.pending_until.replace(tzinfo=dt.UTC) >= NOW + PENDING_FOR
        sizes = list(
            await session.scalars(
                select(AttachmentChunk.data).where(AttachmentChunk.attachment_id == meta.id)
            )
        )
        # Pending: not listed, not opened.
        assert await list_attachments(session, target.case_id, target.dek) == []
    assert len(sizes) == 4
    assert all(ROW_BYTES <= len(chunk) <= ROW_BYTES + 70_000 for chunk in sizes[:-1])
    assert sum(map(len, sizes)) == row.sealed_size
    with pytest.raises(NotFound):
        await open_attachment(db, target.case_id, meta.id, target.dek)

    async with db.writing() as session:
        await attach_to_case(session, [meta.id], target.case_id)
    async with db.reading() as session:
        assert await list_attachments(session, target.case_id, target.dek) == [meta]
    for decrypting_pool in (None, pool):
        opened, stream = await open_attachment(
            db, target.case_id, meta.id, target.dek, pool=decrypting_pool
        )
        assert opened == meta
        assert b"".join([piece async for piece in stream]) == data


@pytest.mark.parametrize("mime", sorted(files.MEDIA))
async def test_media_is_stored_as_sent_and_flagged_uncleaned(
    db: Database, pool: CryptoPool, mime: str
) -> None:
    data = files.MEDIA[mime] + files.CANARY.encode()
    target, meta = await _linked(db, pool, data, "suara")
    assert meta.content_type == mime
    assert meta.cleaned is False
    assert meta.filename == f"suara.{ACCEPTED[mime].extensions[0]}"
    assert await _read(db, target.case_id, meta.id, target.dek) == data


async def test_photos_and_pdfs_are_cleaned_before_they_are_sealed(
    db: Database, pool: CryptoPool
) -> None:
    case_id = await make_case(db)
    target = _target(case_id)
    stored = []
    for name, data in [
        ("IMG_0001.jpg", files.jpeg_with_metadata()),
        ("layar.png", files.png_with_metadata()),
        ("foto.webp", files.webp_with_metadata()),
        ("surat.pdf", files.pdf_with_metadata()),
    ]:
        assert files.CANARY.encode() in data or name.endswith(".pdf")
        stored.append(await _store(db, pool, target, data, name))
    async with db.writing() as session:
        await attach_to_case(session, [meta.id for meta in stored], case_id)
    for meta in stored:
        assert meta.cleaned is True
        plain = await _read(db, case_id, meta.id, target.dek)
        assert len(plain) == meta.size
        visible = files.uncompressed_pdf(plain) if meta.content_type == "application/pdf" else plain
        assert files.CANARY.encode() not in visible
    async with db.reading() as session:
        listed = await list_attachments(session, case_id, target.dek)
    assert [meta.filename for meta in listed] == [
        "foto.webp",
        "IMG_0001.jpg",
        "layar.png",
        "surat.pdf",
    ]


async def test_a_cleaned_file_larger_than_a_row_round_trips(db: Database, pool: CryptoPool) -> None:
    noise = Image.frombytes("RGB", (1200, 1000), os.urandom(1200 * 1000 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG", pnginfo=_png_text())
    data = out.getvalue()
    assert len(data) > 3 * ROW_BYTES
    target, meta = await _linked(db, pool, data, "layar.png")
    assert (meta.cleaned, meta.content_type) == (True, "image/png")
    async with db.reading() as session:
        rows = await session.scalars(
            select(AttachmentChunk.index).where(AttachmentChunk.attachment_id == meta.id)
        )
        assert len(list(rows)) >= 3
    plain = await _read(db, target.case_id, meta.id, target.dek)
    assert len(plain) == meta.size
    assert files.CANARY.encode() not in plain
    with Image.open(io.BytesIO(plain)) as img:
        assert img.tobytes() == noise.tobytes()


def _png_text() -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", files.CANARY)
    return info


async def test_the_declared_name_does_not_decide_the_type(db: Database, pool: CryptoPool) -> None:
    target = _target()
    meta = await _store(db, pool, target, files.jpeg_with_metadata(), "dokumen.pdf")
    assert meta.content_type == "image/jpeg"
    assert meta.filename == "dokumen.pdf.jpg"
    await discard_pending(db, [meta.id])


async def test_another_case_or_key_cannot_open_an_attachment(
    db: Database, pool: CryptoPool
) -> None:
    target, meta = await _linked(db, pool, files.MEDIA["audio/ogg"])
    other = await make_case(db)
    with pytest.raises(NotFound):
        await open_attachment(db, other, meta.id, target.dek)
    with pytest.raises(NotFound):
        await open_attachment(db, target.case_id, os.urandom(16).hex(), target.dek)
    with pytest.raises(IntegrityError):
        await open_attachment(db, target.case_id, meta.id, new_data_key())
    # Linked to a case it was not sealed for: the row says so, the crypto refuses.
    sealed_for_other = await _store(db, pool, _target(other), files.MEDIA["audio/ogg"])
    async with db.writing() as session:
        await attach_to_case(session, [sealed_for_other.id], target.case_id)
    with pytest.raises(IntegrityError):
        await open_attachment(db, target.case_id, sealed_for_other.id, target.dek)
    async with db.reading() as session:
        with pytest.raises(IntegrityError):
            await list_attachments(session, target.case_id, target.dek)


# --- tampering ---------------------------------------------------------------------------


async def _tampered(db: Database, pool: CryptoPool, change: str) -> tuple[UploadTarget, str]:
    target, meta = await _linked(db, pool, files.mp4_bytes(3 * MIB + 5))
    chunk = AttachmentChunk
    async with db.writing() as session:
        rows = dict(
            (
                await session.execute(
                    select(chunk.index, chunk.data).where(chunk.attachment_id == meta.id)
                )
            ).all()
        )
        assert len(rows) == 4
        where = (chunk.attachment_id == meta.id,)
        if change == "delete-middle":
            await session.execute(delete(chunk).where(*where, chunk.index == 1))
        elif change == "swap":
            await session.execute(
                update(chunk).where(*where, chunk.index == 1).values(data=rows[2])
            )
            await session.execute(
                update(chunk).where(*where, chunk.index == 2).values(data=rows[1])
            )
        elif change == "renumber":
            await session.execute(update(chunk).where(*where, chunk.index == 1).values(index=9))
            await session.execute(update(chunk).where(*where, chunk.index == 2).values(index=1))
            await session.execute(update(chunk).where(*where, chunk.index == 9).values(index=2))
        elif change in ("delete-last", "truncate-and-fix-size"):
            await session.execute(delete(chunk).where(*where, chunk.index == 3))
            if change == "truncate-and-fix-size":
                size = sum(len(rows[i]) for i in range(3))
                await session.execute(
                    update(Attachment).where(Attachment.id == meta.id).values(sealed_size=size)
                )
        elif change == "extra":
            await session.execute(
                insert(chunk).values(attachment_id=meta.id, index=4, data=rows[3])
            )
        elif change == "flip-bit":
            flipped = bytearray(rows[2])
            flipped[500] ^= 1
            await session.execute(
                update(chunk).where(*where, chunk.index == 2).values(data=bytes(flipped))
            )
    return target, meta.id


@pytest.mark.parametrize(
    "change",
    [
        "delete-middle",
        "swap",
        "renumber",
        "delete-last",
        "truncate-and-fix-size",
        "extra",
        "flip-bit",
    ],
)
async def test_altered_chunk_rows_are_detected(db: Database, pool: CryptoPool, change: str) -> None:
    target, attachment_id = await _tampered(db, pool, change)
    with pytest.raises(IntegrityError):
        await _read(db, target.case_id, attachment_id, target.dek)


# --- limits and failures leave nothing ---------------------------------------------------


async def test_exactly_the_limit_passes_and_one_byte_more_fails(
    db: Database, pool: CryptoPool
) -> None:
    limits = AttachmentLimits(max_bytes=300_000, max_files=1, max_text_chars=10)
    before = await stored_rows(db)
    meta = await _store(db, pool, _target(), files.mp4_bytes(300_000), limits=limits)
    assert meta.size == 300_000
    await discard_pending(db, [meta.id])
    assert await stored_rows(db) == before
    with pytest.raises(TooLarge) as caught:
        await _store(db, pool, _target(), files.mp4_bytes(300_001), limits=limits)
    assert caught.value.params == {"mb": "0.3"}
    assert await stored_rows(db) == before


async def test_an_oversized_upload_stops_being_read_and_leaves_no_rows(
    db: Database, pool: CryptoPool
) -> None:
    before = await stored_rows(db)
    consumed = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal consumed
        for piece in files.mp4_stream(100 * MIB):
            consumed += len(piece)
            yield piece

    with pytest.raises(TooLarge):
        await store_attachment(
            endless(), "besar.mp4", db=db, pool=pool, target=_target(), limits=LIMITS, now=NOW
        )
    assert consumed <= LIMITS.max_bytes + 64 * 1024
    assert await stored_rows(db) == before


@pytest.mark.parametrize("name", sorted(files.DISGUISED))
async def test_a_refused_type_leaves_no_rows(db: Database, pool: CryptoPool, name: str) -> None:
    before = await stored_rows(db)
    with pytest.raises(UnsupportedMediaType):
        await _store(db, pool, _target(), files.DISGUISED[name] * 200, "foto.jpg")
    assert await stored_rows(db) == before


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", InvalidInput),
        (files.jpeg_with_metadata()[:300], InvalidInput),
        (files.pdf_with_metadata()[:40], InvalidInput),
    ],
    ids=["empty", "damaged-jpeg", "damaged-pdf"],
)
async def test_empty_or_damaged_files_leave_no_rows(
    db: Database, pool: CryptoPool, data: bytes, error: type[Exception]
) -> None:
    before = await stored_rows(db)
    with pytest.raises(error):
        await _store(db, pool, _target(), data, "x")
    assert await stored_rows(db) == before


async def test_a_dropped_connection_half_way_leaves_no_rows(db: Database, pool: CryptoPool) -> None:
    before = await stored_rows(db)

    async def dropped() -> AsyncIterator[bytes]:
        sent = 0
        for piece in files.mp4_stream(3 * MIB):
            yield piece
            sent += len(piece)
            if sent > 2 * MIB:
                raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await store_attachment(
            dropped(), "x.mp4", db=db, pool=pool, target=_target(), limits=LIMITS, now=NOW
        )
    assert await stored_rows(db) == before


# --- linking, discarding, sweeping -------------------------------------------------------


async def test_attach_to_case_links_only_complete_pending_uploads(
    db: Database, pool: CryptoPool
) -> None:
    case_id = await make_case(db)
    target = _target(case_id)
    meta = await _store(db, pool, target, files.MEDIA["audio/mpeg"])
    async with db.writing() as session:
        await attach_to_case(session, [], case_id)
        await attach_to_case(session, [meta.id, meta.id], case_id)
    async with db.reading() as session:
        row = await session.get(Attachment, meta.id)
        assert row is not None
        assert (row.case_id, row.pending_until) == (case_id, None)
    for ids in ([meta.id], [os.urandom(16).hex()]):
        with pytest.raises(Conflict):
            async with db.writing() as session:
                await attach_to_case(session, ids, case_id)
    # A linked attachment is never discarded as pending.
    await discard_pending(db, [meta.id])
    assert await _read(db, case_id, meta.id, target.dek) == files.MEDIA["audio/mpeg"]


async def test_purge_removes_only_expired_pending_uploads(db: Database, pool: CryptoPool) -> None:
    _target_linked, linked = await _linked(db, pool, files.MEDIA["audio/ogg"])
    pending = await _store(db, pool, _target(), files.mp4_bytes(2 * MIB + 1))
    assert await purge_abandoned(db, NOW + PENDING_FOR - dt.timedelta(minutes=1)) == 0
    assert await purge_abandoned(db, NOW + PENDING_FOR + dt.timedelta(minutes=5)) == 1
    async with db.reading() as session:
        assert await session.get(Attachment, pending.id) is None
        assert await session.get(Attachment, linked.id) is not None
        orphans = await session.scalars(
            select(AttachmentChunk.index).where(AttachmentChunk.attachment_id == pending.id)
        )
        assert list(orphans) == []


async def test_an_upload_swept_while_it_streams_fails_cleanly(
    db: Database, pool: CryptoPool
) -> None:
    before = await stored_rows(db)

    async def slow() -> AsyncIterator[bytes]:
        sent = 0
        for piece in files.mp4_stream(3 * MIB):
            yield piece
            sent += len(piece)
            if sent == 2 * MIB:  # two chunk rows are stored: the sweeper runs much later
                assert await purge_abandoned(db, NOW + 2 * PENDING_FOR) == 1

    with pytest.raises(Conflict):
        await store_attachment(
            slow(), "x.mp4", db=db, pool=pool, target=_target(), limits=LIMITS, now=NOW
        )
    assert await stored_rows(db) == before


# --- memory and disk ---------------------------------------------------------------------


async def test_a_50_mb_upload_streams_in_constant_memory(db: Database, pool: CryptoPool) -> None:
    size = 50 * 1000 * 1000
    limits = AttachmentLimits(max_bytes=size, max_files=1, max_text_chars=10)
    target = _target()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        meta = await _store(db, pool, target, files.mp4_stream(size), limits=limits)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert meta.size == size
    assert peak < 12 * MIB, f"peak {peak / MIB:.1f} MiB"
    await discard_pending(db, [meta.id])


@pytest.fixture
async def file_database(tmp_path: Path) -> AsyncIterator[tuple[Database, Path]]:
    """A SQLite database in a file under tmp_path, migrated, keeping what it commits."""
    path = tmp_path / "gratify.sqlite3"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade_to_head(engine)
    database = Database(str(engine.url), engine=engine)
    yield database, path
    await database.dispose()


def _bytes_on_disk(*roots: Path) -> Iterator[tuple[Path, bytes]]:
    for root in roots:
        for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
            if path.is_file():
                yield path, path.read_bytes()


async def test_no_plaintext_reaches_the_database_files_or_temp_files(
    file_database: tuple[Database, Path],
    pool: CryptoPool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    database, path = file_database
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setenv("SQLITE_TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    canary = files.CANARY.encode()
    target = _target()
    body = files.multipart_body(
        fields=[("report", '{"answers": {"uraian": "' + files.CANARY + '"}}')],
        files=[
            files.FilePart("attachments", f"{files.CANARY}.mp4", files.mp4_bytes(3 * MIB)),
            files.FilePart("attachments", f"foto-{files.CANARY}.jpg", files.jpeg_with_metadata()),
        ],
    )
    parsed = await parse_multipart(
        pieces(body),
        files.content_type(),
        db=database,
        pool=pool,
        target=target,
        limits=LIMITS,
        now=NOW,
    )
    assert len(parsed.attachments) == 2
    assert files.CANARY in parsed.fields["report"][0]
    # A failed upload too: a file over the limit after the canary went by.
    with pytest.raises(TooLarge):
        await _store(database, pool, target, files.mp4_bytes(LIMITS.max_bytes + 1), "x.mp4")
    await asyncio.sleep(0)
    seen = dict(_bytes_on_disk(tmp_path))
    assert path in seen
    assert any(name.name.endswith("-wal") for name in seen)
    assert sum(map(len, seen.values())) > 3 * MIB  # the sealed file is there
    for name, content in seen.items():
        assert canary not in content, name
        assert canary.lower() not in content.lower(), name


async def test_chunks_are_committed_in_short_transactions(
    migrated_url: str, pool: CryptoPool
) -> None:
    uploading = Database(migrated_url)
    other = Database(migrated_url)
    target = _target()
    paused = asyncio.Event()
    resume = asyncio.Event()

    async def slow() -> AsyncIterator[bytes]:
        sent = 0
        for piece in files.mp4_stream(3 * MIB):
            yield piece
            sent += len(piece)
            if sent == 2 * MIB + 64 * 1024:
                paused.set()
                await resume.wait()

    task = asyncio.create_task(
        store_attachment(
            slow(), "x.mp4", db=uploading, pool=pool, target=target, limits=LIMITS, now=NOW
        )
    )
    try:
        await asyncio.wait_for(paused.wait(), 30)
        # Mid-upload, another connection sees the committed chunks and can write at once.
        async with asyncio.timeout(2):
            async with other.writing() as session:
                chunks = list(
                    await session.scalars(
                        select(AttachmentChunk.index)
                        .join(Attachment)
                        .where(Attachment.case_id.is_(None), Attachment.sender == "reporter")
                    )
                )
                await session.execute(
                    update(Attachment).where(Attachment.id == "none").values(sender="x")
                )
        assert len(chunks) >= 2
        resume.set()
        meta = await asyncio.wait_for(task, 30)
        assert await _read_pending_rows(other, meta.id) == 4
    finally:
        resume.set()
        if not task.done():
            task.cancel()
        done = task.done() and not task.cancelled() and task.exception() is None
        ids = [task.result().id] if done else []
        await discard_pending(other, ids)
        await uploading.dispose()
        await other.dispose()


async def _read_pending_rows(db: Database, attachment_id: str) -> int:
    async with db.reading() as session:
        return len(
            list(
                await session.scalars(
                    select(AttachmentChunk.index).where(
                        AttachmentChunk.attachment_id == attachment_id
                    )
                )
            )
        )
