"""Must this gift be reported, and by when: decisions, the 2026 boundary, deadlines."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gratify.rules import deadlines
from gratify.rules.calendar import CalendarNotCovered, WorkingDayCalendar
from gratify.rules.gratification import (
    REASON_ANNUAL_UNKNOWN,
    REASON_EXEMPT,
    REASON_NO_EXEMPTION,
    REASON_NOT_CASH,
    REASON_OVER_ANNUAL,
    REASON_OVER_LIMIT,
    REASON_REFUSED,
    REASON_REMOVED,
    GiftQuestion,
    assess_gift,
    decide_gift,
)
from gratify.rules.holidays import load_calendar
from gratify.rules.regulations import OCCASIONS, RulesNotCovered, load_rules

D = dt.date
LAST_OLD = D(2026, 1, 19)  # last day of KPK regulation 2/2019 as first written
FIRST_NEW = D(2026, 1, 20)  # KPK regulation 1/2026 in force
TODAY = D(2026, 11, 23)


def ask(
    received_on: D = FIRST_NEW,
    occasion: str = "wedding",
    form: str = "cash",
    value: int = 500_000,
    earlier: int | None = 0,
    conflict: bool | None = False,
    linked: bool | None = False,
    refused: bool = False,
) -> GiftQuestion:
    return GiftQuestion(
        received_on=received_on,
        occasion=occasion,  # type: ignore[arg-type]
        form=form,  # type: ignore[arg-type]
        value_rupiah=value,
        value_from_same_giver_this_year=earlier,
        giver_has_conflict_of_interest=conflict,
        linked_to_position=linked,
        refused=refused,
    )


def decision(question: GiftQuestion) -> str:
    return decide_gift(question).decision


# --- the 19/20 January 2026 boundary, every threshold -----------------------------------


@pytest.mark.parametrize("occasion", ["wedding", "birth", "circumcision", "religious_ceremony"])
def test_ceremony_gift_of_1_2_million_is_reportable_on_the_19th_exempt_on_the_20th(
    occasion: str,
) -> None:
    gift = ask(occasion=occasion, value=1_200_000)
    before = decide_gift(dataclasses.replace(gift, received_on=LAST_OLD))
    after = decide_gift(dataclasses.replace(gift, received_on=FIRST_NEW))
    assert (before.decision, before.reason) == ("must_report", REASON_OVER_LIMIT)
    assert before.rule.threshold == 1_000_000
    assert before.rule.effective_until == LAST_OLD
    assert "huruf l" in before.rule.article
    assert (after.decision, after.reason) == ("exempt", REASON_EXEMPT)
    assert after.rule.threshold == 1_500_000
    assert after.rule.effective_from == FIRST_NEW


def test_colleague_farewell_gift_is_exempt_on_the_19th_and_uncertain_on_the_20th() -> None:
    gift = ask(occasion="colleague_farewell", form="non_cash", value=250_000, earlier=0)
    before = decide_gift(dataclasses.replace(gift, received_on=LAST_OLD))
    after = decide_gift(dataclasses.replace(gift, received_on=FIRST_NEW))
    assert before.decision == "exempt"
    assert before.rule.threshold == 300_000
    assert before.rule.annual_threshold == 1_000_000
    # The item was removed in 2026: never "exempt" on a rule that no longer exists.
    assert (after.decision, after.reason) == ("report_to_be_safe", REASON_REMOVED)
    assert after.rule.id == "2026-colleague-farewell-removed"


def test_other_colleague_gift_of_400_thousand_changes_answer_on_the_20th() -> None:
    gift = ask(occasion="colleague_other", form="non_cash", value=400_000, earlier=0)
    before = decide_gift(dataclasses.replace(gift, received_on=LAST_OLD))
    after = decide_gift(dataclasses.replace(gift, received_on=FIRST_NEW))
    assert (before.decision, before.rule.threshold) == ("must_report", 200_000)
    assert (after.decision, after.rule.threshold) == ("exempt", 500_000)


def test_yearly_colleague_limit_changes_on_the_20th() -> None:
    # 150,000 now after 1,200,000 earlier from the same giver this year.
    gift = ask(occasion="colleague_other", form="non_cash", value=150_000, earlier=1_200_000)
    before = decide_gift(dataclasses.replace(gift, received_on=LAST_OLD))
    after = decide_gift(dataclasses.replace(gift, received_on=FIRST_NEW))
    assert (before.decision, before.reason) == ("must_report", REASON_OVER_ANNUAL)
    assert before.rule.annual_threshold == 1_000_000
    assert after.decision == "exempt"
    assert after.rule.annual_threshold == 1_500_000


# --- values exactly at a threshold: "paling banyak" is inclusive -------------------------


@pytest.mark.parametrize(("received_on", "limit"), [(LAST_OLD, 1_000_000), (FIRST_NEW, 1_500_000)])
def test_a_ceremony_gift_exactly_at_the_limit_is_exempt_one_rupiah_more_is_not(
    received_on: D, limit: int
) -> None:
    assert decision(ask(received_on=received_on, value=limit)) == "exempt"
    assert decision(ask(received_on=received_on, value=limit + 1)) == "must_report"


@pytest.mark.parametrize(
    ("received_on", "per_gift", "yearly"),
    [(LAST_OLD, 200_000, 1_000_000), (FIRST_NEW, 500_000, 1_500_000)],
)
def test_colleague_limits_are_inclusive(received_on: D, per_gift: int, yearly: int) -> None:
    base = ask(received_on, "colleague_other", "non_cash", per_gift, earlier=0)
    assert decision(base) == "exempt"
    assert decision(dataclasses.replace(base, value_rupiah=per_gift + 1)) == "must_report"
    at_year = dataclasses.replace(base, value_from_same_giver_this_year=yearly - per_gift)
    assert decision(at_year) == "exempt"
    over_year = dataclasses.replace(at_year, value_from_same_giver_this_year=yearly - per_gift + 1)
    assert decision(over_year) == "must_report"


def test_farewell_yearly_limit_is_strictly_below_one_million_as_domain_md_says() -> None:
    base = ask(LAST_OLD, "colleague_farewell", "non_cash", 300_000, earlier=699_999)
    assert decision(base) == "exempt"  # 999,999 in the year
    assert decision(dataclasses.replace(base, value_from_same_giver_this_year=700_000)) == (
        "must_report"
    )
    # The per-gift limit of this item is "paling banyak": inclusive.
    fresh = dataclasses.replace(base, value_from_same_giver_this_year=0)
    assert decision(fresh) == "exempt"
    assert decision(dataclasses.replace(fresh, value_rupiah=300_001)) == "must_report"


# --- conditions and caution ---------------------------------------------------------------


def test_money_never_passes_a_goods_only_exemption() -> None:
    gift = ask(occasion="colleague_other", form="cash", value=100_000)
    assert (decide_gift(gift).decision, decide_gift(gift).reason) == (
        "must_report",
        REASON_NOT_CASH,
    )


def test_unknown_earlier_gifts_make_a_yearly_limit_unknown() -> None:
    gift = ask(occasion="colleague_other", form="non_cash", value=100_000, earlier=None)
    assert (decide_gift(gift).decision, decide_gift(gift).reason) == (
        "report_to_be_safe",
        REASON_ANNUAL_UNKNOWN,
    )
    # Over the per-gift limit it must be reported whatever the earlier gifts were.
    assert decision(dataclasses.replace(gift, value_rupiah=600_000)) == "must_report"


@pytest.mark.parametrize(
    ("conflict", "expected"),
    [(False, "exempt"), (None, "report_to_be_safe"), (True, "must_report")],
)
def test_family_gift_depends_on_conflict_of_interest(conflict: bool | None, expected: str) -> None:
    assert decision(ask(occasion="family", value=5_000_000, conflict=conflict)) == expected


@pytest.mark.parametrize(
    ("conflict", "expected"),
    [(False, "exempt"), (None, "report_to_be_safe"), (True, "report_to_be_safe")],
)
def test_a_possible_conflict_of_interest_always_means_report_to_be_safe(
    conflict: bool | None, expected: str
) -> None:
    # The ceremony item does not itself require "no conflict of interest", but an
    # exemption is never confirmed when the giver may want something from the official.
    assert decision(ask(occasion="wedding", value=100_000, conflict=conflict)) == expected


@pytest.mark.parametrize(
    ("linked", "expected"),
    [(False, "exempt"), (None, "report_to_be_safe"), (True, "must_report")],
)
def test_a_public_prize_must_not_be_connected_to_the_position(
    linked: bool | None, expected: str
) -> None:
    assert decision(ask(occasion="public_prize", value=2_000_000, linked=linked)) == expected


@pytest.mark.parametrize(
    "occasion", ["seminar_kit", "flowers", "food_for_all", "to_institution", "promotional"]
)
def test_no_threshold_items_are_exempt_when_not_money_and_no_conflict(occasion: str) -> None:
    assert decision(ask(occasion=occasion, form="non_cash", value=10_000_000)) == "exempt"
    assert decision(ask(occasion=occasion, form="cash", value=10_000)) == "must_report"


def test_honorarium_at_standard_rates_is_exempt_only_without_conflict() -> None:
    assert decision(ask(occasion="honorarium", value=900_000)) == "exempt"
    assert decision(ask(occasion="honorarium", value=900_000, conflict=True)) == "must_report"


def test_other_gifts_must_be_reported_or_reported_to_be_safe() -> None:
    other = ask(occasion="other", form="non_cash", value=50_000, linked=True)
    assert (decide_gift(other).decision, decide_gift(other).reason) == (
        "must_report",
        REASON_NO_EXEMPTION,
    )
    assert decide_gift(other).rule.id == "2026-duty"
    assert decision(dataclasses.replace(other, linked_to_position=None)) == "must_report"
    assert decision(dataclasses.replace(other, linked_to_position=False)) == "report_to_be_safe"


@pytest.mark.parametrize("occasion", OCCASIONS)
@pytest.mark.parametrize("received_on", [LAST_OLD, FIRST_NEW])
def test_a_refused_gift_must_always_be_reported(occasion: str, received_on: D) -> None:
    refused = decide_gift(ask(received_on, occasion, "non_cash", 1, refused=True))
    assert (refused.decision, refused.reason) == ("must_report", REASON_REFUSED)
    assert refused.rule.id.endswith("-refusal")


# --- deadlines ------------------------------------------------------------------------------


def test_deadlines_skip_weekends() -> None:
    # Friday 6 November 2026: 10 working days -> Friday 20 November; 30 -> Friday 18 Dec.
    result = assess_gift(ask(received_on=D(2026, 11, 6)), today=D(2026, 11, 6))
    assert (result.upg_due, result.kpk_due) == (D(2026, 11, 20), D(2026, 12, 18))
    assert not result.late_for_upg
    assert not result.late_for_kpk


def test_deadlines_skip_national_holidays_and_cuti_bersama() -> None:
    # Thursday 10 December 2026: 24 (cuti bersama) and 25 (Christmas) December are off.
    result = assess_gift(ask(received_on=D(2026, 12, 10)), today=TODAY)
    assert result.upg_due == D(2026, 12, 28)
    assert WorkingDayCalendar().add_working_days(D(2026, 12, 10), 10) == D(2026, 12, 24)


def test_gift_received_the_day_before_the_idul_fitri_2026_long_holiday() -> None:
    # Tuesday 17 March 2026. Off: 18 (cuti Nyepi), 19 (Nyepi), 20 (cuti), 21-22 (Idul
    # Fitri, weekend), 23-24 (cuti), 3 April (Good Friday), 1 May (Labour Day).
    result = assess_gift(ask(received_on=D(2026, 3, 17)), today=D(2026, 3, 17))
    assert result.upg_due == D(2026, 4, 8)
    assert result.kpk_due == D(2026, 5, 7)
    # Weekends alone would have said 31 March and 28 April: three weeks too early for
    # the UPG, and a wrong date either way.
    weekends_only = WorkingDayCalendar()
    assert weekends_only.add_working_days(D(2026, 3, 17), 10) == D(2026, 3, 31)


def test_late_flags_are_set_the_day_after_each_deadline() -> None:
    gift = ask(received_on=D(2026, 3, 17))
    assert not assess_gift(gift, today=D(2026, 4, 8)).late_for_upg
    on_9th = assess_gift(gift, today=D(2026, 4, 9))
    assert on_9th.late_for_upg
    assert not on_9th.late_for_kpk
    assert assess_gift(gift, today=D(2026, 5, 8)).late_for_kpk


def test_deadline_rules_are_shown_with_their_length() -> None:
    result = assess_gift(ask(received_on=D(2026, 3, 17)), today=TODAY)
    assert result.upg_rule.working_days == 10
    assert result.kpk_rule.working_days == 30
    assert "12C" in result.kpk_rule.article
    assert "%(days)s" in result.upg_rule.text


def test_completion_deadline_is_30_working_days_until_the_19th_and_20_from_the_20th() -> None:
    calendar = load_calendar()
    assert deadlines.completion_due(LAST_OLD) == calendar.add_working_days(LAST_OLD, 30)
    assert deadlines.completion_due(FIRST_NEW) == calendar.add_working_days(FIRST_NEW, 20)
    assert deadlines.completion_due(FIRST_NEW) < deadlines.completion_due(LAST_OLD)


def test_deadline_helpers_agree_with_the_assessment() -> None:
    day = D(2025, 12, 19)
    result = assess_gift(ask(received_on=day), today=TODAY)
    assert deadlines.upg_report_due(day) == result.upg_due
    assert deadlines.kpk_report_due(day) == result.kpk_due
    # Filed on 23 December 2025: 24 Dec works; 25-26 Dec and 1 Jan are off.
    assert deadlines.upg_forward_due(D(2025, 12, 23)) == D(2026, 1, 9)


def test_deadlines_into_an_uncovered_year_raise_but_the_decision_stands() -> None:
    gift = ask(received_on=D(2027, 12, 10))
    with pytest.raises(CalendarNotCovered) as caught:
        assess_gift(gift, today=D(2027, 12, 10))
    assert caught.value.year == 2028
    assert decide_gift(gift).decision == "exempt"
    with pytest.raises(CalendarNotCovered):
        deadlines.kpk_report_due(D(2023, 12, 1))


def test_provisional_years_are_flagged() -> None:
    assert assess_gift(ask(received_on=D(2026, 12, 28)), today=TODAY).provisional_calendar
    assert not assess_gift(ask(received_on=D(2026, 11, 2)), today=TODAY).provisional_calendar


def test_no_rules_before_the_first_version_is_an_error() -> None:
    rules = load_rules()
    assert rules.in_force_on(D(2019, 12, 31)).id == "perkom-2-2019"
    assert rules.in_force_on(D(2030, 1, 1)).id == "perkom-1-2026"
    later_only = dataclasses.replace(rules, rulesets=rules.rulesets[1:])
    with pytest.raises(RulesNotCovered):
        later_only.in_force_on(LAST_OLD)


def test_questions_are_checked() -> None:
    with pytest.raises(ValueError, match="occasion"):
        ask(occasion="bribe")
    with pytest.raises(ValueError, match="form"):
        ask(form="crypto")
    with pytest.raises(ValueError, match="negative"):
        ask(value=-1)
    with pytest.raises(ValueError, match="negative"):
        ask(earlier=-1)


# --- properties -------------------------------------------------------------------------------

days = st.dates(min_value=D(2024, 1, 1), max_value=D(2027, 10, 31))
questions = st.builds(
    GiftQuestion,
    received_on=days,
    occasion=st.sampled_from(OCCASIONS),
    form=st.sampled_from(["cash", "non_cash"]),
    value_rupiah=st.integers(min_value=0, max_value=5_000_000),
    value_from_same_giver_this_year=st.none() | st.integers(min_value=0, max_value=3_000_000),
    giver_has_conflict_of_interest=st.none() | st.booleans(),
    linked_to_position=st.none() | st.booleans(),
    refused=st.booleans(),
)


@given(question=questions)
def test_deadlines_are_working_days_and_the_kpk_one_comes_last(question: GiftQuestion) -> None:
    calendar = load_calendar()
    result = assess_gift(question, today=question.received_on)
    assert calendar.is_working_day(result.upg_due)
    assert calendar.is_working_day(result.kpk_due)
    assert question.received_on < result.upg_due < result.kpk_due
    assert calendar.working_days_between(question.received_on, result.upg_due) == 10
    assert calendar.working_days_between(question.received_on, result.kpk_due) == 30
    assert not result.late_for_upg
    assert not result.late_for_kpk


@given(a=days, b=days)
def test_a_later_receipt_never_gives_an_earlier_deadline(a: D, b: D) -> None:
    early, late = sorted((a, b))
    assert deadlines.upg_report_due(early) <= deadlines.upg_report_due(late)
    assert deadlines.kpk_report_due(early) <= deadlines.kpk_report_due(late)
    assert deadlines.upg_forward_due(early) <= deadlines.upg_forward_due(late)


@given(question=questions)
def test_exempt_only_when_everything_is_known(question: GiftQuestion) -> None:
    result = decide_gift(question)
    if result.decision == "exempt":
        assert not question.refused
        assert question.occasion != "other"
        assert question.giver_has_conflict_of_interest is False
        if result.rule.annual_threshold is not None:
            assert question.value_from_same_giver_this_year is not None
        if result.rule.threshold is not None:
            assert question.value_rupiah <= result.rule.threshold


@given(question=questions, extra=st.integers(min_value=1, max_value=1_000_000))
def test_a_bigger_gift_is_never_more_exempt(question: GiftQuestion, extra: int) -> None:
    rank = {"exempt": 0, "report_to_be_safe": 1, "must_report": 2}
    bigger = dataclasses.replace(question, value_rupiah=question.value_rupiah + extra)
    assert rank[decide_gift(bigger).decision] >= rank[decide_gift(question).decision]
