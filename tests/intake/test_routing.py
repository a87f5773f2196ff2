from __future__ import annotations

from gratify.accounts.models import Tenant, Unit
from gratify.intake.routing import route_report


def _tenant(*slugs: str, partner: Unit | None = None) -> Tenant:
    tenant = Tenant(slug="metro", name="Kota Metro")
    tenant.units = [Unit(slug=s, name=s) for s in slugs]
    tenant.partner_unit = partner
    return tenant


def _slug(unit: Unit) -> str:
    return unit.slug


def test_kinds_go_to_their_units() -> None:
    tenant = _tenant("inspektorat", "upg")
    assert _slug(route_report(tenant, "gratification", concerns_inspectorate=False)) == "upg"
    assert _slug(route_report(tenant, "broker", concerns_inspectorate=False)) == "inspektorat"
    assert (
        _slug(route_report(tenant, "whistleblowing", concerns_inspectorate=False)) == "inspektorat"
    )


def test_a_report_about_the_inspectorate_goes_to_the_partner() -> None:
    partner = Unit(slug="inspektorat", name="Inspektorat Kabupaten Pringsewu")
    tenant = _tenant("inspektorat", "upg", partner=partner)
    for kind in ("gratification", "whistleblowing", "broker"):
        assert route_report(tenant, kind, concerns_inspectorate=True) is partner


def test_without_a_partner_it_still_avoids_the_inspectorate() -> None:
    tenant = _tenant("inspektorat", "upg")
    assert _slug(route_report(tenant, "broker", concerns_inspectorate=True)) == "upg"


def test_a_tenant_without_the_default_unit_uses_its_own() -> None:
    tenant = _tenant("itwil")
    assert _slug(route_report(tenant, "gratification", concerns_inspectorate=False)) == "itwil"
