"""Small-count suppression with complementary suppression, checked by exact linear algebra.

Pure: no I/O, no project imports. A *publication* is a set of detail cells (each a count),
totals over sets of them (`Margin`) and equalities between sums that a reader knows
anyway (`Identity`, e.g. the hotspots of an agency add up to its broker reports).

1. Primary: a cell or total with ``0 < count < k`` is suppressed (zero is published: it
   names nobody).
2. Audit: the suppressed cells are the unknowns; every published total and every identity
   is an equation over them (the published cells in it are constants). A suppressed cell
   is recoverable when its unit vector lies in the row space of those equations, a
   suppressed total when its vector (restricted to the unknowns) does. This is decided
   with a sparse echelon form in exact integer arithmetic modulo a 61-bit prime (see
   `PRIME`). Before the audit, a quick pass withholds a second cell in every published
   total that would otherwise withhold exactly one (the audit's most common finding).
3. Complement: for each recoverable item, the smallest published non-zero cell that shares
   an equation with it is suppressed too (or, when there is none, the smallest published
   total over it); then the audit runs again. Each round suppresses more, so it ends, and
   it ends only when the audit finds nothing recoverable.

What this protects against is exact recovery by linear combination (the issue's bar). It
does not promise intervals: that a suppressed cell is at least 1 is known by anyone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

Key = Hashable
Vector = dict[int, int]
# Row spaces are computed modulo this prime (2**61 - 1): exact integer arithmetic, many
# times faster than fractions. A combination over the rationals is one modulo the prime
# too unless the prime divides one of its denominators (minors of a 0/1 matrix): then a
# figure could be judged safe wrongly, with a chance of about 2**-61. The tests check
# the published results with exact rationals, independently.
PRIME = 2**61 - 1

MIN_K = 3


@dataclasses.dataclass(frozen=True, slots=True)
class Margin:
    """A published total: the sum of the counts of `cells`."""

    name: Key
    cells: frozenset[Key]


@dataclasses.dataclass(frozen=True, slots=True)
class Identity:
    """A fact a reader knows: the cells of `left` add up to the same as those of `right`."""

    left: frozenset[Key]
    right: frozenset[Key]


@dataclasses.dataclass(frozen=True, slots=True)
class Suppressed:
    """What is withheld: detail cells and totals, by key and name."""

    cells: frozenset[Key]
    margins: frozenset[Key]


class _Echelon:
    """Rows in echelon form over the integers modulo `PRIME`: the row with pivot column c
    has its entries at columns >= c, and 1 at c."""

    def __init__(self) -> None:
        self.pivots: dict[int, Vector] = {}

    def reduce(self, vector: Vector) -> Vector:
        v = dict(vector)
        while True:
            pivot_cols = [c for c in v if c in self.pivots]
            if not pivot_cols:
                return v
            c = min(pivot_cols)
            factor = v[c]
            for col, a in self.pivots[c].items():
                value = (v.get(col, 0) - factor * a) % PRIME
                if value:
                    v[col] = value
                else:
                    v.pop(col, None)

    def add(self, vector: Vector) -> None:
        v = self.reduce(vector)
        if v:
            c = min(v)
            inverse = pow(v[c], PRIME - 2, PRIME)
            self.pivots[c] = {col: a * inverse % PRIME for col, a in v.items()}

    def spans(self, vector: Vector) -> bool:
        return not self.reduce(vector)


def _restricted(cells: Iterable[Key], index: Mapping[Key, int], sign: int = 1) -> Vector:
    v: Vector = {}
    for cell in cells:
        i = index.get(cell)
        if i is not None:
            v[i] = (v.get(i, 0) + sign) % PRIME
            if not v[i]:
                del v[i]
    return v


def _equations(
    margins: Sequence[Margin],
    identities: Sequence[Identity],
    hidden_margins: frozenset[Key],
    index: Mapping[Key, int],
) -> list[tuple[Key | None, Vector]]:
    """Each published total (named) and identity (None) as a vector over the unknowns."""
    rows: list[tuple[Key | None, Vector]] = []
    for margin in margins:
        if margin.name not in hidden_margins:
            v = _restricted(margin.cells, index)
            if v:
                rows.append((margin.name, v))
    for identity in identities:
        v = _restricted(identity.left, index)
        for i, a in _restricted(identity.right, index, -1).items():
            value = (v.get(i, 0) + a) % PRIME
            if value:
                v[i] = value
            else:
                v.pop(i, None)
        if v:
            rows.append((None, v))
    return rows


def recoverable(
    counts: Mapping[Any, int],
    margins: Sequence[Margin],
    identities: Sequence[Identity],
    suppressed: Suppressed,
) -> tuple[set[Key], set[Key]]:
    """The suppressed cells and totals that the published figures determine exactly."""
    unknowns = sorted(suppressed.cells, key=repr)
    index = {cell: i for i, cell in enumerate(unknowns)}
    echelon = _Echelon()
    for _, row in _equations(margins, identities, suppressed.margins, index):
        echelon.add(row)
    cells = {cell for cell in unknowns if echelon.spans({index[cell]: 1})}
    totals = {
        m.name
        for m in margins
        if m.name in suppressed.margins and echelon.spans(_restricted(m.cells, index))
    }
    return cells, totals


def suppress(
    counts: Mapping[Any, int],
    margins: Sequence[Margin],
    k: int,
    identities: Sequence[Identity] = (),
) -> Suppressed:
    """Primary and complementary suppression of a publication, audited until nothing
    withheld can be recovered from what is published."""
    if k < MIN_K:
        raise ValueError(f"k must be at least {MIN_K}")
    hidden = {cell for cell, n in counts.items() if 0 < n < k}
    hidden_margins = {m.name for m in margins if 0 < sum(counts.get(c, 0) for c in m.cells) < k}
    by_cell: dict[Key, list[Margin]] = {}
    for margin in margins:
        for cell in margin.cells:
            by_cell.setdefault(cell, []).append(margin)
    # The equations each cell is in (totals and identities), to find its neighbours only
    # when it needs a complement: most publications need none.
    groups: dict[Key, list[frozenset[Key]]] = {}
    for group in [m.cells for m in margins] + [i.left | i.right for i in identities]:
        for cell in group:
            groups.setdefault(cell, []).append(group)
    margin_by_name = {m.name: m for m in margins}
    _no_lone_cells(counts, margins, identities, hidden, hidden_margins)
    while True:
        state = Suppressed(frozenset(hidden), frozenset(hidden_margins))
        exposed_cells, exposed_totals = recoverable(counts, margins, identities, state)
        if not exposed_cells and not exposed_totals:
            return state
        supports = [{item} for item in sorted(exposed_cells, key=repr)] + [
            set(margin_by_name[name].cells) for name in sorted(exposed_totals, key=repr)
        ]
        added = False
        # An exposed total is most often the one withheld part of a published total
        # (a region's statuses add up to its total): withhold its smallest sibling.
        for name in sorted(exposed_totals, key=repr):
            sibling = _sibling(margin_by_name[name], margins, counts, hidden_margins)
            if sibling is not None:
                hidden_margins.add(sibling)
                added = True
        if added:
            continue
        # Then cells (each exposed item's smallest neighbour), and a total only when no
        # cell can be: withholding a total hides more than it protects.
        for support in supports:
            cell = _cell_candidate(support, counts, hidden, groups)
            if cell is not None:
                hidden.add(cell)
                added = True
        if added:
            continue
        for support in supports:
            total = _total_candidate(support, counts, hidden_margins, by_cell)
            if total is not None:
                hidden_margins.add(total)
                break
        else:
            # Nothing near the exposed figures is left to withhold: withhold every total,
            # then every cell (cannot loop: each step withholds more).
            if len(hidden_margins) < len(margins):
                hidden_margins.update(m.name for m in margins)
            elif len(hidden) < sum(1 for n in counts.values() if n > 0):
                hidden.update(c for c, n in counts.items() if n > 0)
            else:
                return state


def _no_lone_cells(
    counts: Mapping[Any, int],
    margins: Sequence[Margin],
    identities: Sequence[Identity],
    hidden: set[Key],
    hidden_margins: set[Key],
) -> None:
    """Until none is left: in a published total or identity with exactly one withheld
    cell (which it would give away), withhold its smallest published cell too, or, if it
    has none, the total itself. Cheap, and it spares the audit most of its rounds."""
    equations = [(m.name, m.cells) for m in margins] + [
        (None, i.left | i.right) for i in identities
    ]
    changed = True
    while changed:
        changed = False
        for name, cells in equations:
            if name is not None and name in hidden_margins:
                continue
            withheld = [c for c in cells if c in hidden]
            if len(withheld) != 1:
                continue
            shown = [c for c in cells if c not in hidden and counts.get(c, 0) > 0]
            if shown:
                hidden.add(min(shown, key=lambda c: (counts[c], repr(c))))
                changed = True
            elif name is not None:
                hidden_margins.add(name)
                changed = True


def _sibling(
    exposed: Margin,
    margins: Sequence[Margin],
    counts: Mapping[Any, int],
    hidden_margins: set[Key],
) -> Key | None:
    """The smallest published non-zero total that shares a published parent total with
    `exposed` and no cell with it."""
    parents = [
        m for m in margins
        if m.name not in hidden_margins and m.cells > exposed.cells
    ]  # fmt: skip
    best: tuple[int, str, Key] | None = None
    for parent in parents:
        for m in margins:
            if m.name in hidden_margins or m.name == exposed.name:
                continue
            if m.cells <= parent.cells and not (m.cells & exposed.cells):
                value = sum(counts.get(c, 0) for c in m.cells)
                if value > 0 and (best is None or (value, repr(m.name)) < best[:2]):
                    best = (value, repr(m.name), m.name)
    return best[2] if best is not None else None


def _cell_candidate(
    support: set[Key],
    counts: Mapping[Any, int],
    hidden: set[Key],
    groups: Mapping[Key, list[frozenset[Key]]],
) -> Key | None:
    """The smallest published non-zero cell sharing an equation with `support` (or in it)."""
    near: set[Key] = set(support)
    for cell in support:
        for group in groups.get(cell, []):
            near |= group
    candidates = [c for c in near - hidden if counts.get(c, 0) > 0]
    if not candidates:
        return None
    return min(candidates, key=lambda c: (counts[c], repr(c)))


def _total_candidate(
    support: set[Key],
    counts: Mapping[Any, int],
    hidden_margins: set[Key],
    by_cell: Mapping[Key, list[Margin]],
) -> Key | None:
    """The smallest published total over a cell of `support`."""
    totals = [m for cell in support for m in by_cell.get(cell, []) if m.name not in hidden_margins]
    if not totals:
        return None
    chosen = min(totals, key=lambda m: (sum(counts.get(c, 0) for c in m.cells), repr(m.name)))
    return chosen.name
