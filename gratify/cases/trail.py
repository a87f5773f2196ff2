"""Recording what a handler does to a case in the tenant's audit trail.

Called inside the action's own transaction, so the action and its record commit or roll
back together. Details name what was done, never what a report says (audit/events.py).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from gratify.audit.chain import record
from gratify.audit.events import actor_user
from gratify.cases.access import CaseActor
from gratify.intake.models import Case
from gratify.intake.service import IntakeContext


async def audit(
    ctx: IntakeContext,
    session: AsyncSession,
    case: Case,
    actor: CaseActor,
    event: str,
    now: dt.datetime | None = None,
    **details: object,
) -> None:
    """Append `event` about `case`, done by `actor`, to the case's tenant's chain."""
    await record(
        session,
        keyring=ctx.keyring,
        tenant_id=case.tenant_id,
        event=event,
        actor=actor_user(actor.user_id),
        case_id=case.id,
        details=details or None,
        now=now or dt.datetime.now(dt.UTC),
    )
