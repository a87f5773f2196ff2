"""The report form drawn from the form data, and a filed report read back."""

from __future__ import annotations

from typing import Any

import pytest

from gratify.intake.forms import default_forms
from gratify.intake.pages_forms import (
    answer_rows,
    answers_from,
    has_service_field,
    sections,
    split_usernames,
    widget_for,
)
from gratify.web.i18n import use_language


def _form(kind: str) -> Any:
    form = default_forms().form(kind)
    assert form is not None
    return form


def _field(kind: str, name: str) -> Any:
    field = _form(kind).field(name)
    assert field is not None
    return field


@pytest.mark.parametrize(
    ("kind", "name", "control", "input_type", "inputmode"),
    [
        ("gratification", "reporter_name", "input", "text", None),
        ("gratification", "reporter_nip", "input", "text", "numeric"),
        ("gratification", "estimated_value", "input", "text", "numeric"),
        ("gratification", "received_on", "input", "date", None),
        ("gratification", "reporter_email", "input", "email", None),
        ("gratification", "reporter_phone", "input", "tel", "tel"),
        ("gratification", "chronology", "textarea", "text", None),
        ("gratification", "gift_status", "radios", "text", None),
        ("gratification", "gift_kind", "select", "text", None),
        ("broker", "service", "select", "text", None),
        ("broker", "concerns_inspectorate", "radios", "text", None),
    ],
)
def test_each_type_gets_its_control(
    kind: str, name: str, control: str, input_type: str, inputmode: str | None
) -> None:
    widget = widget_for(_field(kind, name), "", None, services=[("kk", "Kartu Keluarga")])
    assert widget.control == control
    assert widget.input_type == input_type
    assert widget.inputmode == inputmode


def test_values_errors_and_descriptions() -> None:
    with use_language("en"):
        widget = widget_for(_field("gratification", "gift_status"), "refused", "Wrong.")
        assert widget.label == "Did you accept it?"
        assert [o.value for o in widget.options if o.checked] == ["refused"]
        assert widget.describedby == "e-gift_status"
        money = widget_for(_field("gratification", "estimated_value"), "1.500.000", None)
        assert money.value == "1.500.000"
        assert money.describedby == "h-estimated_value"
        assert money.hint is not None
        assert "1.500.000" in money.hint
    with use_language("id"):
        yesno = widget_for(_field("broker", "concerns_inspectorate"), "no", None)
        assert [(o.value, o.label, o.checked) for o in yesno.options] == [
            ("yes", "Ya", False),
            ("no", "Tidak", True),
        ]


def test_sections_follow_the_groups_and_mark_optional_identity() -> None:
    with use_language("en"):
        groups, routing = sections(_form("whistleblowing"), {}, {}, None)
        assert [g.title for g in groups] == ["What happened", "About you (optional)"]
        assert [g.optional_identity for g in groups] == [False, True]
        assert [w.name for w in routing] == ["concerns_inspectorate"]
        grat, _ = sections(_form("gratification"), {}, {}, None)
        assert grat[0].identity
        assert not grat[0].optional_identity
    assert has_service_field(_form("broker"))
    assert not has_service_field(_form("gratification"))


def test_answers_skip_empty_and_unknown_fields() -> None:
    fields = {
        "category": ["bribery"],
        "accused": ["   "],
        "place": ["Pasar"],
        "agency": ["dishub"],
        "nonsense": ["x"],
        "what_happened": ["a", "b"],
    }
    assert answers_from(_form("whistleblowing"), fields) == {
        "category": "bribery",
        "place": "Pasar",
        "what_happened": "a",
    }


def test_usernames_split_on_commas_and_lines() -> None:
    assert split_usernames(" budi, ani\r\nbudi;\n\nrina ") == (["budi", "ani", "rina"], None)
    assert split_usernames("")[0] == []
    assert split_usernames(",".join(f"u{i}" for i in range(21)))[1] is not None
    assert split_usernames("x" * 65)[1] is not None


def test_answers_read_back_with_labels_and_choice_names() -> None:
    answers = {
        "service": "kk",
        "occurred_on": "2026-01-05",
        "time_window": "10-12",
        "amount_asked": 500_000,
        "officer_involved": "unsure",
        "what_happened": "Baris satu\nbaris dua",
        "concerns_inspectorate": False,
    }
    with use_language("id"):
        rows = answer_rows(_form("broker"), answers, {"kk": "Kartu Keluarga"})
    shown = {row.label: row.value for row in rows}
    assert shown["Layanan apa?"] == "Kartu Keluarga"
    assert shown["Tanggal"] == "5 Januari 2026"
    assert shown["Jumlah yang diminta (rupiah)"] == "Rp500.000"
    assert shown["Apakah ada petugas yang terlibat?"] == "Tidak yakin"
    assert "Tidak" in shown.values()
    assert [row.multiline for row in rows if row.value.startswith("Baris")] == [True]
