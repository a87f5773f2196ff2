"""The working-day calendar that legal deadlines are counted on.

KPK regulation 2/2019 (amended by 1/2026) counts in *hari kerja*: Monday to Friday, minus
national holidays and *cuti bersama*, which the government publishes each year. The
holidays are data (rules files, per year), never code; this module only counts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

_SATURDAY = 5


@dataclasses.dataclass(frozen=True, slots=True)
class WorkingDayCalendar:
    """Weekends and the given non-working dates (holidays and cuti bersama) are days off."""

    days_off: frozenset[dt.date] = frozenset()

    @classmethod
    def with_days_off(cls, days: Iterable[dt.date]) -> WorkingDayCalendar:
        return cls(frozenset(days))

    def is_working_day(self, day: dt.date) -> bool:
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
