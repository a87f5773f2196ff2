"""Indonesia's national holidays and cuti bersama, from ``data/holidays.toml``.

`load_calendar()` gives the `WorkingDayCalendar` that legal deadlines are counted on. It
covers exactly the years in the data file (`covered_years()`); counting into any other
year raises `CalendarNotCovered`, never a count of weekends only. Years whose list is not
yet official are `provisional_years()`. The file is read and checked once per process.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Iterable, Mapping

from gratify.rules._data import RulesDataError, Table, parse_toml, read_data_file
from gratify.rules.calendar import CalendarNotCovered, WorkingDayCalendar

__all__ = [
    "KINDS",
    "CalendarNotCovered",
    "DayOff",
    "HolidayDataError",
    "HolidayYear",
    "Source",
    "covered_years",
    "holiday_years",
    "load_calendar",
    "parse_holidays",
    "provisional_years",
]

DATA_FILE = "holidays.toml"
SCHEMA = 1
KINDS = ("libur", "cuti_bersama")
"""``libur``: hari libur nasional; ``cuti_bersama``: collective leave, always on a weekday."""

_SATURDAY = 5
# Years outside this range are typos, not calendars.
_FIRST_YEAR = 2000
_LAST_YEAR = 2100

HolidayDataError = RulesDataError


@dataclasses.dataclass(frozen=True, slots=True)
class Source:
    """The instrument that set a year's days off: an SKB 3 Menteri, a Keppres…"""

    instrument: str
    number: str | None
    date: dt.date
    note: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class DayOff:
    date: dt.date
    kind: str
    name: str
    note: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class HolidayYear:
    year: int
    provisional: bool
    sources: tuple[Source, ...]
    days: tuple[DayOff, ...]


def _source(table: Table) -> Source:
    source = Source(
        instrument=table.string("instrument"),
        number=table.optional_string("number"),
        date=table.date("date"),
        note=table.optional_string("note"),
    )
    table.done()
    return source


def _day(table: Table, year: int) -> DayOff:
    day = DayOff(
        date=table.date("date"),
        kind=table.choice("kind", KINDS),
        name=table.string("name"),
        note=table.optional_string("note"),
    )
    table.done()
    if day.date.year != year:
        raise HolidayDataError(f"{table.where}.date: {day.date} is not in {year}")
    # Holidays may fall on a weekend (no day is moved in Indonesia); collective leave on a
    # day nobody works is meaningless, so it is a typo.
    if day.kind == "cuti_bersama" and day.date.weekday() >= _SATURDAY:
        raise HolidayDataError(f"{table.where}.date: cuti bersama on a weekend ({day.date})")
    return day


def _year(table: Table) -> HolidayYear:
    year = table.integer("year", minimum=_FIRST_YEAR)
    if year > _LAST_YEAR:
        raise HolidayDataError(f"{table.where}.year: {year} is not a plausible year")
    provisional = table.boolean("provisional")
    sources = tuple(_source(t) for t in table.tables("source"))
    days = tuple(_day(t, year) for t in table.tables("day"))
    table.done()
    seen: set[dt.date] = set()
    for day in days:
        if day.date in seen:
            raise HolidayDataError(
                f"{table.where}: {day.date} is listed twice (give one entry per date)"
            )
        seen.add(day.date)
    if not provisional and not any(d.kind == "libur" for d in days):
        raise HolidayDataError(f"{table.where}: an official year without holidays")
    return HolidayYear(year, provisional, sources, tuple(sorted(days, key=lambda d: d.date)))


def parse_holidays(text: str, source: str = DATA_FILE) -> Mapping[int, HolidayYear]:
    """Parse and check a holidays file; raises `HolidayDataError` saying where it is wrong."""
    root = Table(parse_toml(text, source), source)
    if root.integer("schema") != SCHEMA:
        raise HolidayDataError(f"{source}.schema: expected {SCHEMA}")
    years: dict[int, HolidayYear] = {}
    for table in root.tables("year"):
        entry = _year(table)
        if entry.year in years:
            raise HolidayDataError(f"{table.where}.year: {entry.year} is listed twice")
        years[entry.year] = entry
    root.done()
    return dict(sorted(years.items()))


@functools.cache
def holiday_years() -> Mapping[int, HolidayYear]:
    """The package's holiday data, by year (read and checked once)."""
    return parse_holidays(read_data_file(DATA_FILE))


def covered_years() -> tuple[int, ...]:
    """The years whose days off are known, ascending."""
    return tuple(holiday_years())


def provisional_years() -> tuple[int, ...]:
    """Covered years whose list is not yet official (counted, but shown with a caution)."""
    return tuple(year for year, entry in holiday_years().items() if entry.provisional)


def calendar_from(years: Mapping[int, HolidayYear]) -> WorkingDayCalendar:
    """The calendar of exactly these years."""
    return WorkingDayCalendar.with_days_off(
        (day.date for entry in years.values() for day in entry.days),
        covered_years=years.keys(),
        provisional_years=(year for year, entry in years.items() if entry.provisional),
    )


def load_calendar(years: Iterable[int] | None = None) -> WorkingDayCalendar:
    """The working-day calendar of the holiday data, or of only the given `years`.

    Raises `CalendarNotCovered` if one of `years` is not in the data.
    """
    wanted = None if years is None else tuple(sorted(set(years)))
    return _load_calendar(wanted)


@functools.cache
def _load_calendar(years: tuple[int, ...] | None) -> WorkingDayCalendar:
    data = holiday_years()
    if years is None:
        return calendar_from(data)
    for year in years:
        if year not in data:
            raise CalendarNotCovered(year, data)
    return calendar_from({year: data[year] for year in years})
