"""Attachments: files sent with a report or a message, sealed under the case's data key.

The promise (DESIGN.md, principles 1 and 7): a file is never whole in memory unless it
must be cleaned, never in plaintext on disk (not even in a temporary file), and an upload
that fails half-way leaves nothing behind.

**Where the sealed bytes live: in the database**, as `AttachmentChunk` rows of about 1 MiB
(`ROW_BYTES` of plaintext, sealed), not as files on disk. Linking a file to its case is
then part of the case's own transaction (a report is filed with its files or not at
all; there is no file without a row or row without a file to reconcile after a crash);
several app servers on one PostgreSQL share them with no shared file system; and the
database backup holds them, so a restore cannot lose or mismatch them. The price, rows
of binary data, is small next to those: files are limited to ``max_attachment_bytes``
(20 MB by default) and reads are streamed row by row.

**Life of an upload.** `parse_multipart` (or `store_attachment` for one file stream)
types each file by its content (`gratify.intake.filetypes`), cleans photos and PDFs
(`gratify.intake.cleaning`, holding such a file in memory, at most ``max_bytes``), and
streams everything else through in constant memory (`gratify.intake.uploads`). Sealed
bytes are written in short transactions of one chunk row each, so a slow client never
holds SQLite's write lock for long. Until the report is filed the `Attachment` row is
*pending*: ``case_id`` NULL and ``pending_until`` an hour ahead. `attach_to_case` links
it in the case's transaction; `discard_pending` deletes it when the submission fails;
`purge_abandoned` sweeps uploads whose worker died before either happened.

**Sealing.** The bytes are a STREAM file (`gratify.crypto.stream`) under the case's data
key with the context ``(case id, "attachment", attachment id)``; the metadata (file
name, type, size, whether it was cleaned) is one AEAD record with
``(case id, "attachment-meta", attachment id)``. A pending row does not say which case it
is for: the context does, so an attachment linked to another case, or chunks moved
between attachments, fail authentication when opened. The file name can identify the
reporter: it is sealed and never logged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.crypto.errors import IntegrityError
from gratify.crypto.pool import CryptoPool
from gratify.crypto.stream import StreamOpener
from gratify.db.engine import Database
from gratify.errors import Conflict, NotFound
from gratify.intake.attachment_meta import (
    AttachmentLimits,
    AttachmentMeta,
    UploadTarget,
    attachment_context,
    open_meta,
    utc,
)
from gratify.intake.models import Attachment, AttachmentChunk
from gratify.intake.multipart import ParsedForm, parse_multipart
from gratify.intake.uploads import (
    PENDING_FOR,
    ROW_BYTES,
    UPLOAD_EXPIRED,
    discard_pending,
    store_attachment,
)

__all__ = [
    "PENDING_FOR",
    "READ_ROWS",
    "ROW_BYTES",
    "AttachmentLimits",
    "AttachmentMeta",
    "ParsedForm",
    "UploadTarget",
    "attach_to_case",
    "discard_pending",
    "list_attachments",
    "open_attachment",
    "parse_multipart",
    "purge_abandoned",
    "store_attachment",
]

READ_ROWS = 4
"""Chunk rows read per query when a file is opened (about 4 MiB)."""
_PURGE_BATCH = 50


def _rowcount(result: object) -> int:
    return cast("CursorResult[Any]", result).rowcount


async def attach_to_case(
    session: AsyncSession, attachment_ids: Sequence[str], case_id: str
) -> None:
    """Link pending, completely stored attachments to ``case_id``, in the caller's
    transaction. `Conflict` if any of them is gone (swept after an hour) or incomplete.

    The attachments must have been sealed for this case (`UploadTarget.case_id`): the
    row cannot tell, but opening them under another case fails authentication.
    """
    ids = list(dict.fromkeys(attachment_ids))
    if not ids:
        return
    result = await session.execute(
        update(Attachment)
        .where(
            Attachment.id.in_(ids),
            Attachment.case_id.is_(None),
            Attachment.pending_until.is_not(None),
            Attachment.sealed_size > 0,
        )
        .values(case_id=case_id, pending_until=None)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(result) != len(ids):
        raise Conflict(UPLOAD_EXPIRED)


async def purge_abandoned(db: Database, now: dt.datetime) -> int:
    """Delete pending uploads whose ``pending_until`` is before ``now``; how many.

    One short transaction per upload, so a sweep never holds the write lock for long.
    """
    now = utc(now)
    expired = (Attachment.case_id.is_(None), Attachment.pending_until < now)
    removed = 0
    while True:
        async with db.reading() as session:
            batch = list(
                await session.scalars(select(Attachment.id).where(*expired).limit(_PURGE_BATCH))
            )
        if not batch:
            return removed
        for attachment_id in batch:
            async with db.writing() as session:
                this = (Attachment.id == attachment_id, *expired)
                await session.execute(
                    delete(AttachmentChunk).where(
                        AttachmentChunk.attachment_id.in_(select(Attachment.id).where(*this))
                    )
                )
                removed += _rowcount(await session.execute(delete(Attachment).where(*this)))


async def list_attachments(session: AsyncSession, case_id: str, dek: bytes) -> list[AttachmentMeta]:
    """The case's attachments (not pending ones), by file name then id.

    `IntegrityError` if any metadata fails authentication.
    """
    rows = await session.execute(
        select(Attachment.id, Attachment.sealed_meta).where(
            Attachment.case_id == case_id, Attachment.pending_until.is_(None)
        )
    )
    metas = [open_meta(dek, case_id, row.id, row.sealed_meta) for row in rows]
    return sorted(metas, key=lambda meta: (meta.filename.casefold(), meta.filename, meta.id))


async def open_attachment(
    db: Database,
    case_id: str,
    attachment_id: str,
    dek: bytes,
    *,
    pool: CryptoPool | None = None,
) -> tuple[AttachmentMeta, AsyncIterator[bytes]]:
    """The metadata of one of the case's attachments and an iterator of its bytes.

    `NotFound` for an id that is not an attachment of this case (or still pending). The
    iterator reads `READ_ROWS` chunk rows per short read transaction (constant memory)
    and decrypts them, in ``pool`` if given; it raises `IntegrityError` for altered,
    reordered, missing or extra data, at the latest when it reaches the end: treat the
    bytes as complete only once it is exhausted without error.
    """
    async with db.reading() as session:
        row = (
            await session.execute(
                select(Attachment.sealed_meta, Attachment.sealed_size).where(
                    Attachment.id == attachment_id,
                    Attachment.case_id == case_id,
                    Attachment.pending_until.is_(None),
                )
            )
        ).one_or_none()
    if row is None:
        raise NotFound()
    meta = open_meta(dek, case_id, attachment_id, row.sealed_meta)
    opener = StreamOpener(dek, context=attachment_context(case_id, attachment_id))
    return meta, _plaintext(db, attachment_id, opener, row.sealed_size, pool)


async def _plaintext(
    db: Database,
    attachment_id: str,
    opener: StreamOpener,
    sealed_size: int,
    pool: CryptoPool | None,
) -> AsyncIterator[bytes]:
    index = 0
    read = 0
    while True:
        async with db.reading() as session:
            rows = (
                await session.execute(
                    select(AttachmentChunk.index, AttachmentChunk.data)
                    .where(
                        AttachmentChunk.attachment_id == attachment_id,
                        AttachmentChunk.index >= index,
                    )
                    .order_by(AttachmentChunk.index)
                    .limit(READ_ROWS)
                )
            ).all()
        if not rows:
            break
        for chunk_index, data in rows:
            if chunk_index != index:
                raise IntegrityError("an attachment chunk row is missing")
            index += 1
            read += len(data)
            if read > sealed_size:
                raise IntegrityError("an attachment has more data than was stored")
            plain = await pool.run(opener.feed, data) if pool else opener.feed(data)
            if plain:
                yield plain
        del rows, data
    if read != sealed_size:
        raise IntegrityError("an attachment has less data than was stored")
    opener.finish()
