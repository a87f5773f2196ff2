"""The reporter pages' helpers: the sealed receipt flash, and reading small multipart
bodies in memory."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import secrets

import pytest

from gratify.accounts.keys import Keyring
from gratify.crypto.sign import SigningKey
from gratify.errors import BadRequest, TooLarge
from gratify.intake.pages_bodies import MultipartTexts
from gratify.intake.pages_support import Flash, open_flash, seal_flash

NOW = dt.datetime(2026, 1, 20, 3, 0, tzinfo=dt.UTC)


def _keyring() -> Keyring:
    return Keyring(SigningKey.generate(), secrets.token_bytes(32))


def _flash(**changes: object) -> Flash:
    flash = Flash(
        case_number="METRO-2026-000042",
        kind="gratification",
        region="Kota Metro",
        expires=int(NOW.timestamp()) + 600,
        receipt="7QD3-K0ZP-W4M8-2XJT-9HCN-EB6R",
        acknowledgement={"case_number": "METRO-2026-000042", "reporter_name": "Siti Ñ"},
    )
    return dataclasses.replace(flash, **changes)  # type: ignore[arg-type]


def test_the_flash_opens_under_the_same_secret_only() -> None:
    keyring = _keyring()
    sealed = seal_flash(keyring, _flash())
    assert open_flash(keyring, sealed, NOW) == _flash()
    assert open_flash(_keyring(), sealed, NOW) is None
    # Nothing of it can be read in the cookie.
    decoded = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
    assert b"METRO" not in decoded
    assert b"7QD3" not in decoded


def test_the_flash_expires_and_cannot_be_altered() -> None:
    keyring = _keyring()
    sealed = seal_flash(keyring, _flash())
    assert open_flash(keyring, sealed, NOW + dt.timedelta(seconds=601)) is None
    flipped = sealed[:-5] + ("A" if sealed[-5] != "A" else "B") + sealed[-4:]
    assert open_flash(keyring, flipped, NOW) is None
    for junk in (None, "", "%%%", "A" * 9000, "é", "AAAA"):
        assert open_flash(keyring, junk, NOW) is None


def test_the_flash_keeps_the_acknowledgement_without_the_receipt() -> None:
    keyring = _keyring()
    later = open_flash(keyring, seal_flash(keyring, _flash().without_receipt()), NOW)
    assert later is not None
    assert later.receipt is None
    assert later.acknowledgement == _flash().acknowledgement
    assert "7QD3" not in repr(_flash())


def _body(boundary: str, parts: list[tuple[str, str | None, bytes]]) -> bytes:
    out = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        out += data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def test_texts_and_the_chosen_file_are_read_other_files_skipped() -> None:
    body = _body(
        "XyZ",
        [
            ("document", None, "tanda terima é".encode()),
            ("file", "a.json", b'{"a": 1}'),
            ("attachments", "photo.jpg", b"\xff\xd8" * 1000),
            ("file", "", b""),
        ],
    )
    reader = MultipartTexts(
        "multipart/form-data; boundary=XyZ",
        max_text_bytes=100,
        file_field="file",
        max_file_bytes=100,
    )
    for index in range(0, len(body), 7):
        reader.feed(body[index : index + 7])
    assert reader.ended
    assert reader.fields == {"document": ["tanda terima é"]}
    assert reader.files == [("a.json", b'{"a": 1}')]


def test_limits_and_bad_bodies() -> None:
    content_type = "multipart/form-data; boundary=b"
    reader = MultipartTexts(content_type, max_text_bytes=4)
    with pytest.raises(TooLarge):
        reader.feed(_body("b", [("x", None, b"12345")]))
    reader = MultipartTexts(content_type, max_text_bytes=10, file_field="f", max_file_bytes=2)
    with pytest.raises(TooLarge):
        reader.feed(_body("b", [("f", "x", b"123")]))
    reader = MultipartTexts(content_type, max_text_bytes=10, max_parts=2)
    with pytest.raises(TooLarge):
        reader.feed(_body("b", [("a", None, b""), ("b", None, b""), ("c", None, b"")]))
    for bad in ("text/plain", "multipart/form-data", "multipart/form-data; boundary="):
        with pytest.raises(BadRequest):
            MultipartTexts(bad, max_text_bytes=10)
