"""Evidence a reporter adds later, from the inbox: files linked to their existing case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from gratify.intake.attachments import attach_to_case
from gratify.intake.service import IntakeContext
from gratify.notify.service import notify_case


async def attach_evidence(
    ctx: IntakeContext,
    case_id: str,
    attachment_ids: Sequence[str],
    now: dt.datetime | None = None,
) -> None:
    """Link uploads sealed for `case_id` (pending attachments) to the case, in one
    transaction, and tell the handlers a reply waits. `Conflict` if one of them is gone;
    the caller then discards the rest."""
    async with ctx.db.writing() as session:
        await attach_to_case(session, attachment_ids, case_id)
        await notify_case(session, case_id, "replies", now or dt.datetime.now(dt.UTC))
