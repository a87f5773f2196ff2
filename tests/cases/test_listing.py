"""The inbox as each handler's own key rows: the copy of the case's columns follows every
change (filing, transitions, grants, unit moves), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from gratify.accounts.models import Tenant, Unit, User
from gratify.cases import grants
from gratify.cases.listing import InboxFilter, list_cases
from gratify.cases.service import transition_case
from gratify.intake.models import Case, CaseKey
from gratify.intake.service import IntakeContext, ReportDraft
from tests.cases.conftest import ActorFor
from tests.cases.test_service import BROKER, NOW, TODAY, _file

INBOX = ("unit_id", "status", "received_on", "kind", "agency_id", "due_on")


async def _copies_match(ctx: IntakeContext, case_id: str) -> int:
    """Every key row of the case (handlers' and escrow's) carries the case's columns."""
    async with ctx.db.reading() as session:
        case = await session.get_one(Case, case_id)
        expected = tuple(getattr(case, name) for name in INBOX)
        rows = (
            await session.execute(
                select(*[getattr(CaseKey, name) for name in INBOX]).where(
                    CaseKey.case_id == case_id
                )
            )
        ).all()
    assert rows
    assert {tuple(row) for row in rows} == {expected}
    return len(rows)


async def test_key_rows_follow_the_case(ctx: IntakeContext, actor: ActorFor) -> None:
    _, case_id = await _file(ctx, "lampung-tengah")
    holders = await _copies_match(ctx, case_id)
    handler = await actor("lampung-tengah", "inspektorat-handler")
    supervisor = await actor("lampung-tengah", "inspektorat-supervisor")
    await transition_case(
        ctx, handler, case_id, "acknowledged", "Diterima.", {}, now=NOW, today=TODAY
    )
    await _copies_match(ctx, case_id)
    # A key written later (revoked, then granted again) takes the case as it is now.
    await grants.revoke_access(ctx, supervisor, case_id, "inspektorat-handler")
    await grants.grant_access(ctx, supervisor, case_id, "inspektorat-handler")
    assert await _copies_match(ctx, case_id) == holders
    async with ctx.db.reading() as session:
        page = await list_cases(session, handler, InboxFilter(status="acknowledged"), TODAY)
        received = await list_cases(session, handler, InboxFilter(status="received"), TODAY)
    assert case_id in {c.id for c in page.items}
    assert case_id not in {c.id for c in received.items}
    assert [c.status for c in page.items if c.id == case_id] == ["acknowledged"]


async def test_counts_move_with_a_transition(ctx: IntakeContext, actor: ActorFor) -> None:
    handler = await actor("pringsewu", "inspektorat-handler")
    async with ctx.db.reading() as session:
        before = (await list_cases(session, handler, InboxFilter(), TODAY)).counts
    _, case_id = await _file(ctx, "pringsewu")
    await transition_case(
        ctx, handler, case_id, "acknowledged", "Diterima.", {}, now=NOW, today=TODAY
    )
    async with ctx.db.reading() as session:
        after = await list_cases(session, handler, InboxFilter(), TODAY)
        by_due = await list_cases(session, handler, InboxFilter(sort="due", per_page=100), TODAY)
    assert after.counts.get("acknowledged", 0) == before.get("acknowledged", 0) + 1
    assert after.counts.get("received", 0) == before.get("received", 0)
    assert after.total == sum(before.values()) + 1
    dues = [c.due_on for c in by_due.items]
    assert dues == sorted(dues, key=lambda d: (d is None, d or dt.date.min))


async def test_a_handler_moved_to_another_unit_sees_that_unit(
    ctx: IntakeContext, actor: ActorFor
) -> None:
    _, case_id = await _file(ctx, "metro")
    handler = await actor("metro", "inspektorat-handler")
    async with ctx.db.writing() as session:
        upg = await session.scalar(
            select(Unit.id).where(Unit.tenant_id == select(User.tenant_id).where(
                User.id == handler.user_id).scalar_subquery(), Unit.slug == "upg")
        )  # fmt: skip
        await session.execute(update(User).where(User.id == handler.user_id).values(unit_id=upg))
    try:
        moved = await actor("metro", "inspektorat-handler")
        assert moved.unit_id == upg
        async with ctx.db.reading() as session:
            page = await list_cases(session, moved, InboxFilter(per_page=100), TODAY)
    finally:  # the installation is shared by the session's tests
        async with ctx.db.writing() as session:
            await session.execute(
                update(User).where(User.id == handler.user_id).values(unit_id=handler.unit_id)
            )
    # The key is still theirs, but the case is the inspectorate's, not the UPG's.
    assert case_id not in {c.id for c in page.items}
    async with ctx.db.reading() as session:
        back = await list_cases(session, handler, InboxFilter(per_page=100), TODAY)
    assert case_id in {c.id for c in back.items}


async def test_an_agency_filter_is_the_unit_s_region_s_agency(
    ctx: IntakeContext, actor: ActorFor
) -> None:
    _, case_id = await _file(ctx, "metro")
    handler = await actor("metro", "inspektorat-handler")
    async with ctx.db.reading() as session:
        same = await list_cases(
            session, handler, InboxFilter(kind="broker", agency="disdukcapil", per_page=100), TODAY
        )
        unknown = await list_cases(session, handler, InboxFilter(agency="tidak-ada"), TODAY)
    assert case_id in {c.id for c in same.items}
    assert all((c.kind, c.agency) == ("broker", "disdukcapil") for c in same.items)
    assert (unknown.items, unknown.total, unknown.counts) == ([], 0, {})


async def test_an_agency_filter_includes_the_regions_the_unit_receives(
    ctx: IntakeContext, actor: ActorFor
) -> None:
    """A report about metro's own inspectorate goes to its partner's unit; there it is
    found under its agency's slug, as the inbox offers the partner region's agencies."""
    draft = ReportDraft(
        BROKER.kind, BROKER.agency, {**BROKER.answers, "concerns_inspectorate": "yes"}
    )
    _, case_id = await _file(ctx, "metro", draft)
    async with ctx.db.reading() as session:
        unit = await session.scalar(select(Case.unit_id).where(Case.id == case_id))
        partner = await session.scalar(
            select(Tenant.slug).join(Unit, Unit.tenant_id == Tenant.id).where(Unit.id == unit)
        )
    assert partner is not None
    assert partner != "metro"
    handler = await actor(partner, "inspektorat-handler")
    async with ctx.db.reading() as session:
        found = await list_cases(
            session, handler, InboxFilter(kind="broker", agency=BROKER.agency, per_page=100), TODAY
        )
    assert case_id in {c.id for c in found.items}
