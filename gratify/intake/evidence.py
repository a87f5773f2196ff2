"""Evidence a reporter adds later, from the inbox: files linked to their existing case."""

from __future__ import annotations

from collections.abc import Sequence

from gratify.intake.attachments import attach_to_case
from gratify.intake.service import IntakeContext


async def attach_evidence(ctx: IntakeContext, case_id: str, attachment_ids: Sequence[str]) -> None:
    """Link uploads sealed for `case_id` (pending attachments) to the case, in one
    transaction. `Conflict` if one of them is gone; the caller then discards the rest."""
    async with ctx.db.writing() as session:
        await attach_to_case(session, attachment_ids, case_id)
