"""Chunked encryption for attachments: a 1 GB file streams through in constant memory.

The format and why it resists truncation, reordering and splicing are described in
:mod:`gratify.crypto.stream_format`. In short: a header with a per-file salt, then
length-prefixed AES-256-GCM records whose nonces carry the chunk index and a last-chunk
flag; only the final record is shorter than a full one.

Plaintext released by :meth:`StreamOpener.feed` is authentic, but the stream is complete
only once :meth:`StreamOpener.finish` returns: write to a temporary place and keep it only
after ``finish()`` succeeds.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gratify.crypto.errors import IntegrityError, UnsupportedFormat
from gratify.crypto.stream_format import (
    DEFAULT_CHUNK_SIZE,
    HEADER_SIZE,
    KEY_SIZE,
    LENGTH_SIZE,
    MAX_CHUNK_SIZE,
    MAX_CHUNKS,
    MIN_CHUNK_SIZE,
    NONCE_PREFIX_SIZE,
    SALT_SIZE,
    TAG_SIZE,
    VERSION,
    check_chunk_size,
    chunk_nonce,
    file_cipher,
    sealed_size,
)

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "HEADER_SIZE",
    "MAX_CHUNK_SIZE",
    "MIN_CHUNK_SIZE",
    "StreamOpener",
    "StreamSealer",
    "open_stream",
    "seal_stream",
    "sealed_size",
]


class StreamSealer:
    """Seal a file chunk by chunk; memory stays below one chunk whatever the file size.

    Call :meth:`header` once, first; then :meth:`feed` with the data in pieces of any
    size; then :meth:`finish` once. Concatenating every returned piece gives the sealed
    file. Protects confidentiality and integrity of the whole file, including its end.
    """

    def __init__(self, key: bytes, *, context: bytes, chunk_size: int = DEFAULT_CHUNK_SIZE) -> None:
        self._start(
            key,
            context,
            chunk_size,
            salt=secrets.token_bytes(SALT_SIZE),
            nonce_prefix=secrets.token_bytes(NONCE_PREFIX_SIZE),
        )

    def _start(
        self, key: bytes, context: bytes, chunk_size: int, *, salt: bytes, nonce_prefix: bytes
    ) -> None:
        check_chunk_size(chunk_size)
        if len(salt) != SALT_SIZE or len(nonce_prefix) != NONCE_PREFIX_SIZE:
            raise ValueError("wrong salt or nonce prefix size")
        self._prefix = nonce_prefix
        self._header = bytes([VERSION]) + chunk_size.to_bytes(4, "big") + salt + nonce_prefix
        self._cipher = file_cipher(key, salt, context)
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self._counter = 0
        self._header_sent = False
        self._finished = False

    def header(self) -> bytes:
        """Return the file header; call exactly once, before anything else."""
        if self._header_sent:
            raise RuntimeError("header() was already called")
        self._header_sent = True
        return self._header

    def feed(self, data: bytes | bytearray | memoryview) -> bytes:
        """Seal every complete chunk now available; keep less than one chunk buffered.

        Returns the sealed records (possibly ``b""``) to append to the output.
        """
        if not self._header_sent:
            raise RuntimeError("call header() before feed()")
        if self._finished:
            raise RuntimeError("feed() after finish()")
        size = self._chunk_size
        view = memoryview(data)
        out: list[bytes] = []
        if self._buffer:
            missing = size - len(self._buffer)
            self._buffer += view[:missing]
            view = view[missing:]
            if len(self._buffer) < size:
                return b""
            self._seal_chunk(self._buffer, last=False, out=out)
            self._buffer.clear()
        # Whole chunks are sealed straight from the caller's buffer: no copy per chunk.
        while len(view) >= size:
            self._seal_chunk(view[:size], last=False, out=out)
            view = view[size:]
        self._buffer += view
        return b"".join(out)

    def finish(self) -> bytes:
        """Seal and return the final record (its plaintext may be empty)."""
        if not self._header_sent:
            raise RuntimeError("call header() before finish()")
        if self._finished:
            raise RuntimeError("finish() was already called")
        self._finished = True
        out: list[bytes] = []
        self._seal_chunk(self._buffer, last=True, out=out)
        self._buffer = bytearray()
        return b"".join(out)

    def _seal_chunk(
        self, chunk: bytes | bytearray | memoryview, *, last: bool, out: list[bytes]
    ) -> None:
        if self._counter >= MAX_CHUNKS:
            raise ValueError("file too large for this chunk size")
        nonce = chunk_nonce(self._prefix, self._counter, last)
        sealed = self._cipher.encrypt(nonce, chunk, self._header)
        self._counter += 1
        out.append(len(sealed).to_bytes(LENGTH_SIZE, "big"))
        out.append(sealed)


def _sealer_with_randomness(
    key: bytes, *, context: bytes, chunk_size: int, salt: bytes, nonce_prefix: bytes
) -> StreamSealer:
    """A sealer with caller-chosen salt and nonce prefix. Only for known-answer tests."""
    sealer = StreamSealer.__new__(StreamSealer)
    sealer._start(key, context, chunk_size, salt=salt, nonce_prefix=nonce_prefix)
    return sealer


class StreamOpener:
    """Verify and decrypt a file made by :class:`StreamSealer`, fed in pieces of any size.

    :meth:`feed` returns the plaintext of every chunk that is complete and verified;
    :meth:`finish` raises :class:`IntegrityError` unless the final chunk was verified and
    nothing follows it. After any error the opener refuses further input.
    """

    def __init__(self, key: bytes, *, context: bytes) -> None:
        if len(key) != KEY_SIZE:
            raise ValueError(f"stream key must be {KEY_SIZE} bytes, got {len(key)}")
        self._key = key
        self._context = context
        self._buffer = bytearray()
        self._cipher: AESGCM | None = None
        self._header = b""
        self._prefix = b""
        self._record_size = 0
        self._counter = 0
        # What the next bytes are: the header, a record length, or a record of _body_size.
        self._expect = "header"
        self._body_size = 0
        self._failed = False
        self._finished = False

    def feed(self, data: bytes | bytearray | memoryview) -> bytes:
        """Consume ``data``; return the plaintext of every chunk completed and verified.

        Raises :class:`UnsupportedFormat` for an unknown header and
        :class:`IntegrityError` for altered, reordered, spliced or trailing data.
        """
        if self._finished:
            raise RuntimeError("feed() after finish()")
        if self._failed:
            raise IntegrityError("stream already failed authentication")
        try:
            return self._consume(memoryview(data))
        except Exception:
            self._failed = True
            raise

    def finish(self) -> None:
        """Confirm the stream ended exactly after its verified final chunk.

        Raises :class:`IntegrityError` if the stream was cut (final chunk missing or
        incomplete) or failed earlier.
        """
        if self._finished:
            raise RuntimeError("finish() was already called")
        self._finished = True
        if self._failed:
            raise IntegrityError("stream already failed authentication")
        if self._expect != "done":
            raise IntegrityError("stream is truncated: the final chunk is missing or incomplete")

    def _needed(self) -> int:
        if self._expect == "header":
            return HEADER_SIZE
        if self._expect == "length":
            return LENGTH_SIZE
        return self._body_size

    def _consume(self, view: memoryview) -> bytes:
        out: list[bytes] = []
        while view:
            if self._expect == "done":
                raise IntegrityError("unexpected data after the final chunk")
            needed = self._needed()
            if self._buffer or len(view) < needed:
                missing = needed - len(self._buffer)
                self._buffer += view[:missing]
                view = view[missing:]
                if len(self._buffer) < needed:
                    break
                self._unit(self._buffer, out)
                self._buffer.clear()
            else:
                # A whole unit is in the caller's data: decrypt in place, no copy.
                self._unit(view[:needed], out)
                view = view[needed:]
        return b"".join(out)

    def _unit(self, unit: bytearray | memoryview, out: list[bytes]) -> None:
        if self._expect == "header":
            self._read_header(bytes(unit))
        elif self._expect == "length":
            size = int.from_bytes(unit, "big")
            if not TAG_SIZE <= size <= self._record_size:
                raise IntegrityError("stream record has an impossible length")
            self._body_size = size
            self._expect = "body"
        else:
            out.append(self._open_record(unit))

    def _read_header(self, header: bytes) -> None:
        if header[0] != VERSION:
            raise UnsupportedFormat(f"unknown stream version {header[0]:#04x}")
        chunk_size = int.from_bytes(header[1:5], "big")
        if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
            raise UnsupportedFormat("stream header has an unsupported chunk size")
        salt = header[5 : 5 + SALT_SIZE]
        self._prefix = header[5 + SALT_SIZE :]
        self._cipher = file_cipher(self._key, salt, self._context)
        self._header = header
        self._record_size = chunk_size + TAG_SIZE
        self._expect = "length"

    def _open_record(self, record: bytearray | memoryview) -> bytes:
        assert self._cipher is not None
        if self._counter >= MAX_CHUNKS:
            raise IntegrityError("stream has more chunks than any sealer writes")
        # Only the final record is shorter than a full one (see the module docstring).
        last = len(record) < self._record_size
        nonce = chunk_nonce(self._prefix, self._counter, last)
        try:
            plaintext = self._cipher.decrypt(nonce, record, self._header)
        except InvalidTag:
            raise IntegrityError(
                f"stream chunk {self._counter} failed authentication: altered, reordered, "
                "from another file, wrong key or wrong context"
            ) from None
        self._counter += 1
        self._expect = "done" if last else "length"
        return plaintext


def seal_stream(
    key: bytes,
    chunks: Iterable[bytes],
    *,
    context: bytes,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[bytes]:
    """Yield the sealed file for the plaintext pieces ``chunks`` (see :class:`StreamSealer`)."""
    sealer = StreamSealer(key, context=context, chunk_size=chunk_size)
    yield sealer.header()
    for piece in chunks:
        sealed = sealer.feed(piece)
        if sealed:
            yield sealed
    yield sealer.finish()


def open_stream(key: bytes, chunks: Iterable[bytes], *, context: bytes) -> Iterator[bytes]:
    """Yield verified plaintext of a sealed file given in pieces of any size.

    The iterator raises :class:`IntegrityError` at its end if the file was truncated:
    consume it to the end before trusting what it yielded.
    """
    opener = StreamOpener(key, context=context)
    for piece in chunks:
        plaintext = opener.feed(piece)
        if plaintext:
            yield plaintext
    opener.finish()
