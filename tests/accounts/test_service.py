from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.accounts import service
from gratify.accounts.models import Agency, Service, Unit
from gratify.accounts.tenants_config import AgencySpec, ServiceSpec, TenantsConfig


async def test_apply_creates_everything_and_links_partners(
    session: AsyncSession, demo_config: TenantsConfig
) -> None:
    applied = await service.apply_tenants_config(session, demo_config)
    assert applied.created == ("metro", "pringsewu", "lampung-tengah")
    tenants = {t.slug: t for t in await service.list_tenants(session)}
    assert set(tenants) == {"metro", "pringsewu", "lampung-tengah"}
    metro = tenants["metro"]
    assert metro.partner_unit is not None
    assert metro.partner_unit.slug == "inspektorat"
    assert metro.partner_unit.tenant.slug == "pringsewu"
    assert {a.slug for a in metro.agencies} >= {"disdukcapil", "dpmptsp", "rsud"}
    assert (await session.scalar(select(func.count()).select_from(Service)) or 0) > 40


async def test_apply_is_idempotent_and_updates_names(
    session: AsyncSession, demo_config: TenantsConfig
) -> None:
    await service.apply_tenants_config(session, demo_config)
    counts = [
        await session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Unit, Agency, Service)
    ]
    metro = demo_config.tenant("metro")
    renamed_agency = dataclasses.replace(
        metro.agencies[0],
        name="Disdukcapil (renamed)",
        services=(*metro.agencies[0].services, ServiceSpec("ktp-digital", "KTP digital (IKD)")),
    )
    new_agency = AgencySpec("dinkes", "Dinas Kesehatan Kota Metro", ())
    changed = dataclasses.replace(
        demo_config,
        tenants=(
            dataclasses.replace(metro, agencies=(renamed_agency, new_agency, *metro.agencies[1:])),
            *demo_config.tenants[1:],
        ),
    )
    applied = await service.apply_tenants_config(session, changed)
    assert applied.created == ()
    assert set(applied.updated) == {"metro", "pringsewu", "lampung-tengah"}
    after = [
        await session.scalar(select(func.count()).select_from(model))
        for model in (Unit, Agency, Service)
    ]
    assert after == [counts[0], counts[1] + 1, counts[2] + 1]
    names = set(await session.scalars(select(Agency.name)))
    assert "Disdukcapil (renamed)" in names
    # Exactly what changed, for the audit trail (`gratify tenants load`).
    assert applied.changes == {
        "metro": [
            (f"agency:{metro.agencies[0].slug}", "renamed"),
            (f"service:{metro.agencies[0].slug}/ktp-digital", "added"),
            ("agency:dinkes", "added"),
        ]
    }
    assert (await service.apply_tenants_config(session, changed)).changes == {}


async def test_escrow_keys_are_tracked_per_tenant(
    session: AsyncSession, demo_config: TenantsConfig
) -> None:
    await service.apply_tenants_config(session, demo_config)
    assert await service.tenants_without_escrow_key(session) == [
        "lampung-tengah",
        "metro",
        "pringsewu",
    ]
    await service.record_escrow_key(session, "metro", b"\x01" * 40, "k-metro", dt.date.today())
    assert "metro" not in await service.tenants_without_escrow_key(session)
    tenants = {t.slug: t for t in await service.list_tenants(session)}
    key = await service.escrow_public_key(session, tenants["metro"].id)
    assert key is not None
    assert key.key_id == "k-metro"
    assert await service.escrow_public_key(session, tenants["pringsewu"].id) is None
