"""The outbox's tables: mails waiting, sending, sent or dead; and deadline reminders sent.

A mail row holds no report content and no reporter identity (threat model, "what is never
stored"): the recipient, their language, which notice it is and, for a handler's digest,
how many of each kind of notice it gathers. The text is written when the mail is sent.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from gratify.db.base import Base, UTCDateTime
from gratify.intake.models import CASE_ID_LENGTH

# A mail's life: `pending` (may still gather notices, unique per batch key), `retry`
# (failed, waits for its next attempt), `sending` (claimed under a lease), `sent`, `dead`.
PENDING, RETRY, SENDING, SENT, DEAD = "pending", "retry", "sending", "sent", "dead"
STATUSES = (PENDING, RETRY, SENDING, SENT, DEAD)
_GATHERING = text("status = 'pending'")


class Mail(Base):
    """One mail to one address."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        # The sender's question: what is due now.
        Index("ix_mail_outbox_due", "status", "not_before"),
        # At most one gathering mail per person: a burst of notices merges into it.
        Index(
            "uq_mail_outbox_gathering",
            "batch_key",
            unique=True,
            sqlite_where=_GATHERING,
            postgresql_where=_GATHERING,
        ),
        Index("ix_mail_outbox_batch_key", "batch_key", "not_before"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recipient: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2))
    template: Mapped[str] = mapped_column(String(32))
    batch_key: Mapped[str | None] = mapped_column(String(64))
    # A handler's digest: how many notices of each kind it gathers (never which cases).
    new_cases: Mapped[int] = mapped_column(Integer, default=0)
    replies: Mapped[int] = mapped_column(Integer, default=0)
    due_soon: Mapped[int] = mapped_column(Integer, default=0)
    missed: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    claim: Mapped[str | None] = mapped_column(String(32))
    # The failure's kind only (e.g. "smtp 451", "connection"): a server's text could echo data.
    last_error: Mapped[str | None] = mapped_column(String(64))
    created_on: Mapped[dt.date] = mapped_column(Date)
    sent_on: Mapped[dt.date | None] = mapped_column(Date)


class DeadlineReminder(Base):
    """A reminder queued for one deadline of one case: each is queued once."""

    __tablename__ = "deadline_reminders"

    case_id: Mapped[str] = mapped_column(
        String(CASE_ID_LENGTH), ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    due_on: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    # "soon" (two working days left) or "missed".
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
