"""Chunked attachments: round trips with any split points, sizes, and API misuse.

The attacks on sealed files are in ``test_stream_tampering.py``.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gratify.crypto import stream
from gratify.crypto.aead import new_data_key
from gratify.crypto.stream import (
    HEADER_SIZE,
    MAX_CHUNK_SIZE,
    MIN_CHUNK_SIZE,
    StreamOpener,
    StreamSealer,
    open_stream,
    seal_stream,
    sealed_size,
)
from tests.crypto.streams import (
    CONTEXT,
    KEY,
    PLAINTEXT,
    SMALL,
    open_all,
    seal_all,
    split_at,
    split_records,
)
from tests.crypto.tampering import CANARY


@settings(max_examples=60, deadline=None)
@given(
    data=st.binary(max_size=5 * SMALL),
    chunk=st.integers(MIN_CHUNK_SIZE, 2 * MIN_CHUNK_SIZE),
    seal_cuts=st.lists(st.integers(min_value=0), max_size=8),
    open_cuts=st.lists(st.integers(min_value=0), max_size=12),
)
def test_round_trip_with_any_split_points(
    data: bytes, chunk: int, seal_cuts: list[int], open_cuts: list[int]
) -> None:
    sealed = b"".join(
        seal_stream(KEY, split_at(data, seal_cuts), context=CONTEXT, chunk_size=chunk)
    )
    assert len(sealed) == sealed_size(len(data), chunk)
    pieces = split_at(sealed, open_cuts)
    assert b"".join(open_stream(KEY, pieces, context=CONTEXT)) == data


@settings(max_examples=20, deadline=None)
@given(data=st.binary(min_size=1, max_size=3 * SMALL))
def test_byte_by_byte_feeding_splits_the_header_everywhere(data: bytes) -> None:
    sealed = seal_all(data)
    opener = StreamOpener(KEY, context=CONTEXT)
    released = b"".join(opener.feed(sealed[i : i + 1]) for i in range(len(sealed)))
    opener.finish()
    assert released == data


@settings(max_examples=30, deadline=None)
@given(pieces=st.lists(st.binary(max_size=2 * SMALL), max_size=6))
def test_sealer_buffers_less_than_one_chunk(pieces: list[bytes]) -> None:
    sealer = StreamSealer(KEY, context=CONTEXT, chunk_size=SMALL)
    out_size = len(sealer.header()) - HEADER_SIZE
    fed = 0
    for piece in pieces:
        out_size += len(sealer.feed(piece))
        fed += len(piece)
        assert out_size == (fed // SMALL) * (4 + SMALL + 16)


def test_opener_releases_each_chunk_as_soon_as_it_is_verified() -> None:
    sealed = seal_all(PLAINTEXT)
    header, records = split_records(sealed)
    opener = StreamOpener(KEY, context=CONTEXT)
    assert opener.feed(header) == b""
    assert opener.feed(records[0][:-1]) == b""
    assert opener.feed(records[0][-1:]) == PLAINTEXT[:SMALL]
    assert opener.feed(records[1] + records[2]) == PLAINTEXT[SMALL : 3 * SMALL]
    assert opener.feed(records[3]) == PLAINTEXT[3 * SMALL :]
    opener.finish()


@pytest.mark.parametrize("size", [0, 1, SMALL - 1, SMALL, SMALL + 1, 2 * SMALL])
def test_sizes_around_chunk_boundaries(size: int) -> None:
    data = bytes(size)
    sealed = seal_all(data)
    assert len(sealed) == sealed_size(size, SMALL)
    assert len(split_records(sealed)[1]) == size // SMALL + 1
    assert open_all(sealed) == data


@settings(max_examples=25, deadline=None)
@given(before=st.binary(max_size=2 * SMALL), after=st.binary(max_size=SMALL))
def test_plaintext_never_appears_in_sealed_stream(before: bytes, after: bytes) -> None:
    assert CANARY not in seal_all(before + CANARY + after, key=new_data_key())


def test_files_sealed_twice_differ() -> None:
    assert seal_all(PLAINTEXT)[:HEADER_SIZE] != seal_all(PLAINTEXT)[:HEADER_SIZE]


# Misuse of the API is a programming error, not an integrity failure.


def test_sealer_enforces_header_first_and_single_finish() -> None:
    sealer = StreamSealer(KEY, context=CONTEXT)
    with pytest.raises(RuntimeError, match="header"):
        sealer.feed(b"x")
    with pytest.raises(RuntimeError, match="header"):
        sealer.finish()
    sealer.header()
    with pytest.raises(RuntimeError, match="already"):
        sealer.header()
    sealer.finish()
    with pytest.raises(RuntimeError, match="after finish"):
        sealer.feed(b"x")
    with pytest.raises(RuntimeError, match="already"):
        sealer.finish()


def test_opener_refuses_feed_after_finish() -> None:
    opener = StreamOpener(KEY, context=CONTEXT)
    opener.feed(seal_all(b"data"))
    opener.finish()
    with pytest.raises(RuntimeError):
        opener.feed(b"")


@pytest.mark.parametrize("chunk", [0, MIN_CHUNK_SIZE - 1, MAX_CHUNK_SIZE + 1])
def test_chunk_size_bounds(chunk: int) -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        StreamSealer(KEY, context=CONTEXT, chunk_size=chunk)
    with pytest.raises(ValueError, match="chunk_size"):
        sealed_size(10, chunk)


def test_keys_must_be_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        StreamSealer(bytes(16), context=CONTEXT)
    with pytest.raises(ValueError, match="32 bytes"):
        StreamOpener(bytes(16), context=CONTEXT)


def test_sealed_size_matches_the_format() -> None:
    assert sealed_size(0, SMALL) == HEADER_SIZE + 4 + 16
    assert sealed_size(SMALL, SMALL) == HEADER_SIZE + 2 * (4 + 16) + SMALL
    assert stream.DEFAULT_CHUNK_SIZE == 64 * 1024
    with pytest.raises(ValueError, match="negative"):
        sealed_size(-1, SMALL)
