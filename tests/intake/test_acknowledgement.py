"""Acknowledgements (tanda terima): verification, the downloadable file, and
``gratify receipt verify``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gratify.accounts.keys import SIGNING_PUB, create_server_keys, write_key_file
from gratify.cli import main
from gratify.crypto.sign import SigningKey, sign_document
from gratify.errors import InvalidInput, TooLarge
from gratify.intake.acknowledgement import (
    MAX_ACKNOWLEDGEMENT_BYTES,
    acknowledgement_filename,
    acknowledgement_json,
    filed_at_local,
    parse_acknowledgement,
    public_keys_from_file,
    verify_acknowledgement,
)

pytestmark = pytest.mark.usefixtures("clean_environ")


def _acknowledgement(key: SigningKey, **changes: object) -> dict[str, object]:
    document: dict[str, object] = {
        "case_number": "METRO-2026-000042",
        "tenant": "metro",
        "kind": "gratification",
        "filed_at": "2026-01-20T10:15:00+07:00",
        "reporter_nip": "198001012005011001",
        "reporter_name": "Budi Santoso",
        "report_digest": "ab" * 32,
    }
    document.update(changes)
    return sign_document(document, key)


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate()


def test_a_signed_acknowledgement_is_valid_and_says_what_it_attests(key: SigningKey) -> None:
    result = verify_acknowledgement(_acknowledgement(key), {key.key_id: key.public_bytes})
    assert result.valid
    assert result.case_number == "METRO-2026-000042"
    assert result.filed_at == "2026-01-20T10:15:00+07:00"
    assert result.key_id == key.key_id
    assert result.reporter_nip == "198001012005011001"


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("case_number", "METRO-2026-000043"),
        ("filed_at", "2026-01-19T10:15:00+07:00"),
        ("reporter_nip", "198001012005011002"),
        ("reporter_name", "Budi Santosa"),
        ("report_digest", "cd" * 32),
    ],
)
def test_any_changed_member_makes_it_invalid(key: SigningKey, member: str, value: str) -> None:
    document = _acknowledgement(key)
    document[member] = value
    result = verify_acknowledgement(document, {key.key_id: key.public_bytes})
    assert not result.valid
    # Nothing from an unverified document is repeated.
    assert result.case_number is None
    assert result.filed_at is None


def test_another_key_an_added_member_or_a_non_object_is_invalid(key: SigningKey) -> None:
    keys = {key.key_id: key.public_bytes}
    other = SigningKey.generate()
    assert not verify_acknowledgement(_acknowledgement(other), keys).valid
    added = _acknowledgement(key)
    added["extra"] = "x"
    assert not verify_acknowledgement(added, keys).valid
    things: list[object] = [None, [], "text", 42, {"signature": 1, "key_id": []}]
    for thing in things:
        assert not verify_acknowledgement(thing, keys).valid


def test_a_signed_document_that_is_no_acknowledgement_is_not_valid(key: SigningKey) -> None:
    """The key also signs audit checkpoints: those are not acknowledgements."""
    checkpoint = sign_document({"entry": 1000, "hash": "00" * 32}, key)
    assert not verify_acknowledgement(checkpoint, {key.key_id: key.public_bytes}).valid


def test_parsing_accepts_json_with_a_bom_and_refuses_the_rest() -> None:
    assert parse_acknowledgement(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    assert parse_acknowledgement('{"a": "é"}') == {"a": "é"}
    with pytest.raises(InvalidInput):
        parse_acknowledgement(b"{not json")
    with pytest.raises(InvalidInput):
        parse_acknowledgement(b"\xff\xfe")
    with pytest.raises(InvalidInput):
        parse_acknowledgement(b"   ")
    with pytest.raises(TooLarge):
        parse_acknowledgement(b" " * (MAX_ACKNOWLEDGEMENT_BYTES + 1))


def test_the_downloaded_file_still_verifies(key: SigningKey) -> None:
    document = _acknowledgement(key, reporter_name="Siti Nurhaliza ñ")
    data = acknowledgement_json(document)
    assert "Siti Nurhaliza ñ" in data.decode()
    again = parse_acknowledgement(data)
    assert verify_acknowledgement(again, {key.key_id: key.public_bytes}).valid


def test_filenames_and_times() -> None:
    assert acknowledgement_filename("METRO-2026-000042") == "tanda-terima-METRO-2026-000042.json"
    assert acknowledgement_filename('a"b/c\r\n') == "tanda-terima-a_b_c__.json"
    moment = filed_at_local("2026-01-20T03:15:00+00:00", "Asia/Jakarta")
    assert moment is not None
    assert moment.hour == 10
    assert filed_at_local("2026-01-20T03:15:00", "Asia/Jakarta") is None
    assert filed_at_local("yesterday", "Asia/Jakarta") is None
    assert filed_at_local(None, "Asia/Jakarta") is None


def test_public_key_files(tmp_path: Path, key: SigningKey) -> None:
    path = tmp_path / "signing.pub"
    write_key_file(path, key.public_bytes, "test key")
    assert public_keys_from_file(path) == {key.key_id: key.public_bytes}
    bad = tmp_path / "bad.pub"
    bad.write_text("# nothing\nAAAA\n")
    with pytest.raises(ValueError, match="Ed25519"):
        public_keys_from_file(bad)
    bad.write_text("not base64 at all!\n")
    with pytest.raises(ValueError, match="not a public key"):
        public_keys_from_file(bad)


# gratify receipt verify --------------------------------------------------------------------


@pytest.fixture
def keys_dir(tmp_path: Path) -> tuple[Path, SigningKey]:
    data = tmp_path / "data"
    signing = create_server_keys(data / "keys")
    return data, signing


def test_cli_says_valid_with_the_case_and_time(
    tmp_path: Path, keys_dir: tuple[Path, SigningKey], capsys: pytest.CaptureFixture[str]
) -> None:
    data, signing = keys_dir
    file = tmp_path / "tanda-terima.json"
    file.write_bytes(acknowledgement_json(_acknowledgement(signing)))
    assert main(["receipt", "verify", str(file), "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert out == "valid: METRO-2026-000042 filed at 2026-01-20T10:15:00+07:00\n"
    # With the public key alone, as someone outside the installation checks it.
    public = data / "keys" / SIGNING_PUB
    assert main(["receipt", "verify", str(file), "--public-key", str(public)]) == 0


def test_cli_says_invalid_for_a_changed_file(
    tmp_path: Path, keys_dir: tuple[Path, SigningKey], capsys: pytest.CaptureFixture[str]
) -> None:
    data, signing = keys_dir
    document = _acknowledgement(signing)
    document["filed_at"] = "2026-01-10T10:15:00+07:00"
    file = tmp_path / "changed.json"
    file.write_text(json.dumps(document))
    assert main(["receipt", "verify", str(file), "--data-dir", str(data)]) == 1
    assert capsys.readouterr().out == "invalid\n"
    other = tmp_path / "other.pub"
    write_key_file(other, SigningKey.generate().public_bytes, "another installation")
    good = tmp_path / "good.json"
    good.write_bytes(acknowledgement_json(_acknowledgement(signing)))
    assert main(["receipt", "verify", str(good), "--public-key", str(other)]) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{broken", "not valid JSON"),
        (b"", "not valid JSON"),
        (b" " * (MAX_ACKNOWLEDGEMENT_BYTES + 1), "larger than 64 KB"),
    ],
)
def test_cli_explains_an_unreadable_file(
    tmp_path: Path,
    keys_dir: tuple[Path, SigningKey],
    capsys: pytest.CaptureFixture[str],
    content: bytes,
    message: str,
) -> None:
    data, _ = keys_dir
    file = tmp_path / "x.json"
    file.write_bytes(content)
    assert main(["receipt", "verify", str(file), "--data-dir", str(data)]) == 1
    assert message in capsys.readouterr().err


def test_cli_explains_a_missing_file_or_key(
    tmp_path: Path, keys_dir: tuple[Path, SigningKey], capsys: pytest.CaptureFixture[str]
) -> None:
    data, _ = keys_dir
    assert main(["receipt", "verify", str(tmp_path / "nope.json"), "--data-dir", str(data)]) == 1
    assert "cannot read" in capsys.readouterr().err
    file = tmp_path / "a.json"
    file.write_text("{}")
    assert main(["receipt", "verify", str(file), "--data-dir", str(tmp_path / "empty")]) == 1
    assert "--public-key" in capsys.readouterr().err
    assert main(["receipt", "verify", str(file), "--public-key", str(tmp_path / "no.pub")]) == 1
    assert "cannot read the public key" in capsys.readouterr().err
