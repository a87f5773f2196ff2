"""Random case sets through the monthly publication: what is shown is exact, and no
withheld figure is a linear combination of everything shown (checked over the cases'
own metadata, with exact rational arithmetic, independently of the suppression code)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gratify.stats.publication import ALL, Row, months_between, period_sum, publish_month
from tests.stats.linear import Span

TENANTS = ("a", "b")
KINDS = ("gratification", "broker")
AGENCIES = ("x", "y")
SERVICES = ("", "s1")
STATUSES = ("received", "closed")
BRACKETS = ("0-999", "1000+")
OUTCOMES = ("", "milik_negara")
# Every combination of metadata a case can have: the unknowns of a reader's equations.
ATOMS = list(itertools.product(TENANTS, KINDS, AGENCIES, SERVICES, STATUSES, BRACKETS, OUTCOMES))

Atom = tuple[str, str, str, str, str, str, str]


def _vector(test: Callable[[Atom], bool]) -> list[Fraction]:
    return [Fraction(1 if test(atom) else 0) for atom in ATOMS]


def _cell_test(key: Any) -> Callable[[Atom], bool]:
    """Which cases a detail cell counts, from the docstring of `publication`."""
    table, tenant, *rest = key
    if table == "c":
        kind, agency, status = rest
        return lambda a: a[0] == tenant and (a[1], a[2], a[4]) == (kind, agency, status)
    if table == "h":
        agency, service = rest
        return lambda a: a[0] == tenant and a[1] == "broker" and (a[2], a[3]) == (agency, service)
    outcome, bracket = rest
    return lambda a: (
        a[0] == tenant and a[1] == "gratification" and (a[6], a[5]) == (outcome, bracket)
    )


def _total_test(name: Any) -> Callable[[Atom], bool]:
    what, tenant, *rest = name

    def scope(a: Atom) -> bool:
        return bool(tenant == ALL or a[0] == tenant)

    match what:
        case "total":
            return scope
        case "kind":
            return lambda a: scope(a) and a[1] == rest[0]
        case "agency":
            return lambda a: scope(a) and a[2] == rest[0]
        case "status":
            return lambda a: scope(a) and a[4] == rest[0]
        case "kind_agency":
            return lambda a: scope(a) and (a[1], a[2]) == tuple(rest)
        case "kind_status":
            return lambda a: scope(a) and (a[1], a[4]) == tuple(rest)
        case "outcome":
            return lambda a: scope(a) and a[1] == "gratification" and a[6] == rest[0]
        case "bracket":
            return lambda a: scope(a) and a[1] == "gratification" and a[6] != "" and a[5] == rest[0]
    raise AssertionError(name)


def _all_cell_keys() -> list[Any]:
    keys: list[Any] = []
    for t in TENANTS:
        keys += [("c", t, k, a, s) for k in KINDS for a in AGENCIES for s in STATUSES]
        keys += [("h", t, a, s) for a in AGENCIES for s in SERVICES]
        keys += [("o", t, o, b) for o in OUTCOMES if o for b in BRACKETS]
    return keys


case_sets = st.lists(st.sampled_from(range(len(ATOMS))), min_size=0, max_size=60)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_sets, st.integers(3, 6))
def test_published_counts_are_exact_and_withheld_ones_cannot_be_worked_out(
    cases: list[int], k: int
) -> None:
    counts = [0] * len(ATOMS)
    for i in cases:
        counts[i] += 1
    rows = [
        Row(t, "2026-01", kind, agency, service, status, bracket, outcome, n)
        for (t, kind, agency, service, status, bracket, outcome), n in zip(
            ATOMS, counts, strict=True
        )
        if n
    ]
    figures = publish_month("2026-01", rows, k)

    def true_value(test: Callable[[Atom], bool]) -> int:
        return sum(n for atom, n in zip(ATOMS, counts, strict=True) if test(atom))

    published: list[list[Fraction]] = []
    withheld: list[tuple[Any, list[Fraction], int]] = []
    for key in _all_cell_keys():
        test = _cell_test(key)
        value = figures.cells.get(key, 0)
        if value is None:
            withheld.append((key, _vector(test), true_value(test)))
        else:
            assert value == true_value(test), key  # exact, zeros included
            published.append(_vector(test))
    for name, value in figures.totals.items():
        test = _total_test(name)
        if value is None:
            withheld.append((name, _vector(test), true_value(test)))
        else:
            assert value == true_value(test), name
            published.append(_vector(test))
    span = Span(published)
    for name, vector, value in withheld:
        assert value > 0, name  # only counts above zero are ever withheld
        if value < k:
            assert not span.contains(vector), name
    # Every small count is withheld.
    for key in _all_cell_keys():
        if 0 < true_value(_cell_test(key)) < k:
            assert figures.cells.get(key) is None


def test_a_period_figure_is_withheld_when_a_month_of_it_is() -> None:
    assert period_sum([3, 4]) == 7
    assert period_sum([3, None, 4]) is None
    assert months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
