"""The event catalogue: what may be recorded, and its documentation."""

from __future__ import annotations

from pathlib import Path

import pytest

from gratify.audit.events import (
    CATALOGUE,
    AuditEventError,
    actor_user,
    check_actor,
    check_details,
    render_catalogue,
)
from gratify.cli import main

DOCS = Path(__file__).parent.parent.parent / "docs" / "audit-events.md"

REQUIRED = {
    "case.filed",
    "case.content.read",
    "case.attachment.downloaded",
    "case.transitioned",
    "case.assigned",
    "case.access.granted",
    "case.access.revoked",
    "case.conflict.declared",
    "case.message.sent",
    "case.note.written",
    "case.recovered",
    "account.login.succeeded",
    "account.login.failed",
    "account.totp.enrolled",
    "account.password.reset",
    "account.role.changed",
    "account.disabled",
    "account.enabled",
    "reporter.inbox.opened",
    "reporter.message.sent",
}


def test_catalogue_has_every_event_of_the_issue() -> None:
    assert set(CATALOGUE) >= REQUIRED
    for spec in CATALOGUE.values():
        assert spec.meaning.endswith(".")
        assert spec.name.count(".") >= 1


def test_details_outside_the_catalogue_are_refused() -> None:
    assert check_details("case.transitioned", {"from": "received", "to": "in_review"}) == {
        "from": "received",
        "to": "in_review",
    }
    with pytest.raises(AuditEventError, match="no detail 'answers'"):
        check_details("case.transitioned", {"answers": "secret report text"})
    with pytest.raises(AuditEventError, match="no detail"):
        check_details("reporter.inbox.opened", {"ip": "10.0.0.1"})
    with pytest.raises(AuditEventError, match="not an audit event"):
        check_details("case.eaten", {})
    with pytest.raises(AuditEventError, match="float"):
        check_details("case.recovered", {"keys_granted": 1.5})
    with pytest.raises(AuditEventError, match="dict"):
        check_details("case.recovered", {"keys_granted": {"a": 1}})
    with pytest.raises(AuditEventError, match="longer"):
        check_details("case.transitioned", {"reason": "x" * 501})


def test_actors() -> None:
    assert check_actor(actor_user(7)) == "user:7"
    for actor in ("reporter", "system", "operator"):
        assert check_actor(actor) == actor
    for bad in ("user:", "user:0", "user:x", "reporter@10.0.0.1", "", "admin"):
        with pytest.raises(AuditEventError):
            check_actor(bad)


def test_docs_are_rendered_from_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/audit-events.md is `gratify audit events`; regenerate it when this fails."""
    assert DOCS.read_text("utf-8") == render_catalogue()
    assert main(["audit", "events"]) == 0
    assert capsys.readouterr().out == render_catalogue()
    for name in CATALOGUE:
        assert f"`{name}`" in render_catalogue()
