"""Receipt codes: format, forgiving parsing, and every typo of one or two characters refused."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gratify.crypto import receipt
from gratify.crypto.receipt import ALPHABET, MalformedReceipt, Receipt, new_receipt, parse_receipt

FORMATTED = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){5}")
receipts = st.builds(
    Receipt,
    lookup=st.text(alphabet=ALPHABET, min_size=8, max_size=8),
    secret=st.text(alphabet=ALPHABET, min_size=15, max_size=15),
)


def test_alphabet_is_crockford_base32() -> None:
    assert len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET)


def test_alpha_generates_the_whole_multiplicative_group() -> None:
    # The checksum's guarantees rest on alpha having order 31 in GF(32).
    seen, value = set(), 1
    for _ in range(31):
        seen.add(value)
        value = receipt._times_alpha(value)
    assert value == 1
    assert seen == set(range(1, 32))


def test_new_receipt_shape() -> None:
    made = new_receipt()
    assert len(made.lookup) == 8
    assert len(made.secret) == 15
    assert FORMATTED.fullmatch(made.formatted)
    assert len(made.secret_bytes) == 10
    assert int.from_bytes(made.secret_bytes, "big") < 2**75


def test_new_receipts_are_distinct() -> None:
    made = [new_receipt() for _ in range(200)]
    assert len({r.lookup for r in made}) == 200
    assert len({r.secret for r in made}) == 200


def test_repr_hides_the_secret() -> None:
    made = new_receipt()
    assert made.secret not in repr(made)
    assert made.lookup in repr(made)


@given(made=receipts)
def test_parse_formatted_round_trip(made: Receipt) -> None:
    assert parse_receipt(made.formatted) == made


@given(
    made=receipts,
    data=st.data(),
)
def test_parse_tolerates_case_and_separators(made: Receipt, data: st.DataObject) -> None:
    noisy = []
    for symbol in made.formatted.replace("-", ""):
        noisy.append(data.draw(st.sampled_from(["", " ", "-", ".", "_", "  ", "\t"])))
        noisy.append(symbol.lower() if data.draw(st.booleans()) else symbol)
    noisy.append(data.draw(st.sampled_from(["", " ", "\n"])))
    assert parse_receipt("".join(noisy)) == made


def test_confusable_letters_are_read_as_digits() -> None:
    made = Receipt(lookup="01010101", secret="1" * 15)
    code = made.formatted
    assert parse_receipt(code.replace("0", "O").replace("1", "I", 3).replace("1", "l")) == made
    assert parse_receipt(code.replace("0", "o").replace("1", "L")) == made


def test_every_single_substitution_is_detected() -> None:
    made = new_receipt()
    code = made.formatted.replace("-", "")
    for position in range(len(code)):
        for symbol in ALPHABET:
            if symbol == code[position]:
                continue
            typo = code[:position] + symbol + code[position + 1 :]
            with pytest.raises(MalformedReceipt) as caught:
                parse_receipt(typo)
            assert caught.value.reason == "checksum"


@given(made=receipts)
def test_every_transposition_is_detected(made: Receipt) -> None:
    code = made.formatted.replace("-", "")
    for first in range(len(code)):
        for second in range(first + 1, len(code)):
            if code[first] == code[second]:
                continue
            swapped = list(code)
            swapped[first], swapped[second] = swapped[second], swapped[first]
            with pytest.raises(MalformedReceipt, match="typo"):
                parse_receipt("".join(swapped))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "length"),
        ("ABCD-EFGH", "length"),
        ("0000-0000-0000-0000-0000-00000", "length"),
        ("0000-0000-0000-0000-0000-000U", "character"),
        ("0000-0000-0000-0000-0000-000!", "character"),
        ("0000-0000-0000-0000-0000-000ß", "character"),
        ("0000-0000-0000-0000-0000-\uff10000", "character"),  # full-width digit zero
        ("0000-0000-0000-0000-0000-0001", "checksum"),
    ],
)
def test_malformed_codes_name_their_problem(text: str, reason: str) -> None:
    with pytest.raises(MalformedReceipt) as caught:
        parse_receipt(text)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("lookup", "secret"),
    [("0000000", "0" * 15), ("000000000", "0" * 15), ("0" * 8, "0" * 14), ("0000000U", "0" * 15)],
)
def test_receipt_fields_are_validated(lookup: str, secret: str) -> None:
    with pytest.raises(MalformedReceipt):
        Receipt(lookup=lookup, secret=secret)


def test_secret_bytes_encode_the_secret_part_only() -> None:
    assert Receipt(lookup="Z" * 8, secret="0" * 15).secret_bytes == bytes(10)
    assert Receipt(lookup="0" * 8, secret="Z" * 15).secret_bytes == (2**75 - 1).to_bytes(10, "big")
    assert Receipt(lookup="0" * 8, secret="0" * 14 + "1").secret_bytes == (1).to_bytes(10, "big")
