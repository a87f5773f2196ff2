"""Legal deadlines of a gratification report, on the working-day calendar.

Each helper picks the version of the rules in force on the date that starts the period
(the gift's receipt, or the report's filing) and counts that version's working days on
the holiday calendar. All raise `CalendarNotCovered` if the count runs into a year whose
holidays are not in the data: a deadline is never guessed from weekends alone.
"""

from __future__ import annotations

import datetime as dt

from gratify.rules.calendar import WorkingDayCalendar
from gratify.rules.holidays import load_calendar
from gratify.rules.regulations import DeadlineKind, GratificationRules, load_rules


def due(
    kind: DeadlineKind,
    start: dt.date,
    *,
    rules: GratificationRules | None = None,
    calendar: WorkingDayCalendar | None = None,
) -> dt.date:
    """The last day of the `kind` period that starts on `start` (`start` itself not counted)."""
    ruleset = (rules or load_rules()).in_force_on(start)
    working_days = ruleset.deadline(kind).working_days
    return (calendar or load_calendar()).add_working_days(start, working_days)


def upg_report_due(
    received_on: dt.date,
    *,
    rules: GratificationRules | None = None,
    calendar: WorkingDayCalendar | None = None,
) -> dt.date:
    """Last day for the recipient to report to the agency's UPG (10 working days)."""
    return due("upg_report", received_on, rules=rules, calendar=calendar)


def kpk_report_due(
    received_on: dt.date,
    *,
    rules: GratificationRules | None = None,
    calendar: WorkingDayCalendar | None = None,
) -> dt.date:
    """Last day for the recipient to report directly to KPK (30 working days, art. 12C)."""
    return due("kpk_report", received_on, rules=rules, calendar=calendar)


def upg_forward_due(
    filed_on: dt.date,
    *,
    rules: GratificationRules | None = None,
    calendar: WorkingDayCalendar | None = None,
) -> dt.date:
    """Last day for the UPG to forward a report filed on `filed_on` to KPK (10 working days)."""
    return due("upg_forward", filed_on, rules=rules, calendar=calendar)


def completion_due(
    filed_on: dt.date,
    *,
    rules: GratificationRules | None = None,
    calendar: WorkingDayCalendar | None = None,
) -> dt.date:
    """Last day to complete a report filed on `filed_on` before it is dropped.

    30 working days under the 2019 text, 20 from 20 January 2026.
    """
    return due("completion", filed_on, rules=rules, calendar=calendar)
