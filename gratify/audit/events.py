"""The catalogue of audit events: the one place that lists every event, what it means and
the detail keys it may carry (`docs/audit-events.md` is rendered from it).

An entry's details never hold report content or reporter identity: each event names the
keys it allows, and `check_details` refuses any other key, so content cannot slip into the
trail by accident. Values are plain JSON scalars (str, int, bool, None) or lists of them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

from gratify.errors import N_

__all__ = [
    "ACTOR_OPERATOR",
    "ACTOR_REPORTER",
    "ACTOR_SYSTEM",
    "CATALOGUE",
    "AuditEventError",
    "Event",
    "actor_user",
    "check_actor",
    "check_details",
    "event",
    "render_catalogue",
]

ACTOR_REPORTER = "reporter"
ACTOR_SYSTEM = "system"
ACTOR_OPERATOR = "operator"
_ACTOR = re.compile(r"user:[1-9][0-9]{0,18}|reporter|system|operator")
MAX_DETAIL_TEXT = 500


class AuditEventError(ValueError):
    """An unknown event, a detail key outside the event's list, or a malformed actor."""


@dataclasses.dataclass(frozen=True, slots=True)
class Event:
    """One kind of audit entry; `meaning` is a msgid (English, translated when shown)."""

    name: str
    meaning: str
    details: tuple[str, ...] = ()
    about_case: bool = False


def _events(*events: Event) -> dict[str, Event]:
    return {e.name: e for e in events}


CATALOGUE: dict[str, Event] = _events(
    # Cases
    Event("case.filed", N_("A report was submitted and became a case."), ("kind", "unit"), True),
    Event(
        "case.content.read",
        N_("Someone decrypted and saw the case's content (answers, identity, messages, notes)."),
        ("part",),
        True,
    ),
    Event(
        "case.attachment.downloaded",
        N_("Someone decrypted and downloaded one attachment of the case."),
        ("attachment",),
        True,
    ),
    Event(
        "case.transitioned",
        N_("The case moved from one status to another."),
        ("from", "to", "reason"),
        True,
    ),
    Event(
        "case.assigned",
        N_("The case was routed or assigned to a unit or a handler."),
        ("unit", "user"),
        True,
    ),
    Event(
        "case.access.granted",
        N_("A person was given the key to read the case."),
        ("user", "reason"),
        True,
    ),
    Event(
        "case.access.revoked",
        N_("A person's key to the case was taken away."),
        ("user", "reason"),
        True,
    ),
    Event(
        "case.conflict.declared",
        N_("A handler declared a conflict of interest and stepped away from the case."),
        ("user",),
        True,
    ),
    Event(
        "case.message.sent",
        N_("A handler sent a message to the reporter."),
        ("message",),
        True,
    ),
    Event("case.note.written", N_("A handler wrote an internal note."), ("note",), True),
    Event("case.exported", N_("Someone exported the case."), ("format",), True),
    Event(
        "case.recovered",
        N_("The case's key was re-granted with the tenant's escrow key."),
        ("keys_granted",),
        True,
    ),
    # Accounts
    Event("account.login.succeeded", N_("A staff member signed in."), ("user",)),
    Event(
        "account.login.failed",
        N_("A sign-in was refused (wrong password or code, unknown or disabled account)."),
        ("username", "reason"),
    ),
    Event("account.totp.enrolled", N_("A new authenticator app was enrolled."), ("user",)),
    Event(
        "account.password.reset",
        N_("A staff member's password was reset; cases only they could read are re-granted."),
        ("user", "cases_lost"),
    ),
    Event(
        "account.role.changed",
        N_("A staff member's role or unit changed."),
        ("user", "from", "to", "unit"),
    ),
    Event(
        "account.contact.changed",
        N_("A staff member's e-mail address or mail language changed."),
        ("user", "language", "has_email"),
    ),
    Event("account.disabled", N_("A staff member's account was disabled."), ("user",)),
    Event("account.enabled", N_("A disabled account was enabled again."), ("user",)),
    # Mail
    Event(
        "mail.retried",
        N_(
            "An administrator sent a dead letter (a mail the server refused) again, or all "
            "of the region's (with their count)."
        ),
        ("mail", "template", "count"),
    ),
    # Settings
    Event(
        "settings.changed",
        N_(
            "A tenant's settings changed (by `gratify tenants load`): the tenant, a unit, an "
            "agency or a service added or renamed, the partner unit changed, an escrow key "
            "issued."
        ),
        ("name", "change"),
    ),
    # Reporters (actor is always `reporter`; the time is the day only)
    Event(
        "reporter.inbox.opened",
        N_("The reporter opened the case's inbox with the receipt."),
        (),
        True,
    ),
    Event(
        "reporter.message.sent",
        N_("The reporter sent a message to the handlers."),
        ("message",),
        True,
    ),
    Event(
        "reporter.case.rated",
        N_("The reporter rated the handling of the closed case (the scores are sealed)."),
        (),
        True,
    ),
)


def event(name: str) -> Event:
    """The catalogue's event called `name`; `AuditEventError` if there is none."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise AuditEventError(f"{name!r} is not an audit event of the catalogue") from None


def actor_user(user_id: int) -> str:
    """The actor string of a staff member: ``user:<id>``."""
    return f"user:{int(user_id)}"


def check_actor(actor: str) -> str:
    """Return `actor` if it is ``user:<id>``, ``reporter``, ``system`` or ``operator``."""
    if not isinstance(actor, str) or not _ACTOR.fullmatch(actor):
        raise AuditEventError(f"{actor!r} is not an actor (user:<id>, reporter, system, operator)")
    return actor


def _check_value(name: str, key: str, value: object) -> None:
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, str):
        if len(value) > MAX_DETAIL_TEXT:
            raise AuditEventError(f"{name}: detail {key!r} is longer than {MAX_DETAIL_TEXT}")
        return
    if isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, list | tuple):
                raise AuditEventError(f"{name}: detail {key!r} nests lists")
            _check_value(name, key, item)
        return
    raise AuditEventError(f"{name}: detail {key!r} is a {type(value).__name__}")


def check_details(name: str, details: Mapping[str, object] | None) -> dict[str, object]:
    """The details of event `name` as a plain dict, refusing keys the catalogue does not list
    (`AuditEventError`) and values other than str, int, bool, None or a list of those."""
    spec = event(name)
    result: dict[str, object] = {}
    for key, value in (details or {}).items():
        if key not in spec.details:
            allowed = ", ".join(spec.details) or "none"
            raise AuditEventError(f"{name} has no detail {key!r} (allowed: {allowed})")
        _check_value(name, key, value)
        result[key] = list(value) if isinstance(value, tuple) else value
    return result


def render_catalogue() -> str:
    """The catalogue as Markdown: the body of `docs/audit-events.md`."""
    lines = [
        "# Audit events",
        "",
        "Every entry of the audit trail is one of these events (rendered from",
        "`gratify/audit/events.py` by `gratify audit events`; a test keeps this page equal).",
        "An entry records the event, the actor (`user:<id>`, `reporter`, `system` or",
        "`operator`), the case if any, the time (the day only when the actor is the",
        "reporter) and the details listed here; no other detail is accepted, and details",
        "never hold report content or reporter identity.",
        "",
        "| event | meaning | details |",
        "|---|---|---|",
    ]
    for spec in CATALOGUE.values():
        details = ", ".join(f"`{d}`" for d in spec.details) or "none"
        lines.append(f"| `{spec.name}` | {spec.meaning} | {details} |")
    return "\n".join(lines) + "\n"
