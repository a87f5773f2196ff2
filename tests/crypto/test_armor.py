"""Armored key text: survives copying and reformatting, refuses every typo."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gratify.crypto.armor import armor, dearmor
from gratify.crypto.errors import IntegrityError, UnsupportedFormat

LABEL = "GRATIFY TEST KEY"
KEY = bytes(range(97))


@given(data=st.binary(max_size=300))
def test_round_trip(data: bytes) -> None:
    assert dearmor(armor(LABEL, data), LABEL) == (data, {})


def test_layout() -> None:
    text = armor(LABEL, KEY, {"Key-Id": "abc"})
    lines = text.splitlines()
    assert lines[0] == f"-----BEGIN {LABEL}-----"
    assert lines[1] == "Key-Id: abc"
    assert lines[-1] == f"-----END {LABEL}-----"
    assert lines[-2].startswith("=")
    assert all(len(line) <= 64 for line in lines[2:-2])
    assert base64.b64decode("".join(lines[2:-2])) == KEY


def test_whitespace_and_surrounding_text_are_tolerated() -> None:
    text = armor(LABEL, KEY, {"Key-Id": "abc"})
    lines = text.splitlines()
    body = [" ".join(line[i : i + 4] for i in range(0, len(line), 4)) for line in lines[2:-2]]
    messy = "\n".join(
        [
            "Printed 2024-01-01, keep in the safe",
            "",
            "\t" + lines[0],
            lines[1],
            "",
            *body,
            "   " + lines[-2] + "  ",
            lines[-1] + "\t",
            "signed: the operator",
        ]
    )
    assert dearmor(messy.replace("\n", "\r\n"), LABEL) == (KEY, {"Key-Id": "abc"})


def test_every_single_character_typo_is_detected() -> None:
    text = armor(LABEL, KEY)
    lines = text.splitlines()
    body_start = len(lines[0]) + 1
    body_end = text.index("\n=")
    for index in range(body_start, body_end):
        original = text[index]
        if original == "\n":
            continue
        for replacement in ("A", "b", "0", "+"):
            if replacement == original:
                continue
            typo = text[:index] + replacement + text[index + 1 :]
            with pytest.raises(IntegrityError):
                dearmor(typo, LABEL)


def test_typo_in_the_unused_bits_of_the_last_symbol_is_detected() -> None:
    text = armor(LABEL, b"P")
    assert "\nUA==\n" in text
    with pytest.raises(IntegrityError):
        dearmor(text.replace("\nUA==\n", "\nUB==\n"), LABEL)


def test_typo_in_the_checksum_line_is_detected() -> None:
    text = armor(LABEL, KEY)
    index = text.index("\n=") + 2
    replacement = "0" if text[index] != "0" else "1"
    with pytest.raises(IntegrityError, match="checksum"):
        dearmor(text[:index] + replacement + text[index + 1 :], LABEL)


def test_characters_outside_base64_are_typos() -> None:
    text = armor(LABEL, KEY)
    index = text.index("\n", len(LABEL) + 20) + 5
    with pytest.raises(IntegrityError, match="base64"):
        dearmor(text[:index] + "!" + text[index + 1 :], LABEL)


def test_missing_parts_are_unsupported() -> None:
    text = armor(LABEL, KEY)
    with pytest.raises(UnsupportedFormat):
        dearmor("", LABEL)
    with pytest.raises(UnsupportedFormat):
        dearmor(text.replace(f"-----END {LABEL}-----", ""), LABEL)
    with pytest.raises(UnsupportedFormat, match="checksum"):
        dearmor("\n".join(line for line in text.splitlines() if not line.startswith("=")), LABEL)
    with pytest.raises(UnsupportedFormat):
        dearmor(text, "GRATIFY OTHER KEY")


def test_the_checksum_covers_the_label() -> None:
    text = armor(LABEL, KEY).replace(LABEL, "GRATIFY OTHER KEY")
    with pytest.raises(IntegrityError, match="checksum"):
        dearmor(text, "GRATIFY OTHER KEY")
