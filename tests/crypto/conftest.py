"""Fixtures for the crypto tests: keys made once per session."""

from __future__ import annotations

import pytest

from gratify.crypto import envelope
from gratify.crypto.sign import SigningKey


@pytest.fixture(scope="session")
def data_key() -> bytes:
    """A fixed 32-byte data key; tests that need fresh ones call ``new_data_key``."""
    return bytes(range(32))


@pytest.fixture(scope="session")
def recipient() -> tuple[bytes, bytes]:
    """One HPKE recipient key pair ``(private, public)`` for the whole session."""
    return envelope.generate_recipient_key()


@pytest.fixture(scope="session")
def other_recipient() -> tuple[bytes, bytes]:
    """A second, unrelated recipient key pair."""
    return envelope.generate_recipient_key()


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    """One Ed25519 signing key for the whole session."""
    return SigningKey.generate()
