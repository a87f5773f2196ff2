"""Stream attacks: every alteration, cut, reordering or splice of a sealed file is refused."""

from __future__ import annotations

import pytest

from gratify.crypto.aead import associated_data, new_data_key
from gratify.crypto.errors import IntegrityError, UnsupportedFormat
from gratify.crypto.stream import HEADER_SIZE, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, StreamOpener
from tests.crypto.streams import (
    CONTEXT,
    KEY,
    PLAINTEXT,
    SMALL,
    open_all,
    seal_all,
    split_records,
)
from tests.crypto.tampering import flip_bit

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
