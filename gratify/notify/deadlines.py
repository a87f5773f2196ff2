"""Deadline reminders: a clock job finds cases whose deadline is two working days away or
already past, and queues each reminder once.

"Once" is kept by `DeadlineReminder` rows (case, deadline, kind), inserted with ON
CONFLICT DO NOTHING in the transaction that queues the notices: two workers scanning at
the same moment queue each reminder once, and a case that moves to a new status (a new
deadline) is reminded of that one too. A case first seen already late gets only the
missed-deadline notice, which goes to the unit's supervisors as well.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from sqlalchemy import exists, select

from gratify.db.engine import Database
from gratify.intake.models import Case
from gratify.notify.models import DeadlineReminder
from gratify.notify.service import dialect_insert, notify_case
from gratify.rules.calendar import CalendarNotCovered, WorkingDayCalendar
from gratify.rules.holidays import load_calendar

logger = logging.getLogger(__name__)

SCAN_EVERY = dt.timedelta(minutes=30)
WARN_WORKING_DAYS = 2
SCAN_BATCH = 200
SOON, MISSED = "soon", "missed"


def horizon(today: dt.date, calendar: WorkingDayCalendar) -> dt.date:
    """The last due date that counts as "in two working days" on `today`."""
    return calendar.add_working_days(today, WARN_WORKING_DAYS)


async def scan_deadlines(
    db: Database,
    timezone: str,
    now: dt.datetime,
    *,
    calendar: WorkingDayCalendar | None = None,
) -> int:
    """Queue the reminders due at `now`; how many reminders (case and deadline) were queued."""
    today = now.astimezone(zoneinfo.ZoneInfo(timezone)).date()
    try:
        last_day = horizon(today, calendar or load_calendar())
    except CalendarNotCovered:
        # No holiday data for the coming days: warn of the missed ones only, never guess.
        logger.warning("deadline reminders: the working-day calendar does not cover %s", today)
        last_day = today - dt.timedelta(days=1)
    queued = 0
    while True:
        done = await _scan_batch(db, today, last_day, now)
        queued += done
        if done < SCAN_BATCH:
            return queued


def _kind(due_on: dt.date, today: dt.date) -> str:
    return MISSED if due_on < today else SOON


async def _scan_batch(db: Database, today: dt.date, last_day: dt.date, now: dt.datetime) -> int:
    async with db.writing() as session:
        insert = dialect_insert(session)
        missed_done = exists().where(
            DeadlineReminder.case_id == Case.id,
            DeadlineReminder.due_on == Case.due_on,
            DeadlineReminder.kind == MISSED,
        )
        soon_done = exists().where(
            DeadlineReminder.case_id == Case.id,
            DeadlineReminder.due_on == Case.due_on,
            DeadlineReminder.kind == SOON,
        )
        rows = (
            await session.execute(
                select(Case.id, Case.due_on)
                .where(
                    Case.due_on.is_not(None),
                    Case.due_on <= last_day,
                    ~missed_done,
                    ((Case.due_on < today) | ~soon_done),
                )
                .order_by(Case.due_on, Case.id)
                .limit(SCAN_BATCH)
            )
        ).all()
        for case_id, due_on in rows:
            assert due_on is not None
            kind = _kind(due_on, today)
            inserted = await session.scalar(
                insert(DeadlineReminder)
                .values(case_id=case_id, due_on=due_on, kind=kind)
                .on_conflict_do_nothing()
                .returning(DeadlineReminder.case_id)
            )
            if inserted is None:
                continue  # another worker queued it a moment ago
            if kind == MISSED:
                await notify_case(session, case_id, "missed", now, supervisors=True)
            else:
                await notify_case(session, case_id, "due_soon", now)
        return len(rows)
