"""The report forms, read from ``forms.toml``, and the checking of answers against them.

Pure: no database, no request. `check_answers` gets plain values (from JSON or from form
fields) and returns either clean answers or an error msgid per field, so the HTML form can
show each error beside its field and the API can list them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from gratify.errors import N_

KINDS = ("gratification", "whistleblowing", "broker")
FIELD_TYPES = frozenset(
    {
        "text",
        "textarea",
        "date",
        "time",
        "choice",
        "money",
        "yesno",
        "nik",
        "nip",
        "email",
        "phone",
        "service",
    }
)
TEXT_MAX = 500
MONEY_MAX = 10_000_000_000_000
EARLIEST_DATE = dt.date(2000, 1, 1)

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,}$")


@dataclasses.dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclasses.dataclass(frozen=True, slots=True)
class FieldSpec:
    """One question of a form."""

    name: str
    type: str
    label: str
    group: str
    required: bool
    identity: bool = False
    max_length: int | None = None
    choices: tuple[Choice, ...] = ()

    def as_api(self) -> dict[str, Any]:
        """The field as `GET /api/v1/tenants/{t}/forms` lists it (API.md)."""
        out: dict[str, Any] = {"name": self.name, "type": self.type, "required": self.required}
        if self.choices:
            out["choices"] = [c.value for c in self.choices]
        if self.max_length is not None:
            out["max_length"] = self.max_length
        return out


@dataclasses.dataclass(frozen=True, slots=True)
class Group:
    name: str
    title: str


@dataclasses.dataclass(frozen=True, slots=True)
class FormSpec:
    """The form of one kind of report."""

    kind: str
    title: str
    identity: str  # "required" or "optional"
    groups: tuple[Group, ...]
    fields: tuple[FieldSpec, ...]

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    def fields_of(self, group: str) -> list[FieldSpec]:
        return [f for f in self.fields if f.group == group]


@dataclasses.dataclass(frozen=True, slots=True)
class Forms:
    kinds: tuple[FormSpec, ...]
    value_brackets: tuple[int, ...]

    def form(self, kind: str) -> FormSpec | None:
        return next((k for k in self.kinds if k.kind == kind), None)

    def value_bracket(self, rupiah: int) -> str:
        """The published bracket of a value: never the amount itself (threat model)."""
        lower = 0
        for bound in self.value_brackets:
            if rupiah < bound:
                return f"{lower}-{bound - 1}"
            lower = bound
        return f"{lower}+"


COMMON_FIELDS = (
    FieldSpec(
        name="concerns_inspectorate",
        type="yesno",
        label=N_("Is this report about the inspectorate itself?"),
        group="routing",
        required=False,
    ),
)


@functools.cache
def default_forms() -> Forms:
    """The forms shipped with gratify."""
    text = resources.files("gratify.intake").joinpath("forms.toml").read_text("utf-8")
    return parse_forms(tomllib.loads(text))


def load_tenant_forms(forms_dir: Path | None, tenants: Sequence[str]) -> dict[str, Forms]:
    """The forms of tenants that have their own file ``<forms_dir>/<tenant>.toml``.

    Read and checked once, at start-up: a bad file stops the app with its name, rather than
    failing the first reporter who opens that form. Other tenants use `default_forms`.
    """
    found: dict[str, Forms] = {}
    if forms_dir is None:
        return found
    for slug in tenants:
        path = forms_dir / f"{slug}.toml"
        if not path.exists():
            continue
        try:
            found[slug] = parse_forms(tomllib.loads(path.read_text("utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: {exc!r}") from exc
    return found


def parse_forms(data: Mapping[str, Any]) -> Forms:
    """Check a parsed forms file; a `ValueError` names what is wrong."""
    kinds = []
    for raw in data.get("kinds", ()):
        fields = []
        for f in raw["fields"]:
            if f["type"] not in FIELD_TYPES:
                raise ValueError(f"{raw['kind']}.{f['name']}: unknown type {f['type']!r}")
            if (f["type"] == "choice") != bool(f.get("choices")):
                raise ValueError(f"{raw['kind']}.{f['name']}: choices go with type choice")
            fields.append(
                FieldSpec(
                    name=f["name"],
                    type=f["type"],
                    label=f["label"],
                    group=f["group"],
                    required=bool(f["required"]),
                    identity=bool(f.get("identity", False)),
                    max_length=f.get("max_length"),
                    choices=tuple(Choice(c["value"], c["label"]) for c in f.get("choices", ())),
                )
            )
        names = [f.name for f in fields]
        if len(set(names)) != len(names):
            raise ValueError(f"{raw['kind']}: a field name appears twice")
        groups = tuple(Group(g["name"], g["title"]) for g in raw["groups"])
        if {f.group for f in fields} - {g.name for g in groups}:
            raise ValueError(f"{raw['kind']}: a field names an unknown group")
        kinds.append(
            FormSpec(
                kind=raw["kind"],
                title=raw["title"],
                identity=raw["identity"],
                groups=groups,
                fields=(*fields, *COMMON_FIELDS),
            )
        )
    if sorted(k.kind for k in kinds) != sorted(KINDS):
        raise ValueError(f"forms must define exactly the kinds {', '.join(KINDS)}")
    return Forms(tuple(kinds), tuple(data.get("value_brackets", ())))


@dataclasses.dataclass(frozen=True, slots=True)
class Checked:
    """The outcome of `check_answers`: clean values, or an error msgid per field."""

    answers: dict[str, Any]
    errors: dict[str, str]


def check_answers(
    form: FormSpec,
    raw: Mapping[str, Any],
    *,
    services: Sequence[str],
    today: dt.date,
    max_text_chars: int,
    reject_unknown: bool,
) -> Checked:
    """Check `raw` answers against `form`. `services` are the slugs of the chosen agency."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if reject_unknown:
        for name in raw:
            if form.field(name) is None:
                errors[str(name)[:64]] = N_("This field does not belong to this form.")
    for spec in form.fields:
        value = raw.get(spec.name)
        if _is_empty(value):
            if spec.required:
                errors[spec.name] = N_("Please fill in this field.")
            continue
        try:
            answers[spec.name] = _check(spec, value, services, today, max_text_chars)
        except _Invalid as invalid:
            errors[spec.name] = invalid.msgid
    return Checked(answers, errors)


class _Invalid(Exception):
    def __init__(self, msgid: str) -> None:
        self.msgid = msgid


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: object, limit: int, *, multiline: bool) -> str:
    if not isinstance(value, str):
        raise _Invalid(N_("Please write text here."))
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").strip())
    allowed = {"\n", "\t"} if multiline else {"\t"}
    if any(unicodedata.category(c) == "Cc" and c not in allowed for c in text):
        raise _Invalid(N_("This text holds characters that cannot be kept."))
    if len(text) > limit:
        raise _Invalid(N_("This text is too long."))
    return text


def clean_text(value: object, limit: int) -> str:
    """Free text as a message body: trimmed, NFC, no control characters, at most `limit`.

    Raises `ValueError` whose argument is the msgid to show.
    """
    try:
        text = _text(value, limit, multiline=True)
    except _Invalid as invalid:
        raise ValueError(invalid.msgid) from None
    if not text:
        raise ValueError(N_("Please fill in this field."))
    return text


def _digits(value: object, count: int, msgid: str) -> str:
    text = str(value).replace(" ", "").replace(".", "") if isinstance(value, str | int) else ""
    if not (text.isascii() and text.isdigit() and len(text) == count):
        raise _Invalid(msgid)
    return text


def parse_rupiah(value: object) -> int:
    """Rupiah from ``1500000``, ``"1.500.000"``, ``"Rp 1.500.000"`` or ``"Rp1.500.000,00"``."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        amount = value
    elif isinstance(value, str):
        text = value.strip().removeprefix("Rp").removeprefix("rp").strip()
        text = re.sub(r",0{1,2}$", "", text).replace(".", "").replace(" ", "")
        if not (text.isascii() and text.isdigit()):
            raise ValueError(value)
        amount = int(text)
    else:
        raise ValueError(value)
    if not 0 <= amount <= MONEY_MAX:
        raise ValueError(value)
    return amount


def _check(
    spec: FieldSpec, value: object, services: Sequence[str], today: dt.date, max_text: int
) -> Any:
    kind = spec.type
    if kind == "text":
        return _text(value, spec.max_length or TEXT_MAX, multiline=False)
    if kind == "textarea":
        return _text(value, min(spec.max_length or max_text, max_text), multiline=True)
    if kind == "choice":
        if value not in {c.value for c in spec.choices}:
            raise _Invalid(N_("Please choose one of the options."))
        return value
    if kind == "service":
        if value not in services:
            raise _Invalid(N_("Please choose a service of this agency."))
        return value
    if kind == "yesno":
        if value in (True, "yes", "true", "on"):
            return True
        if value in (False, "no", "false"):
            return False
        raise _Invalid(N_("Please answer yes or no."))
    if kind == "money":
        try:
            return parse_rupiah(value)
        except ValueError:
            raise _Invalid(N_("Please write an amount in rupiah, such as 1.500.000.")) from None
    if kind == "date":
        try:
            day = dt.date.fromisoformat(str(value)) if isinstance(value, str) else None
        except ValueError:
            day = None
        if day is None:
            raise _Invalid(N_("Please write a date as YYYY-MM-DD."))
        if day > today or day < EARLIEST_DATE:
            raise _Invalid(N_("This date cannot be in the future or before 2000."))
        return day.isoformat()
    if kind == "time":
        if not (isinstance(value, str) and re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value)):
            raise _Invalid(N_("Please write a time as HH:MM."))
        return value
    if kind == "nik":
        return _digits(value, 16, N_("A NIK has 16 digits."))
    if kind == "nip":
        return _digits(value, 18, N_("A NIP has 18 digits."))
    if kind == "email":
        text = _text(value, 254, multiline=False)
        if not _EMAIL.match(text):
            raise _Invalid(N_("Please write an email address such as nama@contoh.go.id."))
        return text
    if kind == "phone":
        text = _text(value, 32, multiline=False)
        digits = re.sub(r"[\s\-().]", "", text)
        if not re.fullmatch(r"\+?\d{8,16}", digits):
            raise _Invalid(N_("Please write a telephone number, such as 0812-3456-7890."))
        return digits
    raise AssertionError(kind)
