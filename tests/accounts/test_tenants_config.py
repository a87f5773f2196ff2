from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gratify.accounts.tenants_config import (
    PartnerRef,
    TenantsConfigError,
    demo_tenants_config,
    load_tenants_file,
    parse_tenants_config,
)


def test_demo_config_has_the_three_tenants_of_the_contract() -> None:
    config = demo_tenants_config()
    assert [t.slug for t in config.tenants] == ["metro", "pringsewu", "lampung-tengah"]
    for tenant in config.tenants:
        agencies = {a.slug for a in tenant.agencies}
        assert {"disdukcapil", "dpmptsp"} <= agencies
        assert {u.slug for u in tenant.units} == {"inspektorat", "upg"}
        assert tenant.partner is not None
        assert tenant.partner.tenant != tenant.slug
    metro = config.tenant("metro")
    assert metro.name == "Kota Metro"
    assert metro.partner == PartnerRef("pringsewu", "inspektorat")
    disdukcapil = next(a for a in metro.agencies if a.slug == "disdukcapil")
    assert "ktp-el" in {s.slug for s in disdukcapil.services}


def _one(**overrides: Any) -> dict[str, Any]:
    tenant: dict[str, Any] = {
        "slug": "a",
        "name": "A",
        "units": [{"slug": "inspektorat", "name": "Inspektorat A"}],
        "agencies": [{"slug": "x", "name": "X", "services": [{"slug": "s", "name": "S"}]}],
    }
    tenant.update(overrides)
    return {"tenants": [tenant]}


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({}, "tenants: at least one"),
        ({"tenants": "metro"}, "tenants: expected a list"),
        (_one(slug="Kota Metro"), "tenants[0].slug"),
        (_one(slug="a" * 65), "tenants[0].slug"),
        (_one(name=""), "tenants[0].name"),
        (_one(units=[]), "tenants[0].units: a tenant needs"),
        (_one(colour="red"), "unknown keys colour"),
        (_one(partner="a/inspektorat"), "another tenant"),
        (_one(partner="b/inspektorat"), "no unit 'inspektorat' in tenant 'b'"),
        (_one(partner="nonsense"), "tenant/unit"),
        (
            _one(agencies=[{"slug": "x", "name": "X"}, {"slug": "x", "name": "Y"}]),
            "'x' appears twice",
        ),
        (
            _one(agencies=[{"slug": "x", "name": "X", "services": [{"slug": "S!", "name": "S"}]}]),
            "tenants[0].agencies[0].services[0].slug",
        ),
    ],
)
def test_errors_name_the_place(data: dict[str, Any], where: str) -> None:
    with pytest.raises(TenantsConfigError) as info:
        parse_tenants_config(data)
    assert where in str(info.value)


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text("[[tenants]\n")
    with pytest.raises(TenantsConfigError, match=str(path)):
        load_tenants_file(path)


def test_a_file_may_hold_settings_and_tenants(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(
        'port = 8080\n[[tenants]]\nslug = "a"\nname = "A"\n'
        '[[tenants.units]]\nslug = "u"\nname = "U"\n'
    )
    assert [t.slug for t in load_tenants_file(path).tenants] == ["a"]
