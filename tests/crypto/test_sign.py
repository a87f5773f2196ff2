"""Ed25519 and signed documents: canonical JSON, every alteration detected, never a crash."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gratify.crypto.sign import (
    SigningKey,
    canonical_json,
    key_id_of,
    sign_document,
    verify,
    verify_document,
)

ACKNOWLEDGEMENT: dict[str, object] = {
    "case": "GRT-2024-0042",
    "reporter": "Siti Rahayu",
    "filed": "2024-03-05T09:00:00+07:00",
    "digest": "ab" * 32,
    "items": [1, True, None, {"b": "é", "a": []}],
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)
junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10) | st.binary(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)


def keys_of(key: SigningKey) -> dict[str, bytes]:
    return {key.key_id: key.public_bytes}


def test_signing_key_round_trips_through_raw_bytes(signing_key: SigningKey) -> None:
    raw = signing_key.private_bytes()
    assert len(raw) == 32
    again = SigningKey.from_private_bytes(raw)
    assert again.public_bytes == signing_key.public_bytes
    assert again.sign(b"m") == signing_key.sign(b"m")  # deterministic


def test_key_id_is_16_hex_of_sha256(signing_key: SigningKey) -> None:
    expected = hashlib.sha256(signing_key.public_bytes).hexdigest()[:16]
    assert signing_key.key_id == key_id_of(signing_key.public_bytes) == expected


def test_raw_verify(signing_key: SigningKey) -> None:
    signature = signing_key.sign(b"checkpoint 17")
    assert verify(signing_key.public_bytes, b"checkpoint 17", signature)
    assert not verify(signing_key.public_bytes, b"checkpoint 18", signature)
    assert not verify(signing_key.public_bytes, b"checkpoint 17", signature[:-1])
    assert not verify(b"short", b"checkpoint 17", signature)
    assert not verify(SigningKey.generate().public_bytes, b"checkpoint 17", signature)


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert (
        canonical_json({"b": 1, "a": [True, None, "é"]}) == '{"a":[true,null,"é"],"b":1}'.encode()
    )
    assert canonical_json({"z": {"y": 2, "x": 1}}) == b'{"z":{"x":1,"y":2}}'


@pytest.mark.parametrize(
    "value", [1.0, float("nan"), (1, 2), {1, 2}, b"bytes", {1: "int key"}, object()]
)
def test_canonical_json_refuses_other_types(value: object) -> None:
    with pytest.raises(TypeError):
        canonical_json({"value": value})
    with pytest.raises(TypeError):
        canonical_json({"nested": [{"value": value}]})


@given(doc=st.dictionaries(st.text(max_size=8), json_values, max_size=5))
def test_canonical_json_ignores_insertion_order(doc: dict[str, Any]) -> None:
    reversed_doc = dict(reversed(list(doc.items())))
    assert canonical_json(doc) == canonical_json(reversed_doc)


def test_sign_document_adds_key_id_and_signature(signing_key: SigningKey) -> None:
    signed = sign_document(ACKNOWLEDGEMENT, signing_key)
    assert "signature" not in ACKNOWLEDGEMENT  # the input is not modified
    assert signed["key_id"] == signing_key.key_id
    signature = signed["signature"]
    assert isinstance(signature, str)
    assert len(signature) == 86
    assert "=" not in signature
    assert verify_document(signed, keys_of(signing_key))


def test_signing_again_replaces_the_signature(signing_key: SigningKey) -> None:
    other = SigningKey.generate()
    resigned = sign_document(sign_document(ACKNOWLEDGEMENT, signing_key), other)
    assert resigned["key_id"] == other.key_id
    assert verify_document(resigned, keys_of(other))
    assert not verify_document(resigned, keys_of(signing_key))


@given(doc=st.dictionaries(st.text(max_size=8), json_values, max_size=5))
def test_any_json_document_signs_and_verifies(doc: dict[str, Any]) -> None:
    key = SigningKey.from_private_bytes(bytes(32))
    assert verify_document(sign_document(doc, key), keys_of(key))


def test_every_alteration_is_detected(signing_key: SigningKey) -> None:
    signed = sign_document(ACKNOWLEDGEMENT, signing_key)
    keys = keys_of(signing_key)
    alterations: list[dict[str, object]] = []
    for name in signed:
        if name in ("signature", "key_id"):
            continue
        alterations.append({**signed, name: "changed"})
        alterations.append({k: v for k, v in signed.items() if k != name})
    alterations.append({**signed, "extra": 1})
    alterations.append({**signed, "items": [1, True, None, {"b": "é", "a": [0]}]})
    alterations.append({**signed, "items": [1, 1, None, {"b": "é", "a": []}]})
    for altered in alterations:
        assert not verify_document(altered, keys)


def test_signature_and_key_problems_are_false(signing_key: SigningKey) -> None:
    signed = sign_document(ACKNOWLEDGEMENT, signing_key)
    keys = keys_of(signing_key)
    signature = signed["signature"]
    assert isinstance(signature, str)
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    last = signature[-1]
    # base64url of 64 bytes ends in a symbol with 4 unused bits: "A" and "B" decode alike.
    non_canonical = signature[:-1] + {"A": "B", "B": "A"}.get(last, last)
    for bad in (
        flipped,
        signature + "=",
        signature[:-1],
        "",
        5,
        None,
        signature + "AAAA",
        "!" * 86,
    ):
        assert not verify_document({**signed, "signature": bad}, keys)
    if non_canonical != signature:
        assert not verify_document({**signed, "signature": non_canonical}, keys)
    assert not verify_document({k: v for k, v in signed.items() if k != "signature"}, keys)
    assert not verify_document({**signed, "key_id": "0" * 16}, keys)
    assert not verify_document({**signed, "key_id": 7}, keys)
    assert not verify_document(signed, {})
    # A mapping that files a key under the wrong id is not trusted.
    other = SigningKey.generate()
    assert not verify_document(signed, {signing_key.key_id: other.public_bytes})
    assert not verify_document(signed, {signing_key.key_id: b"junk"})


@given(doc=st.dictionaries(st.text(max_size=8), junk, max_size=5))
def test_verify_document_never_raises(doc: dict[str, Any]) -> None:
    assert verify_document(doc, {"0" * 16: bytes(32)}) is False


def test_verify_document_survives_unserialisable_members(signing_key: SigningKey) -> None:
    signed = sign_document(ACKNOWLEDGEMENT, signing_key)
    assert not verify_document({**signed, "float": 1.5}, keys_of(signing_key))
    assert not verify_document({**signed, "text": "\ud800"}, keys_of(signing_key))
    deep: list[object] = []
    for _ in range(100_000):
        deep = [deep]
    assert not verify_document({**signed, "deep": deep}, keys_of(signing_key))
