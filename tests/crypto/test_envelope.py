"""HPKE wraps of data keys: round trips, tampering, wrong recipient or case, key formats."""

from __future__ import annotations

import re

import pytest

from gratify.crypto import envelope
from gratify.crypto.aead import associated_data, new_data_key
from gratify.crypto.errors import IntegrityError, UnsupportedFormat
from tests.crypto.tampering import flip_byte

CONTEXT = associated_data("case", 11, "handler", 5)
KeyPair = tuple[bytes, bytes]


def test_wrap_round_trip(recipient: KeyPair) -> None:
    private, public = recipient
    dek = new_data_key()
    wrapped = envelope.wrap_data_key(dek, public, context=CONTEXT)
    assert len(wrapped) == envelope.WRAPPED_SIZE
    assert wrapped[0] == 0x01
    assert envelope.unwrap_data_key(wrapped, private, context=CONTEXT) == dek


def test_wraps_are_randomised_and_hide_the_key(recipient: KeyPair) -> None:
    dek = new_data_key()
    first = envelope.wrap_data_key(dek, recipient[1], context=CONTEXT)
    second = envelope.wrap_data_key(dek, recipient[1], context=CONTEXT)
    assert first != second
    assert dek not in first
    assert dek not in second


def test_key_formats(recipient: KeyPair) -> None:
    private, public = recipient
    assert len(private) == envelope.PRIVATE_KEY_SIZE == 97
    assert len(public) == envelope.PUBLIC_KEY_SIZE == 1217
    assert private[0] == public[0] == 0x01
    assert envelope.public_key_from_private(private) == public
    assert re.fullmatch(r"[0-9a-f]{16}", envelope.recipient_key_id(public))


def test_key_pairs_are_distinct(recipient: KeyPair, other_recipient: KeyPair) -> None:
    assert recipient[0] != other_recipient[0]
    assert envelope.recipient_key_id(recipient[1]) != envelope.recipient_key_id(other_recipient[1])


def test_another_recipient_cannot_unwrap(recipient: KeyPair, other_recipient: KeyPair) -> None:
    wrapped = envelope.wrap_data_key(new_data_key(), recipient[1], context=CONTEXT)
    with pytest.raises(IntegrityError, match="authentication"):
        envelope.unwrap_data_key(wrapped, other_recipient[0], context=CONTEXT)


def test_a_wrap_cannot_move_to_another_case(recipient: KeyPair) -> None:
    wrapped = envelope.wrap_data_key(new_data_key(), recipient[1], context=CONTEXT)
    with pytest.raises(IntegrityError):
        envelope.unwrap_data_key(
            wrapped, recipient[0], context=associated_data("case", 12, "handler", 5)
        )


def test_every_altered_byte_is_detected(recipient: KeyPair) -> None:
    private, public = recipient
    wrapped = envelope.wrap_data_key(new_data_key(), public, context=CONTEXT)
    with pytest.raises(UnsupportedFormat):
        envelope.unwrap_data_key(flip_byte(wrapped, 0), private, context=CONTEXT)
    # enc (ML-KEM ciphertext, then X25519 share), AES-GCM body, tag
    for index in range(1, len(wrapped)):
        with pytest.raises(IntegrityError):
            envelope.unwrap_data_key(flip_byte(wrapped, index), private, context=CONTEXT)


def test_truncation_and_trailing_data_are_detected(recipient: KeyPair) -> None:
    private, public = recipient
    wrapped = envelope.wrap_data_key(new_data_key(), public, context=CONTEXT)
    for length in (1, 2, 100, len(wrapped) - 16, len(wrapped) - 1):
        with pytest.raises(IntegrityError, match="length"):
            envelope.unwrap_data_key(wrapped[:length], private, context=CONTEXT)
    with pytest.raises(IntegrityError):
        envelope.unwrap_data_key(wrapped + b"\x00", private, context=CONTEXT)
    with pytest.raises(UnsupportedFormat):
        envelope.unwrap_data_key(b"", private, context=CONTEXT)


def test_malformed_keys_are_unsupported(recipient: KeyPair) -> None:
    private, public = recipient
    dek = new_data_key()
    for bad_public in (b"", public[:-1], b"\x02" + public[1:], public + b"\x00"):
        with pytest.raises(UnsupportedFormat):
            envelope.wrap_data_key(dek, bad_public, context=CONTEXT)
    wrapped = envelope.wrap_data_key(dek, public, context=CONTEXT)
    for bad_private in (b"", private[:-1], b"\x02" + private[1:], public):
        with pytest.raises(UnsupportedFormat):
            envelope.unwrap_data_key(wrapped, bad_private, context=CONTEXT)


@pytest.mark.parametrize("length", [0, 16, 31, 33, 64])
def test_only_32_byte_data_keys_are_wrapped(recipient: KeyPair, length: int) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        envelope.wrap_data_key(bytes(length), recipient[1], context=CONTEXT)


def test_private_key_text_round_trip(recipient: KeyPair) -> None:
    private, public = recipient
    text = envelope.export_private_key_text(private)
    assert text.startswith("-----BEGIN GRATIFY ESCROW KEY-----\n")
    assert f"Key-Id: {envelope.recipient_key_id(public)}" in text
    assert envelope.import_private_key_text(text) == private
    messy = "Keep this safe!\r\n\r\n" + "\r\n".join("   " + line for line in text.splitlines())
    assert envelope.import_private_key_text(messy) == private


def test_public_key_text_round_trip(recipient: KeyPair) -> None:
    public = recipient[1]
    text = envelope.public_key_text(public)
    assert text.startswith("-----BEGIN GRATIFY ESCROW PUBLIC KEY-----\n")
    assert envelope.import_public_key_text(text) == public


def test_public_and_private_texts_are_not_interchangeable(recipient: KeyPair) -> None:
    private, public = recipient
    with pytest.raises(UnsupportedFormat):
        envelope.import_private_key_text(envelope.public_key_text(public))
    with pytest.raises(UnsupportedFormat):
        envelope.import_public_key_text(envelope.export_private_key_text(private))


def test_key_id_line_must_match(recipient: KeyPair, other_recipient: KeyPair) -> None:
    text = envelope.export_private_key_text(recipient[0])
    wrong_id = envelope.recipient_key_id(other_recipient[1])
    altered = re.sub(r"Key-Id: [0-9a-f]+", f"Key-Id: {wrong_id}", text)
    with pytest.raises(IntegrityError, match="Key-Id"):
        envelope.import_private_key_text(altered)
    without_id = "\n".join(line for line in text.splitlines() if not line.startswith("Key-Id"))
    assert envelope.import_private_key_text(without_id) == recipient[0]
