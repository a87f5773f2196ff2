"""Figures that are not counts: medians, shares and mean ratings. Pure.

The rule for all of them: a figure about fewer than k cases (or reporters) is never shown,
and a share is withheld when either side of it (those in time, those late) is a group of
fewer than k, since a share and a known whole would give it away.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping

from gratify.rules.calendar import CalendarNotCovered
from gratify.stats.aggregates import Milestone

MEASURES = ("acknowledged", "responded", "closed")
KPK_FORWARD_LIMIT = 10  # working days (KPK regulation 2/2019, the UPG forwards within 10)


def _withheld(part: int, k: int) -> bool:
    return 0 < part < k


def share(part: int, whole: int, k: int) -> float | None:
    """`part` of `whole` as a fraction, or None when either side is a group below k."""
    if whole < k or _withheld(part, k) or _withheld(whole - part, k):
        return None
    return part / whole


def weighted_median(values: Mapping[int, int]) -> float | None:
    """The median of values given as value -> how many times."""
    total = sum(values.values())
    if total == 0:
        return None
    ordered = sorted(values.items())

    def at(position: int) -> int:
        seen = 0
        for value, n in ordered:
            seen += n
            if position < seen:
                return value
        raise AssertionError("position beyond the values")

    if total % 2:
        return float(at(total // 2))
    return (at(total // 2 - 1) + at(total // 2)) / 2


@dataclasses.dataclass(frozen=True, slots=True)
class Durations:
    """Median working days to each milestone, and the share forwarded to KPK in time."""

    medians: dict[str, float | None]
    kpk_in_time: float | None


Spans = dict[str, dict[int, int]]  # measure -> working days -> cases


def spans_of(
    milestones: Iterable[Milestone], working_days: Callable[[dt.date, dt.date], int]
) -> Spans:
    """Working days to each milestone, counted; days outside the holiday calendar are
    left out."""
    spans: Spans = {m: {} for m in (*MEASURES, "forwarded_to_kpk")}
    for m in milestones:
        if m.measure not in spans:
            continue
        try:
            days = working_days(m.start, m.end)
        except CalendarNotCovered:
            continue
        spans[m.measure][days] = spans[m.measure].get(days, 0) + m.n
    return spans


def merged(parts: Iterable[Spans]) -> Spans:
    """Several months' spans added up."""
    total: Spans = {m: {} for m in (*MEASURES, "forwarded_to_kpk")}
    for part in parts:
        for measure, days in part.items():
            into = total.setdefault(measure, {})
            for d, n in days.items():
                into[d] = into.get(d, 0) + n
    return total


def durations(spans: Spans, k: int) -> Durations:
    """Medians over at least k cases, and the share forwarded to KPK in time."""
    medians = {
        measure: weighted_median(spans[measure]) if sum(spans[measure].values()) >= k else None
        for measure in MEASURES
    }
    forwarded = spans["forwarded_to_kpk"]
    in_time = sum(n for days, n in forwarded.items() if days <= KPK_FORWARD_LIMIT)
    return Durations(medians, share(in_time, sum(forwarded.values()), k))


@dataclasses.dataclass(frozen=True, slots=True)
class Satisfaction:
    """Mean score (1-5) and number of ratings per question, or None below k ratings."""

    means: dict[str, float | None]
    counts: dict[str, int | None]


QUESTIONS = ("handling", "clarity")


def satisfaction(scores: Mapping[str, Mapping[int, int]], k: int) -> Satisfaction:
    """Only the mean and the number of ratings, and only from k ratings up."""
    means: dict[str, float | None] = {}
    counts: dict[str, int | None] = {}
    for question in QUESTIONS:
        given = scores.get(question, {})
        n = sum(given.values())
        if n >= k:
            means[question] = sum(score * c for score, c in given.items()) / n
            counts[question] = n
        else:
            means[question] = None
            counts[question] = None if n else 0
    return Satisfaction(means, counts)
