"""Key custody on disk: the files in the keys folder, created once and never overwritten.

| file | what it is |
|---|---|
| ``signing.key`` | Ed25519 private key that signs acknowledgements and audit checkpoints |
| ``signing.pub`` | its public half, for anyone who verifies an acknowledgement offline |
| ``session.secret`` | 32 random bytes keying session-token hashes, CSRF and rate-limit keys |
| ``escrow-<tenant>.pub`` | the tenant's escrow public key; the private half is kept offline |

The folder is created 0700 and every file 0600, each with ``O_EXCL`` so that no code path
can silently replace a key (a replaced signing key would orphan every acknowledgement).
"""

from __future__ import annotations

import base64
import dataclasses
import os
import secrets
from pathlib import Path

from gratify.crypto.sign import SigningKey

SIGNING_KEY = "signing.key"
SIGNING_PUB = "signing.pub"
SESSION_SECRET = "session.secret"  # noqa: S105 (a file name)


class KeysError(Exception):
    """The keys folder is missing, incomplete, unreadable or would be overwritten."""


def escrow_file(slug: str) -> str:
    return f"escrow-{slug}.pub"


@dataclasses.dataclass(frozen=True, slots=True)
class Keyring:
    """The secrets a running server holds in memory."""

    signing_key: SigningKey
    session_secret: bytes = dataclasses.field(repr=False)

    @property
    def verification_keys(self) -> dict[str, bytes]:
        """Public keys by key id, for checking acknowledgements and checkpoints."""
        return {self.signing_key.key_id: self.signing_key.public_bytes}

    @classmethod
    def load(cls, keys_dir: Path) -> Keyring:
        """Read the keys folder; a clear `KeysError` if `gratify init` has not made it."""
        if not (keys_dir / SIGNING_KEY).exists():
            raise KeysError(f"no keys in {keys_dir}: run `gratify init` first")
        try:
            signing = SigningKey.from_private_bytes(read_key_file(keys_dir / SIGNING_KEY))
            session_secret = read_key_file(keys_dir / SESSION_SECRET)
        except (OSError, ValueError) as exc:
            raise KeysError(f"cannot read the keys in {keys_dir}: {exc}") from exc
        if len(session_secret) != 32:
            raise KeysError(f"{keys_dir / SESSION_SECRET} must hold 32 bytes")
        return cls(signing, session_secret)


def has_server_keys(keys_dir: Path) -> bool:
    return (keys_dir / SIGNING_KEY).exists() or (keys_dir / SESSION_SECRET).exists()


def read_key_file(path: Path) -> bytes:
    """The bytes of a key file: base64 lines, with ``#`` comment lines ignored."""
    lines = [ln.strip() for ln in path.read_text("ascii").splitlines()]
    body = "".join(ln for ln in lines if ln and not ln.startswith("#"))
    return base64.b64decode(body, validate=True)


def write_key_file(path: Path, data: bytes, comment: str) -> None:
    """Create a key file 0600; refuses (`KeysError`) if it exists."""
    text = f"# {comment}\n{base64.b64encode(data).decode('ascii')}\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise KeysError(f"{path} exists: refusing to overwrite a key") from exc
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def ensure_keys_dir(keys_dir: Path) -> None:
    """Create the folder 0700 (and tighten it if it exists)."""
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    keys_dir.chmod(0o700)


def create_server_keys(keys_dir: Path) -> SigningKey:
    """Create ``signing.key``, ``signing.pub`` and ``session.secret``; refuse if any exists."""
    if has_server_keys(keys_dir):
        raise KeysError(f"keys already exist in {keys_dir}: refusing to overwrite them")
    ensure_keys_dir(keys_dir)
    signing = SigningKey.generate()
    write_key_file(
        keys_dir / SIGNING_KEY,
        signing.private_bytes(),
        f"gratify Ed25519 signing key {signing.key_id}. SECRET: back it up, never share it.",
    )
    write_key_file(
        keys_dir / SIGNING_PUB,
        signing.public_bytes,
        f"gratify Ed25519 public key {signing.key_id}: verifies acknowledgements.",
    )
    write_key_file(
        keys_dir / SESSION_SECRET,
        secrets.token_bytes(32),
        "gratify session secret. SECRET: the same file on every app server.",
    )
    return signing
