"""Filing and the reporter's inbox, through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from gratify.accounts.models import Tenant, TenantKey, Unit, User
from gratify.accounts.users import unlock_private_key
from gratify.crypto.aead import unseal
from gratify.crypto.envelope import unwrap_data_key
from gratify.crypto.sign import verify_document
from gratify.errors import InvalidInput, NotFound, RateLimited, Unauthenticated
from gratify.intake import inbox
from gratify.intake.models import Case, CaseExclusion, CaseKey
from gratify.intake.service import (
    IntakeContext,
    ReportDraft,
    file_report,
    key_context,
    report_context,
)
from tests.conftest import HANDLER_PASSWORD
from tests.intake.test_forms import gratification_answers

NOW = dt.datetime(2026, 11, 23, 3, 17, 41, tzinfo=dt.UTC)  # 10:17 in Lampung (WIB)


def broker_draft(**changes: object) -> ReportDraft:
    answers: dict[str, object] = {
        "service": "ktp-el",
        "occurred_on": "2026-11-20",
        "time_window": "08-10",
        "officer_involved": "unsure",
        "what_happened": "Seorang calo meminta Rp300.000 agar KTP cepat jadi.",
    }
    answers.update(changes)
    return ReportDraft("broker", "disdukcapil", answers)


async def _case(ctx: IntakeContext, number: str) -> Case:
    async with ctx.db.reading() as session:
        case = await session.scalar(select(Case).where(Case.case_number == number))
    assert case is not None
    return case


async def _key_holders(ctx: IntakeContext, case_id: str) -> set[str]:
    async with ctx.db.reading() as session:
        rows = await session.scalars(
            select(User.username)
            .join(CaseKey, CaseKey.user_id == User.id)
            .where(CaseKey.case_id == case_id)
        )
        return set(rows)


async def test_a_gratification_report_is_sealed_routed_and_acknowledged(
    ctx: IntakeContext,
) -> None:
    filed = await file_report(
        ctx, "metro", ReportDraft("gratification", "dpmptsp", gratification_answers()), now=NOW
    )
    assert filed.case_number.startswith("METRO-2026-")
    assert len(filed.receipt.formatted) == 29
    # The acknowledgement is signed, verifiable, and dated to the minute in WIB.
    ack = filed.acknowledgement
    assert ack is not None
    assert verify_document(ack, ctx.keyring.verification_keys)
    assert ack["filed_at"] == "2026-11-23T10:17:00+07:00"
    assert ack["reporter_nip"] == "199001152015032001"

    case = await _case(ctx, filed.case_number)
    assert case.kind == "gratification"
    assert case.status == "received"
    assert case.received_on == dt.date(2026, 11, 23)
    assert case.value_bracket == "1000000-4999999"
    assert b"Siti" not in case.report
    assert b"PT Contoh" not in case.report
    async with ctx.db.reading() as session:
        unit = await session.get(Unit, case.unit_id)
        escrow_wraps = await session.scalar(
            select(func.count())
            .select_from(CaseKey)
            .where(CaseKey.case_id == case.id, CaseKey.tenant_key_id.is_not(None))
        )
    assert unit is not None
    assert unit.slug == "upg"
    assert await _key_holders(ctx, case.id) == {"upg-handler", "upg-supervisor"}
    assert escrow_wraps == 1

    # A handler of the unit opens it with their password, and only with it.
    async with ctx.db.reading() as session:
        handler = await session.scalar(
            select(User).join(Tenant).where(Tenant.slug == "metro", User.username == "upg-handler")
        )
        assert handler is not None
        wrapped = await session.scalar(
            select(CaseKey.wrapped).where(CaseKey.case_id == case.id, CaseKey.user_id == handler.id)
        )
    assert wrapped is not None
    private = await unlock_private_key(ctx.pool, handler, HANDLER_PASSWORD)
    dek = unwrap_data_key(wrapped, private, context=key_context(case.id))
    report = json.loads(unseal(dek, case.report, context=report_context(case.id)))
    assert report["answers"]["reporter_name"] == "Siti Rahmawati"


async def test_excluded_people_get_no_key_and_are_recorded(ctx: IntakeContext) -> None:
    draft = broker_draft()
    draft = ReportDraft(
        draft.kind, draft.agency, draft.answers, ["Inspektorat-Supervisor", "nobody"]
    )
    filed = await file_report(ctx, "metro", draft, now=NOW)
    case = await _case(ctx, filed.case_number)
    assert await _key_holders(ctx, case.id) == {"inspektorat-handler"}
    async with ctx.db.reading() as session:
        excluded = await session.scalar(
            select(func.count()).select_from(CaseExclusion).where(CaseExclusion.case_id == case.id)
        )
    assert excluded == 1


async def test_a_report_about_the_inspectorate_goes_to_the_partner_region(
    ctx: IntakeContext,
) -> None:
    filed = await file_report(ctx, "metro", broker_draft(concerns_inspectorate=True), now=NOW)
    case = await _case(ctx, filed.case_number)
    async with ctx.db.reading() as session:
        unit = await session.get(Unit, case.unit_id)
        assert unit is not None
        tenant = await session.get(Tenant, unit.tenant_id)
    assert tenant is not None
    assert (tenant.slug, unit.slug) == ("pringsewu", "inspektorat")
    assert case.concerns_inspectorate
    # Nobody of Kota Metro's own inspectorate holds a key.
    async with ctx.db.reading() as session:
        holders = await session.scalars(
            select(User.tenant_id)
            .join(CaseKey, CaseKey.user_id == User.id)
            .where(CaseKey.case_id == case.id)
        )
        assert set(holders) == {tenant.id}


async def _count_cases(ctx: IntakeContext) -> int:
    async with ctx.db.reading() as session:
        return await session.scalar(select(func.count()).select_from(Case)) or 0


async def test_bad_reports_are_refused_whole(ctx: IntakeContext) -> None:
    before = await _count_cases(ctx)
    with pytest.raises(InvalidInput) as info:
        await file_report(
            ctx, "metro", broker_draft(service="nib", time_window="midnight"), now=NOW
        )
    assert info.value.fields == {
        "answers.service": "Please choose a service of this agency.",
        "answers.time_window": "Please choose one of the options.",
    }
    with pytest.raises(InvalidInput) as info:
        await file_report(ctx, "metro", ReportDraft("broker", "pemadam", {}), now=NOW)
    assert "agency" in info.value.fields
    with pytest.raises(NotFound):
        await file_report(ctx, "atlantis", broker_draft(), now=NOW)
    assert await _count_cases(ctx) == before


async def test_case_numbers_are_unique_under_concurrency(ctx: IntakeContext) -> None:
    filed = await asyncio.gather(
        *(file_report(ctx, "pringsewu", broker_draft(), now=NOW) for _ in range(8))
    )
    numbers = [f.case_number for f in filed]
    assert len(set(numbers)) == 8
    assert all(n.startswith("PRINGSEWU-2026-") for n in numbers)
    assert len({f.receipt.lookup for f in filed}) == 8


async def test_the_reporter_comes_back_reads_and_answers(ctx: IntakeContext) -> None:
    filed = await file_report(ctx, "metro", broker_draft(), now=NOW)
    typed = filed.receipt.formatted.replace("-", "").lower()
    session = await inbox.open_inbox(ctx, "metro", typed, NOW)
    view = await inbox.read_inbox(ctx, session.token, NOW)
    assert view.case_number == filed.case_number
    assert view.status == "received"
    assert view.answers["what_happened"].startswith("Seorang calo")
    assert view.acknowledgement is None
    await inbox.send_reporter_message(ctx, session.token, "Calonya memakai baju batik.", NOW)
    view = await inbox.read_inbox(ctx, session.token, NOW)
    assert [(m.sender, m.body) for m in view.messages] == [
        ("reporter", "Calonya memakai baju batik.")
    ]
    with pytest.raises(InvalidInput):
        await inbox.send_reporter_message(ctx, session.token, "   ", NOW)
    await inbox.close_inbox(ctx, session.token)
    with pytest.raises(Unauthenticated):
        await inbox.read_inbox(ctx, session.token, NOW)


async def test_sessions_expire_when_idle_and_absolutely(ctx: IntakeContext) -> None:
    filed = await file_report(ctx, "metro", broker_draft(), now=NOW)
    session = await inbox.open_inbox(ctx, "metro", filed.receipt.formatted, NOW)
    with pytest.raises(Unauthenticated):
        await inbox.read_inbox(ctx, session.token, NOW + dt.timedelta(minutes=45))
    session = await inbox.open_inbox(ctx, "metro", filed.receipt.formatted, NOW)
    moment = NOW
    for _ in range(9):  # active every 25 minutes, still ends after 4 hours
        moment += dt.timedelta(minutes=25)
        if moment > NOW + inbox.ABSOLUTE + dt.timedelta(minutes=10):
            with pytest.raises(Unauthenticated):
                await inbox.read_inbox(ctx, session.token, moment)
            return
        await inbox.read_inbox(ctx, session.token, moment)
    with pytest.raises(Unauthenticated):
        await inbox.read_inbox(ctx, session.token, NOW + dt.timedelta(hours=5))


async def test_wrong_receipts_are_all_alike_and_guessing_is_slowed(ctx: IntakeContext) -> None:
    filed = await file_report(ctx, "lampung-tengah", broker_draft(), now=NOW)
    real = filed.receipt
    from gratify.crypto.receipt import Receipt, new_receipt

    def with_secret(lookup: str, secret: str) -> str:
        return Receipt(lookup, secret).formatted

    other = new_receipt()
    wrong_secret = with_secret(real.lookup, other.secret)
    unknown_lookup = other.formatted
    messages = set()
    typo = real.formatted[:-1] + ("1" if real.formatted.endswith("0") else "0")
    for text in (wrong_secret, unknown_lookup, "nonsense", typo):
        with pytest.raises(Unauthenticated) as info:
            await inbox.open_inbox(ctx, "lampung-tengah", text, NOW)
        messages.add(info.value.message)
    assert len(messages) == 1
    # The right receipt in another region's inbox is wrong too.
    with pytest.raises(Unauthenticated):
        await inbox.open_inbox(ctx, "metro", real.formatted, NOW)
    # Five failures on one lookup part (whatever the region) hold it for the hour, even
    # for the right receipt: two so far, three more.
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            await inbox.open_inbox(ctx, "lampung-tengah", wrong_secret, NOW)
    with pytest.raises(RateLimited) as limited:
        await inbox.open_inbox(ctx, "lampung-tengah", real.formatted, NOW)
    assert 0 < limited.value.retry_after <= 3600
    later = NOW + dt.timedelta(hours=1, minutes=1)
    assert (await inbox.open_inbox(ctx, "lampung-tengah", real.formatted, later)).token


async def test_the_escrow_wrap_is_to_the_tenants_key(ctx: IntakeContext) -> None:
    filed = await file_report(ctx, "metro", broker_draft(), now=NOW)
    case = await _case(ctx, filed.case_number)
    async with ctx.db.reading() as session:
        key = await session.scalar(
            select(TenantKey)
            .join(CaseKey, CaseKey.tenant_key_id == TenantKey.id)
            .where(CaseKey.case_id == case.id)
        )
    assert key is not None
    assert key.tenant_id == case.tenant_id
