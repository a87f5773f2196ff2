from __future__ import annotations

import pytest

from gratify.crypto.tokens import derive_server_key, new_token, token_digest, token_key


def test_tokens_are_unique_and_long() -> None:
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(len(t) >= 43 for t in tokens)


def test_digest_depends_on_the_secret_and_hides_the_token() -> None:
    token = new_token()
    a, b = token_digest(b"a" * 32, token), token_digest(b"b" * 32, token)
    assert a != b
    assert token not in a
    assert token_digest(b"a" * 32, token) == a


def test_keys_are_per_token_and_purpose() -> None:
    token = new_token()
    assert len(token_key(token, purpose="inbox")) == 32
    assert token_key(token, purpose="inbox") != token_key(token, purpose="handler")
    assert token_key(token, purpose="inbox") != token_key(new_token(), purpose="inbox")
    # Known answer: pins the derivation.
    assert token_key("fixed-token", purpose="inbox").hex() == (
        "ca145bdb98b96c92ac3b818353d091e462d7dbb89447012b31b3b122de775a3a"
    )


def test_server_keys_are_per_secret_and_purpose() -> None:
    secret = bytes(range(32))
    key = derive_server_key(secret, purpose="receipt-flash")
    assert len(key) == 32
    assert key != derive_server_key(secret, purpose="other")
    assert key != derive_server_key(bytes(32), purpose="receipt-flash")
    assert key != token_key(secret.hex(), purpose="receipt-flash")
    # Known answer (HKDF-SHA256, no salt, info "gratify server key v1\0" + purpose),
    # checked against a plain HMAC implementation of RFC 5869.
    assert key.hex() == "4f06972e985eec4702de144505e7075adcd78bead95306649d1156a3cfebb0c5"


def test_a_short_server_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        derive_server_key(b"short", purpose="receipt-flash")
