"""The tenants config: regions, their units, agencies and services, and partner units.

Read from the ``[[tenants]]`` tables of a deployment's TOML file (the same file may hold
settings) or from the built-in demo config. Parsing is pure and checks everything before
anything is written, so a bad file changes nothing and its error names the place.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from gratify.accounts.models import NAME_LENGTH, SLUG_LENGTH

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class TenantsConfigError(ValueError):
    """The tenants config is not usable; the message names the place and the problem."""


@dataclasses.dataclass(frozen=True, slots=True)
class ServiceSpec:
    slug: str
    name: str


@dataclasses.dataclass(frozen=True, slots=True)
class AgencySpec:
    slug: str
    name: str
    services: tuple[ServiceSpec, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class UnitSpec:
    slug: str
    name: str


@dataclasses.dataclass(frozen=True, slots=True)
class PartnerRef:
    """A unit of another tenant, written ``tenant/unit`` in the file."""

    tenant: str
    unit: str


@dataclasses.dataclass(frozen=True, slots=True)
class TenantSpec:
    slug: str
    name: str
    units: tuple[UnitSpec, ...]
    agencies: tuple[AgencySpec, ...]
    partner: PartnerRef | None


@dataclasses.dataclass(frozen=True, slots=True)
class TenantsConfig:
    tenants: tuple[TenantSpec, ...]

    def tenant(self, slug: str) -> TenantSpec:
        for spec in self.tenants:
            if spec.slug == slug:
                return spec
        raise KeyError(slug)


def demo_tenants_config() -> TenantsConfig:
    """The built-in demo: Kota Metro, Kabupaten Pringsewu and Kabupaten Lampung Tengah."""
    text = resources.files("gratify.accounts").joinpath("demo_tenants.toml").read_text("utf-8")
    return parse_tenants_config(tomllib.loads(text))


def load_tenants_file(path: Path) -> TenantsConfig:
    """Read and check the ``[[tenants]]`` of a TOML file."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TenantsConfigError(f"{path}: {exc}") from exc
    return parse_tenants_config(data)


def parse_tenants_config(data: Mapping[str, Any]) -> TenantsConfig:
    """Check a parsed TOML document and turn its ``tenants`` into specs."""
    raw_tenants = _list(data.get("tenants"), "tenants")
    if not raw_tenants:
        raise TenantsConfigError("tenants: at least one [[tenants]] table is needed")
    tenants = tuple(_tenant(raw, f"tenants[{i}]") for i, raw in enumerate(raw_tenants))
    _unique((t.slug for t in tenants), "tenants")
    units = {(t.slug, u.slug) for t in tenants for u in t.units}
    for i, t in enumerate(tenants):
        if t.partner is None:
            continue
        where = f"tenants[{i}].partner"
        if t.partner.tenant == t.slug:
            raise TenantsConfigError(f"{where}: the partner must be a unit of another tenant")
        if (t.partner.tenant, t.partner.unit) not in units:
            raise TenantsConfigError(
                f"{where}: no unit {t.partner.unit!r} in tenant {t.partner.tenant!r}"
            )
    return TenantsConfig(tenants)


def _tenant(raw: Any, where: str) -> TenantSpec:
    table = _table(raw, where, {"slug", "name", "partner", "units", "agencies"})
    slug, name = _slug(table, where), _name(table, where)
    units = tuple(
        UnitSpec(_slug(u, f"{where}.units[{j}]"), _name(u, f"{where}.units[{j}]"))
        for j, u in enumerate(_list(table.get("units"), f"{where}.units"))
        if _table(u, f"{where}.units[{j}]", {"slug", "name"})
    )
    if not units:
        raise TenantsConfigError(f"{where}.units: a tenant needs at least one handler unit")
    _unique((u.slug for u in units), f"{where}.units")
    agencies = tuple(
        _agency(a, f"{where}.agencies[{j}]")
        for j, a in enumerate(_list(table.get("agencies"), f"{where}.agencies"))
    )
    _unique((a.slug for a in agencies), f"{where}.agencies")
    partner = None
    if "partner" in table:
        text = table["partner"]
        if not isinstance(text, str) or text.count("/") != 1:
            raise TenantsConfigError(f"{where}.partner: write it as 'tenant/unit'")
        tenant_slug, unit_slug = text.split("/")
        partner = PartnerRef(tenant_slug, unit_slug)
    return TenantSpec(slug, name, units, agencies, partner)


def _agency(raw: Any, where: str) -> AgencySpec:
    table = _table(raw, where, {"slug", "name", "services"})
    services = tuple(
        ServiceSpec(_slug(s, f"{where}.services[{k}]"), _name(s, f"{where}.services[{k}]"))
        for k, s in enumerate(_list(table.get("services"), f"{where}.services"))
        if _table(s, f"{where}.services[{k}]", {"slug", "name"})
    )
    _unique((s.slug for s in services), f"{where}.services")
    return AgencySpec(_slug(table, where), _name(table, where), services)


def _table(raw: Any, where: str, allowed: set[str]) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise TenantsConfigError(f"{where}: expected a table")
    unknown = set(raw) - allowed
    if unknown:
        raise TenantsConfigError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    return raw


def _list(raw: Any, where: str) -> Sequence[Any]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise TenantsConfigError(f"{where}: expected a list")
    return raw


def _slug(table: Mapping[str, Any], where: str) -> str:
    value = table.get("slug")
    if not isinstance(value, str) or len(value) > SLUG_LENGTH or not _SLUG.match(value):
        raise TenantsConfigError(
            f"{where}.slug: lower-case letters, digits and single dashes, at most {SLUG_LENGTH}"
        )
    return value


def _name(table: Mapping[str, Any], where: str) -> str:
    value = table.get("name")
    if not isinstance(value, str) or not value.strip() or len(value) > NAME_LENGTH:
        raise TenantsConfigError(f"{where}.name: a non-empty text of at most {NAME_LENGTH}")
    return value.strip()


def _unique(slugs: Any, where: str) -> None:
    seen: set[str] = set()
    for slug in slugs:
        if slug in seen:
            raise TenantsConfigError(f"{where}: {slug!r} appears twice")
        seen.add(slug)
