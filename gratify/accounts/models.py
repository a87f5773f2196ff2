"""Tenants and their organisation: agencies, the services they offer, handler units, keys."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gratify.db.base import Base, UTCDateTime

SLUG_LENGTH = 64
NAME_LENGTH = 200


class Tenant(Base):
    """A region sharing the installation (a kota or kabupaten), e.g. ``metro``."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    # The unit, of another tenant, that receives cases about this tenant's own inspectorate,
    # as the inter-regional cooperation agreement names it (DOMAIN.md).
    partner_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", use_alter=True, ondelete="SET NULL")
    )

    agencies: Mapped[list[Agency]] = relationship(
        back_populates="tenant", order_by="Agency.slug", cascade="all, delete-orphan"
    )
    units: Mapped[list[Unit]] = relationship(
        back_populates="tenant",
        foreign_keys="Unit.tenant_id",
        order_by="Unit.slug",
        cascade="all, delete-orphan",
    )
    # post_update: tenants and units refer to each other, so this link is written last.
    partner_unit: Mapped[Unit | None] = relationship(
        foreign_keys=[partner_unit_id], post_update=True
    )


class Unit(Base):
    """A handler unit of a tenant: the inspectorate (``inspektorat``) or a UPG (``upg``)."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("tenant_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))

    tenant: Mapped[Tenant] = relationship(back_populates="units", foreign_keys=[tenant_id])


class Agency(Base):
    """An agency (OPD/SKPD) of a tenant, e.g. ``disdukcapil``."""

    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("tenant_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))

    tenant: Mapped[Tenant] = relationship(back_populates="agencies")
    services: Mapped[list[Service]] = relationship(
        back_populates="agency", order_by="Service.slug", cascade="all, delete-orphan"
    )


class Service(Base):
    """A service an agency offers at its counters, e.g. ``ktp-el`` at Disdukcapil."""

    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("agency_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))

    agency: Mapped[Agency] = relationship(back_populates="services")


class TenantKey(Base):
    """A tenant's public key material, e.g. its escrow key (the private half is kept offline)."""

    __tablename__ = "tenant_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_on: Mapped[dt.date] = mapped_column(Date)
    retired_on: Mapped[dt.date | None] = mapped_column(Date)


class User(Base):
    """A person who works cases or runs the tenant: handler, supervisor, admin or auditor.

    Their private key exists only sealed under a key derived from their password
    (``sealed_private_key``); data keys of cases they may read are wrapped to ``public_key``.
    """

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "username"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), index=True
    )
    username: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    role: Mapped[str] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2), default="id")
    password_hash: Mapped[str] = mapped_column(String(255))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(String(32))
    sealed_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_on: Mapped[dt.date] = mapped_column(Date)
    # The TOTP secret sealed under a server key (gratify.accounts.totp); None until enrolled.
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The last time step whose code was accepted: no code is accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)


class HandlerSession(Base):
    """A signed-in user's session: their private key sealed under a key from the session
    token, which only the browser or API client holds (we keep its keyed digest)."""

    __tablename__ = "handler_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
    # Rounded up to ten minutes, so the table does not record when someone was active.
    idle_expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
