"""The gratification rules in force on a date, from ``data/gratification.toml``.

Each `RuleSet` is one version of KPK's rules (regulation 2/2019, then its amendment
1/2026) with the period it is in force, its reporting deadlines and its exemptions. The
numbers and periods are data; this module only reads and checks them, and picks the
version in force on a date (`GratificationRules.in_force_on`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Mapping
from typing import Final, Literal, get_args

from gratify.rules._data import RulesDataError, Table, parse_toml, read_data_file

DATA_FILE = "gratification.toml"
SCHEMA = 1

Occasion = Literal[
    "wedding",
    "birth",
    "circumcision",
    "religious_ceremony",
    "colleague_farewell",
    "colleague_other",
    "seminar_kit",
    "promotional",
    "public_prize",
    "honorarium",
    "flowers",
    "food_for_all",
    "family",
    "to_institution",
    "other",
]
OCCASIONS: Final[tuple[str, ...]] = get_args(Occasion)

Form = Literal["cash", "non_cash"]
FORMS: Final[tuple[str, ...]] = get_args(Form)

Condition = Literal["no_conflict_of_interest", "not_linked_to_position"]
CONDITIONS: Final[tuple[str, ...]] = get_args(Condition)

DeadlineKind = Literal["upg_report", "kpk_report", "upg_forward", "completion"]
DEADLINE_KINDS: Final[tuple[str, ...]] = get_args(DeadlineKind)


class RulesNotCovered(ValueError):
    """No version of the rules is in force on the date asked about."""

    def __init__(self, day: dt.date) -> None:
        self.day = day
        super().__init__(f"no gratification rules are in force on {day.isoformat()}")


@dataclasses.dataclass(frozen=True, slots=True)
class Rule:
    """One rule as shown to people: what it says, where it is written, when it applies.

    `text` is an English msgid (translate it when showing it). `effective_from` None:
    since the regulation was made; `effective_until` None: still in force.
    """

    id: str
    article: str
    text: str
    effective_from: dt.date | None
    effective_until: dt.date | None


@dataclasses.dataclass(frozen=True, slots=True)
class Deadline:
    rule: Rule
    kind: DeadlineKind
    working_days: int


@dataclasses.dataclass(frozen=True, slots=True)
class Exemption:
    """An item of art. 2(3): gifts that need no report, on its conditions and limits."""

    rule: Rule
    occasions: frozenset[str]
    forms: frozenset[str]
    conditions: tuple[Condition, ...] = ()
    per_gift_max: int | None = None
    per_gift_inclusive: bool = True
    annual_max: int | None = None
    annual_inclusive: bool = True
    removed: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class RuleSet:
    """One version of the rules and the period it is in force (both ends inclusive)."""

    id: str
    regulation: str
    effective_from: dt.date | None
    effective_until: dt.date | None
    duty: Rule
    refusal: Rule
    deadlines: Mapping[str, Deadline]
    exemptions: tuple[Exemption, ...]
    caution: tuple[Condition, ...]

    def in_force_on(self, day: dt.date) -> bool:
        starts = self.effective_from is None or self.effective_from <= day
        ends = self.effective_until is None or day <= self.effective_until
        return starts and ends

    def deadline(self, kind: DeadlineKind) -> Deadline:
        return self.deadlines[kind]

    def exemption_for(self, occasion: str) -> Exemption | None:
        for exemption in self.exemptions:
            if occasion in exemption.occasions:
                return exemption
        return None


@dataclasses.dataclass(frozen=True, slots=True)
class GratificationRules:
    """Every version of the rules, oldest first, with contiguous periods."""

    rulesets: tuple[RuleSet, ...]

    def in_force_on(self, day: dt.date) -> RuleSet:
        for ruleset in self.rulesets:
            if ruleset.in_force_on(day):
                return ruleset
        raise RulesNotCovered(day)

    def rule_texts(self) -> frozenset[str]:
        """Every msgid the rules show, for the catalogue check."""
        texts: set[str] = set()
        for ruleset in self.rulesets:
            texts.update((ruleset.duty.text, ruleset.refusal.text))
            texts.update(d.rule.text for d in ruleset.deadlines.values())
            texts.update(e.rule.text for e in ruleset.exemptions)
        return frozenset(texts)


def _rule(table: Table, period: tuple[dt.date | None, dt.date | None], seen: set[str]) -> Rule:
    rule = Rule(
        id=table.string("id"),
        article=table.string("article"),
        text=table.string("text"),
        effective_from=period[0],
        effective_until=period[1],
    )
    if rule.id in seen:
        raise RulesDataError(f"{table.where}.id: {rule.id!r} is used twice")
    seen.add(rule.id)
    if "%" in rule.text.replace("%(days)s", ""):
        raise RulesDataError(f"{table.where}.text: only %(days)s may follow a % sign")
    return rule


def _deadline(
    table: Table, period: tuple[dt.date | None, dt.date | None], seen: set[str]
) -> Deadline:
    kind = table.choice("kind", DEADLINE_KINDS)
    deadline = Deadline(
        rule=_rule(table, period, seen),
        kind=kind,  # type: ignore[arg-type]  # checked against DEADLINE_KINDS
        working_days=table.integer("working_days", minimum=1),
    )
    table.done()
    if "%(days)s" not in deadline.rule.text:
        raise RulesDataError(f"{table.where}.text: must say %(days)s")
    return deadline


def _exemption(
    table: Table, period: tuple[dt.date | None, dt.date | None], seen: set[str]
) -> Exemption:
    rule = _rule(table, period, seen)
    occasions = table.choices("occasions", OCCASIONS)
    if not occasions:
        raise RulesDataError(f"{table.where}.occasions: name at least one occasion")
    if "other" in occasions:
        raise RulesDataError(f"{table.where}.occasions: 'other' is never exempt")
    removed = table.boolean("removed", default=False)
    if removed:
        exemption = Exemption(rule, frozenset(occasions), frozenset(), removed=True)
        table.done()
        return exemption
    forms = table.choices("forms", FORMS)
    if not forms:
        raise RulesDataError(f"{table.where}.forms: name at least one form")
    per_gift_max = table.optional_integer("per_gift_max", minimum=1)
    annual_max = table.optional_integer("annual_max", minimum=1)
    per_gift_inclusive = table.boolean("per_gift_inclusive", default=True)
    annual_inclusive = table.boolean("annual_inclusive", default=True)
    if per_gift_max is None and table.has("per_gift_inclusive"):
        raise RulesDataError(f"{table.where}.per_gift_inclusive: no per_gift_max")
    if annual_max is None and table.has("annual_inclusive"):
        raise RulesDataError(f"{table.where}.annual_inclusive: no annual_max")
    if per_gift_max is not None and annual_max is not None and annual_max < per_gift_max:
        raise RulesDataError(f"{table.where}.annual_max: smaller than per_gift_max")
    exemption = Exemption(
        rule=rule,
        occasions=frozenset(occasions),
        forms=frozenset(forms),
        conditions=table.choices("conditions", CONDITIONS),  # type: ignore[arg-type]
        per_gift_max=per_gift_max,
        per_gift_inclusive=per_gift_inclusive,
        annual_max=annual_max,
        annual_inclusive=annual_inclusive,
    )
    table.done()
    return exemption


def _ruleset(table: Table, seen: set[str]) -> RuleSet:
    ruleset_id = table.string("id")
    if ruleset_id in seen:
        raise RulesDataError(f"{table.where}.id: {ruleset_id!r} is used twice")
    seen.add(ruleset_id)
    period = (table.optional_date("effective_from"), table.optional_date("effective_until"))
    if period[0] is not None and period[1] is not None and period[1] < period[0]:
        raise RulesDataError(f"{table.where}: ends before it starts")
    regulation = table.string("regulation")
    caution = table.choices("caution", CONDITIONS)
    duty_table, refusal_table = table.table("duty"), table.table("refusal")
    duty, refusal = _rule(duty_table, period, seen), _rule(refusal_table, period, seen)
    duty_table.done()
    refusal_table.done()
    deadlines: dict[str, Deadline] = {}
    for item in table.tables("deadline"):
        deadline = _deadline(item, period, seen)
        if deadline.kind in deadlines:
            raise RulesDataError(f"{item.where}.kind: {deadline.kind!r} is given twice")
        deadlines[deadline.kind] = deadline
    missing = set(DEADLINE_KINDS) - deadlines.keys()
    if missing:
        raise RulesDataError(f"{table.where}: no deadline for {', '.join(sorted(missing))}")
    exemptions: list[Exemption] = []
    covered: set[str] = set()
    for item in table.tables("exemption"):
        exemption = _exemption(item, period, seen)
        twice = covered & exemption.occasions
        if twice:
            raise RulesDataError(
                f"{item.where}.occasions: {', '.join(sorted(twice))} already has an exemption"
            )
        covered |= exemption.occasions
        exemptions.append(exemption)
    table.done()
    return RuleSet(
        id=ruleset_id,
        regulation=regulation,
        effective_from=period[0],
        effective_until=period[1],
        duty=duty,
        refusal=refusal,
        deadlines=deadlines,
        exemptions=tuple(exemptions),
        caution=caution,  # type: ignore[arg-type]  # checked against CONDITIONS
    )


def _check_periods(rulesets: list[RuleSet]) -> None:
    """Oldest first; only the first may be open at the start, only the last at the end;
    each starts the day after the previous ends (no gap, no overlap)."""
    for index, ruleset in enumerate(rulesets):
        first, last = index == 0, index == len(rulesets) - 1
        if ruleset.effective_from is None and not first:
            raise RulesDataError(f"ruleset {ruleset.id!r}: only the first may omit effective_from")
        if ruleset.effective_until is None and not last:
            raise RulesDataError(f"ruleset {ruleset.id!r}: only the last may omit effective_until")
        if not first:
            previous = rulesets[index - 1]
            assert previous.effective_until is not None
            assert ruleset.effective_from is not None
            if ruleset.effective_from != previous.effective_until + dt.timedelta(days=1):
                raise RulesDataError(
                    f"ruleset {ruleset.id!r}: must start the day after {previous.id!r} ends"
                )


def parse_rules(text: str, source: str = DATA_FILE) -> GratificationRules:
    """Parse and check a rules file; raises `RulesDataError` saying where it is wrong."""
    root = Table(parse_toml(text, source), source)
    if root.integer("schema") != SCHEMA:
        raise RulesDataError(f"{source}.schema: expected {SCHEMA}")
    seen: set[str] = set()
    rulesets = [_ruleset(item, seen) for item in root.tables("ruleset")]
    root.done()
    _check_periods(rulesets)
    return GratificationRules(tuple(rulesets))


@functools.cache
def load_rules() -> GratificationRules:
    """The package's gratification rules (read and checked once)."""
    return parse_rules(read_data_file(DATA_FILE))
