"""Sealed records: round trips, every kind of tampering, unambiguous associated data."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gratify.crypto import aead
from gratify.crypto.errors import CryptoError, IntegrityError, UnsupportedFormat
from tests.crypto.tampering import CANARY, flip_bit

CONTEXT = aead.associated_data("case", 42, "answers")
KEY = bytes(range(32))
keys = st.binary(min_size=32, max_size=32)
parts = st.lists(st.one_of(st.text(), st.binary(), st.integers()), max_size=5)


@given(key=keys, plaintext=st.binary(max_size=2048), context=st.binary(max_size=64))
def test_seal_unseal_round_trip(key: bytes, plaintext: bytes, context: bytes) -> None:
    sealed = aead.seal(key, plaintext, context=context)
    assert sealed[0] == aead.VERSION
    assert len(sealed) == len(plaintext) + aead.OVERHEAD
    assert aead.unseal(key, sealed, context=context) == plaintext


@given(before=st.binary(max_size=300), after=st.binary(max_size=300))
def test_plaintext_never_appears_in_sealed_record(before: bytes, after: bytes) -> None:
    sealed = aead.seal(aead.new_data_key(), before + CANARY + after, context=CONTEXT)
    assert CANARY not in sealed


def test_each_seal_uses_a_fresh_nonce() -> None:
    assert aead.seal(KEY, b"same", context=CONTEXT) != aead.seal(KEY, b"same", context=CONTEXT)


def test_new_data_keys_are_32_random_bytes() -> None:
    keys_made = {aead.new_data_key() for _ in range(100)}
    assert len(keys_made) == 100
    assert all(len(key) == 32 for key in keys_made)


def _region(index: int, length: int) -> str:
    if index == 0:
        return "version"
    if index <= aead.NONCE_SIZE:
        return "nonce"
    if index >= length - aead.TAG_SIZE:
        return "tag"
    return "body"


def test_every_flipped_bit_is_detected() -> None:
    sealed = aead.seal(KEY, b"a short answer", context=CONTEXT)
    seen: set[str] = set()
    for bit in range(len(sealed) * 8):
        region = _region(bit // 8, len(sealed))
        seen.add(region)
        expected = UnsupportedFormat if region == "version" else IntegrityError
        with pytest.raises(expected):
            aead.unseal(KEY, flip_bit(sealed, bit), context=CONTEXT)
    assert seen == {"version", "nonce", "body", "tag"}


def test_wrong_context_is_detected() -> None:
    sealed = aead.seal(KEY, b"answer", context=aead.associated_data("case", 1, "answers"))
    with pytest.raises(IntegrityError, match="authentication"):
        aead.unseal(KEY, sealed, context=aead.associated_data("case", 2, "answers"))
    with pytest.raises(IntegrityError):
        aead.unseal(KEY, sealed, context=aead.associated_data("case", 1, "notes"))


def test_wrong_key_is_detected() -> None:
    sealed = aead.seal(KEY, b"answer", context=CONTEXT)
    with pytest.raises(IntegrityError):
        aead.unseal(aead.new_data_key(), sealed, context=CONTEXT)


def test_every_truncation_is_detected() -> None:
    sealed = aead.seal(KEY, b"answer text", context=CONTEXT)
    with pytest.raises(UnsupportedFormat):
        aead.unseal(KEY, b"", context=CONTEXT)
    for length in range(1, len(sealed)):
        with pytest.raises(IntegrityError):
            aead.unseal(KEY, sealed[:length], context=CONTEXT)


def test_trailing_garbage_is_detected() -> None:
    sealed = aead.seal(KEY, b"answer", context=CONTEXT)
    with pytest.raises(IntegrityError):
        aead.unseal(KEY, sealed + b"\x00", context=CONTEXT)


@pytest.mark.parametrize("version", [0x00, 0x02, 0xFF])
def test_unknown_version_is_unsupported(version: int) -> None:
    sealed = bytearray(aead.seal(KEY, b"answer", context=CONTEXT))
    sealed[0] = version
    with pytest.raises(UnsupportedFormat, match="version"):
        aead.unseal(KEY, bytes(sealed), context=CONTEXT)


def test_error_messages_do_not_reveal_plaintext() -> None:
    sealed = aead.seal(KEY, CANARY, context=CONTEXT)
    with pytest.raises(CryptoError) as caught:
        aead.unseal(KEY, flip_bit(sealed, 100), context=CONTEXT)
    assert CANARY.decode() not in str(caught.value)


@pytest.mark.parametrize("length", [0, 16, 31, 33])
def test_keys_of_the_wrong_length_are_refused(length: int) -> None:
    with pytest.raises(ValueError, match="32-byte key"):
        aead.seal(bytes(length), b"x", context=CONTEXT)
    with pytest.raises(ValueError, match="32-byte key"):
        aead.unseal(bytes(length), bytes(40), context=CONTEXT)


def test_associated_data_separates_parts() -> None:
    assert aead.associated_data("ab", "c") != aead.associated_data("a", "bc")
    assert aead.associated_data("1") != aead.associated_data(1)
    assert aead.associated_data(b"x") != aead.associated_data("x")
    assert aead.associated_data() == b""


@given(first=parts, second=parts)
def test_associated_data_is_injective(
    first: list[str | bytes | int], second: list[str | bytes | int]
) -> None:
    if first != second:
        assert aead.associated_data(*first) != aead.associated_data(*second)


def test_associated_data_refuses_other_types() -> None:
    with pytest.raises(TypeError):
        aead.associated_data(True)
    with pytest.raises(TypeError):
        aead.associated_data(1.5)  # type: ignore[arg-type]
