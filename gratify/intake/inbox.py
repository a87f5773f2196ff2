"""The reporter's inbox: come back with the receipt, read the case, answer the handlers.

A wrong receipt gets the same answer, after the same Argon2id work, whether or not its
lookup part exists, so the answer tells a guesser nothing. Failures are counted per lookup
part and across the installation in the database (no addresses are stored: threat model).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import secrets
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.accounts.models import Tenant
from gratify.audit.chain import record
from gratify.audit.events import ACTOR_REPORTER
from gratify.crypto.aead import associated_data, seal, unseal
from gratify.crypto.errors import CryptoError
from gratify.crypto.kdf import derive_key, open_under_secret
from gratify.crypto.receipt import MalformedReceipt, parse_receipt
from gratify.crypto.tokens import new_token, token_digest, token_key
from gratify.errors import N_, InvalidInput, RateLimited, Unauthenticated
from gratify.intake.attachments import AttachmentMeta, list_attachments
from gratify.intake.forms import clean_text
from gratify.intake.messages import Message, add_message, list_messages
from gratify.intake.models import Case, ReporterSession
from gratify.intake.service import (
    IntakeContext,
    acknowledgement_context,
    receipt_context,
    report_context,
)
from gratify.notify.service import notify_case
from gratify.web.ratelimit import Limit, record_event, retry_after

IDLE = dt.timedelta(minutes=30)
ABSOLUTE = dt.timedelta(hours=4)
PER_LOOKUP = Limit(count=5, window=dt.timedelta(hours=1))
INSTALLATION_WIDE = Limit(count=120, window=dt.timedelta(minutes=1))
_SESSION_PURPOSE = "reporter-inbox"
WRONG_RECEIPT = N_("This receipt code does not open a report. Check it and try again.")


@dataclasses.dataclass(frozen=True, slots=True)
class InboxSession:
    token: str = dataclasses.field(repr=False)
    expires_at: dt.datetime


@dataclasses.dataclass(frozen=True, slots=True)
class InboxView:
    """What the reporter sees: never who handles the case, only what happened to it."""

    case_number: str
    tenant: str
    agency: str
    kind: str
    status: str
    received_on: dt.date
    answers: dict[str, Any]
    attachments: list[AttachmentMeta]
    messages: list[Message]
    acknowledgement: dict[str, Any] | None


async def _record(
    ctx: IntakeContext, session: AsyncSession, case: Case, event: str, now: dt.datetime
) -> None:
    """A reporter's action in the trail: as ``reporter``, the day only (threat model)."""
    await record(
        session,
        keyring=ctx.keyring,
        tenant_id=case.tenant_id,
        event=event,
        actor=ACTOR_REPORTER,
        case_id=case.id,
        now=now,
    )


def _round_up(moment: dt.datetime) -> dt.datetime:
    """To the next ten minutes, so stored expiries do not tell when a reporter came back."""
    step = 600
    return dt.datetime.fromtimestamp(math.ceil(moment.timestamp() / step) * step, tz=dt.UTC)


def _session_context(case_id: str) -> bytes:
    return associated_data(case_id, "inbox-session")


async def open_inbox(
    ctx: IntakeContext, tenant_slug: str, receipt_text: str, now: dt.datetime
) -> InboxSession:
    """Check a receipt and open an inbox session. `Unauthenticated` (401) for any wrong
    receipt, `RateLimited` (429) while guessing is being slowed down."""
    try:
        receipt = parse_receipt(receipt_text)
    except MalformedReceipt:
        raise Unauthenticated(WRONG_RECEIPT) from None
    keys = (f"receipt:{receipt.lookup}", "receipt:*")
    async with ctx.db.reading() as session:
        waits = [
            await retry_after(session, keys[0], PER_LOOKUP, now),
            await retry_after(session, keys[1], INSTALLATION_WIDE, now),
        ]
        case = await session.scalar(
            select(Case)
            .join(Tenant, Tenant.id == Case.tenant_id)
            .where(Case.receipt_lookup == receipt.lookup, Tenant.slug == tenant_slug)
        )
    if max(waits):
        raise RateLimited(retry_after=max(waits))
    dek = None
    if case is None:
        # The same Argon2id work as a real check: timing must not reveal the lookup part.
        await ctx.pool.run(derive_key, receipt.secret_bytes, secrets.token_bytes(16), ctx.argon2)
    else:
        try:
            dek = await ctx.pool.run(
                open_under_secret,
                receipt.secret_bytes,
                case.receipt_key,
                context=receipt_context(case.id),
            )
        except CryptoError:
            dek = None
    if case is None or dek is None:
        async with ctx.db.writing() as session:
            await record_event(session, keys[0], PER_LOOKUP, now)
            await record_event(session, keys[1], INSTALLATION_WIDE, now)
        raise Unauthenticated(WRONG_RECEIPT)
    token = new_token()
    expires_at = _round_up(now + ABSOLUTE)
    async with ctx.db.writing() as session:
        await session.execute(delete(ReporterSession).where(ReporterSession.expires_at < now))
        session.add(
            ReporterSession(
                token_hash=token_digest(ctx.keyring.session_secret, token),
                case_id=case.id,
                sealed_key=seal(
                    token_key(token, purpose=_SESSION_PURPOSE),
                    dek,
                    context=_session_context(case.id),
                ),
                idle_expires_at=_round_up(now + IDLE),
                expires_at=expires_at,
            )
        )
        await _record(ctx, session, case, "reporter.inbox.opened", now)
    return InboxSession(token, expires_at)


async def _session_case(ctx: IntakeContext, token: str, now: dt.datetime) -> tuple[Case, bytes]:
    """The case and data key of a live session; refreshes its idle expiry."""
    digest = token_digest(ctx.keyring.session_secret, token)
    async with ctx.db.writing() as session:
        row = await session.get(ReporterSession, digest)
        if row is None or row.expires_at < now or row.idle_expires_at < now:
            if row is not None:
                await session.delete(row)
            raise Unauthenticated(
                N_("Your inbox session has ended. Enter your receipt code again.")
            )
        row.idle_expires_at = min(_round_up(now + IDLE), row.expires_at)
        case = await session.get(Case, row.case_id)
        assert case is not None
        dek = unseal(
            token_key(token, purpose=_SESSION_PURPOSE),
            row.sealed_key,
            context=_session_context(case.id),
        )
    return case, dek


async def read_inbox(ctx: IntakeContext, token: str, now: dt.datetime) -> InboxView:
    """The reporter's view of their case, decrypted for this request only."""
    case, dek = await _session_case(ctx, token, now)
    report = json.loads(unseal(dek, case.report, context=report_context(case.id)))
    acknowledgement = None
    if case.acknowledgement is not None:
        acknowledgement = json.loads(
            unseal(dek, case.acknowledgement, context=acknowledgement_context(case.id))
        )
    async with ctx.db.reading() as session:
        tenant = await session.get(Tenant, case.tenant_id)
        attachments = await list_attachments(session, case.id, dek)
        messages = await list_messages(session, case.id, dek)
    assert tenant is not None
    return InboxView(
        case_number=case.case_number,
        tenant=tenant.slug,
        agency=str(report["agency"]),
        kind=case.kind,
        status=case.status,
        received_on=case.received_on,
        answers=report["answers"],
        attachments=attachments,
        messages=messages,
        acknowledgement=acknowledgement,
    )


async def send_reporter_message(
    ctx: IntakeContext, token: str, body: object, now: dt.datetime
) -> None:
    """The reporter answers or adds information; sealed like the report."""
    try:
        text = clean_text(body, ctx.max_text_chars)
    except ValueError as error:
        raise InvalidInput(N_("The message has mistakes."), fields={"body": str(error)}) from None
    case, dek = await _session_case(ctx, token, now)
    async with ctx.db.writing() as session:
        await add_message(session, case.id, dek, sender="reporter", body=text, now=now)
        await notify_case(session, case.id, "replies", now)
        await _record(ctx, session, case, "reporter.message.sent", now)


async def session_case_key(ctx: IntakeContext, token: str, now: dt.datetime) -> tuple[str, bytes]:
    """The case id and data key of a live session, to seal evidence added later."""
    case, dek = await _session_case(ctx, token, now)
    return case.id, dek


async def close_inbox(ctx: IntakeContext, token: str) -> None:
    """End the session now (the reporter logs out)."""
    digest = token_digest(ctx.keyring.session_secret, token)
    async with ctx.db.writing() as session:
        await session.execute(delete(ReporterSession).where(ReporterSession.token_hash == digest))
