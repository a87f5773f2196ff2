"""The working-day calendar that legal deadlines are counted on.

KPK regulation 2/2019 (amended by 1/2026) counts in *hari kerja*: Monday to Friday, minus
national holidays and *cuti bersama*, which the government publishes each year. The
holidays are data (rules files, per year), never code; this module only counts.

A calendar may say which years its days off cover (`covered_years`). Counting into any
other year then raises `CalendarNotCovered` instead of silently counting weekends only:
a deadline counted without that year's holidays can come out too late, and a civil
servant who trusts it can end up reporting after the legal period.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

_SATURDAY = 5


class CalendarNotCovered(ValueError):
    """A working day was asked about in a year whose holidays the calendar does not hold."""

    def __init__(self, year: int, covered: Iterable[int] = ()) -> None:
        self.year = year
        self.covered: tuple[int, ...] = tuple(sorted(covered))
        known = ", ".join(str(y) for y in self.covered) or "none"
        super().__init__(
            f"the working-day calendar has no holidays for {year} (covered years: {known})"
        )


@dataclasses.dataclass(frozen=True, slots=True)
class WorkingDayCalendar:
    """Weekends and the given non-working dates (holidays and cuti bersama) are days off.

    `covered_years`: the years whose days off are known; None means "do not check" (a
    calendar built by hand, e.g. in tests). `provisional_years`: covered years whose list
    is not yet official, so a deadline counted through them must be shown with a caution.
    """

    days_off: frozenset[dt.date] = frozenset()
    covered_years: frozenset[int] | None = None
    provisional_years: frozenset[int] = frozenset()

    @classmethod
    def with_days_off(
        cls,
        days: Iterable[dt.date],
        *,
        covered_years: Iterable[int] | None = None,
        provisional_years: Iterable[int] = (),
    ) -> WorkingDayCalendar:
        covered = None if covered_years is None else frozenset(covered_years)
        provisional = frozenset(provisional_years)
        if covered is not None and not provisional <= covered:
            raise ValueError("provisional years must be covered years")
        return cls(frozenset(days), covered, provisional)

    def covers(self, day: dt.date) -> bool:
        """Whether the days off of `day`'s year are known (always, if nothing is declared)."""
        return self.covered_years is None or day.year in self.covered_years

    def check_covered(self, day: dt.date) -> None:
        """Raise `CalendarNotCovered` unless the calendar knows `day`'s year."""
        if not self.covers(day):
            raise CalendarNotCovered(day.year, self.covered_years or ())

    def is_provisional(self, day: dt.date) -> bool:
        """Whether `day` lies in a year whose list of days off is not yet official."""
        return day.year in self.provisional_years

    def is_working_day(self, day: dt.date) -> bool:
        self.check_covered(day)
        return day.weekday() < _SATURDAY and day not in self.days_off

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        """The date `count` working days after `start` (the day of the event is not counted).

        This is the last day of a legal period that runs "within N working days of" `start`.
        """
        if count < 0:
            raise ValueError("count must not be negative")
        day = start
        remaining = count
        while remaining:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end`; negative if `end` is earlier."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            1
            for offset in range(1, (end - start).days + 1)
            if self.is_working_day(start + dt.timedelta(days=offset))
        )
