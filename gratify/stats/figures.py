"""The tables of a statistics report, as the page, the JSON and the CSV all show them. Pure.

One function makes every table from one `Report`, so the three formats cannot disagree:
each table is its column names and its rows, the last column the count (None: withheld).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from gratify.stats.publication import ALL
from gratify.stats.service import Report

Value = int | None


@dataclasses.dataclass(frozen=True, slots=True)
class Table:
    """A table of counts: `columns` name each field of each row, ``count`` last."""

    name: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def _keys(report: Report, prefix: str, scope: str) -> list[tuple[Any, ...]]:
    found: set[tuple[Any, ...]] = set()
    for month in report.months:
        for name in month.totals:
            assert isinstance(name, tuple)
            if name[0] == prefix and name[1] == scope:
                found.add(name)
    return sorted(found)


def _period_table(report: Report, name: str, prefix: str, columns: tuple[str, ...]) -> Table:
    """A total over the period per key: the figure's monthly values added (or withheld)."""
    rows = [(*key[2:], report.total(key)) for key in _keys(report, prefix, report.scope)]
    return Table(name, (*columns, "count"), rows)


def tables(report: Report) -> dict[str, Table]:
    """Every table of the report, by name (the JSON's keys, the CSV's ``table``)."""
    scope = report.scope
    out: dict[str, Table] = {}
    cells = report.cells()
    out["cells"] = Table(
        "cells", ("tenant", "kind", "agency", "month", "status", "count"), list(cells)
    )
    out["total"] = Table(
        "total", ("count",), [(report.total(("total", scope)),)] if report.months else []
    )
    kinds = _keys(report, "kind", scope)
    out["by_month"] = Table(
        "by_month",
        ("month", "kind", "count"),
        [(m, key[2], v) for key in kinds for m, v in report.monthly(key)],
    )
    out["by_kind"] = _period_table(report, "by_kind", "kind", ("kind",))
    out["by_status"] = _period_table(report, "by_status", "status", ("status",))
    if scope == ALL:
        out["by_tenant"] = Table(
            "by_tenant",
            ("tenant", "count"),
            [(slug, report.total(("total", slug))) for slug in sorted(report.tenants)],
        )
    else:
        out["by_agency"] = _period_table(report, "by_agency", "agency", ("agency",))
    hotspots = report.detail("h")
    out["hotspots"] = Table(
        "hotspots",
        ("tenant", "agency", "service", "count"),
        _by_count((*key, value) for key, value in hotspots.items()),
    )
    outcomes = report.detail("o")
    if scope == ALL:
        merged: dict[tuple[Any, ...], list[Value]] = {}
        for key, value in outcomes.items():
            merged.setdefault(key[-2:], []).append(value)
        rows = [(*key, _sum(values)) for key, values in sorted(merged.items())]
    else:
        rows = [(*key[1:], value) for key, value in sorted(outcomes.items())]
    out["kpk_outcomes"] = Table("kpk_outcomes", ("outcome", "bracket", "count"), rows)
    out["by_outcome"] = _period_table(report, "by_outcome", "outcome", ("outcome",))
    out["by_bracket"] = _period_table(report, "by_bracket", "bracket", ("bracket",))
    return out


def _sum(values: Iterable[Value]) -> Value:
    total = 0
    for v in values:
        if v is None:
            return None
        total += v
    return total


def _by_count(rows: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Largest first, withheld last, then by name."""
    return sorted(rows, key=lambda r: (r[-1] is None, -(r[-1] or 0), r[:-1]))


def indicators(report: Report) -> dict[str, float | int | None]:
    """The figures that are not counts (None: about fewer than k cases, withheld)."""
    d = report.durations
    s = report.satisfaction
    return {
        "median_working_days_to_acknowledgement": d.medians["acknowledged"],
        "median_working_days_to_first_response": d.medians["responded"],
        "median_working_days_to_closing": d.medians["closed"],
        "share_forwarded_to_kpk_within_10_working_days": d.kpk_in_time,
        "overdue_share": report.overdue_share,
        "satisfaction_handling_mean": s.means["handling"],
        "satisfaction_handling_ratings": s.counts["handling"],
        "satisfaction_clarity_mean": s.means["clarity"],
        "satisfaction_clarity_ratings": s.counts["clarity"],
    }
