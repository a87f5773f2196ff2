"""One upload streamed into sealed chunk rows (see `gratify.intake.attachments`).

`Upload` receives a file's bytes in pieces of any size. It counts them against the size
limit as they come, decides the type from the first `SNIFF_BYTES`, and then either

* streams (audio, video): about `ROW_BYTES` of plaintext at a time is sealed in the
  `CryptoPool` and written as one `AttachmentChunk` row in its own short transaction, so
  memory stays at a few MiB whatever the file size; or
* buffers (photos, PDF): the whole file, at most ``max_bytes``, is cleaned in the pool
  (`gratify.intake.cleaning`) and the cleaned bytes are sealed and written the same way.

The `Attachment` row is created with the first chunk, *pending*: no case, and
``pending_until`` an hour ahead, pushed back with every chunk so that a slow upload is not
swept while it still arrives. The last chunk's transaction stores the sealed metadata and
size. Nothing is ever written to a file, and plaintext exists only in memory.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, delete, insert, select, update

from gratify.crypto.pool import CryptoPool
from gratify.crypto.stream import StreamSealer
from gratify.db.engine import Database
from gratify.errors import N_, Conflict, InvalidInput, TooLarge
from gratify.intake.attachment_meta import (
    AttachmentLimits,
    AttachmentMeta,
    UploadTarget,
    attachment_context,
    megabytes,
    seal_meta,
    utc,
)
from gratify.intake.cleaning import clean
from gratify.intake.filetypes import SNIFF_BYTES, FileKind, safe_filename, sniff
from gratify.intake.models import Attachment, AttachmentChunk

__all__ = [
    "FILE_EMPTY",
    "FILE_TOO_LARGE",
    "PENDING_FOR",
    "ROW_BYTES",
    "UPLOAD_EXPIRED",
    "Upload",
    "discard_pending",
    "store_attachment",
]

logger = logging.getLogger(__name__)

PENDING_FOR = dt.timedelta(hours=1)
"""How long an upload may stay unlinked to a case before the sweeper removes it."""
ROW_BYTES = 1024 * 1024
"""Plaintext sealed per step and per `AttachmentChunk` row (the row is 320 bytes more)."""

FILE_TOO_LARGE = N_("A file is larger than %(mb)s MB.")
FILE_EMPTY = N_("One of the files is empty.")
UPLOAD_EXPIRED = N_("An attached file is no longer available. Please attach it again.")


def _seal_step(
    sealer: StreamSealer, first: bool, plain: bytes | bytearray | memoryview, final: bool
) -> bytes:
    parts = [sealer.header()] if first else []
    parts.append(sealer.feed(plain))
    if final:
        parts.append(sealer.finish())
    return b"".join(parts)


class Upload:
    """One file arriving in pieces: `write` each piece, then `finish` once (or `abort`).

    Raises `TooLarge` the moment more than ``limits.max_bytes`` have arrived,
    `UnsupportedMediaType` once the first bytes show a type that is not accepted,
    `InvalidInput` for an empty, damaged or oversized picture or PDF. After any error the
    caller must `abort`, which deletes whatever this upload wrote.
    """

    def __init__(
        self,
        filename: str,
        *,
        db: Database,
        pool: CryptoPool,
        target: UploadTarget,
        limits: AttachmentLimits,
        now: dt.datetime,
    ) -> None:
        self.id = secrets.token_hex(16)
        self._raw_name = filename
        self._db = db
        self._pool = pool
        self._target = target
        self._limits = limits
        self._now = utc(now)
        self._started = time.monotonic()
        self._kind: FileKind | None = None
        self._buffer = bytearray()  # the head, then the whole file or the next plaintext run
        self._size = 0
        self._sealer = StreamSealer(target.dek, context=attachment_context(target.case_id, self.id))
        self._index = 0
        self._sealed_size = 0
        self._touched = False

    @property
    def size(self) -> int:
        """Bytes received so far."""
        return self._size

    async def write(self, data: bytes | bytearray | memoryview) -> None:
        """Take the next piece of the file."""
        if not data:
            return
        self._size += len(data)
        if self._size > self._limits.max_bytes:
            raise TooLarge(FILE_TOO_LARGE, mb=megabytes(self._limits.max_bytes))
        self._buffer += data
        if self._kind is None and len(self._buffer) >= SNIFF_BYTES:
            self._kind = sniff(self._buffer)
        if self._kind is not None and not self._kind.cleaned and len(self._buffer) >= ROW_BYTES:
            plain, self._buffer = self._buffer, bytearray()
            await self._step(plain, final=False)

    async def finish(self) -> AttachmentMeta:
        """Store the end of the file and its sealed metadata; return the metadata."""
        if self._size == 0:
            raise InvalidInput(FILE_EMPTY)
        kind = self._kind or sniff(self._buffer)
        self._kind = kind
        data, self._buffer = self._buffer, bytearray()
        size = self._size
        if kind.cleaned:
            cleaned = await self._pool.run(clean, kind, data)
            data = bytearray()
            size = len(cleaned)
            view = memoryview(cleaned)
            while len(view) > ROW_BYTES:
                await self._step(view[:ROW_BYTES], final=False)
                view = view[ROW_BYTES:]
            data = bytearray(view)
        meta = AttachmentMeta(
            id=self.id,
            filename=safe_filename(self._raw_name, kind),
            content_type=kind.mime,
            size=size,
            cleaned=kind.cleaned,
        )
        await self._step(data, final=True, meta=meta)
        return meta

    async def abort(self) -> None:
        """Delete whatever this upload stored; never raises for a failed cleanup (the
        sweeper removes what is left once ``pending_until`` has passed)."""
        self._buffer = bytearray()
        if not self._touched:
            return
        try:
            await asyncio.shield(discard_pending(self._db, [self.id]))
        except Exception as exc:
            logger.warning("could not discard a failed upload: %s", type(exc).__qualname__)

    async def _step(
        self,
        plain: bytes | bytearray | memoryview,
        *,
        final: bool,
        meta: AttachmentMeta | None = None,
    ) -> None:
        first = self._index == 0
        sealed = await self._pool.run(_seal_step, self._sealer, first, plain, final)
        sealed_size = self._sealed_size + len(sealed)
        elapsed = dt.timedelta(seconds=time.monotonic() - self._started)
        values: dict[str, object] = {"pending_until": self._now + elapsed + PENDING_FOR}
        if meta is not None:
            values["sealed_meta"] = seal_meta(self._target.dek, self._target.case_id, meta)
            values["sealed_size"] = sealed_size
        self._touched = True
        async with self._db.writing() as session:
            if first:
                row = {"sealed_meta": b"", "sealed_size": 0, **values}
                await session.execute(
                    insert(Attachment).values(
                        id=self.id, case_id=None, sender=self._target.sender, **row
                    )
                )
            else:
                # The sweeper may have removed an upload stalled for over an hour.
                result = await session.execute(
                    update(Attachment)
                    .where(Attachment.id == self.id, Attachment.case_id.is_(None))
                    .values(**values)
                )
                if cast("CursorResult[Any]", result).rowcount != 1:
                    raise Conflict(UPLOAD_EXPIRED)
            await session.execute(
                insert(AttachmentChunk).values(
                    attachment_id=self.id, index=self._index, data=sealed
                )
            )
        self._sealed_size = sealed_size
        self._index += 1


async def store_attachment(
    chunks: AsyncIterator[bytes],
    filename: str,
    *,
    db: Database,
    pool: CryptoPool,
    target: UploadTarget,
    limits: AttachmentLimits,
    now: dt.datetime,
) -> AttachmentMeta:
    """Store one file arriving as ``chunks`` as a pending attachment of ``target``.

    On any exception (a limit, a refused type, a dropped connection, cancellation) what
    was stored is deleted before the exception propagates.
    """
    upload = Upload(filename, db=db, pool=pool, target=target, limits=limits, now=now)
    try:
        async for chunk in chunks:
            await upload.write(chunk)
        return await upload.finish()
    except BaseException:
        await upload.abort()
        raise


async def discard_pending(db: Database, attachment_ids: Sequence[str]) -> None:
    """Delete these attachments if they are still pending (never one linked to a case)."""
    ids = list(dict.fromkeys(attachment_ids))
    if not ids:
        return
    async with db.writing() as session:
        pending = select(Attachment.id).where(Attachment.id.in_(ids), Attachment.case_id.is_(None))
        await session.execute(
            delete(AttachmentChunk).where(AttachmentChunk.attachment_id.in_(pending))
        )
        await session.execute(
            delete(Attachment).where(Attachment.id.in_(ids), Attachment.case_id.is_(None))
        )
