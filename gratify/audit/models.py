"""The audit trail's tables: entries (a hash chain per tenant), each tenant's head, and
signed checkpoints.

Nothing here refers to a case or a user by foreign key: deleting a case, a user or even a
tenant never deletes or alters its trail (retention is independent).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gratify.db.base import Base, UTCDateTime

HASH_LENGTH = 64


class AuditEntry(Base):
    """One event; ``hash`` is SHA-256 of the entry's canonical encoding, which includes
    ``prev_hash``, the hash of the tenant's entry ``seq - 1``."""

    __tablename__ = "audit_entries"
    __table_args__ = (UniqueConstraint("tenant_id", "seq"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    tenant_id: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(BigInteger)
    event: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[str | None] = mapped_column(String(32), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    hash: Mapped[str] = mapped_column(String(HASH_LENGTH))


class AuditHead(Base):
    """The newest entry of a tenant's chain. Appends lock this row (``FOR UPDATE``) so two
    workers never extend the same predecessor."""

    __tablename__ = "audit_heads"

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(HASH_LENGTH))


class AuditCheckpoint(Base):
    """A signed statement that entry ``seq`` of a tenant had ``hash``."""

    __tablename__ = "audit_checkpoints"
    __table_args__ = (UniqueConstraint("tenant_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    document: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
