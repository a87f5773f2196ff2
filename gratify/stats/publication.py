"""What is published about one month of the whole installation, and sums over months.

Pure. A month is the unit of publication: its detail cells and totals, for every tenant
and for the installation together, are suppressed as one linked publication
(`suppression.suppress`), so a tenant's page and the installation's page cannot be
played against each other. A figure over a period is the sum of that figure's monthly
values, and is itself withheld when any of them is: a period total never tells more than
the months it adds up (no recovery by differencing two periods).

Detail cells (keys):

* ``("c", tenant, kind, agency, status)``: cases received that month, by status now;
* ``("h", tenant, agency, service)``: broker reports by office and service (hotspots);
* ``("o", tenant, outcome, bracket)``: gratification reports with KPK's outcome, by value
  bracket.

Totals (names): ``("total", t)``, ``("kind", t, kind)``, ``("agency", t, agency)``,
``("status", t, status)``, ``("outcome", t, outcome)``, ``("bracket", t, bracket)``, where
``t`` is a tenant's slug or ``"*"`` for the installation (no agency totals there: agencies belong
to one tenant). A reader knows that an agency's hotspots add up to its broker reports:
that is an `Identity` of the audit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

from gratify.stats.suppression import Identity, Key, Margin, Suppressed, suppress

ALL = "*"
BROKER = "broker"
GRATIFICATION = "gratification"


@dataclasses.dataclass(frozen=True, slots=True)
class Row:
    """One aggregate row, names resolved: cases sharing all of these in one month."""

    tenant: str
    month: str
    kind: str
    agency: str
    service: str
    status: str
    bracket: str
    outcome: str
    n: int


@dataclasses.dataclass(frozen=True, slots=True)
class MonthFigures:
    """One month's published figures: a value, or None where withheld."""

    month: str
    cells: Mapping[Key, int | None]
    totals: Mapping[Key, int | None]


def _detail(rows: Iterable[Row]) -> dict[Key, int]:
    counts: dict[Key, int] = {}

    def add(key: Key, n: int) -> None:
        counts[key] = counts.get(key, 0) + n

    for r in rows:
        add(("c", r.tenant, r.kind, r.agency, r.status), r.n)
        if r.kind == BROKER:
            add(("h", r.tenant, r.agency, r.service), r.n)
        if r.kind == GRATIFICATION and r.outcome:
            add(("o", r.tenant, r.outcome, r.bracket), r.n)
    return counts


def _margins(counts: Mapping[Key, int]) -> tuple[list[Margin], list[Identity]]:
    groups: dict[Key, set[Key]] = {}

    def put(name: Key, key: Key) -> None:
        groups.setdefault(name, set()).add(key)

    hotspot_rows: dict[tuple[str, str], set[Key]] = {}
    broker_rows: dict[tuple[str, str], set[Key]] = {}
    for key in counts:
        assert isinstance(key, tuple)
        table, tenant = key[0], key[1]
        for t in (tenant, ALL):
            if table == "c":
                _, _, kind, agency, status = key
                put(("total", t), key)
                put(("kind", t, kind), key)
                put(("status", t, status), key)
                if t != ALL:
                    put(("agency", t, agency), key)
                    if kind == BROKER:
                        broker_rows.setdefault((tenant, agency), set()).add(key)
            elif table == "o":
                _, _, outcome, bracket = key
                put(("outcome", t, outcome), key)
                put(("bracket", t, bracket), key)
            elif table == "h" and t != ALL:
                hotspot_rows.setdefault((tenant, key[2]), set()).add(key)
    margins = [Margin(name, frozenset(cells)) for name, cells in groups.items()]
    identities = [
        Identity(frozenset(cells), frozenset(broker_rows.get(agency, set())))
        for agency, cells in hotspot_rows.items()
    ]
    return margins, identities


def publish_month(month: str, rows: Sequence[Row], k: int) -> MonthFigures:
    """Suppress one month of the installation and return what may be shown."""
    return publish_counts(month, _detail(rows), k)


def publish_counts(month: str, counts: Mapping[Key, int], k: int) -> MonthFigures:
    """`publish_month` from the detail cells already counted (keys as documented above)."""
    margins, identities = _margins(counts)
    withheld: Suppressed = suppress(counts, margins, k, identities)
    cells = {key: (None if key in withheld.cells else n) for key, n in counts.items()}
    totals: dict[Key, int | None] = {}
    for margin in margins:
        hidden = margin.name in withheld.margins
        totals[margin.name] = None if hidden else sum(counts[c] for c in margin.cells)
    return MonthFigures(month, cells, totals)


def period_sum(values: Iterable[int | None]) -> int | None:
    """A figure over several months: their sum, or None if any month withholds it."""
    total = 0
    for value in values:
        if value is None:
            return None
        total += value
    return total


def sum_over_months(
    months: Sequence[MonthFigures], pick: str, keys: Iterable[Key] | None = None
) -> dict[Key, int | None]:
    """Each cell (``pick="cells"``) or total (``"totals"``) summed over the months; a key
    absent from a month is zero there."""
    wanted: set[Key] = set(keys) if keys is not None else set()
    if keys is None:
        for m in months:
            wanted |= set(getattr(m, pick))
    return {
        key: period_sum(getattr(m, pick).get(key, 0) for m in months)
        for key in sorted(wanted, key=repr)
    }


def months_between(first: str, last: str) -> list[str]:
    """Every YYYY-MM from `first` to `last`, both included."""
    year, month = int(first[:4]), int(first[5:])
    end = (int(last[:4]), int(last[5:]))
    out = []
    while (year, month) <= end:
        out.append(f"{year:04d}-{month:02d}")
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return out
