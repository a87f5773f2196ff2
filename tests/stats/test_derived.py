"""Medians, shares and ratings: shown only about k or more."""

from __future__ import annotations

import datetime as dt

from gratify.stats.aggregates import Milestone
from gratify.stats.derived import (
    durations,
    merged,
    satisfaction,
    share,
    spans_of,
    weighted_median,
)


def test_weighted_median() -> None:
    assert weighted_median({}) is None
    assert weighted_median({3: 1}) == 3
    assert weighted_median({1: 2, 5: 2}) == 3
    assert weighted_median({1: 1, 2: 5, 9: 1}) == 2


def test_a_share_is_withheld_when_either_side_is_small() -> None:
    assert share(10, 20, 5) == 0.5
    assert share(18, 20, 5) is None  # 2 late would be given away
    assert share(3, 20, 5) is None
    assert share(20, 20, 5) == 1.0  # nobody late names nobody
    assert share(2, 4, 5) is None


def test_medians_in_working_days_over_k_cases_only() -> None:
    monday = dt.date(2025, 3, 3)

    def weekdays(start: dt.date, end: dt.date) -> int:
        return sum(
            1 for i in range(1, (end - start).days + 1)
            if (start + dt.timedelta(days=i)).weekday() < 5
        )  # fmt: skip

    friday = monday + dt.timedelta(days=4)
    next_monday = monday + dt.timedelta(days=7)
    rows = [
        Milestone("acknowledged", monday, friday, 3),  # 4 working days
        Milestone("acknowledged", monday, next_monday, 2),  # 5
        Milestone("closed", monday, friday, 2),
        Milestone("forwarded_to_kpk", monday, friday, 6),
        Milestone("forwarded_to_kpk", monday, monday + dt.timedelta(days=21), 6),  # 15
    ]
    spans = merged([spans_of(rows[:2], weekdays), spans_of(rows[2:], weekdays)])
    figures = durations(spans, 5)
    assert figures.medians["acknowledged"] == 4
    assert figures.medians["closed"] is None  # 2 cases
    assert figures.kpk_in_time == 0.5


def test_ratings_only_as_a_mean_over_k() -> None:
    shown = satisfaction({"handling": {5: 3, 1: 2}, "clarity": {4: 2}}, 5)
    assert shown.means["handling"] == 3.4
    assert shown.counts["handling"] == 5
    assert shown.means["clarity"] is None
    assert shown.counts["clarity"] is None
