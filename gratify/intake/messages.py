"""Messages between a reporter and the handlers, sealed with their time under the case key."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.crypto.aead import associated_data, seal, unseal
from gratify.intake.models import CaseMessage

SENDERS = ("reporter", "handler")


@dataclasses.dataclass(frozen=True, slots=True)
class Message:
    sender: str
    body: str
    at: str


def _context(case_id: str, sender: str) -> bytes:
    # The sender is bound too, so a handler's message cannot be passed off as the reporter's.
    return associated_data(case_id, "message", sender)


async def add_message(
    session: AsyncSession,
    case_id: str,
    dek: bytes,
    *,
    sender: str,
    body: str,
    now: dt.datetime,
    author_id: int | None = None,
) -> None:
    """Seal and store a message; its time is inside the seal, not in the clear."""
    if sender not in SENDERS:
        raise ValueError(sender)
    content = json.dumps(
        {"body": body, "at": now.replace(second=0, microsecond=0).isoformat()},
        ensure_ascii=False,
    ).encode()
    session.add(
        CaseMessage(
            case_id=case_id,
            sender=sender,
            author_id=author_id,
            sealed=seal(dek, content, context=_context(case_id, sender)),
        )
    )
    await session.flush()


async def list_messages(session: AsyncSession, case_id: str, dek: bytes) -> list[Message]:
    """The case's messages, oldest first, unsealed."""
    rows = await session.scalars(
        select(CaseMessage).where(CaseMessage.case_id == case_id).order_by(CaseMessage.id)
    )
    messages = []
    for row in rows:
        content = json.loads(unseal(dek, row.sealed, context=_context(case_id, row.sender)))
        messages.append(Message(row.sender, content["body"], content["at"]))
    return messages
