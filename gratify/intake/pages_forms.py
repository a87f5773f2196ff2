"""The report form as HTML widgets, built from the form data (``forms.toml``), and a
filed report's answers as rows a person can read.

Nothing here writes HTML: it decides, per field, which control to show, with what value
and which error, and the templates (``templates/intake/_fields.html``) draw them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from babel.dates import format_datetime

from gratify.accounts.models import Agency, Tenant
from gratify.errors import N_
from gratify.intake.forms import FieldSpec, FormSpec
from gratify.web.formatting import format_date, format_rupiah
from gratify.web.i18n import current_language, gettext

# Few enough choices to show them all as radio buttons; more become a select.
MAX_RADIOS = 5
MAX_EXCLUDED = 20
MAX_USERNAME = 64
YES, NO = N_("Yes"), N_("No")

_INPUT = {
    "text": ("text", None, None),
    "date": ("date", None, None),
    "time": ("time", None, None),
    "email": ("email", None, "email"),
    "phone": ("tel", "tel", "tel"),
    "nik": ("text", "numeric", "off"),
    "nip": ("text", "numeric", "off"),
    "money": ("text", "numeric", "off"),
}
_HINTS = {
    "money": N_("In rupiah, digits only or with dots, such as 1.500.000."),
    "nik": N_("16 digits, as on your KTP."),
    "nip": N_("18 digits."),
    "date": N_("Year-month-day, such as 2026-01-20."),
}
_FIELD_HINTS = {
    "concerns_inspectorate": N_(
        "Answer yes if the wrongdoing involves this region's inspectorate (Inspektorat). "
        "Your report then goes to the inspectorate of a partner region, as the regions' "
        "cooperation agreement names it, and not to this one."
    ),
}


@dataclasses.dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str  # already in the reader's language
    checked: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Widget:
    """One control: what the template needs to draw it, with its label and error."""

    name: str
    control: str  # input, textarea, radios, select
    label: str
    required: bool
    value: str = ""
    error: str | None = None
    input_type: str = "text"
    inputmode: str | None = None
    autocomplete: str | None = None
    hint: str | None = None
    maxlength: int | None = None
    options: tuple[Option, ...] = ()

    @property
    def id(self) -> str:
        return f"f-{self.name}"

    @property
    def describedby(self) -> str:
        """The ids of the hint and the error, for ``aria-describedby``."""
        ids = ([f"h-{self.name}"] if self.hint else []) + ([f"e-{self.name}"] if self.error else [])
        return " ".join(ids)


@dataclasses.dataclass(frozen=True, slots=True)
class Section:
    title: str
    widgets: tuple[Widget, ...]
    optional_identity: bool = False
    identity: bool = False


def _options(pairs: Sequence[tuple[str, str]], value: str) -> tuple[Option, ...]:
    return tuple(Option(v, label, checked=(v == value)) for v, label in pairs)


def widget_for(
    spec: FieldSpec,
    value: str,
    error: str | None,
    *,
    services: Sequence[tuple[str, str]] = (),
) -> Widget:
    """The control for one field of the form data, holding `value` and `error`."""
    label = gettext(spec.label)
    hint = _FIELD_HINTS.get(spec.name) or _HINTS.get(spec.type)
    common: dict[str, Any] = {
        "name": spec.name,
        "label": label,
        "required": spec.required,
        "value": value,
        "error": error,
        "hint": gettext(hint) if hint else None,
    }
    if spec.type == "textarea":
        return Widget(control="textarea", maxlength=spec.max_length, **common)
    if spec.type == "yesno":
        pairs = [("yes", gettext(YES)), ("no", gettext(NO))]
        return Widget(control="radios", options=_options(pairs, value), **common)
    if spec.type in ("choice", "service"):
        if spec.type == "choice":
            pairs = [(c.value, gettext(c.label)) for c in spec.choices]
        else:
            pairs = list(services)
        control = "radios" if spec.type == "choice" and len(pairs) <= MAX_RADIOS else "select"
        return Widget(control=control, options=_options(pairs, value), **common)
    input_type, inputmode, autocomplete = _INPUT[spec.type]
    maxlength = spec.max_length or (500 if spec.type == "text" else None)
    return Widget(
        control="input",
        input_type=input_type,
        inputmode=inputmode,
        autocomplete=autocomplete or ("off" if spec.identity else None),
        maxlength=maxlength,
        **common,
    )


def agency_services(agency: Agency | None) -> list[tuple[str, str]]:
    return [(s.slug, s.name) for s in agency.services] if agency else []


def has_service_field(form: FormSpec) -> bool:
    """Whether the form asks for a service of the agency (so the agency comes first)."""
    return any(f.type == "service" for f in form.fields)


def sections(
    form: FormSpec,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    agency: Agency | None,
) -> tuple[list[Section], list[Widget]]:
    """The form's groups as sections in order, and the fields of no group of the form
    (those every kind has, such as ``concerns_inspectorate``) for the routing section."""
    services = agency_services(agency)

    def build(spec: FieldSpec) -> Widget:
        return widget_for(spec, values.get(spec.name, ""), errors.get(spec.name), services=services)

    out = []
    for group in form.groups:
        specs = form.fields_of(group.name)
        identity = bool(specs) and all(s.identity for s in specs)
        out.append(
            Section(
                title=gettext(group.title),
                widgets=tuple(build(s) for s in specs),
                identity=identity,
                optional_identity=identity and form.identity == "optional",
            )
        )
    named = {g.name for g in form.groups}
    rest = [build(s) for s in form.fields if s.group not in named]
    return out, rest


def answers_from(form: FormSpec, fields: Mapping[str, list[str]]) -> dict[str, str]:
    """The answers the form asks for, from the posted fields; an empty answer is missing."""
    answers = {}
    for spec in form.fields:
        values = fields.get(spec.name) or [""]
        if values[0].strip():
            answers[spec.name] = values[0]
    return answers


def split_usernames(text: str) -> tuple[list[str], str | None]:
    """Usernames written one a line or separated by commas; an error msgid if too many or
    too long."""
    names = [n.strip() for n in re.split(r"[,;\n\r]+", text) if n.strip()]
    unique = list(dict.fromkeys(names))
    if len(unique) > MAX_EXCLUDED:
        return unique, N_("Name at most 20 people.")
    if any(len(n) > MAX_USERNAME for n in unique):
        return unique, N_("A username has at most 64 characters.")
    return unique, None


# Reading a filed report back -------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class AnswerRow:
    label: str
    value: str
    multiline: bool = False


def _shown(spec: FieldSpec, value: Any, services: Mapping[str, str]) -> str:
    if spec.type == "choice":
        label = next((c.label for c in spec.choices if c.value == value), None)
        return gettext(label) if label else str(value)
    if spec.type == "yesno":
        return gettext(YES if value is True else NO)
    if spec.type == "money" and isinstance(value, int):
        return format_rupiah(value)
    if spec.type == "date" and isinstance(value, str):
        try:
            return format_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    if spec.type == "service":
        return services.get(str(value), str(value))
    return str(value)


def answer_rows(
    form: FormSpec | None, answers: Mapping[str, Any], services: Mapping[str, str]
) -> list[AnswerRow]:
    """The answers in the form's order, each with its label and a readable value."""
    if form is None:
        return [AnswerRow(name, str(value)) for name, value in answers.items()]
    rows = []
    for spec in form.fields:
        if spec.name in answers:
            rows.append(
                AnswerRow(
                    gettext(spec.label),
                    _shown(spec, answers[spec.name], services),
                    multiline=spec.type == "textarea",
                )
            )
    return rows


def format_moment(moment: dt.datetime) -> str:
    """A moment to the minute with its zone: ``20 Januari 2026, 10.15 WIB``."""
    text = format_datetime(
        moment, "d MMMM y, HH.mm", tzinfo=moment.tzinfo, locale=current_language()
    )
    return f"{text} {moment.tzname() or ''}".strip()


def service_names(tenant: Tenant | None) -> dict[str, str]:
    if tenant is None:
        return {}
    return {s.slug: s.name for a in tenant.agencies for s in a.services}
