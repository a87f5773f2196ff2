"""Argon2id: parameters, derived keys, password hashes, blobs sealed under a secret.

Every derivation uses FAST_TEST_PARAMS; the default parameters are only validated.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gratify.crypto import kdf
from gratify.crypto.errors import IntegrityError, UnsupportedFormat
from gratify.crypto.kdf import DEFAULT_PARAMS, FAST_TEST_PARAMS, MINIMUM_PARAMS, Argon2Params
from tests.crypto.tampering import CANARY, flip_byte

SALT = b"0123456789abcdef"
CONTEXT = b"handler-key:42"
valid_params = st.builds(
    Argon2Params,
    time_cost=st.integers(1, 32),
    memory_kib=st.integers(128, 1024 * 1024),
    parallelism=st.integers(1, 16),
)


def test_default_parameters_meet_the_minimum_and_test_parameters_do_not() -> None:
    assert (DEFAULT_PARAMS.time_cost, DEFAULT_PARAMS.memory_kib, DEFAULT_PARAMS.parallelism) == (
        3,
        64 * 1024,
        1,
    )
    DEFAULT_PARAMS.check_strength()
    MINIMUM_PARAMS.check_strength()
    with pytest.raises(ValueError, match="minimum"):
        FAST_TEST_PARAMS.check_strength()
    with pytest.raises(ValueError, match="minimum"):
        Argon2Params(time_cost=1, memory_kib=64 * 1024, parallelism=1).check_strength()


@pytest.mark.parametrize(
    ("time_cost", "memory_kib", "parallelism"),
    [(0, 1024, 1), (33, 1024, 1), (1, 7, 1), (1, 15, 2), (1, 1024 * 1024 + 1, 1), (1, 1024, 0)],
)
def test_impossible_parameters_are_refused(
    time_cost: int, memory_kib: int, parallelism: int
) -> None:
    with pytest.raises(ValueError, match="must be between"):
        Argon2Params(time_cost=time_cost, memory_kib=memory_kib, parallelism=parallelism)


@given(params=valid_params)
def test_parameters_encode_and_decode(params: Argon2Params) -> None:
    encoded = params.encode()
    assert len(encoded) == kdf.PARAMS_SIZE == 10
    assert encoded[0] == 0x01
    assert Argon2Params.decode(encoded) == params


@pytest.mark.parametrize(
    "encoded",
    [
        b"",
        bytes(9),
        b"\x02" + FAST_TEST_PARAMS.encode()[1:],
        FAST_TEST_PARAMS.encode() + b"\x00",
        b"\x01" + (0).to_bytes(4, "big") + (8).to_bytes(4, "big") + b"\x01",
        b"\x01" + (1).to_bytes(4, "big") + (2**32 - 1).to_bytes(4, "big") + b"\x01",
    ],
)
def test_malformed_parameter_encodings_are_unsupported(encoded: bytes) -> None:
    with pytest.raises(UnsupportedFormat):
        Argon2Params.decode(encoded)


def test_derive_key_is_deterministic_and_salted() -> None:
    key = kdf.derive_key(b"secret", SALT, FAST_TEST_PARAMS)
    assert len(key) == 32
    assert kdf.derive_key(b"secret", SALT, FAST_TEST_PARAMS) == key
    assert kdf.derive_key(b"secret", SALT[::-1], FAST_TEST_PARAMS) != key
    assert kdf.derive_key(b"secreT", SALT, FAST_TEST_PARAMS) != key
    slower = Argon2Params(time_cost=2, memory_kib=8, parallelism=1)
    assert kdf.derive_key(b"secret", SALT, slower) != key


def test_short_salts_are_refused() -> None:
    with pytest.raises(ValueError, match="salt"):
        kdf.derive_key(b"secret", b"1234567", FAST_TEST_PARAMS)


def test_password_hash_verifies() -> None:
    phc = kdf.hash_password("correct horse", FAST_TEST_PARAMS)
    assert phc.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert kdf.verify_password(phc, "correct horse")
    assert not kdf.verify_password(phc, "correct horsE")
    assert not kdf.verify_password(phc, "")
    assert kdf.hash_password("correct horse", FAST_TEST_PARAMS) != phc


@pytest.mark.parametrize(
    "phc",
    [
        "",
        "not a hash",
        "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$",
        # argon2i, not argon2id
        "$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0$MmzLUn59cDkp6ARijqGXLDZ0T0ZSx41KUqGhxYrVcpY",
        # parameters beyond the accepted bounds must not be run
        "$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHRzYWx0$MmzLUn59cDkp6ARijqGXLDZ0T0ZSx41KUqGhxYrVcpY",
    ],
)
def test_verify_password_never_raises(phc: str) -> None:
    assert kdf.verify_password(phc, "password") is False


def test_password_needs_rehash_when_parameters_change() -> None:
    phc = kdf.hash_password("pw", FAST_TEST_PARAMS)
    assert not kdf.password_needs_rehash(phc, FAST_TEST_PARAMS)
    assert kdf.password_needs_rehash(phc, Argon2Params(time_cost=2, memory_kib=8, parallelism=1))
    assert kdf.password_needs_rehash("garbage", FAST_TEST_PARAMS)


@settings(max_examples=25, deadline=None)
@given(secret=st.binary(max_size=64), plaintext=st.binary(max_size=512))
def test_seal_under_secret_round_trip(secret: bytes, plaintext: bytes) -> None:
    blob = kdf.seal_under_secret(secret, plaintext, params=FAST_TEST_PARAMS, context=CONTEXT)
    assert blob[0] == 0x01
    assert blob[1 : 1 + kdf.PARAMS_SIZE] == FAST_TEST_PARAMS.encode()
    assert kdf.open_under_secret(secret, blob, context=CONTEXT) == plaintext


@settings(max_examples=25, deadline=None)
@given(before=st.binary(max_size=200), after=st.binary(max_size=200))
def test_plaintext_never_appears_in_a_secret_sealed_blob(before: bytes, after: bytes) -> None:
    blob = kdf.seal_under_secret(
        b"pw", before + CANARY + after, params=FAST_TEST_PARAMS, context=CONTEXT
    )
    assert CANARY not in blob


def test_blobs_open_with_the_parameters_they_carry() -> None:
    raised = Argon2Params(time_cost=2, memory_kib=16, parallelism=2)
    old = kdf.seal_under_secret(b"pw", b"old", params=FAST_TEST_PARAMS, context=CONTEXT)
    new = kdf.seal_under_secret(b"pw", b"new", params=raised, context=CONTEXT)
    assert kdf.open_under_secret(b"pw", old, context=CONTEXT) == b"old"
    assert kdf.open_under_secret(b"pw", new, context=CONTEXT) == b"new"


def test_wrong_secret_or_context_is_detected() -> None:
    blob = kdf.seal_under_secret(b"pw", b"private key", params=FAST_TEST_PARAMS, context=CONTEXT)
    with pytest.raises(IntegrityError, match="wrong secret"):
        kdf.open_under_secret(b"pW", blob, context=CONTEXT)
    with pytest.raises(IntegrityError):
        kdf.open_under_secret(b"pw", blob, context=b"handler-key:43")


def test_every_altered_byte_is_detected() -> None:
    blob = kdf.seal_under_secret(b"pw", b"private key", params=FAST_TEST_PARAMS, context=CONTEXT)
    with pytest.raises(UnsupportedFormat):
        kdf.open_under_secret(b"pw", flip_byte(blob, 0), context=CONTEXT)
    for index in range(1, len(blob)):
        altered = flip_byte(blob, index)
        # A changed parameter byte is either out of bounds (unsupported) or yields another
        # key (integrity); the version byte of the inner record is an unsupported format.
        with pytest.raises((IntegrityError, UnsupportedFormat)):
            kdf.open_under_secret(b"pw", altered, context=CONTEXT)
    for index in range(1 + kdf.PARAMS_SIZE, len(blob)):
        if index == 1 + kdf.PARAMS_SIZE + kdf.SALT_SIZE:
            continue  # the inner record's version byte
        with pytest.raises(IntegrityError):
            kdf.open_under_secret(b"pw", flip_byte(blob, index), context=CONTEXT)


def test_truncation_and_trailing_data_are_detected() -> None:
    blob = kdf.seal_under_secret(b"pw", b"private key", params=FAST_TEST_PARAMS, context=CONTEXT)
    with pytest.raises(UnsupportedFormat):
        kdf.open_under_secret(b"pw", b"", context=CONTEXT)
    for length in range(1, len(blob)):
        with pytest.raises(IntegrityError):
            kdf.open_under_secret(b"pw", blob[:length], context=CONTEXT)
    with pytest.raises(IntegrityError):
        kdf.open_under_secret(b"pw", blob + b"\x00", context=CONTEXT)
