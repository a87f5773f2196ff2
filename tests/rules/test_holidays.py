"""The holiday calendar as data: what the file says, and that a bad file is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gratify.rules import holidays
from gratify.rules._data import read_data_file
from gratify.rules.calendar import CalendarNotCovered, WorkingDayCalendar
from gratify.rules.holidays import (
    HolidayDataError,
    covered_years,
    holiday_years,
    load_calendar,
    parse_holidays,
    provisional_years,
)

D = dt.date


def test_the_data_covers_2024_to_2027_and_2027_is_provisional() -> None:
    assert covered_years() == (2024, 2025, 2026, 2027)
    assert provisional_years() == (2027,)
    for year, entry in holiday_years().items():
        assert entry.sources, year
        assert all(source.date.year in (year - 1, year) for source in entry.sources), year


@pytest.mark.parametrize(
    ("year", "libur", "cuti_bersama"),
    [
        # SKB 855/2023 (17 + 10), plus election days by Keppres 10/2024 and 33/2024.
        (2024, 19, 10),
        # SKB 1017/2024 (17 + 10), plus 18 August by the amendment SKB 933/2025.
        (2025, 17, 11),
        # SKB 1497/2025: 17 + 8.
        (2026, 17, 8),
    ],
)
def test_official_years_have_the_published_number_of_days(
    year: int, libur: int, cuti_bersama: int
) -> None:
    days = holiday_years()[year].days
    assert sum(day.kind == "libur" for day in days) == libur
    assert sum(day.kind == "cuti_bersama" for day in days) == cuti_bersama


@pytest.mark.parametrize(
    "day",
    [
        D(2024, 2, 14),  # general election, Keppres 10/2024
        D(2024, 4, 8),  # cuti bersama Idul Fitri 1445
        D(2024, 11, 27),  # regional elections, Keppres 33/2024
        D(2025, 8, 18),  # cuti bersama, 80th Independence Day
        D(2026, 1, 16),  # Isra Mikraj
        D(2026, 3, 20),  # cuti bersama Idul Fitri 1447
        D(2026, 3, 23),
        D(2026, 3, 24),
        D(2026, 12, 24),  # cuti bersama Christmas
    ],
)
def test_weekday_holidays_and_cuti_bersama_are_days_off(day: D) -> None:
    assert day.weekday() < 5
    assert not load_calendar().is_working_day(day)


@pytest.mark.parametrize("day", [D(2026, 1, 19), D(2026, 1, 20), D(2026, 3, 25), D(2026, 12, 28)])
def test_ordinary_weekdays_are_working_days(day: D) -> None:
    assert load_calendar().is_working_day(day)


def test_counting_into_an_uncovered_year_raises_never_counts_weekends_only() -> None:
    calendar = load_calendar()
    with pytest.raises(CalendarNotCovered) as caught:
        calendar.add_working_days(D(2027, 12, 20), 30)
    assert caught.value.year == 2028
    assert caught.value.covered == (2024, 2025, 2026, 2027)
    with pytest.raises(CalendarNotCovered):
        calendar.add_working_days(D(2023, 12, 29), 1)
    with pytest.raises(CalendarNotCovered):
        calendar.is_working_day(D(2023, 6, 1))
    with pytest.raises(CalendarNotCovered):
        calendar.working_days_between(D(2027, 12, 1), D(2028, 1, 31))
    # CalendarNotCovered is a ValueError, so callers that guard counts catch it too.
    assert issubclass(CalendarNotCovered, ValueError)


def test_a_calendar_of_chosen_years_covers_only_those() -> None:
    only_2026 = load_calendar([2026])
    assert only_2026.covered_years == frozenset({2026})
    assert not only_2026.is_working_day(D(2026, 3, 20))
    with pytest.raises(CalendarNotCovered):
        only_2026.add_working_days(D(2026, 12, 20), 10)
    with pytest.raises(CalendarNotCovered) as caught:
        load_calendar([2026, 2031])
    assert caught.value.year == 2031


def test_the_calendar_is_parsed_once() -> None:
    assert load_calendar() is load_calendar()
    assert load_calendar([2026, 2025]) is load_calendar([2025, 2026])
    assert holiday_years() is holiday_years()


def test_provisional_years_are_marked_on_the_calendar() -> None:
    calendar = load_calendar()
    assert calendar.provisional_years == frozenset({2027})
    assert calendar.is_provisional(D(2027, 1, 4))
    assert not calendar.is_provisional(D(2026, 12, 31))


def test_a_hand_made_calendar_checks_nothing_as_before() -> None:
    calendar = WorkingDayCalendar()
    assert calendar.covers(D(1999, 1, 1))
    assert calendar.add_working_days(D(2030, 1, 1), 1) == D(2030, 1, 2)
    with pytest.raises(ValueError, match="provisional"):
        WorkingDayCalendar.with_days_off([], covered_years=[2026], provisional_years=[2027])


def test_data_is_read_from_the_installed_package() -> None:
    # importlib.resources, not a path next to the checkout: works from a wheel.
    text = read_data_file(holidays.DATA_FILE)
    assert "[[year]]" in text
    assert parse_holidays(text) == holiday_years()


# --- validation ------------------------------------------------------------------------

GOOD_YEAR = """
[[year]]
year = 2030
provisional = false
[[year.source]]
instrument = "SKB"
number = "1 Tahun 2029"
date = 2029-09-01
[[year.day]]
date = 2030-01-01
kind = "libur"
name = "Tahun Baru"
"""


def _file(years: str = GOOD_YEAR, schema: int = 1) -> str:
    return f"schema = {schema}\n{years}"


def test_a_good_file_parses() -> None:
    parsed = parse_holidays(_file())
    assert parsed[2030].days[0].date == D(2030, 1, 1)
    assert parsed[2030].sources[0].number == "1 Tahun 2029"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("date = 2030-01-01", "date = 2031-01-01"), "is not in 2030"),
        (('kind = "libur"', 'kind = "holiday"'), "is not one of"),
        (('name = "Tahun Baru"', 'name = ""'), "non-empty"),
        (("date = 2030-01-01", 'date = "2030-01-01"'), "expected a date"),
        (("date = 2030-01-01", "date = 2030-01-01T00:00:00"), "expected a date"),
        (("provisional = false", 'provisional = "no"'), "true or false"),
        (("provisional = false", "provisional = false\nprovisonal = true"), "unknown key"),
        (('name = "Tahun Baru"', 'name = "Tahun Baru"\nnmae = "x"'), "unknown key"),
        (("year = 2030", "year = 1930"), "year"),
        (('instrument = "SKB"\n', ""), "instrument: missing"),
        (("[[year.source]]", "[[year.sauce]]"), "source: missing"),
        (
            ('date = 2030-01-01\nkind = "libur"', 'date = 2030-01-05\nkind = "cuti_bersama"'),
            "cuti bersama on a weekend",
        ),
    ],
)
def test_bad_files_are_refused_with_the_place(change: tuple[str, str], message: str) -> None:
    with pytest.raises(HolidayDataError, match=message):
        parse_holidays(_file(GOOD_YEAR.replace(*change)))


def test_duplicate_dates_and_years_are_refused() -> None:
    twice = GOOD_YEAR + '[[year.day]]\ndate = 2030-01-01\nkind = "libur"\nname = "Lagi"\n'
    with pytest.raises(HolidayDataError, match="listed twice"):
        parse_holidays(_file(twice))
    with pytest.raises(HolidayDataError, match="2030 is listed twice"):
        parse_holidays(_file(GOOD_YEAR + GOOD_YEAR))


def test_wrong_schema_and_bad_toml_are_refused() -> None:
    with pytest.raises(HolidayDataError, match="schema"):
        parse_holidays(_file(schema=2))
    with pytest.raises(HolidayDataError, match="not valid TOML"):
        parse_holidays("schema = = 1")


def test_holidays_on_weekends_are_allowed() -> None:
    # No weekday-only assumption: holidays fall on Sundays (2026-03-22 Idul Fitri).
    sunday = GOOD_YEAR.replace("date = 2030-01-01", "date = 2030-01-06")
    assert parse_holidays(_file(sunday))[2030].days[0].date.weekday() == 6


# --- properties on the real data --------------------------------------------------------

dates = st.dates(min_value=D(2024, 1, 1), max_value=D(2027, 10, 31))


@given(start=dates, count=st.integers(min_value=1, max_value=30))
def test_a_deadline_is_a_working_day_and_counts_back(start: D, count: int) -> None:
    calendar = load_calendar()
    end = calendar.add_working_days(start, count)
    assert calendar.is_working_day(end)
    assert end.weekday() < 5
    assert calendar.working_days_between(start, end) == count


@given(a=dates, b=dates, count=st.integers(min_value=0, max_value=30))
def test_a_later_start_never_gives_an_earlier_deadline(a: D, b: D, count: int) -> None:
    calendar = load_calendar()
    early, late = sorted((a, b))
    assert calendar.add_working_days(early, count) <= calendar.add_working_days(late, count)
