"""Case deadlines on the working-day calendar, across the Idul Fitri 1447 H long holiday
(18-24 March 2026: cuti bersama, Nyepi, Idul Fitri) and Good Friday (3 April 2026)."""

from __future__ import annotations

import datetime as dt

from gratify.cases.service import open_case, transition_case
from gratify.intake.service import IntakeContext, ReportDraft, file_report
from tests.cases.conftest import ActorFor
from tests.cases.test_service import BROKER
from tests.intake.test_forms import gratification_answers

# Tuesday 17 March 2026, 09.00 in Lampung: the last working day before the long holiday.
EVE_OF_HOLIDAY = dt.datetime(2026, 3, 17, 2, 0, tzinfo=dt.UTC)


async def _case_id(ctx: IntakeContext, number: str) -> str:
    from sqlalchemy import select

    from gratify.intake.models import Case

    async with ctx.db.reading() as session:
        found = await session.scalar(select(Case.id).where(Case.case_number == number))
    assert found is not None
    return found


async def test_deadlines_skip_the_long_holiday(ctx: IntakeContext, actor: ActorFor) -> None:
    march_broker = ReportDraft(
        BROKER.kind, BROKER.agency, {**BROKER.answers, "occurred_on": "2026-03-16"}
    )
    broker = await file_report(ctx, "metro", march_broker, now=EVE_OF_HOLIDAY)
    whistle = await file_report(
        ctx,
        "metro",
        ReportDraft(
            "whistleblowing",
            "dishub",
            {"category": "bribery", "place": "Terminal", "what_happened": "x", "how_known": "told"},
        ),
        now=EVE_OF_HOLIDAY,
    )
    gratification = await file_report(
        ctx,
        "metro",
        ReportDraft("gratification", "rsud", gratification_answers(received_on="2026-03-16")),
        now=EVE_OF_HOLIDAY,
    )
    inspector = await actor("metro", "inspektorat-handler")
    upg = await actor("metro", "upg-handler")
    broker_case = await open_case(ctx, inspector, await _case_id(ctx, broker.case_number))
    whistle_case = await open_case(ctx, inspector, await _case_id(ctx, whistle.case_number))
    gratification_id = await _case_id(ctx, gratification.case_number)
    # Broker reports are verified within 3 working days: 25, 26, 27 March.
    assert broker_case.due_on == dt.date(2026, 3, 27)
    # Whistleblowing reports are acknowledged within 7 calendar days, holiday or not.
    assert whistle_case.due_on == dt.date(2026, 3, 24)
    # The UPG forwards a gratification report to KPK within 10 working days of receiving it:
    # 25, 26, 27, 30, 31 March, 1, 2, (3 is Good Friday) 6, 7, 8 April.
    after_holiday = dt.date(2026, 3, 25)
    moved = await transition_case(
        ctx,
        upg,
        gratification_id,
        "acknowledged",
        "diterima",
        {},
        now=EVE_OF_HOLIDAY + dt.timedelta(days=8),
        today=after_holiday,
    )
    assert moved.due_on == dt.date(2026, 4, 8)
    assert moved.status_since == after_holiday
