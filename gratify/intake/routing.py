"""Where a report goes: which handler unit receives it.

A report about the inspectorate itself goes to the partner unit of another tenant that the
tenants' cooperation agreement names (DOMAIN.md): the people reported on must not handle it.
"""

from __future__ import annotations

from collections.abc import Mapping

from gratify.accounts.models import Tenant, Unit

# The unit each kind goes to by default; a tenant without that unit uses its first unit.
DEFAULT_UNITS: Mapping[str, str] = {
    "gratification": "upg",
    "whistleblowing": "inspektorat",
    "broker": "inspektorat",
}
INSPECTORATE = "inspektorat"


def route_report(tenant: Tenant, kind: str, *, concerns_inspectorate: bool) -> Unit:
    """The unit that receives a report of `kind` filed with `tenant`.

    `tenant` must have its `units` and `partner_unit` loaded.
    """
    units = {unit.slug: unit for unit in tenant.units}
    if concerns_inspectorate:
        if tenant.partner_unit is not None:
            return tenant.partner_unit
        # No agreement configured: at least keep it away from the inspectorate.
        others = [u for slug, u in sorted(units.items()) if slug != INSPECTORATE]
        if others:
            return units.get(DEFAULT_UNITS["gratification"], others[0])
    preferred = units.get(DEFAULT_UNITS.get(kind, INSPECTORATE))
    if preferred is not None:
        return preferred
    return sorted(units.values(), key=lambda u: u.slug)[0]
