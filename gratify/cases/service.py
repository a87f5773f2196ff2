"""Working a case: open it, move it through its workflow, write to the reporter, take notes.

Each use case is one transaction. A case the handler may not see is `NotFound` (see
`access`); a step the workflow does not allow from the current status is `Conflict` (409).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.accounts.models import Agency, Service, Tenant, Unit, User
from gratify.cases.access import CaseActor, open_case_key
from gratify.cases.models import CaseNote, CaseTransition
from gratify.cases.trail import audit
from gratify.crypto.aead import associated_data, seal, unseal
from gratify.errors import N_, Conflict, InvalidInput
from gratify.intake.attachments import AttachmentMeta, list_attachments
from gratify.intake.forms import clean_text
from gratify.intake.messages import Message, add_message, list_messages
from gratify.intake.models import Case
from gratify.intake.service import IntakeContext, report_context
from gratify.rules.calendar import CalendarNotCovered
from gratify.rules.workflow import Transition, Workflows, load_workflows

MAX_REASON = 4000


def _transition_context(case_id: str) -> bytes:
    return associated_data(case_id, "transition")


def _note_context(case_id: str) -> bytes:
    return associated_data(case_id, "note")


@dataclasses.dataclass(frozen=True, slots=True)
class HistoryEntry:
    from_status: str
    to_status: str
    actor: str | None
    on: dt.date
    reason: str
    details: dict[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class Note:
    author: str | None
    body: str
    at: str


@dataclasses.dataclass(frozen=True, slots=True)
class CaseView:
    """A case decrypted for one request of one handler."""

    id: str
    case_number: str
    tenant: str
    kind: str
    status: str
    agency: str | None
    service: str | None
    unit: str
    received_on: dt.date
    status_since: dt.date | None
    due_on: dt.date | None
    assigned_to: str | None
    kpk_outcome: str | None
    closing_reason: str | None
    concerns_inspectorate: bool
    answers: dict[str, Any]
    excluded_handlers: list[str]
    attachments: list[AttachmentMeta]
    messages: list[Message]
    notes: list[Note]
    history: list[HistoryEntry]
    next_steps: list[Transition]


async def _usernames(session: AsyncSession, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(User.id, User.username).where(User.id.in_(wanted)))
    return {user_id: username for user_id, username in rows}


async def open_case(
    ctx: IntakeContext,
    actor: CaseActor,
    case_id: str,
    workflows: Workflows | None = None,
    *,
    now: dt.datetime | None = None,
    exporting: str | None = None,
) -> CaseView:
    """Everything about a case, decrypted for this handler now (and only now).

    The read is recorded in the audit trail in the same transaction: no content is
    returned unless its reading is on record (DESIGN.md principle 3). A read for an
    export (`exporting` names its format) is recorded as ``case.exported``: the content
    leaves the system in a file.
    """
    flows = workflows or load_workflows()
    async with ctx.db.writing() as session:
        case, dek = await open_case_key(session, actor, case_id)
        report = json.loads(unseal(dek, case.report, context=report_context(case.id)))
        tenant = await session.get(Tenant, case.tenant_id)
        unit = await session.get(Unit, case.unit_id)
        agency = await session.get(Agency, case.agency_id) if case.agency_id else None
        service = await session.get(Service, case.service_id) if case.service_id else None
        attachments = await list_attachments(session, case.id, dek)
        messages = await list_messages(session, case.id, dek)
        note_rows = list(
            await session.scalars(
                select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id)
            )
        )
        steps = list(
            await session.scalars(
                select(CaseTransition)
                .where(CaseTransition.case_id == case.id)
                .order_by(CaseTransition.id)
            )
        )
        names = await _usernames(
            session,
            {case.assigned_to, *(n.author_id for n in note_rows), *(s.actor_id for s in steps)},
        )
        # Last in the transaction: the tenant's chain head stays locked until commit.
        if exporting is None:
            await audit(ctx, session, case, actor, "case.content.read", now, part="case")
        else:
            await audit(ctx, session, case, actor, "case.exported", now, format=exporting)
    assert tenant is not None
    assert unit is not None
    notes = []
    for row in note_rows:
        content = json.loads(unseal(dek, row.sealed, context=_note_context(case.id)))
        notes.append(Note(names.get(row.author_id or 0), content["body"], content["at"]))
    history = []
    for step in steps:
        content = json.loads(unseal(dek, step.sealed, context=_transition_context(case.id)))
        history.append(
            HistoryEntry(
                step.from_status,
                step.to_status,
                names.get(step.actor_id or 0),
                step.on,
                content["reason"],
                content.get("details", {}),
            )
        )
    return CaseView(
        id=case.id,
        case_number=case.case_number,
        tenant=tenant.slug,
        kind=case.kind,
        status=case.status,
        agency=agency.slug if agency else None,
        service=service.slug if service else None,
        unit=unit.slug,
        received_on=case.received_on,
        status_since=case.status_since,
        due_on=case.due_on,
        assigned_to=names.get(case.assigned_to or 0),
        kpk_outcome=case.kpk_outcome,
        closing_reason=case.closing_reason,
        concerns_inspectorate=case.concerns_inspectorate,
        answers=report["answers"],
        excluded_handlers=list(report.get("excluded_handlers", [])),
        attachments=attachments,
        messages=messages,
        notes=notes,
        history=history,
        next_steps=flows.of(case.kind).allowed_from(case.status),
    )


def _text(value: object, limit: int, field: str) -> str:
    try:
        return clean_text(value, limit)
    except ValueError as error:
        raise InvalidInput(N_("The request has mistakes."), fields={field: str(error)}) from None


def _details(
    step: Transition, flows: Workflows, given: Mapping[str, Any], today: dt.date
) -> dict[str, str]:
    """Check what the step requires (KPK's decision, a closing reason)."""
    details: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name in sorted(step.requires):
        value = given.get(name)
        if name == "outcome":
            if value not in {c.value for c in flows.kpk_outcomes}:
                errors[name] = N_("Please choose KPK's decision.")
        elif name == "closing_reason":
            if value not in {c.value for c in flows.closing_reasons}:
                errors[name] = N_("Please choose why the case is closed.")
        elif name == "decision_number":
            if not isinstance(value, str) or not value.strip() or len(value) > 100:
                errors[name] = N_("Please write the number of KPK's decision letter.")
        elif name == "decision_date":
            try:
                day = dt.date.fromisoformat(value) if isinstance(value, str) else None
            except ValueError:
                day = None
            if day is None or day > today:
                errors[name] = N_("Please write the date of KPK's decision as YYYY-MM-DD.")
        if name not in errors:
            details[name] = str(value).strip()
    if errors:
        raise InvalidInput(N_("The request has mistakes."), fields=errors)
    return details


async def transition_case(
    ctx: IntakeContext,
    actor: CaseActor,
    case_id: str,
    target: str,
    reason: object,
    details: Mapping[str, Any],
    *,
    now: dt.datetime,
    today: dt.date,
    workflows: Workflows | None = None,
) -> Case:
    """Move a case one step; the reason is sealed into its history.

    Closing also sends the reason to the reporter as the final message (DESIGN.md).
    `Conflict` if the workflow does not allow the step, or another handler moved the case
    first.
    """
    flows = workflows or load_workflows()
    text = _text(reason, MAX_REASON, "reason")
    async with ctx.db.writing() as session:
        case, dek = await open_case_key(session, actor, case_id)
        flow = flows.of(case.kind)
        step = flow.transition(case.status, target)
        if step is None:
            raise Conflict(N_("This step is not allowed from the case's current status."))
        facts = _details(step, flows, details, today)
        try:
            due_on = flow.due_on(target, case.received_on, today)
        except CalendarNotCovered:
            due_on = None  # shown as "no deadline computed"; the holiday data needs a year
        changed = await session.execute(
            update(Case)
            .where(Case.id == case.id, Case.status == case.status)
            .values(
                status=target,
                status_since=today,
                due_on=due_on,
                kpk_outcome=facts.get("outcome", case.kpk_outcome),
                closing_reason=facts.get("closing_reason", case.closing_reason),
            )
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(N_("Someone else changed this case first. Reload it."))
        content = json.dumps({"reason": text, "details": facts}, ensure_ascii=False).encode()
        session.add(
            CaseTransition(
                case_id=case.id,
                from_status=case.status,
                to_status=target,
                actor_id=actor.user_id,
                on=today,
                sealed=seal(dek, content, context=_transition_context(case.id)),
            )
        )
        await audit(
            ctx,
            session,
            case,
            actor,
            "case.transitioned",
            now,
            **{"from": case.status, "to": target},
        )
        if flow.state(target).final:
            await add_message(
                session, case.id, dek, sender="handler", body=text, now=now, author_id=actor.user_id
            )
            await audit(ctx, session, case, actor, "case.message.sent", now)
    async with ctx.db.reading() as session:
        fresh = await session.get(Case, case_id)
    assert fresh is not None
    return fresh


async def send_handler_message(
    ctx: IntakeContext,
    actor: CaseActor,
    case_id: str,
    body: object,
    *,
    now: dt.datetime,
    limit: int,
) -> None:
    """Write to the reporter (a question, an answer); they read it in their inbox."""
    text = _text(body, limit, "body")
    async with ctx.db.writing() as session:
        case, dek = await open_case_key(session, actor, case_id)
        await add_message(
            session, case.id, dek, sender="handler", body=text, now=now, author_id=actor.user_id
        )
        await audit(ctx, session, case, actor, "case.message.sent", now)


async def add_note(
    ctx: IntakeContext,
    actor: CaseActor,
    case_id: str,
    body: object,
    *,
    now: dt.datetime,
    limit: int,
) -> None:
    """An internal note for everyone who holds the case, never for the reporter."""
    text = _text(body, limit, "body")
    content = {"body": text, "at": now.replace(second=0, microsecond=0).isoformat()}
    async with ctx.db.writing() as session:
        case, dek = await open_case_key(session, actor, case_id)
        session.add(
            CaseNote(
                case_id=case.id,
                author_id=actor.user_id,
                sealed=seal(
                    dek,
                    json.dumps(content, ensure_ascii=False).encode(),
                    context=_note_context(case.id),
                ),
            )
        )
        await audit(ctx, session, case, actor, "case.note.written", now)
