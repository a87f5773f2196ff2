"""Working cases through the services, on SQLite and PostgreSQL: isolation, workflow,
messages both ways, notes, grants, conflicts."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from gratify.cases import grants
from gratify.cases.listing import InboxFilter, list_cases
from gratify.cases.service import add_note, open_case, send_handler_message, transition_case
from gratify.errors import Conflict, Forbidden, InvalidInput, NotFound
from gratify.intake import inbox
from gratify.intake.service import Filed, IntakeContext, ReportDraft, file_report
from tests.cases.conftest import ActorFor
from tests.intake.test_forms import gratification_answers

NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 23)


BROKER = ReportDraft(
    "broker",
    "disdukcapil",
    {
        "service": "ktp-el",
        "occurred_on": "2026-11-20",
        "time_window": "08-10",
        "officer_involved": "yes",
        "what_happened": "Petugas loket 2 meminta Rp200.000.",
    },
)


async def _file(
    ctx: IntakeContext, tenant: str = "metro", draft: ReportDraft = BROKER
) -> tuple[Filed, str]:
    filed = await file_report(ctx, tenant, draft, now=NOW)
    from gratify.intake.models import Case

    async with ctx.db.reading() as session:
        case_id = await session.scalar(select(Case.id).where(Case.case_number == filed.case_number))
    assert case_id is not None
    return filed, case_id


async def test_the_handler_sees_the_case_and_others_get_not_found(
    ctx: IntakeContext, actor: ActorFor
) -> None:
    _, case_id = await _file(ctx)
    handler = await actor("metro", "inspektorat-handler")
    view = await open_case(ctx, handler, case_id)
    assert view.answers["what_happened"].startswith("Petugas loket 2")
    assert view.status == "received"
    # A broker report is to be verified within 3 working days (LAPOR!): Monday -> Thursday.
    assert view.due_on == dt.date(2026, 11, 26)
    # Another unit, another tenant, a made-up id: all the same NotFound.
    for outsider in (
        await actor("metro", "upg-handler"),
        await actor("pringsewu", "inspektorat-handler"),
    ):
        with pytest.raises(NotFound):
            await open_case(ctx, outsider, case_id)
        async with ctx.db.reading() as session:
            page = await list_cases(session, outsider, InboxFilter(per_page=100), TODAY)
        assert case_id not in {c.id for c in page.items}
    with pytest.raises(NotFound):
        await open_case(ctx, handler, "0" * 32)
    with pytest.raises(NotFound):
        await open_case(ctx, handler, "../../etc")


async def test_the_inbox_lists_filters_and_counts(ctx: IntakeContext, actor: ActorFor) -> None:
    ids = [(await _file(ctx, "lampung-tengah"))[1] for _ in range(3)]
    handler = await actor("lampung-tengah", "inspektorat-handler")
    async with ctx.db.reading() as session:
        page = await list_cases(session, handler, InboxFilter(kind="broker", per_page=2), TODAY)
        assert page.total >= 3
        assert len(page.items) == 2
        assert page.counts.get("received", 0) >= 3
        second = await list_cases(
            session, handler, InboxFilter(kind="broker", per_page=2, page=2), TODAY
        )
        assert not {c.id for c in page.items} & {c.id for c in second.items}
        agency = await list_cases(session, handler, InboxFilter(agency="dpmptsp"), TODAY)
        assert not {c.id for c in agency.items} & set(ids)
        later = TODAY + dt.timedelta(days=30)
        overdue = await list_cases(session, handler, InboxFilter(overdue=True, per_page=100), later)
        assert set(ids) <= {c.id for c in overdue.items}
        assert all(c.overdue for c in overdue.items)
        in_time = await list_cases(
            session, handler, InboxFilter(overdue=False, per_page=100), TODAY
        )
        assert set(ids) <= {c.id for c in in_time.items}


async def test_a_whole_gratification_path_to_kpk_and_closing(
    ctx: IntakeContext, actor: ActorFor
) -> None:
    filed, case_id = await _file(
        ctx, "metro", ReportDraft("gratification", "dpmptsp", gratification_answers())
    )
    upg = await actor("metro", "upg-handler")

    async def step(to: str, **details: str) -> None:
        await transition_case(ctx, upg, case_id, to, f"alasan {to}", details, now=NOW, today=TODAY)

    with pytest.raises(Conflict):
        await step("closed", closing_reason="resolved")  # acknowledge first
    await step("acknowledged")
    await step("in_review")
    await step("awaiting_reporter")
    await send_handler_message(
        ctx, upg, case_id, "Mohon kirim foto parselnya.", now=NOW, limit=1000
    )
    session = await inbox.open_inbox(ctx, "metro", filed.receipt.formatted, NOW)
    view = await inbox.read_inbox(ctx, session.token, NOW)
    assert [(m.sender, m.body) for m in view.messages] == [
        ("handler", "Mohon kirim foto parselnya.")
    ]
    await inbox.send_reporter_message(ctx, session.token, "Foto menyusul.", NOW)
    await step("in_review")
    await step("forwarded_to_kpk")
    with pytest.raises(InvalidInput) as missing:
        await step("kpk_decided", outcome="milik_negara")
    assert set(missing.value.fields) == {"decision_number", "decision_date"}
    await step(
        "kpk_decided",
        outcome="milik_negara",
        decision_number="B/123/GRAT/2026",
        decision_date="2026-11-20",
    )
    await add_note(ctx, upg, case_id, "Barang diserahkan ke KPK.", now=NOW, limit=1000)
    await step("closed", closing_reason="kpk_decided")
    case = await open_case(ctx, upg, case_id)
    assert case.status == "closed"
    assert case.kpk_outcome == "milik_negara"
    assert case.closing_reason == "kpk_decided"
    assert case.due_on is None
    assert [h.to_status for h in case.history] == [
        "acknowledged",
        "in_review",
        "awaiting_reporter",
        "in_review",
        "forwarded_to_kpk",
        "kpk_decided",
        "closed",
    ]
    assert case.history[5].details["decision_number"] == "B/123/GRAT/2026"
    assert [n.body for n in case.notes] == ["Barang diserahkan ke KPK."]
    # The reporter sees the closing reason as the final message.
    final = await inbox.read_inbox(ctx, session.token, NOW)
    assert final.status == "closed"
    assert final.messages[-1].body == "alasan closed"
    assert final.messages[-1].sender == "handler"


async def test_transitions_need_a_reason(ctx: IntakeContext, actor: ActorFor) -> None:
    _, case_id = await _file(ctx)
    handler = await actor("metro", "inspektorat-handler")
    with pytest.raises(InvalidInput):
        await transition_case(ctx, handler, case_id, "acknowledged", "  ", {}, now=NOW, today=TODAY)


async def test_grants_revokes_assignment_and_conflicts(ctx: IntakeContext, actor: ActorFor) -> None:
    draft = ReportDraft(BROKER.kind, BROKER.agency, BROKER.answers, ["inspektorat-supervisor"])
    _, case_id = await _file(ctx, "pringsewu", draft)
    handler = await actor("pringsewu", "inspektorat-handler")
    supervisor = await actor("pringsewu", "inspektorat-supervisor")
    # The excluded supervisor sees nothing and cannot be granted access.
    with pytest.raises(NotFound):
        await open_case(ctx, supervisor, case_id)
    with pytest.raises(Conflict):
        await grants.grant_access(ctx, handler, case_id, "inspektorat-supervisor")
    # Handlers take cases themselves; only supervisors give them to others.
    await grants.assign_case(ctx, handler, case_id, "inspektorat-handler")
    assert (await open_case(ctx, handler, case_id)).assigned_to == "inspektorat-handler"
    with pytest.raises(InvalidInput):
        await grants.grant_access(ctx, handler, case_id, "upg-handler")
    # Declaring a conflict hands the case back for good.
    await grants.declare_conflict(ctx, handler, case_id)
    with pytest.raises(NotFound):
        await open_case(ctx, handler, case_id)


async def test_a_supervisor_grants_and_revokes(ctx: IntakeContext, actor: ActorFor) -> None:
    _, case_id = await _file(ctx, "lampung-tengah")
    supervisor = await actor("lampung-tengah", "inspektorat-supervisor")
    handler = await actor("lampung-tengah", "inspektorat-handler")
    with pytest.raises(Forbidden):
        await grants.revoke_access(ctx, handler, case_id, "inspektorat-supervisor")
    await grants.revoke_access(ctx, supervisor, case_id, "inspektorat-handler")
    with pytest.raises(NotFound):
        await open_case(ctx, handler, case_id)
    await grants.grant_access(ctx, supervisor, case_id, "inspektorat-handler")
    assert (await open_case(ctx, handler, case_id)).case_number
    names = {h.username for h in await grants.holders(ctx, supervisor, case_id)}
    assert names == {"inspektorat-handler", "inspektorat-supervisor"}


async def test_two_handlers_moving_a_case_at_once_do_not_both_win(
    ctx: IntakeContext, actor: ActorFor
) -> None:
    import asyncio

    _, case_id = await _file(ctx)
    a = await actor("metro", "inspektorat-handler")
    b = await actor("metro", "inspektorat-supervisor")
    results = await asyncio.gather(
        transition_case(ctx, a, case_id, "acknowledged", "a", {}, now=NOW, today=TODAY),
        transition_case(ctx, b, case_id, "acknowledged", "b", {}, now=NOW, today=TODAY),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["Case", "Conflict"]
    assert len((await open_case(ctx, a, case_id)).history) == 1


async def test_the_trail_records_the_case_s_life_and_verifies(
    ctx: IntakeContext, actor: ActorFor
) -> None:
    from gratify.audit.chain import verify
    from gratify.audit.listing import list_entries
    from gratify.intake.models import Case

    filed, case_id = await _file(ctx, "pringsewu")
    handler = await actor("pringsewu", "inspektorat-handler")
    session = await inbox.open_inbox(ctx, "pringsewu", filed.receipt.formatted, NOW)
    await inbox.send_reporter_message(ctx, session.token, "Ada tambahan.", NOW)
    await open_case(ctx, handler, case_id, now=NOW)
    await transition_case(
        ctx, handler, case_id, "acknowledged", "diterima", {}, now=NOW, today=TODAY
    )
    await send_handler_message(ctx, handler, case_id, "Terima kasih.", now=NOW, limit=100)
    await add_note(ctx, handler, case_id, "Cek CCTV loket.", now=NOW, limit=100)
    async with ctx.db.reading() as db_session:
        case = await db_session.get(Case, case_id)
        assert case is not None
        page = await list_entries(db_session, case.tenant_id, case_id=case_id, per_page=50)
        result = await verify(db_session, ctx.keyring.verification_keys, case.tenant_id)
    entries = list(reversed(page.entries))  # oldest first
    assert [e.event for e in entries] == [
        "case.filed",
        "reporter.inbox.opened",
        "reporter.message.sent",
        "case.content.read",
        "case.transitioned",
        "case.message.sent",
        "case.note.written",
    ]
    reporter = [e for e in entries if e.actor == "reporter"]
    assert len(reporter) == 3
    # A reporter's actions carry the day, never the time (threat model).
    assert all(e.at.time() == dt.time(0, 0) for e in reporter)
    assert entries[3].actor == f"user:{handler.user_id}"
    # Nothing a report or message says is in the trail.
    text = " ".join(str(e.details) for e in entries)
    for said in ("Ada tambahan", "Terima kasih", "CCTV", "diterima", "Petugas loket"):
        assert said not in text
    assert result.ok, result.problem
