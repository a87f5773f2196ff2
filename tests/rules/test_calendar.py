from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gratify.rules.calendar import CalendarNotCovered, WorkingDayCalendar

# Idul Fitri 1447 H with its cuti bersama fall in March 2026; used here only as sample days off.
DAYS_OFF = WorkingDayCalendar.with_days_off(
    [dt.date(2026, 3, 20), dt.date(2026, 3, 23), dt.date(2026, 3, 24)]
)


def test_weekends_are_not_working_days() -> None:
    calendar = WorkingDayCalendar()
    assert calendar.is_working_day(dt.date(2026, 11, 23))  # Monday
    assert not calendar.is_working_day(dt.date(2026, 11, 28))  # Saturday
    assert not calendar.is_working_day(dt.date(2026, 11, 29))  # Sunday


def test_ten_working_days_skip_weekends_and_days_off() -> None:
    # Received Wednesday 18 March 2026; 19 is a working day, 20/23/24 are off.
    assert DAYS_OFF.add_working_days(dt.date(2026, 3, 18), 10) == dt.date(2026, 4, 6)
    assert WorkingDayCalendar().add_working_days(dt.date(2026, 3, 18), 10) == dt.date(2026, 4, 1)


def test_zero_days_is_the_same_day_and_negative_is_refused() -> None:
    assert DAYS_OFF.add_working_days(dt.date(2026, 3, 21), 0) == dt.date(2026, 3, 21)
    with pytest.raises(ValueError, match="negative"):
        DAYS_OFF.add_working_days(dt.date(2026, 3, 21), -1)


dates = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31))


@given(start=dates, count=st.integers(min_value=0, max_value=60))
def test_counting_back_gives_the_count(start: dt.date, count: int) -> None:
    end = DAYS_OFF.add_working_days(start, count)
    assert DAYS_OFF.working_days_between(start, end) == count
    assert count == 0 or DAYS_OFF.is_working_day(end)


@given(a=dates, b=dates)
def test_between_is_antisymmetric(a: dt.date, b: dt.date) -> None:
    assert DAYS_OFF.working_days_between(a, b) == -DAYS_OFF.working_days_between(b, a)


def test_a_calendar_with_covered_years_refuses_to_count_outside_them() -> None:
    covered = WorkingDayCalendar.with_days_off(DAYS_OFF.days_off, covered_years=[2026])
    assert covered.add_working_days(dt.date(2026, 3, 18), 10) == dt.date(2026, 4, 6)
    with pytest.raises(CalendarNotCovered) as caught:
        covered.add_working_days(dt.date(2026, 12, 28), 10)
    assert caught.value.year == 2027
    assert "2027" in str(caught.value)
    # Without declared years nothing is checked, as before.
    assert DAYS_OFF.covers(dt.date(1990, 1, 1))
