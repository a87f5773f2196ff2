"""The tables of case handling: the history of transitions and the unit's internal notes.

Who did what and when (the day) is in the clear, for deadlines and statistics; why (the
reason, KPK's decision number, a note's text) is sealed under the case's data key.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from gratify.db.base import Base


class CaseTransition(Base):
    """One step of a case's workflow."""

    __tablename__ = "case_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    on: Mapped[dt.date] = mapped_column(Date)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class CaseNote(Base):
    """An internal note of the handlers, never shown to the reporter."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
