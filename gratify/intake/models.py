"""The tables of a report: the case, its wrapped keys, messages and sealed attachments.

Only the metadata listed in docs/threat-model.md is in the clear; everything a reporter
wrote is in sealed columns (``LargeBinary``, AES-256-GCM under the case's data key).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from gratify.db.base import Base, UTCDateTime

CASE_ID_LENGTH = 32


class Case(Base):
    """One report and the case worked on it."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_inbox", "tenant_id", "unit_id", "status", "received_on"),
        # A unit's inbox, newest first, filtered by status or not (cases of a partner tenant
        # reach the unit too, so the unit, not the tenant, leads). They also carry every
        # column the inbox's filters test, so a page and its counts read the index alone
        # (bench/inbox.py: a unit of 50,000 cases).
        Index(
            "ix_cases_unit_received",
            "unit_id",
            "received_on",
            "id",
            "status",
            "kind",
            "agency_id",
            "due_on",
        ),
        Index(
            "ix_cases_unit_status_received",
            "unit_id",
            "status",
            "received_on",
            "id",
            "kind",
            "agency_id",
            "due_on",
        ),
    )

    id: Mapped[str] = mapped_column(String(CASE_ID_LENGTH), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    case_number: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="RESTRICT"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(32))
    # The date only: the exact time of a submission is never stored (threat model).
    received_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    value_bracket: Mapped[str | None] = mapped_column(String(32))
    concerns_inspectorate: Mapped[bool] = mapped_column(Boolean, default=False)
    receipt_lookup: Mapped[str] = mapped_column(String(16), unique=True)
    # The data key sealed under an Argon2id key from the receipt's secret part.
    receipt_key: Mapped[bytes] = mapped_column(LargeBinary)
    report: Mapped[bytes] = mapped_column(LargeBinary)
    report_digest: Mapped[str] = mapped_column(String(64))
    acknowledgement: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Case handling (gratify/cases): the day the case entered its status, who holds it, and
    # the outcomes the public statistics count.
    status_since: Mapped[dt.date | None] = mapped_column(Date)
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kpk_outcome: Mapped[str | None] = mapped_column(String(32))
    closing_reason: Mapped[str | None] = mapped_column(String(32))


class CaseKey(Base):
    """The case's data key wrapped (HPKE) to one handler or to the tenant's escrow key.

    Each row also carries a copy of its case's inbox columns (unit, status, received and
    due dates, kind, agency), so a handler's inbox is one range of their own keys
    (`gratify.cases.listing`). The database keeps the copy (triggers of migration 0008):
    a new key row takes the case's columns, a change to a case goes to all its rows.
    """

    __tablename__ = "case_keys"
    __table_args__ = (
        UniqueConstraint("case_id", "user_id"),
        UniqueConstraint("case_id", "tenant_key_id"),
        # A user's cases as one ordered set: the inbox counts its cases against it.
        Index("ix_case_keys_user_case", "user_id", "case_id"),
        # A handler's inbox: counts and pages by received date, status or due date.
        Index(
            "ix_case_keys_inbox_received",
            *("user_id", "unit_id", "received_on", "case_id"),
            *("status", "kind", "agency_id", "due_on"),
        ),
        # Each covers every column the inbox tests: the planner may count along any.
        Index(
            "ix_case_keys_inbox_status",
            *("user_id", "unit_id", "status", "received_on", "case_id"),
            *("kind", "agency_id", "due_on"),
        ),
        Index(
            "ix_case_keys_inbox_kind",
            *("user_id", "unit_id", "kind", "agency_id", "received_on", "case_id"),
            *("status", "due_on"),
        ),
        Index(
            "ix_case_keys_inbox_due",
            *("user_id", "unit_id", "due_on", "case_id"),
            *("status", "kind", "agency_id", "received_on"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    tenant_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenant_keys.id", ondelete="RESTRICT")
    )
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    # The case's inbox columns, copied by the database (never written by the app).
    unit_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(String(32))
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    kind: Mapped[str | None] = mapped_column(String(32))
    agency_id: Mapped[int | None] = mapped_column(Integer)
    due_on: Mapped[dt.date | None] = mapped_column(Date)


class CaseExclusion(Base):
    """A person the reporter named as not to see the case (conflict of interest)."""

    __tablename__ = "case_exclusions"

    case_id: Mapped[str] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CaseMessage(Base):
    """A message between the reporter and the handlers; body and time are sealed."""

    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    sender: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class CaseCounter(Base):
    """The last case number given out per tenant and year."""

    __tablename__ = "case_counters"

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Attachment(Base):
    """A sealed file. Pending (no case yet) while its upload streams in; its name, type and
    size are sealed in ``sealed_meta``; its bytes are in `AttachmentChunk` rows."""

    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(String(CASE_ID_LENGTH), primary_key=True)
    case_id: Mapped[str | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    sender: Mapped[str] = mapped_column(String(16))
    sealed_meta: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_size: Mapped[int] = mapped_column(Integer)
    # Set while the upload is in progress; a sweeper removes pending uploads past it.
    pending_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)


class AttachmentChunk(Base):
    """A run of sealed stream bytes of an attachment, in order."""

    __tablename__ = "attachment_chunks"

    attachment_id: Mapped[str] = mapped_column(
        ForeignKey("attachments.id", ondelete="CASCADE"), primary_key=True
    )
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ReporterSession(Base):
    """A reporter's inbox session: the data key sealed under a key from the session token,
    which only the browser holds (we keep its hash)."""

    __tablename__ = "reporter_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
    # Rounded up to ten minutes, so the table does not record when a reporter came back.
    idle_expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
