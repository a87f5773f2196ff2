"""Deadline reminders (gratify/notify/deadlines.py): two working days ahead to the people on
the case, missed ones also to the unit's supervisors, each once per case and deadline."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, select, update

from gratify.accounts.models import Tenant, User
from gratify.intake.models import Case
from gratify.intake.service import IntakeContext, file_report
from gratify.notify.deadlines import horizon, scan_deadlines
from gratify.notify.models import DeadlineReminder, Mail
from gratify.rules.calendar import WorkingDayCalendar
from tests.notify.conftest import STAFF_EMAIL, SmtpServer, smtp_sender
from tests.notify.test_sender import NOW, broker

MONDAY = dt.date(2026, 11, 23)
HOLIDAY = dt.date(2026, 11, 24)  # a made-up day off: the calendar is the rules', not weekdays
CALENDAR = WorkingDayCalendar.with_days_off([HOLIDAY])
ZONE = "Asia/Jakarta"


@pytest.fixture
async def no_deadlines(mail_ctx: IntakeContext) -> IntakeContext:
    """The module's earlier cases have no deadline: only this test's cases are scanned."""
    async with mail_ctx.db.writing() as session:
        await session.execute(update(Case).values(due_on=None))
    return mail_ctx


def test_two_working_days_skip_weekends_and_days_off() -> None:
    assert horizon(MONDAY, CALENDAR) == dt.date(2026, 11, 26)  # Tue is off: Wed, Thu
    assert horizon(dt.date(2026, 11, 26), CALENDAR) == dt.date(2026, 11, 30)  # Fri, Mon


async def _new_case(ctx: IntakeContext, due_on: dt.date, assigned: str | None = None) -> str:
    filed = await file_report(ctx, "metro", broker(), now=NOW)
    async with ctx.db.writing() as session:
        assignee = None
        if assigned:
            assignee = await session.scalar(
                select(User.id)
                .join(Tenant)
                .where(Tenant.slug == "metro", User.username == assigned)
            )
        case_id = await session.scalar(select(Case.id).where(Case.case_number == filed.case_number))
        await session.execute(
            update(Case).where(Case.id == case_id).values(due_on=due_on, assigned_to=assignee)
        )
        await session.execute(delete(Mail))  # the new-case notices are not under test here
    assert case_id is not None
    return case_id


async def _digests(ctx: IntakeContext) -> dict[str, tuple[int, int]]:
    """Each recipient's (due soon, missed) counts, over all their mails."""
    found: dict[str, tuple[int, int]] = {}
    async with ctx.db.reading() as session:
        for mail in await session.scalars(select(Mail)):
            soon, missed = found.get(mail.recipient, (0, 0))
            found[mail.recipient] = (soon + mail.due_soon, missed + mail.missed)
    return found


HANDLER = STAFF_EMAIL.format(username="inspektorat-handler")
SUPERVISOR = STAFF_EMAIL.format(username="inspektorat-supervisor")


async def test_reminders_are_queued_once_each(
    no_deadlines: IntakeContext, smtp: SmtpServer
) -> None:
    mail_ctx = no_deadlines
    soon = await _new_case(mail_ctx, dt.date(2026, 11, 26), assigned="inspektorat-handler")
    await _new_case(mail_ctx, dt.date(2026, 11, 27))  # three working days: not yet
    await _new_case(mail_ctx, dt.date(2026, 11, 20), assigned="inspektorat-handler")  # late

    assert await scan_deadlines(mail_ctx.db, ZONE, NOW, calendar=CALENDAR) == 2
    # The assignee hears of both; the supervisor only of the missed one.
    assert await _digests(mail_ctx) == {HANDLER: (1, 1), SUPERVISOR: (0, 1)}
    # Again, and again later the same day: nothing new.
    assert await scan_deadlines(mail_ctx.db, ZONE, NOW, calendar=CALENDAR) == 0
    later = NOW + dt.timedelta(hours=5)
    assert await scan_deadlines(mail_ctx.db, ZONE, later, calendar=CALENDAR) == 0
    assert await _digests(mail_ctx) == {HANDLER: (1, 1), SUPERVISOR: (0, 1)}

    # Friday: the first case's deadline has passed, the second's is two working days away.
    friday = NOW + dt.timedelta(days=4)
    assert await scan_deadlines(mail_ctx.db, ZONE, friday, calendar=CALENDAR) == 2
    assert await _digests(mail_ctx) == {HANDLER: (2, 2), SUPERVISOR: (1, 2)}
    async with mail_ctx.db.reading() as session:
        kinds = set(
            await session.scalars(
                select(DeadlineReminder.kind).where(DeadlineReminder.case_id == soon)
            )
        )
    assert kinds == {"soon", "missed"}

    # One mail each (nothing was sent in between), saying how many, in their language.
    sender = smtp_sender(mail_ctx.db, smtp.url)
    await sender.run_until_idle(friday + dt.timedelta(hours=1))
    handler_text = "\n".join(r.plain() for r in smtp.mailbox.to(HANDLER))
    assert len(smtp.mailbox.to(HANDLER)) == 1
    assert "Tenggat dalam dua hari kerja: 2." in handler_text
    assert "Tenggat terlewat: 2." in handler_text
    supervisor_text = "\n".join(r.plain() for r in smtp.mailbox.to(SUPERVISOR))
    assert "Deadlines in two working days: 1." in supervisor_text
    assert "Deadlines missed: 2." in supervisor_text
    assert "METRO-" not in handler_text + supervisor_text


async def test_a_new_deadline_is_reminded_again(no_deadlines: IntakeContext) -> None:
    mail_ctx = no_deadlines
    case_id = await _new_case(mail_ctx, dt.date(2026, 11, 26))
    assert await scan_deadlines(mail_ctx.db, ZONE, NOW, calendar=CALENDAR) == 1
    async with mail_ctx.db.writing() as session:  # the case moved on: a new deadline
        await session.execute(
            update(Case).where(Case.id == case_id).values(due_on=dt.date(2026, 11, 25))
        )
    assert await scan_deadlines(mail_ctx.db, ZONE, NOW, calendar=CALENDAR) == 1


async def test_without_holiday_data_only_missed_deadlines_are_reminded(
    no_deadlines: IntakeContext,
) -> None:
    mail_ctx = no_deadlines
    await _new_case(mail_ctx, dt.date(2026, 11, 25))
    await _new_case(mail_ctx, dt.date(2026, 11, 20))
    uncovered = WorkingDayCalendar.with_days_off([], covered_years=[2020])
    assert await scan_deadlines(mail_ctx.db, ZONE, NOW, calendar=uncovered) == 1
    assert set((await _digests(mail_ctx)).values()) == {(0, 1)}
