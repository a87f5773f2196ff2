"""Chunked attachments: round trips with any split points, and every stream attack."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gratify.crypto import stream
from gratify.crypto.aead import associated_data, new_data_key
from gratify.crypto.errors import IntegrityError, UnsupportedFormat
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
from tests.crypto.tampering import CANARY, flip_bit

KEY = bytes(range(32))
CONTEXT = associated_data("case", 7, "attachment", 3)
SMALL = MIN_CHUNK_SIZE
# Three full chunks and a partial final one.
PLAINTEXT = bytes(i % 251 for i in range(3 * SMALL + 100))


def seal_all(
    data: bytes, *, key: bytes = KEY, context: bytes = CONTEXT, chunk: int = SMALL
) -> bytes:
    return b"".join(seal_stream(key, [data], context=context, chunk_size=chunk))


def open_all(sealed: bytes, *, key: bytes = KEY, context: bytes = CONTEXT) -> bytes:
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
    points = sorted({0, len(data), *(cut % (len(data) + 1) for cut in cuts)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


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


# Tampering. Each attack must raise IntegrityError (or UnsupportedFormat for the header's
# version and chunk size), from feed() or at the latest from finish().


def test_every_header_bit_flip_is_detected() -> None:
    sealed = seal_all(PLAINTEXT)
    for bit in range(HEADER_SIZE * 8):
        altered = flip_bit(sealed, bit)
        chunk = int.from_bytes(altered[1:5], "big")
        unsupported = bit < 8 or not MIN_CHUNK_SIZE <= chunk <= MAX_CHUNK_SIZE
        with pytest.raises(UnsupportedFormat if unsupported else IntegrityError):
            open_all(altered)


def test_flipped_bits_in_every_record_part_are_detected() -> None:
    sealed = seal_all(PLAINTEXT)
    header, records = split_records(sealed)
    offset = len(header)
    for record in records:
        # length field, first body byte, middle, last body byte, every tag byte
        positions = [0, 1, 2, 3, 4, len(record) // 2, len(record) - 17]
        positions += range(len(record) - 16, len(record))
        for position in positions:
            for bit in (0, 7):
                with pytest.raises(IntegrityError):
                    open_all(flip_bit(sealed, (offset + position) * 8 + bit))
        offset += len(record)


def test_every_truncation_is_detected() -> None:
    sealed = seal_all(PLAINTEXT[: SMALL + 10])
    for length in range(len(sealed)):
        with pytest.raises(IntegrityError):
            open_all(sealed[:length])


def test_dropping_the_final_chunk_is_detected_at_finish() -> None:
    header, records = split_records(seal_all(PLAINTEXT))
    opener = StreamOpener(KEY, context=CONTEXT)
    released = opener.feed(header + b"".join(records[:-1]))
    assert released == PLAINTEXT[: 3 * SMALL]  # authentic, but not yet complete
    with pytest.raises(IntegrityError, match="truncated"):
        opener.finish()


def test_stream_cut_at_a_chunk_boundary_of_an_exact_multiple_is_detected() -> None:
    header, records = split_records(seal_all(bytes(2 * SMALL)))
    assert len(records) == 3  # two full chunks and an empty final one
    with pytest.raises(IntegrityError):
        open_all(header + records[0] + records[1])


@pytest.mark.parametrize(
    "order",
    [
        [1, 0, 2, 3],
        [0, 2, 1, 3],
        [0, 1, 3, 2],
        [0, 0, 1, 2, 3],
        [0, 1, 2, 2, 3],
        [0, 2, 3],
        [1, 2, 3],
    ],
    ids=[
        "swap01",
        "swap12",
        "final-moved",
        "duplicate-first",
        "duplicate-middle",
        "drop",
        "drop-first",
    ],
)
def test_reordered_duplicated_or_dropped_chunks_are_detected(order: list[int]) -> None:
    header, records = split_records(seal_all(PLAINTEXT))
    with pytest.raises(IntegrityError):
        open_all(header + b"".join(records[i] for i in order))


def test_final_record_duplicated_is_detected() -> None:
    header, records = split_records(seal_all(PLAINTEXT))
    with pytest.raises(IntegrityError, match="after the final chunk"):
        open_all(header + b"".join(records) + records[-1])


def test_chunk_from_another_file_under_the_same_key_is_detected() -> None:
    header, records = split_records(seal_all(PLAINTEXT))
    _, other_records = split_records(seal_all(PLAINTEXT))
    for index in range(len(records)):
        spliced = [*records[:index], other_records[index], *records[index + 1 :]]
        with pytest.raises(IntegrityError):
            open_all(header + b"".join(spliced))


def test_header_of_another_file_is_detected() -> None:
    _, records = split_records(seal_all(PLAINTEXT))
    other_header, _ = split_records(seal_all(PLAINTEXT))
    with pytest.raises(IntegrityError):
        open_all(other_header + b"".join(records))


def test_wrong_context_and_wrong_key_are_detected() -> None:
    sealed = seal_all(PLAINTEXT)
    with pytest.raises(IntegrityError):
        open_all(sealed, context=associated_data("case", 8, "attachment", 3))
    with pytest.raises(IntegrityError):
        open_all(sealed, key=new_data_key())


@pytest.mark.parametrize("garbage", [b"\x00", b"\x00\x00\x00\x10", bytes(100)])
def test_trailing_garbage_is_detected(garbage: bytes) -> None:
    with pytest.raises(IntegrityError):
        open_all(seal_all(PLAINTEXT) + garbage)


def test_impossible_record_lengths_are_detected() -> None:
    header, records = split_records(seal_all(PLAINTEXT))
    for length in (0, 15, SMALL + 17, 2**32 - 1):
        forged = length.to_bytes(4, "big") + records[0][4:]
        with pytest.raises(IntegrityError):
            open_all(header + forged + b"".join(records[1:]))


def test_empty_input_is_truncated() -> None:
    opener = StreamOpener(KEY, context=CONTEXT)
    with pytest.raises(IntegrityError):
        opener.finish()


@pytest.mark.parametrize("chunk", [MIN_CHUNK_SIZE - 1, MAX_CHUNK_SIZE + 1, 0])
def test_headers_with_unsupported_chunk_sizes_are_refused(chunk: int) -> None:
    sealed = bytearray(seal_all(b"x"))
    sealed[1:5] = chunk.to_bytes(4, "big")
    with pytest.raises(UnsupportedFormat, match="chunk size"):
        open_all(bytes(sealed))


def test_unknown_version_is_refused() -> None:
    sealed = bytearray(seal_all(b"x"))
    sealed[0] = 2
    with pytest.raises(UnsupportedFormat, match="version"):
        open_all(bytes(sealed))


def test_opener_refuses_input_after_a_failure() -> None:
    sealed = flip_bit(seal_all(PLAINTEXT), (HEADER_SIZE + 10) * 8)
    opener = StreamOpener(KEY, context=CONTEXT)
    with pytest.raises(IntegrityError):
        opener.feed(sealed)
    with pytest.raises(IntegrityError, match="already failed"):
        opener.feed(b"")
    with pytest.raises(IntegrityError, match="already failed"):
        opener.finish()


def test_tampered_final_chunk_releases_nothing_of_it() -> None:
    header, records = split_records(seal_all(PLAINTEXT))
    opener = StreamOpener(KEY, context=CONTEXT)
    assert opener.feed(header + b"".join(records[:-1])) == PLAINTEXT[: 3 * SMALL]
    with pytest.raises(IntegrityError):
        opener.feed(flip_bit(records[-1], 8 * 10))


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
