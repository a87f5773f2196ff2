"""The statistics' aggregates: counter rows the database keeps as cases change.

Every table here is written by triggers (migration 0009) on ``cases`` and
``case_transitions``, in the same transaction as the change, except the reporters'
ratings, which `gratify.stats.ratings` writes. Nothing here names a case: each row is a
count of cases sharing the same coarse metadata (month, kind, agency, service, status,
value bracket), and ``stats_ratings`` a count of scores.

"None" is stored as 0 (ids) or '' (texts) so that every column can be in the primary key.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gratify.db.base import Base


class StatsCell(Base):
    """Cases by the month received and their metadata now (status, outcome)."""

    __tablename__ = "stats_cells"
    __table_args__ = (Index("ix_stats_cells_month", "month"),)

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(32), primary_key=True)
    value_bracket: Mapped[str] = mapped_column(String(32), primary_key=True)
    kpk_outcome: Mapped[str] = mapped_column(String(32), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class StatsDuration(Base):
    """Cases by the day received and the day they reached a milestone (`measure`)."""

    __tablename__ = "stats_durations"

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure: Mapped[str] = mapped_column(String(32), primary_key=True)
    start_on: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    end_on: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class StatsDue(Base):
    """Open cases by the month received and their due date: the overdue share, any day."""

    __tablename__ = "stats_due"

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_on: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class StatsRating(Base):
    """Reporters' scores (1-5) by the month their case was received, per question."""

    __tablename__ = "stats_ratings"

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[str] = mapped_column(String(16), primary_key=True)
    score: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class CaseRating(Base):
    """A reporter's rating of their case, sealed under the case's data key: only the
    aggregate counts are in the clear; the row's presence says the case was rated."""

    __tablename__ = "case_ratings"

    case_id: Mapped[str] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class StatsPublication(Base):
    """One month's suppressed publication (`publication.publish_counts`) for one k, kept
    so that a request reads it instead of suppressing again: the cells and totals as JSON
    (`stored.encode`) and the fingerprint of the counts they were computed from. A reader
    uses it only when the fingerprint is that of the counts now; otherwise it is stale and
    is computed again (by the request or the refresh job) and overwritten."""

    __tablename__ = "stats_publications"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    k: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    published: Mapped[str] = mapped_column(Text)
