"""Sealing and cutting streams for the stream tests."""

from __future__ import annotations

import itertools

from gratify.crypto.aead import associated_data
from gratify.crypto.stream import HEADER_SIZE, MIN_CHUNK_SIZE, open_stream, seal_stream

KEY = bytes(range(32))
CONTEXT = associated_data("case", 7, "attachment", 3)
SMALL = MIN_CHUNK_SIZE
# Three full chunks and a partial final one.
PLAINTEXT = bytes(i % 251 for i in range(3 * SMALL + 100))


def seal_all(
    data: bytes, *, key: bytes = KEY, context: bytes = CONTEXT, chunk: int = SMALL
) -> bytes:
    """Seal ``data`` in one piece and return the whole sealed file."""
    return b"".join(seal_stream(key, [data], context=context, chunk_size=chunk))


def open_all(sealed: bytes, *, key: bytes = KEY, context: bytes = CONTEXT) -> bytes:
    """Open a whole sealed file, including the final check of ``finish()``."""
    return b"".join(open_stream(key, [sealed], context=context))


def split_records(sealed: bytes) -> tuple[bytes, list[bytes]]:
    """Return the header and each length-prefixed record, as the format defines them."""
    header, rest, records = sealed[:HEADER_SIZE], sealed[HEADER_SIZE:], []
    while rest:
        size = 4 + int.from_bytes(rest[:4], "big")
        records.append(rest[:size])
        rest = rest[size:]
    return header, records


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    """Cut ``data`` at the given points (taken modulo its length + 1) into pieces."""
    points = sorted({0, len(data), *(cut % (len(data) + 1) for cut in cuts)})
    return [data[a:b] for a, b in itertools.pairwise(points)]
