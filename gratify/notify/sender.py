"""The sender: claims due mails, delivers them, and records what happened.

Every worker runs it (`gratify.background`, every `SEND_EVERY`), and so may
``gratify notify run`` in a process of its own: a mail is sent by whoever *claims* it.
A claim is one conditional UPDATE that moves due rows to ``sending`` under a fresh claim
token and a lease; on PostgreSQL its inner SELECT takes the rows ``FOR UPDATE SKIP
LOCKED``, so two senders never claim the same row; on SQLite the write transaction
(``BEGIN IMMEDIATE``) serialises claims. Finishing a mail checks the claim token, so a
sender whose lease ran out cannot overwrite the one that took over.

Failures (`gratify.notify.transport`): a transient one (unreachable, 4xx, or a 5xx to the
login, greeting or sender) is retried after `backoff(attempts)`, 1 minute doubling up to 1
hour, and after `MAX_ATTEMPTS` attempts (about 10 hours) the mail is *dead*; a permanent
one (a 5xx refusing the recipient or the message) is dead at once. Dead letters
wait for an admin (``/admin/surat``), who may send them again.

A mail whose delivery succeeded but whose sender died before recording it is sent again
when its lease ends: at least once, with the same Message-ID (`messages.Composer`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import secrets

from sqlalchemy import and_, delete, or_, select, update

from gratify.db.engine import Database
from gratify.notify.messages import Composer
from gratify.notify.models import DEAD, PENDING, RETRY, SENDING, SENT, Mail
from gratify.notify.transport import DeliveryFailure, PermanentFailure, Transport

logger = logging.getLogger(__name__)

SEND_EVERY = dt.timedelta(seconds=5)
PURGE_EVERY = dt.timedelta(hours=1)
CLAIM_BATCH = 20
LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 16
FIRST_BACKOFF = dt.timedelta(minutes=1)
MAX_BACKOFF = dt.timedelta(hours=1)
# Sent mails are kept this long, then deleted: the spacing of digests (10 minutes) reads
# them, and no longer. A mail's due time says within 30 seconds when a report was filed
# or a reply sent (threat model, "Mail"): kept for days, it would be the submission time
# the rest of the system refuses to store.
KEEP_SENT = dt.timedelta(hours=1)


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    delay: dt.timedelta = FIRST_BACKOFF * (2 ** max(attempts - 1, 0))
    return min(delay, MAX_BACKOFF)


@dataclasses.dataclass(frozen=True, slots=True)
class Outcome:
    """What one round did."""

    sent: int = 0
    retrying: int = 0
    dead: int = 0


@dataclasses.dataclass(frozen=True, slots=True)
class Sender:
    db: Database
    transport: Transport
    composer: Composer
    batch: int = CLAIM_BATCH
    lease: dt.timedelta = LEASE

    async def claim(self, now: dt.datetime) -> tuple[str, list[Mail]]:
        """Claim up to `batch` due mails (and mails of a sender whose lease ran out)."""
        token = secrets.token_hex(16)
        is_due = or_(
            and_(Mail.status.in_((PENDING, RETRY)), Mail.not_before <= now),
            and_(Mail.status == SENDING, Mail.lease_until < now),
        )
        # A read first: most rounds find nothing, and then take no write lock (SQLite has one).
        async with self.db.reading() as session:
            if await session.scalar(select(Mail.id).where(is_due).limit(1)) is None:
                return token, []
        due = (
            select(Mail.id)
            .where(is_due)
            .order_by(Mail.not_before, Mail.id)
            .limit(self.batch)
            .with_for_update(skip_locked=True)
        )
        async with self.db.writing() as session:
            claimed = await session.execute(
                update(Mail)
                .where(Mail.id.in_(due.scalar_subquery()))
                .values(
                    status=SENDING,
                    claim=token,
                    lease_until=now + self.lease,
                    attempts=Mail.attempts + 1,
                )
                .returning(Mail.id)
                .execution_options(synchronize_session=False)
            )
            ids = list(claimed.scalars())
            if not ids:
                return token, []
            mails = await session.scalars(select(Mail).where(Mail.id.in_(ids)).order_by(Mail.id))
            return token, list(mails)

    async def _finish(self, mail: Mail, token: str, **values: object) -> None:
        async with self.db.writing() as session:
            await session.execute(
                update(Mail)
                .where(Mail.id == mail.id, Mail.claim == token, Mail.status == SENDING)
                .values(claim=None, lease_until=None, **values)
                .execution_options(synchronize_session=False)
            )

    async def run_once(self, now: dt.datetime) -> Outcome:
        """One round: claim what is due, send it, record each result."""
        token, mails = await self.claim(now)
        sent = retrying = dead = 0
        for mail in mails:
            try:
                await self.transport.send(mail.id, self.composer.compose(mail))
            except DeliveryFailure as failure:
                if isinstance(failure, PermanentFailure) or mail.attempts >= MAX_ATTEMPTS:
                    dead += 1
                    await self._finish(mail, token, status=DEAD, last_error=failure.kind)
                    logger.warning("mail %s is a dead letter: %s", mail.id, failure.kind)
                else:
                    retrying += 1
                    await self._finish(
                        mail,
                        token,
                        status=RETRY,
                        last_error=failure.kind,
                        not_before=now + backoff(mail.attempts),
                    )
                continue
            sent += 1
            await self._finish(mail, token, status=SENT, sent_on=now.date(), last_error=None)
        return Outcome(sent, retrying, dead)

    async def run_until_idle(self, now: dt.datetime, rounds: int = 100) -> Outcome:
        """Rounds until nothing is due at `now` (tests and ``gratify notify run --once``)."""
        total = Outcome()
        for _ in range(rounds):
            outcome = await self.run_once(now)
            total = Outcome(
                total.sent + outcome.sent,
                total.retrying + outcome.retrying,
                total.dead + outcome.dead,
            )
            if outcome == Outcome():
                break
        return total

    async def purge(self, now: dt.datetime) -> None:
        """Delete sent mails older than `KEEP_SENT`: an address is kept no longer than needed."""
        async with self.db.writing() as session:
            await session.execute(
                delete(Mail).where(Mail.status == SENT, Mail.not_before < now - KEEP_SENT)
            )
