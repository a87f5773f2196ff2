from __future__ import annotations

import stat
from pathlib import Path

import pytest

from gratify.accounts.keys import (
    SESSION_SECRET,
    SIGNING_KEY,
    Keyring,
    KeysError,
    create_server_keys,
    read_key_file,
    write_key_file,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_server_keys_are_private_files_in_a_private_folder(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    signing = create_server_keys(keys)
    assert _mode(keys) == 0o700
    for name in ("signing.key", "signing.pub", "session.secret"):
        assert _mode(keys / name) == 0o600
    ring = Keyring.load(keys)
    assert ring.signing_key.key_id == signing.key_id
    assert len(ring.session_secret) == 32
    assert ring.verification_keys == {signing.key_id: signing.public_bytes}
    assert read_key_file(keys / "signing.pub") == signing.public_bytes


def test_existing_keys_are_never_overwritten(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    create_server_keys(keys)
    before = (keys / SIGNING_KEY).read_bytes()
    with pytest.raises(KeysError, match="refusing to overwrite"):
        create_server_keys(keys)
    with pytest.raises(KeysError, match="refusing to overwrite"):
        write_key_file(keys / SESSION_SECRET, b"x" * 32, "again")
    assert (keys / SIGNING_KEY).read_bytes() == before


def test_missing_or_broken_keys_give_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KeysError, match="run `gratify init` first"):
        Keyring.load(tmp_path / "nothing")
    keys = tmp_path / "keys"
    create_server_keys(keys)
    (keys / SESSION_SECRET).chmod(0o600)
    (keys / SESSION_SECRET).write_text("# broken\n!!!not base64!!!\n")
    with pytest.raises(KeysError, match="cannot read"):
        Keyring.load(keys)


def test_keyring_repr_hides_the_session_secret(tmp_path: Path) -> None:
    create_server_keys(tmp_path / "keys")
    ring = Keyring.load(tmp_path / "keys")
    assert ring.session_secret.hex() not in repr(ring)
    assert repr(ring.session_secret) not in repr(ring)
