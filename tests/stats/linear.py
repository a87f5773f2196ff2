"""An independent, dense check of what published figures determine (exact rationals)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from fractions import Fraction


def rank(rows: Sequence[Sequence[Fraction]]) -> int:
    """The rank of a matrix, by Gaussian elimination over the rationals."""
    matrix = [list(r) for r in rows if any(r)]
    rank = 0
    columns = len(matrix[0]) if matrix else 0
    for col in range(columns):
        pivot = next((i for i in range(rank, len(matrix)) if matrix[i][col] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        lead = matrix[rank][col]
        for i in range(len(matrix)):
            if i != rank and matrix[i][col] != 0:
                factor = matrix[i][col] / lead
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[rank], strict=True)]
        rank += 1
    return rank


def indicator(cells: Iterable[Hashable], order: Sequence[Hashable]) -> list[Fraction]:
    wanted = set(cells)
    return [Fraction(1 if c in wanted else 0) for c in order]


def determined(published: Sequence[list[Fraction]], target: list[Fraction]) -> bool:
    """Whether `target` is a linear combination of the `published` rows."""
    return rank([*published, target]) == rank(published)


class Span:
    """The row space of published rows, reduced once, to test many targets against."""

    def __init__(self, published: Sequence[Sequence[Fraction]]) -> None:
        self.pivots: list[tuple[int, list[Fraction]]] = []
        for row in published:
            reduced = self._reduce(list(row))
            lead = next((i for i, a in enumerate(reduced) if a != 0), None)
            if lead is not None:
                scale = reduced[lead]
                self.pivots.append((lead, [a / scale for a in reduced]))

    def _reduce(self, row: list[Fraction]) -> list[Fraction]:
        for lead, pivot in self.pivots:
            factor = row[lead]
            if factor != 0:
                row = [a - factor * b for a, b in zip(row, pivot, strict=True)]
        return row

    def contains(self, target: Sequence[Fraction]) -> bool:
        """Whether `target` is a linear combination of the published rows."""
        return not any(self._reduce(list(target)))
