"""``/lapor/{tenant}/gratifikasi/cek``: "Do I need to report this gift?".

A short form; the answer is rendered on the same page. Nothing is stored and nothing is
logged: the answers come by POST, so amounts stay out of the browser's history and the
server's access logs. The view only parses, calls the pure rules
(`gratify.rules.gratification`) and renders.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from gratify.accounts.service import tenant_by_slug
from gratify.errors import N_, BadRequest, NotFound, TooLarge, UnsupportedMediaType
from gratify.rules.calendar import CalendarNotCovered
from gratify.rules.gratification import GiftQuestion, assess_gift, decide_gift
from gratify.rules.regulations import Form, Occasion
from gratify.settings import Settings
from gratify.web.templating import render

TEMPLATE = "intake/checker.html"

MAX_BODY_BYTES = 8 * 1024
MAX_FIELDS = 16
MAX_FIELD_CHARS = 64
# Rupiah amounts above this are typos (a thousand trillion rupiah).
MAX_RUPIAH = 10**15
EARLIEST_DATE = dt.date(2000, 1, 1)

FIELDS: Final = (
    "received_on",
    "outcome",
    "occasion",
    "form",
    "value",
    "earlier",
    "conflict",
    "linked",
)

# The occasions in the order the form shows them, with their plain-language labels.
OCCASION_CHOICES: Final[tuple[tuple[Occasion, str], ...]] = (
    ("wedding", N_("A wedding or engagement")),
    ("birth", N_("A birth or aqiqah")),
    ("circumcision", N_("A circumcision")),
    ("religious_ceremony", N_("A religious or customary ceremony (e.g. baptism, tooth filing)")),
    ("family", N_("From a family member")),
    ("colleague_farewell", N_("From colleagues: farewell, retirement, transfer or birthday")),
    ("colleague_other", N_("From a colleague, for another reason")),
    ("seminar_kit", N_("A kit or materials at a seminar, workshop or training")),
    ("promotional", N_("A promotional item with a logo, given to everyone")),
    ("public_prize", N_("A prize, lucky draw, discount or voucher open to the public")),
    ("honorarium", N_("An honorarium, transport or lodging at the official rate")),
    ("flowers", N_("A flower arrangement")),
    ("food_for_all", N_("Food or drink served to everyone present")),
    ("to_institution", N_("A souvenir or plaque for the institution, not for me")),
    ("other", N_("Something else")),
)
FORM_CHOICES: Final[tuple[tuple[Form, str], ...]] = (
    ("cash", N_("Money: cash, a transfer, an e-wallet top-up, or a voucher usable as money")),
    ("non_cash", N_("Goods, food, a service, a ticket, lodging or another facility")),
)
OUTCOME_CHOICES: Final = (
    ("received", N_("I received it")),
    ("refused", N_("I refused it")),
)
YES_NO_CHOICES: Final = (
    ("yes", N_("Yes")),
    ("no", N_("No")),
    ("unknown", N_("I don't know")),
)

_YES_NO: Final[dict[str, bool | None]] = {"yes": True, "no": False, "unknown": None}
_DATE_FORMATS: Final = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y")
# "Rp 1.500.000", "1.500.000", "1,500,000", "1500000", "Rp1.500.000,00", "1.500.000,-"
_RUPIAH = re.compile(
    r"""^(?:rp\.?|idr)?\s*
        (?P<number>\d{1,3}(?:\.\d{3})+|\d{1,3}(?:,\d{3})+|\d+)
        (?:,00|,-|\.00)?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)


def parse_rupiah(text: str) -> int:
    """A whole-rupiah amount typed the way people type it; ValueError if it is not one.

    Accepts ``1500000``, ``1.500.000`` (Indonesian grouping), ``1,500,000`` (English),
    ``Rp 1.500.000``, ``Rp1.500.000,00``, ``1.500.000,-``. Refuses decimals of a rupiah,
    negative amounts, mixed grouping and anything else.
    """
    match = _RUPIAH.match(text.strip().replace("\u00a0", " "))
    if match is None:
        raise ValueError("not a rupiah amount")
    amount = int(match["number"].replace(".", "").replace(",", ""))
    if amount > MAX_RUPIAH:
        raise ValueError("too large")
    return amount


def parse_date(text: str) -> dt.date:
    """``2026-03-17`` (what a date field sends) or ``17-03-2026``, ``17/03/2026``."""
    text = text.strip()
    for pattern in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError("not a date")


@dataclasses.dataclass(frozen=True, slots=True)
class Parsed:
    question: GiftQuestion | None
    errors: dict[str, str]


def parse_answers(values: Mapping[str, str], today: dt.date) -> Parsed:
    """The form's answers as a `GiftQuestion`, or a msgid per field that is wrong."""
    errors: dict[str, str] = {}

    received_on: dt.date | None = None
    if not values.get("received_on"):
        errors["received_on"] = N_("Enter the date you received or refused the gift.")
    else:
        try:
            received_on = parse_date(values["received_on"])
        except ValueError:
            errors["received_on"] = N_("Enter a date like 17-03-2026.")
        else:
            if received_on > today:
                errors["received_on"] = N_("The date cannot be in the future.")
            elif received_on < EARLIEST_DATE:
                errors["received_on"] = N_("Enter a date like 17-03-2026.")

    outcome = values.get("outcome", "")
    if outcome not in dict(OUTCOME_CHOICES):
        errors["outcome"] = N_("Choose whether you received or refused the gift.")
    occasion = values.get("occasion", "")
    if occasion not in dict(OCCASION_CHOICES):
        errors["occasion"] = N_("Choose what the gift was for, or who gave it.")
    form = values.get("form", "")
    if form not in dict(FORM_CHOICES):
        errors["form"] = N_("Choose whether the gift was money or something else.")

    value: int | None = None
    if not values.get("value", "").strip():
        errors["value"] = N_("Enter the estimated value in rupiah, for example 1.500.000.")
    else:
        try:
            value = parse_rupiah(values["value"])
        except ValueError:
            errors["value"] = N_("Enter an amount in whole rupiah, for example 1.500.000.")

    earlier = 0
    if values.get("earlier", "").strip():
        try:
            earlier = parse_rupiah(values["earlier"])
        except ValueError:
            errors["earlier"] = N_(
                "Enter an amount in whole rupiah, for example 500.000, or leave it empty."
            )

    answers: dict[str, bool | None] = {}
    for name in ("conflict", "linked"):
        if values.get(name, "") not in _YES_NO:
            errors[name] = N_("Choose yes, no or I don't know.")
        else:
            answers[name] = _YES_NO[values[name]]

    if errors:
        return Parsed(None, errors)
    assert received_on is not None
    assert value is not None
    question = GiftQuestion(
        received_on=received_on,
        occasion=occasion,  # type: ignore[arg-type]  # checked against OCCASION_CHOICES
        form=form,  # type: ignore[arg-type]  # checked against FORM_CHOICES
        value_rupiah=value,
        value_from_same_giver_this_year=earlier,
        giver_has_conflict_of_interest=answers["conflict"],
        linked_to_position=answers["linked"],
        refused=outcome == "refused",
    )
    return Parsed(question, {})


def today(settings: Settings) -> dt.date:
    """Today in the tenants' time zone (deadlines are counted in local working days)."""
    return dt.datetime.now(zoneinfo.ZoneInfo(settings.timezone)).date()


async def read_form(request: Request) -> dict[str, str]:
    """The urlencoded body, within `MAX_BODY_BYTES` and `MAX_FIELDS`; each value cut short."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise UnsupportedMediaType()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise TooLarge()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise TooLarge()
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise BadRequest(N_("The form could not be read.")) from None
    values: dict[str, str] = {}
    for name, value in pairs:
        if name in FIELDS and name not in values:
            values[name] = value[:MAX_FIELD_CHARS]
    return values


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _context(
    tenant_name: str, slug: str, values: Mapping[str, str], **extra: Any
) -> dict[str, Any]:
    typed_date = values.get("received_on", "")
    return {
        "tenant_name": tenant_name,
        "tenant_slug": slug,
        "report_path": f"/lapor/{slug}/gratifikasi",
        "values": values,
        # A date field shows only ISO dates; anything else typed is kept in a text field.
        "date_type": "date" if not typed_date or _ISO_DATE.match(typed_date) else "text",
        "errors": {},
        "occasion_choices": OCCASION_CHOICES,
        "form_choices": FORM_CHOICES,
        "outcome_choices": OUTCOME_CHOICES,
        "yes_no_choices": YES_NO_CHOICES,
        "assessment": None,
        "decision": None,
        "uncovered_year": None,
        **extra,
    }


async def check_gift(request: Request) -> Response:
    """``GET``: the form. ``POST``: the answer on the same page (422 with the errors)."""
    async with request.app.state.db.reading() as session:
        tenant = await tenant_by_slug(session, request.path_params["tenant"])
        if tenant is None:
            raise NotFound()
        name, slug = tenant.name, tenant.slug
    now = today(request.app.state.settings)

    if request.method == "GET":
        return render(request, TEMPLATE, _context(name, slug, {"received_on": now.isoformat()}))

    values = await read_form(request)
    parsed = parse_answers(values, now)
    if parsed.question is None:
        context = _context(name, slug, values, errors=parsed.errors)
        return render(request, TEMPLATE, context, status_code=422)

    question = parsed.question
    try:
        assessment = assess_gift(question, now)
    except CalendarNotCovered as exc:
        # The decision stands; the deadline cannot be counted without that year's
        # holidays, and is never guessed from weekends alone.
        decided = decide_gift(question)
        context = _context(name, slug, values, decision=decided, uncovered_year=exc.year)
        return render(request, TEMPLATE, context)
    context = _context(name, slug, values, decision=assessment, assessment=assessment)
    return render(request, TEMPLATE, context)
