from __future__ import annotations

import datetime as dt

import pytest

from gratify.rules.workflow import WorkflowDataError, add_months, load_workflows, parse_workflows


def test_every_kind_has_the_default_path_of_the_design() -> None:
    workflows = load_workflows()
    for kind in ("gratification", "whistleblowing", "broker"):
        flow = workflows.of(kind)
        assert flow.initial == "received"
        assert flow.transition("received", "acknowledged") is not None
        assert flow.transition("received", "closed") is None  # acknowledge first
        assert flow.state("closed").final
    gratification = workflows.of("gratification")
    decided = gratification.transition("forwarded_to_kpk", "kpk_decided")
    assert decided is not None
    assert decided.requires == {"outcome", "decision_number", "decision_date"}
    assert {c.value for c in workflows.kpk_outcomes} == {
        "milik_negara",
        "milik_penerima",
        "kompensasi",
        "disalurkan",
        "tidak_dapat_ditindaklanjuti",
    }


def test_deadlines_follow_the_data() -> None:
    flow = load_workflows().of("gratification")
    received = dt.date(2026, 3, 18)  # the Wednesday before Idul Fitri 1447 H
    # Acknowledge within 7 calendar days.
    assert flow.due_on("received", received, received) == dt.date(2026, 3, 25)
    # Forward to KPK within 10 working days: Nyepi, Idul Fitri and cuti bersama are skipped.
    forward = flow.due_on("in_review", received, received)
    assert forward is not None
    assert forward > dt.date(2026, 4, 1)
    assert flow.due_on("closed", received, received) is None
    whistle = load_workflows().of("whistleblowing")
    assert whistle.due_on("in_review", dt.date(2026, 11, 30), dt.date(2026, 12, 1)) == dt.date(
        2027, 2, 28
    )


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)


def test_bad_workflow_data_is_refused() -> None:
    base = {
        "closing_reasons": [],
        "kpk_outcomes": [],
        "kinds": [
            {
                "kind": "broker",
                "initial": "received",
                "states": [
                    {"name": "received", "label": "R"},
                    {"name": "closed", "label": "C", "final": True},
                ],
                "transitions": [{"from": "received", "to": "gone", "label": "x"}],
            }
        ],
    }
    with pytest.raises(WorkflowDataError, match="unknown state"):
        parse_workflows(base)
