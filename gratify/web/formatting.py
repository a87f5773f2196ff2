"""Dates, numbers and rupiah in the current request's language (Babel, CLDR data).

Registered as template filters (``|date``, ``|number``, ``|rupiah``) by `templating`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency, format_decimal

from gratify.web.i18n import current_language

# Whole rupiah only: nobody reports sen. Indonesian style has no space after the symbol
# (Rp1.500.000); English spells the ISO code and keeps it on the number's line.
_RUPIAH_PATTERNS = {"id": "¤#,##0", "en": "¤\u00a0#,##0"}


def format_date(value: datetime.date, format: str = "long", language: str | None = None) -> str:
    """`value` as a date in the language: ``20 Januari 2026`` / ``January 20, 2026``.

    `format` is a Babel/CLDR width (``short``, ``medium``, ``long``, ``full``) or pattern.
    A datetime shows only its date.
    """
    if isinstance(value, datetime.datetime):
        value = value.date()
    return babel_format_date(value, format=format, locale=language or current_language())


def format_number(value: int | float | Decimal, language: str | None = None) -> str:
    """`value` with the language's separators: ``1.500.000,5`` / ``1,500,000.5``."""
    return format_decimal(value, locale=language or current_language())


def format_rupiah(amount: int | Decimal, language: str | None = None) -> str:
    """A rupiah amount, rounded to whole rupiah: ``Rp1.500.000`` / ``IDR 1,500,000``."""
    language = language or current_language()
    return format_currency(
        amount,
        "IDR",
        format=_RUPIAH_PATTERNS[language],
        locale=language,
        currency_digits=False,
    )
