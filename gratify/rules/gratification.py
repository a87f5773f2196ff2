"""Does this gift have to be reported, and by when? The pure answer.

`assess_gift` applies the version of KPK's rules in force on the day the gift was
received (`regulations`) and counts the deadlines on the holiday calendar (`holidays`).
The answer is one of three decisions:

``must_report``
    no exemption covers the gift, or it fails an exemption's limit or condition, or it
    was refused (a refusal is reported too);
``exempt``
    an exemption clearly applies: every limit and condition is known to be met;
``report_to_be_safe``
    anything in between: an answer the exemption depends on is unknown, a caution
    applies (e.g. the giver may have a conflict of interest), or the rule changed. This
    module never says "exempt" when a rule does not clearly say so.

Texts (`AppliedRule.text`, `reason`) are English msgids: translate them when shown.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Literal

from gratify.rules.calendar import WorkingDayCalendar
from gratify.rules.holidays import load_calendar
from gratify.rules.messages import N_
from gratify.rules.regulations import (
    FORMS,
    OCCASIONS,
    Condition,
    Exemption,
    Form,
    GratificationRules,
    Occasion,
    Rule,
    RuleSet,
    load_rules,
)

__all__ = [
    "AppliedRule",
    "Decision",
    "GiftAssessment",
    "GiftDecision",
    "GiftQuestion",
    "assess_gift",
    "decide_gift",
    "load_rules",
]

Decision = Literal["must_report", "exempt", "report_to_be_safe"]

REASON_REFUSED = N_("You refused the gift. A refused gift must be reported too.")
REASON_NO_EXEMPTION = N_("No exemption covers this kind of gift.")
REASON_NO_EXEMPTION_UNLINKED = N_(
    "No exemption covers this kind of gift. You said it is not connected to your work or "
    "position, but only KPK can decide that: report it to be safe."
)
REASON_REMOVED = N_("This exemption no longer exists.")
REASON_NOT_CASH = N_("This exemption does not cover money.")
REASON_ONLY_CASH = N_("This exemption covers only money.")
REASON_OVER_LIMIT = N_("The value is above the limit of this exemption.")
REASON_OVER_ANNUAL = N_(
    "Together with earlier gifts from the same giver, the total is above the yearly limit "
    "of this exemption."
)
REASON_ANNUAL_UNKNOWN = N_(
    "The yearly limit of this exemption cannot be checked without the value of earlier "
    "gifts from the same giver."
)
REASON_EXEMPT = N_(
    "The exemption applies, so you do not need to report this gift. You may still report "
    "it if you prefer."
)

# What the person said that a condition depends on, and what to say when it fails.
_CONDITION_REASONS: dict[Condition, tuple[str, str]] = {
    "no_conflict_of_interest": (
        N_(
            "You said the giver may have a conflict of interest, and this exemption applies "
            "only when there is none."
        ),
        N_(
            "You did not say whether the giver has a conflict of interest, and this exemption "
            "applies only when there is none."
        ),
    ),
    "not_linked_to_position": (
        N_(
            "You said the gift is connected to your work or position, and this exemption "
            "applies only when it is not."
        ),
        N_(
            "You did not say whether the gift is connected to your work or position, and this "
            "exemption applies only when it is not."
        ),
    ),
}
_CAUTION_REASONS: dict[Condition, tuple[str, str]] = {
    "no_conflict_of_interest": (
        N_("An exemption seems to apply, but you said the giver may have a conflict of interest."),
        N_(
            "An exemption seems to apply, but you did not say whether the giver has a conflict "
            "of interest."
        ),
    ),
    "not_linked_to_position": (
        N_(
            "An exemption seems to apply, but you said the gift is connected to your work or "
            "position."
        ),
        N_(
            "An exemption seems to apply, but you did not say whether the gift is connected to "
            "your work or position."
        ),
    ),
}


@dataclasses.dataclass(frozen=True, slots=True)
class GiftQuestion:
    """What the recipient tells about a gift.

    `value_rupiah`: the estimated value of this gift. `value_from_same_giver_this_year`:
    the total of the *earlier* gifts from the same giver this year, not counting this one
    (0 if none; None if unknown, which makes any yearly limit unknown too).
    `giver_has_conflict_of_interest` and `linked_to_position`: True, False, or None for
    "I do not know". `refused`: the gift was refused rather than received; `received_on`
    is then the day it was offered.
    """

    received_on: dt.date
    occasion: Occasion
    form: Form
    value_rupiah: int
    value_from_same_giver_this_year: int | None = None
    giver_has_conflict_of_interest: bool | None = None
    linked_to_position: bool | None = None
    refused: bool = False

    def __post_init__(self) -> None:
        if self.occasion not in OCCASIONS:
            raise ValueError(f"unknown occasion: {self.occasion!r}")
        if self.form not in FORMS:
            raise ValueError(f"unknown form: {self.form!r}")
        if self.value_rupiah < 0:
            raise ValueError("value_rupiah must not be negative")
        earlier = self.value_from_same_giver_this_year
        if earlier is not None and earlier < 0:
            raise ValueError("value_from_same_giver_this_year must not be negative")


@dataclasses.dataclass(frozen=True, slots=True)
class AppliedRule:
    """The rule an answer rests on, as shown to the person."""

    id: str
    article: str
    text: str
    regulation: str
    effective_from: dt.date | None
    effective_until: dt.date | None
    threshold: int | None = None
    """Limit per gift (per giver at each event), in rupiah, if the rule has one."""
    threshold_inclusive: bool = True
    annual_threshold: int | None = None
    """Limit per year from the same giver, in rupiah, if the rule has one."""
    annual_threshold_inclusive: bool = True
    working_days: int | None = None
    """For a deadline: its length; fills ``%(days)s`` in `text`."""

    @classmethod
    def of(cls, rule: Rule, ruleset: RuleSet, exemption: Exemption | None = None) -> AppliedRule:
        applied = cls(
            id=rule.id,
            article=rule.article,
            text=rule.text,
            regulation=ruleset.regulation,
            effective_from=rule.effective_from,
            effective_until=rule.effective_until,
        )
        if exemption is None:
            return applied
        return dataclasses.replace(
            applied,
            threshold=exemption.per_gift_max,
            threshold_inclusive=exemption.per_gift_inclusive,
            annual_threshold=exemption.annual_max,
            annual_threshold_inclusive=exemption.annual_inclusive,
        )


@dataclasses.dataclass(frozen=True, slots=True)
class GiftDecision:
    """The decision alone, without deadlines (it needs no calendar)."""

    decision: Decision
    rule: AppliedRule
    reason: str


@dataclasses.dataclass(frozen=True, slots=True)
class GiftAssessment:
    """The decision, the rule it rests on, and the recipient's two deadlines."""

    decision: Decision
    rule: AppliedRule
    reason: str
    upg_due: dt.date
    kpk_due: dt.date
    late_for_upg: bool
    late_for_kpk: bool
    upg_rule: AppliedRule
    kpk_rule: AppliedRule
    provisional_calendar: bool
    """Some day counted lies in a year whose holiday list is not yet official."""


def _within(value: int, limit: int, inclusive: bool) -> bool:
    return value <= limit if inclusive else value < limit


def _answer(condition: Condition, question: GiftQuestion) -> bool | None:
    """Whether `condition` holds for the question: True, False, or None (unknown)."""
    if condition == "no_conflict_of_interest":
        said = question.giver_has_conflict_of_interest
    else:
        said = question.linked_to_position
    return None if said is None else not said


def _check_exemption(
    question: GiftQuestion, ruleset: RuleSet, exemption: Exemption
) -> GiftDecision:
    applied = AppliedRule.of(exemption.rule, ruleset, exemption)
    if exemption.removed:
        return GiftDecision("report_to_be_safe", applied, REASON_REMOVED)

    # Anything that clearly fails the exemption: the gift must be reported.
    if question.form not in exemption.forms:
        reason = REASON_NOT_CASH if question.form == "cash" else REASON_ONLY_CASH
        return GiftDecision("must_report", applied, reason)
    if exemption.per_gift_max is not None and not _within(
        question.value_rupiah, exemption.per_gift_max, exemption.per_gift_inclusive
    ):
        return GiftDecision("must_report", applied, REASON_OVER_LIMIT)
    earlier = question.value_from_same_giver_this_year
    if (
        exemption.annual_max is not None
        and earlier is not None
        and not _within(
            earlier + question.value_rupiah, exemption.annual_max, exemption.annual_inclusive
        )
    ):
        return GiftDecision("must_report", applied, REASON_OVER_ANNUAL)
    answers = {condition: _answer(condition, question) for condition in exemption.conditions}
    for condition, holds in answers.items():
        if holds is False:
            return GiftDecision("must_report", applied, _CONDITION_REASONS[condition][0])

    # Anything unknown, or a caution: report to be safe.
    if exemption.annual_max is not None and earlier is None:
        return GiftDecision("report_to_be_safe", applied, REASON_ANNUAL_UNKNOWN)
    for condition, holds in answers.items():
        if holds is None:
            return GiftDecision("report_to_be_safe", applied, _CONDITION_REASONS[condition][1])
    for condition in ruleset.caution:
        if condition in answers:
            continue
        holds = _answer(condition, question)
        if holds is not True:
            violated, unknown = _CAUTION_REASONS[condition]
            reason = violated if holds is False else unknown
            return GiftDecision("report_to_be_safe", applied, reason)

    return GiftDecision("exempt", applied, REASON_EXEMPT)


def decide_gift(question: GiftQuestion, rules: GratificationRules | None = None) -> GiftDecision:
    """Must the gift be reported, under the rules in force on the day it was received?"""
    ruleset = (rules or load_rules()).in_force_on(question.received_on)
    if question.refused:
        return GiftDecision("must_report", AppliedRule.of(ruleset.refusal, ruleset), REASON_REFUSED)
    exemption = ruleset.exemption_for(question.occasion)
    if exemption is None:
        duty = AppliedRule.of(ruleset.duty, ruleset)
        if question.linked_to_position is False:
            return GiftDecision("report_to_be_safe", duty, REASON_NO_EXEMPTION_UNLINKED)
        return GiftDecision("must_report", duty, REASON_NO_EXEMPTION)
    return _check_exemption(question, ruleset, exemption)


def assess_gift(
    question: GiftQuestion,
    today: dt.date,
    rules: GratificationRules | None = None,
    calendar: WorkingDayCalendar | None = None,
) -> GiftAssessment:
    """The decision and the deadlines, as of `today`.

    Raises `CalendarNotCovered` when a deadline runs into a year whose holidays are not
    known (use `decide_gift` for the decision alone), and `RulesNotCovered` when no rules
    are in force on the day of receipt.
    """
    rules = rules or load_rules()
    calendar = calendar or load_calendar()
    decided = decide_gift(question, rules)
    ruleset = rules.in_force_on(question.received_on)
    upg = ruleset.deadline("upg_report")
    kpk = ruleset.deadline("kpk_report")
    upg_due = calendar.add_working_days(question.received_on, upg.working_days)
    kpk_due = calendar.add_working_days(question.received_on, kpk.working_days)
    last = max(upg_due, kpk_due)
    provisional = any(
        year in calendar.provisional_years
        for year in range(question.received_on.year, last.year + 1)
    )
    return GiftAssessment(
        decision=decided.decision,
        rule=decided.rule,
        reason=decided.reason,
        upg_due=upg_due,
        kpk_due=kpk_due,
        late_for_upg=today > upg_due,
        late_for_kpk=today > kpk_due,
        upg_rule=dataclasses.replace(
            AppliedRule.of(upg.rule, ruleset), working_days=upg.working_days
        ),
        kpk_rule=dataclasses.replace(
            AppliedRule.of(kpk.rule, ruleset), working_days=kpk.working_days
        ),
        provisional_calendar=provisional,
    )
