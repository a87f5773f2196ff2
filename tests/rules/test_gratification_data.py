"""The gratification rules file: what it says, that it is translatable, that bad data fails."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from gratify.rules._data import RulesDataError, read_data_file
from gratify.rules.messages import RULE_TEXTS
from gratify.rules.regulations import (
    DATA_FILE,
    DEADLINE_KINDS,
    OCCASIONS,
    load_rules,
    parse_rules,
)

TEXT = read_data_file(DATA_FILE)


def test_two_versions_meet_on_20_january_2026() -> None:
    old, new = load_rules().rulesets
    assert (old.id, old.effective_from, old.effective_until) == (
        "perkom-2-2019",
        None,
        dt.date(2026, 1, 19),
    )
    assert (new.id, new.effective_from, new.effective_until) == (
        "perkom-1-2026",
        dt.date(2026, 1, 20),
        None,
    )


def test_deadlines_per_version() -> None:
    old, new = load_rules().rulesets
    assert {k: old.deadlines[k].working_days for k in DEADLINE_KINDS} == {
        "upg_report": 10,
        "kpk_report": 30,
        "upg_forward": 10,
        "completion": 30,
    }
    assert new.deadline("completion").working_days == 20
    assert new.deadline("kpk_report").working_days == 30


def test_every_occasion_but_other_has_an_exemption_in_every_version() -> None:
    for ruleset in load_rules().rulesets:
        for occasion in OCCASIONS:
            found = ruleset.exemption_for(occasion)
            assert (found is None) == (occasion == "other"), (ruleset.id, occasion)


def test_rule_texts_are_listed_for_translation_both_ways() -> None:
    # Every text of the data file is marked with N_ in gratify/rules/messages.py, and
    # nothing stale is left there.
    assert load_rules().rule_texts() == RULE_TEXTS


def test_rule_ids_are_unique_and_articles_cite_a_regulation() -> None:
    ids = re.findall(r'^id = "([^"]+)"', TEXT, re.MULTILINE)
    assert len(ids) == len(set(ids))
    for ruleset in load_rules().rulesets:
        for exemption in ruleset.exemptions:
            assert "Peraturan KPK" in exemption.rule.article


def test_the_rules_file_uses_no_key_the_catalogue_extracts_as_a_label() -> None:
    # Other data files mark texts with label/title/help keys; these texts are marked in
    # messages.py instead, so extraction does not depend on a key name.
    assert not re.search(r"^(label|title|help)\s*=", TEXT, re.MULTILINE)


# --- validation ---------------------------------------------------------------------------


def _without_second_ruleset() -> str:
    first = TEXT[: TEXT.index('[[ruleset]]\nid = "perkom-1-2026"')]
    return first.replace("effective_until = 2026-01-19\n", "")


def test_a_single_open_ruleset_parses() -> None:
    rules = parse_rules(_without_second_ruleset())
    assert len(rules.rulesets) == 1
    assert rules.in_force_on(dt.date(2030, 1, 1)).id == "perkom-2-2019"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("effective_from = 2026-01-20", "effective_from = 2026-01-21"), "day after"),
        (("effective_from = 2026-01-20", "effective_from = 2026-01-19"), "day after"),
        (("effective_until = 2026-01-19\n", ""), "only the last may omit"),
        (('occasions = ["family"]', 'occasions = ["famly"]'), "is not one of"),
        (('occasions = ["food_for_all"]', 'occasions = ["wedding"]'), "already has"),
        (('occasions = ["flowers"]', 'occasions = ["other"]'), "never exempt"),
        (('forms = ["non_cash"]', 'forms = ["goods"]'), "is not one of"),
        (("per_gift_max = 1_000_000", "per_gift_max = -1"), "integer"),
        (("per_gift_max = 200_000", "per_gift_max = 2_000_000"), "smaller than"),
        (("annual_inclusive = false", "anual_inclusive = false"), "unknown key"),
        (('conditions = ["not_linked_to_position"]', 'conditions = ["nepotism"]'), "is not one"),
        (
            ('kind = "completion"\nworking_days = 30', 'kind = "upg_report"\nworking_days = 30'),
            "twice",
        ),
        (("working_days = 20", "working_days = 0"), "integer >= 1"),
        (('id = "2019-family"', 'id = "2019-duty"'), "used twice"),
        (("schema = 1", "schema = 2"), "schema"),
        (
            ("within %(days)s working days of receiving the gift.", "within ten days."),
            "%\\(days\\)s",
        ),
        (("Food and drink served", "100% of food and drink served"), "% sign"),
        (("effective_until = 2026-01-19", 'effective_until = "2026-01-19"'), "expected a date"),
    ],
)
def test_bad_rules_are_refused_with_the_place(change: tuple[str, str], message: str) -> None:
    assert change[0] in TEXT, change[0]
    with pytest.raises(RulesDataError, match=message):
        parse_rules(TEXT.replace(*change, 1))


def test_a_ruleset_without_every_deadline_is_refused() -> None:
    start = TEXT.index('[[ruleset.deadline]]\nid = "2019-completion"')
    end = TEXT.index("[[ruleset.exemption]]", start)
    with pytest.raises(RulesDataError, match="no deadline for completion"):
        parse_rules(TEXT[:start] + TEXT[end:])
