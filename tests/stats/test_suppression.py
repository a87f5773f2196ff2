"""Suppression: nothing withheld is recoverable from what is published (property tests)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gratify.stats.suppression import Identity, Margin, suppress
from tests.stats.linear import determined, indicator

Cell = tuple[int, int, int]


def _margins(cells: list[Cell]) -> list[Margin]:
    """Row, column and period totals of a 3-way table, their 2-way totals and the total."""
    margins = [Margin("total", frozenset(cells))]
    for dims in ((0,), (1,), (2,), (0, 1), (0, 2), (1, 2)):
        groups: dict[tuple[int, ...], set[Cell]] = {}
        for cell in cells:
            groups.setdefault(tuple(cell[d] for d in dims), set()).add(cell)
        margins += [Margin((dims, key), frozenset(group)) for key, group in groups.items()]
    return margins


def _published_rows(
    counts: dict[Any, int], margins: list[Margin], hidden: frozenset[Any],
    hidden_margins: frozenset[Any], identities: list[Identity], order: Sequence[Any],
) -> list[list[Fraction]]:  # fmt: skip
    rows = [indicator([c], order) for c in order if c not in hidden]
    rows += [indicator(m.cells, order) for m in margins if m.name not in hidden_margins]
    for identity in identities:
        left, right = indicator(identity.left, order), indicator(identity.right, order)
        rows.append([a - b for a, b in zip(left, right, strict=True)])
    return rows


tables = st.tuples(
    st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(3, 6)
).flatmap(
    lambda shape: st.tuples(
        st.just(shape),
        st.lists(
            st.one_of(st.just(0), st.integers(1, 4), st.integers(5, 30)),
            min_size=shape[0] * shape[1] * shape[2],
            max_size=shape[0] * shape[1] * shape[2],
        ),
    )
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
def test_nothing_withheld_is_a_linear_combination_of_what_is_published(
    table: tuple[tuple[int, int, int, int], list[int]],
) -> None:
    (a, b, c, k), values = table
    order: list[Cell] = list(itertools.product(range(a), range(b), range(c)))
    counts: dict[Any, int] = dict(zip(order, values, strict=True))
    margins = _margins(order)
    result = suppress(counts, margins, k)
    small = [m for m in margins if 0 < sum(counts[x] for x in m.cells) < k]
    assert {cell for cell, n in counts.items() if 0 < n < k} <= result.cells
    assert {m.name for m in small} <= result.margins
    published = _published_rows(counts, margins, result.cells, result.margins, [], order)
    # Every withheld cell (not only the small ones) and every small total stays unknown.
    for cell in result.cells:
        assert not determined(published, indicator([cell], order)), cell
    for margin in small:
        assert not determined(published, indicator(margin.cells, order)), margin.name


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.just(0), st.integers(1, 4), st.integers(5, 20)), min_size=6, max_size=6),
    st.lists(st.one_of(st.just(0), st.integers(1, 4), st.integers(5, 20)), min_size=3, max_size=3),
)
def test_identities_between_tables_are_taken_into_account(
    cube: list[int], services: list[int]
) -> None:
    """A second table (services of one agency) adds up to a row of the first: a reader
    knows it, so the audit does too."""
    order: list[Any] = [("c", i) for i in range(6)] + [("s", j) for j in range(3)]
    counts: dict[Any, int] = dict(zip(order, cube + services, strict=True))
    # Make the identity true: the services add up to the first two cube cells.
    gap = counts[("c", 0)] + counts[("c", 1)] - sum(services)
    counts[("c", 0)] += max(0, -gap)
    counts[("s", 0)] += max(0, gap)
    identity = Identity(frozenset(order[6:]), frozenset(order[:2]))
    margins = [
        Margin("cube", frozenset(order[:6])),
        Margin("first", frozenset(order[:3])),
        Margin("services", frozenset(order[6:])),
    ]
    result = suppress(counts, margins, 5, [identity])
    published = _published_rows(
        counts,
        margins,
        result.cells,
        result.margins,
        [identity],
        order,
    )
    for cell in result.cells:
        assert not determined(published, indicator([cell], order)), cell


def test_k_below_three_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        suppress({"a": 1}, [], 2)


def test_a_lone_small_cell_in_a_row_takes_a_partner() -> None:
    counts: dict[Any, int] = {("a", 1): 2, ("a", 2): 10, ("b", 1): 10, ("b", 2): 10}
    margins = [
        Margin("a", frozenset({("a", 1), ("a", 2)})),
        Margin("b", frozenset({("b", 1), ("b", 2)})),
        Margin("1", frozenset({("a", 1), ("b", 1)})),
        Margin("2", frozenset({("a", 2), ("b", 2)})),
    ]
    result = suppress(counts, margins, 5)
    # A 2x2 table with its totals: protecting one cell takes all four.
    assert result.cells == frozenset(counts)
