"""The case workflow as data: states, deadlines and allowed transitions per kind of report.

Read from ``data/workflow.toml``; pure (imports nothing else of the project but `rules`).
"""

from __future__ import annotations

import calendar as month_calendar
import dataclasses
import datetime as dt
import functools
import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any, Literal, cast

from gratify.rules.calendar import WorkingDayCalendar
from gratify.rules.deadlines import due as regulation_due
from gratify.rules.holidays import load_calendar

# The extra facts a transition may require, besides a reason.
REQUIREMENTS = frozenset({"outcome", "decision_number", "decision_date", "closing_reason"})


class WorkflowDataError(ValueError):
    """The workflow file is not usable; the message says where."""


@dataclasses.dataclass(frozen=True, slots=True)
class Deadline:
    """How long a state may last: one of calendar days, working days, months or a rule."""

    start: Literal["received", "entered"]
    calendar_days: int | None = None
    working_days: int | None = None
    months: int | None = None
    rule: str | None = None

    def due_on(
        self, received_on: dt.date, entered_on: dt.date, calendar: WorkingDayCalendar
    ) -> dt.date:
        """The last day; may raise `CalendarNotCovered` for working days beyond the data."""
        start = received_on if self.start == "received" else entered_on
        if self.calendar_days is not None:
            return start + dt.timedelta(days=self.calendar_days)
        if self.working_days is not None:
            return calendar.add_working_days(start, self.working_days)
        if self.months is not None:
            return add_months(start, self.months)
        assert self.rule is not None
        return regulation_due(cast(Any, self.rule), start, calendar=calendar)


@dataclasses.dataclass(frozen=True, slots=True)
class State:
    name: str
    label: str
    deadline: Deadline | None
    final: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Transition:
    source: str
    target: str
    label: str
    requires: frozenset[str] = frozenset()


@dataclasses.dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclasses.dataclass(frozen=True, slots=True)
class Workflow:
    """One kind's states and transitions."""

    kind: str
    initial: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]

    def state(self, name: str) -> State:
        return next(s for s in self.states if s.name == name)

    def transition(self, source: str, target: str) -> Transition | None:
        """The transition from `source` to `target`, or None if it is not allowed."""
        return next(
            (t for t in self.transitions if t.source == source and t.target == target), None
        )

    def allowed_from(self, source: str) -> list[Transition]:
        return [t for t in self.transitions if t.source == source]

    def due_on(
        self,
        state: str,
        received_on: dt.date,
        entered_on: dt.date,
        calendar: WorkingDayCalendar | None = None,
    ) -> dt.date | None:
        """The deadline of a case in `state`, or None for a final state."""
        deadline = self.state(state).deadline
        if deadline is None:
            return None
        return deadline.due_on(received_on, entered_on, calendar or load_calendar())


@dataclasses.dataclass(frozen=True, slots=True)
class Workflows:
    kinds: Mapping[str, Workflow]
    closing_reasons: tuple[Choice, ...]
    kpk_outcomes: tuple[Choice, ...]

    def of(self, kind: str) -> Workflow:
        return self.kinds[kind]


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day if it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


@functools.cache
def load_workflows() -> Workflows:
    """The workflows shipped with gratify."""
    text = resources.files("gratify.rules").joinpath("data/workflow.toml").read_text("utf-8")
    return parse_workflows(tomllib.loads(text))


def _deadline(raw: Mapping[str, Any] | None, where: str) -> Deadline | None:
    if raw is None:
        return None
    units = {k: raw[k] for k in ("calendar_days", "working_days", "months", "rule") if k in raw}
    if len(units) != 1 or raw.get("from") not in ("received", "entered"):
        raise WorkflowDataError(f"{where}: one unit and from = received | entered")
    return Deadline(start=raw["from"], **units)


def parse_workflows(data: Mapping[str, Any]) -> Workflows:
    """Check a parsed workflow file."""
    kinds: dict[str, Workflow] = {}
    for raw in data["kinds"]:
        kind = raw["kind"]
        states = tuple(
            State(
                s["name"],
                s["label"],
                _deadline(s.get("deadline"), f"{kind}.{s['name']}"),
                bool(s.get("final", False)),
            )
            for s in raw["states"]
        )
        names = {s.name for s in states}
        if raw["initial"] not in names or len(names) != len(states):
            raise WorkflowDataError(f"{kind}: states must be unique and include the initial one")
        transitions = []
        for t in raw["transitions"]:
            if t["from"] not in names or t["to"] not in names:
                raise WorkflowDataError(f"{kind}: {t['from']} -> {t['to']} names an unknown state")
            requires = frozenset(t.get("requires", ()))
            if requires - REQUIREMENTS:
                raise WorkflowDataError(f"{kind}: unknown requirement {sorted(requires)}")
            transitions.append(Transition(t["from"], t["to"], t["label"], requires))
        for state in states:
            leaving = [t for t in transitions if t.source == state.name]
            if state.final == bool(leaving):
                raise WorkflowDataError(f"{kind}.{state.name}: only final states have no way out")
        kinds[kind] = Workflow(kind, raw["initial"], states, tuple(transitions))
    return Workflows(
        kinds,
        tuple(Choice(c["value"], c["label"]) for c in data["closing_reasons"]),
        tuple(Choice(c["value"], c["label"]) for c in data["kpk_outcomes"]),
    )
