from __future__ import annotations

from gratify.crypto.tokens import new_token, token_digest, token_key


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
