from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gratify.intake.forms import (
    KINDS,
    FormSpec,
    check_answers,
    clean_text,
    default_forms,
    parse_forms,
    parse_rupiah,
)

TODAY = dt.date(2026, 11, 23)


def _form(kind: str) -> FormSpec:
    form = default_forms().form(kind)
    assert form is not None
    return form


def gratification_answers(**changes: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "reporter_name": "Siti Rahmawati",
        "reporter_nik": "1872015501900001",
        "reporter_nip": "199001152015032001",
        "reporter_position": "Analis Kepegawaian",
        "reporter_address": "Jl. Jenderal Sudirman 12, Metro",
        "reporter_phone": "0812-3456-7890",
        "giver_name": "PT Contoh Jaya",
        "relationship": "business_partner",
        "received_on": "2026-11-20",
        "received_place": "Kantor BKPSDM",
        "gift_kind": "goods",
        "gift_description": "Parsel berisi jam tangan",
        "estimated_value": "Rp 2.500.000",
        "occasion": "religious_holiday",
        "chronology": "Diantar kurir ke meja saya.",
        "gift_status": "refused",
        "object_location": "with_giver",
    }
    answers.update(changes)
    return answers


def _check(kind: str, raw: dict[str, Any], services: tuple[str, ...] = ()) -> Any:
    return check_answers(
        _form(kind), raw, services=services, today=TODAY, max_text_chars=20_000, reject_unknown=True
    )


def test_the_three_kinds_are_defined_with_the_fields_of_the_domain() -> None:
    forms = default_forms()
    assert sorted(k.kind for k in forms.kinds) == sorted(KINDS)
    gratification = {f.name for f in _form("gratification").fields}
    for name in (
        "reporter_nik",
        "reporter_nip",
        "giver_name",
        "relationship",
        "received_on",
        "gift_kind",
        "estimated_value",
        "occasion",
        "chronology",
        "gift_status",
        "object_location",
        "concerns_inspectorate",
    ):
        assert name in gratification
    assert _form("gratification").identity == "required"
    assert _form("whistleblowing").identity == "optional"
    assert not any(f.required for f in _form("broker").fields if f.identity)
    assert {c.value for c in _form("gratification").field("gift_status").choices} == {  # type: ignore[union-attr]
        "received",
        "refused",
        "returned",
    }


def test_a_complete_gratification_report_is_clean() -> None:
    checked = _check("gratification", gratification_answers())
    assert checked.errors == {}
    assert checked.answers["estimated_value"] == 2_500_000
    assert checked.answers["reporter_phone"] == "081234567890"


@pytest.mark.parametrize(
    ("field", "value", "msgid"),
    [
        ("reporter_name", None, "Please fill in this field."),
        ("reporter_name", "   ", "Please fill in this field."),
        ("reporter_name", "x" * 501, "This text is too long."),
        ("reporter_name", 42, "Please write text here."),
        ("reporter_name", "Siti\x00", "This text holds characters that cannot be kept."),
        ("reporter_name", "Siti\nRahma", "This text holds characters that cannot be kept."),
        ("reporter_nik", "12345", "A NIK has 16 digits."),
        ("reporter_nip", "19900115201503200X", "A NIP has 18 digits."),
        ("reporter_phone", "call me", "Please write a telephone number, such as 0812-3456-7890."),
        (
            "reporter_email",
            "not-an-email",
            "Please write an email address such as nama@contoh.go.id.",
        ),
        ("relationship", "lover", "Please choose one of the options."),
        ("received_on", "20-11-2026", "Please write a date as YYYY-MM-DD."),
        ("received_on", "2026-12-01", "This date cannot be in the future or before 2000."),
        ("estimated_value", "lots", "Please write an amount in rupiah, such as 1.500.000."),
        ("estimated_value", -5, "Please write an amount in rupiah, such as 1.500.000."),
        ("concerns_inspectorate", "maybe", "Please answer yes or no."),
        ("gift_description", "y" * 2001, "This text is too long."),
    ],
)
def test_each_field_error_names_the_field(field: str, value: Any, msgid: str) -> None:
    checked = _check("gratification", gratification_answers(**{field: value}))
    assert checked.errors == {field: msgid}
    assert field not in checked.answers


def test_unknown_fields_are_refused_not_dropped() -> None:
    checked = _check("gratification", gratification_answers(colour="red"))
    assert checked.errors == {"colour": "This field does not belong to this form."}


def test_html_is_kept_as_text_to_be_escaped_when_shown() -> None:
    checked = _check("gratification", gratification_answers(chronology="<script>alert(1)</script>"))
    assert checked.answers["chronology"] == "<script>alert(1)</script>"


def test_broker_service_must_belong_to_the_agency() -> None:
    raw = {
        "service": "ktp-el",
        "occurred_on": "2026-11-02",
        "time_window": "08-10",
        "officer_involved": "unsure",
        "what_happened": "Diminta Rp300.000 agar cepat.",
    }
    assert _check("broker", raw, services=("ktp-el", "kk")).errors == {}
    assert _check("broker", raw, services=("nib",)).errors == {
        "service": "Please choose a service of this agency."
    }


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1500000", 1_500_000),
        ("1.500.000", 1_500_000),
        ("Rp 1.500.000", 1_500_000),
        ("Rp1.500.000,00", 1_500_000),
        (0, 0),
    ],
)
def test_rupiah_is_read_as_people_write_it(text: Any, amount: int) -> None:
    assert parse_rupiah(text) == amount


@given(st.integers(min_value=0, max_value=10**13))
def test_rupiah_round_trips_with_thousands_dots(amount: int) -> None:
    assert parse_rupiah(f"Rp {amount:,}".replace(",", ".")) == amount


def test_value_brackets_never_publish_the_amount() -> None:
    forms = default_forms()
    assert forms.value_bracket(999_999) == "0-999999"
    assert forms.value_bracket(1_000_000) == "1000000-4999999"
    assert forms.value_bracket(250_000_000) == "100000000+"


def test_clean_text_for_messages() -> None:
    assert clean_text("  Ada pertanyaan?\r\nYa.  ", 100) == "Ada pertanyaan?\nYa."
    with pytest.raises(ValueError, match="fill in"):
        clean_text("   ", 100)
    with pytest.raises(ValueError, match="too long"):
        clean_text("x" * 101, 100)


def test_a_forms_file_is_checked() -> None:
    with pytest.raises(ValueError, match="unknown type"):
        parse_forms(
            {
                "kinds": [
                    {
                        "kind": "gratification",
                        "title": "t",
                        "identity": "required",
                        "groups": [{"name": "g", "title": "G"}],
                        "fields": [
                            {
                                "name": "x",
                                "type": "colour",
                                "label": "X",
                                "group": "g",
                                "required": True,
                            }
                        ],
                    }
                ]
            }
        )
    with pytest.raises(ValueError, match="exactly the kinds"):
        parse_forms({"kinds": []})
