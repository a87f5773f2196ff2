"""Use cases of the accounts room. Each takes an `AsyncSession` and does one transaction's work."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from gratify.accounts.models import Agency, Service, Tenant, TenantKey, Unit
from gratify.accounts.tenants_config import TenantsConfig

ESCROW = "escrow"


@dataclasses.dataclass(frozen=True, slots=True)
class TenantsApplied:
    """What `apply_tenants_config` changed, for the operator and the audit trail:
    ``changes`` holds, per tenant, each setting that changed and how (``added``,
    ``renamed``, ``changed``), e.g. ``("agency:dinkes", "added")``."""

    created: tuple[str, ...]
    updated: tuple[str, ...]
    changes: dict[str, list[tuple[str, str]]] = dataclasses.field(default_factory=dict)


async def apply_tenants_config(session: AsyncSession, config: TenantsConfig) -> TenantsApplied:
    """Create or update tenants, units, agencies and services to match the config.

    Idempotent. Nothing is deleted: a unit or agency that cases refer to must outlive its
    removal from the file, so removals are an operator's explicit decision, not a side effect.
    """
    existing = {
        t.slug: t
        for t in await session.scalars(
            select(Tenant).options(
                selectinload(Tenant.units),
                selectinload(Tenant.agencies).selectinload(Agency.services),
            )
        )
    }
    created: list[str] = []
    updated: list[str] = []
    changes: dict[str, list[tuple[str, str]]] = {}
    for spec in config.tenants:
        changed = changes.setdefault(spec.slug, [])
        tenant = existing.get(spec.slug)
        if tenant is None:
            tenant = Tenant(slug=spec.slug, name=spec.name, units=[], agencies=[])
            session.add(tenant)
            existing[spec.slug] = tenant
            created.append(spec.slug)
            changed.append(("tenant", "added"))
        else:
            _rename(tenant, spec.name, "name", changed)
            updated.append(spec.slug)
        units = {u.slug: u for u in tenant.units}
        for unit_spec in spec.units:
            if unit_spec.slug in units:
                _rename(units[unit_spec.slug], unit_spec.name, f"unit:{unit_spec.slug}", changed)
            else:
                tenant.units.append(Unit(slug=unit_spec.slug, name=unit_spec.name))
                changed.append((f"unit:{unit_spec.slug}", "added"))
        agencies = {a.slug: a for a in tenant.agencies}
        for agency_spec in spec.agencies:
            agency = agencies.get(agency_spec.slug)
            if agency is None:
                agency = Agency(slug=agency_spec.slug, name=agency_spec.name, services=[])
                tenant.agencies.append(agency)
                changed.append((f"agency:{agency_spec.slug}", "added"))
            _rename(agency, agency_spec.name, f"agency:{agency_spec.slug}", changed)
            services = {s.slug: s for s in agency.services}
            for service_spec in agency_spec.services:
                name = f"service:{agency_spec.slug}/{service_spec.slug}"
                if service_spec.slug in services:
                    _rename(services[service_spec.slug], service_spec.name, name, changed)
                else:
                    agency.services.append(Service(slug=service_spec.slug, name=service_spec.name))
                    changed.append((name, "added"))
    await session.flush()
    for spec in config.tenants:
        tenant = existing[spec.slug]
        before = tenant.partner_unit_id
        if spec.partner is None:
            tenant.partner_unit = None
        else:
            partner_tenant = existing[spec.partner.tenant]
            tenant.partner_unit = next(
                u for u in partner_tenant.units if u.slug == spec.partner.unit
            )
        await session.flush()
        if tenant.partner_unit_id != before:
            changes[spec.slug].append(("partner", "changed"))
    return TenantsApplied(
        tuple(created),
        tuple(updated),
        # A new tenant is one change: the config file says what it was created with.
        {
            slug: [("tenant", "added")] if slug in created else changed
            for slug, changed in changes.items()
            if changed
        },
    )


def _rename(
    thing: Tenant | Unit | Agency | Service, name: str, setting: str, changed: list[tuple[str, str]]
) -> None:
    if thing.name != name:
        thing.name = name
        changed.append((setting, "renamed"))


async def tenants_without_escrow_key(session: AsyncSession) -> list[str]:
    """Slugs of tenants that have no active escrow key yet."""
    with_key = (
        select(TenantKey.tenant_id)
        .where(TenantKey.purpose == ESCROW, TenantKey.retired_on.is_(None))
        .scalar_subquery()
    )
    rows = await session.scalars(
        select(Tenant.slug).where(Tenant.id.not_in(with_key)).order_by(Tenant.slug)
    )
    return list(rows)


async def record_escrow_key(
    session: AsyncSession, tenant_slug: str, public_key: bytes, key_id: str, today: dt.date
) -> None:
    """Keep a tenant's escrow public key: data keys of its new cases are wrapped to it."""
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == tenant_slug))
    if tenant is None:
        raise LookupError(tenant_slug)
    session.add(
        TenantKey(
            tenant_id=tenant.id,
            purpose=ESCROW,
            key_id=key_id,
            public_key=public_key,
            created_on=today,
        )
    )
    await session.flush()


async def escrow_public_key(session: AsyncSession, tenant_id: int) -> TenantKey | None:
    """The tenant's active escrow key, to which every new case's data key is wrapped."""
    return await session.scalar(
        select(TenantKey).where(
            TenantKey.tenant_id == tenant_id,
            TenantKey.purpose == ESCROW,
            TenantKey.retired_on.is_(None),
        )
    )


async def list_tenants(session: AsyncSession) -> list[Tenant]:
    """Every tenant with its units, agencies and services, by slug."""
    rows = await session.scalars(
        select(Tenant)
        .options(
            selectinload(Tenant.units),
            selectinload(Tenant.partner_unit).selectinload(Unit.tenant),
            selectinload(Tenant.agencies).selectinload(Agency.services),
        )
        .order_by(Tenant.slug)
    )
    return list(rows)


async def list_tenant_names(session: AsyncSession) -> list[str]:
    """The names of the installation's tenants, for public pages."""
    return list(await session.scalars(select(Tenant.name).order_by(Tenant.name)))


async def tenant_by_slug(session: AsyncSession, slug: str) -> Tenant | None:
    """The tenant with its agencies and services, or None."""
    return await session.scalar(
        select(Tenant)
        .where(Tenant.slug == slug)
        .options(
            selectinload(Tenant.units),
            selectinload(Tenant.partner_unit),
            selectinload(Tenant.agencies).selectinload(Agency.services),
        )
    )
