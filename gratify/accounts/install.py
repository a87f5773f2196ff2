"""`gratify init` and tenant provisioning: database, keys folder and tenants, in one go.

Order matters for "leaves nothing half-written": key files are created first (each
refusing to overwrite), then the database is changed in one transaction; if that fails,
the files created by this run are removed again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from gratify.accounts import service
from gratify.accounts.keys import (
    Keyring,
    KeysError,
    create_server_keys,
    ensure_keys_dir,
    escrow_file,
    has_server_keys,
    write_key_file,
)
from gratify.accounts.tenants_config import TenantsConfig
from gratify.audit.chain import record
from gratify.audit.events import ACTOR_OPERATOR
from gratify.crypto.envelope import (
    export_private_key_text,
    generate_recipient_key,
    recipient_key_id,
)
from gratify.db.engine import Database
from gratify.db.migrate import upgrade_to_head
from gratify.settings import Settings


@dataclasses.dataclass(frozen=True, slots=True)
class EscrowKeyIssued:
    """A new escrow key; `private_text` is shown once to the operator and never stored."""

    tenant: str
    key_id: str
    private_text: str = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True, slots=True)
class InitResult:
    database_url: str
    keys_dir: Path
    signing_key_id: str | None
    tenants_created: tuple[str, ...]
    escrow_keys: tuple[EscrowKeyIssued, ...]


async def initialise(settings: Settings, config: TenantsConfig) -> InitResult:
    """Create the data dir, the keys, the database at head and the tenants of `config`."""
    keys_dir = settings.resolved_keys_dir
    if has_server_keys(keys_dir):
        raise KeysError(
            f"keys already exist in {keys_dir}: refusing to overwrite them. "
            "Use `gratify migrate` to upgrade and `gratify tenants load` to add tenants."
        )
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    ensure_keys_dir(keys_dir)
    signing = create_server_keys(keys_dir)
    try:
        created, issued = await _provision(settings, config)
    except BaseException:
        for name in ("signing.key", "signing.pub", "session.secret"):
            (keys_dir / name).unlink(missing_ok=True)
        raise
    return InitResult(settings.resolved_database_url, keys_dir, signing.key_id, created, issued)


async def load_tenants(settings: Settings, config: TenantsConfig) -> InitResult:
    """Add or update tenants on an initialised installation, issuing escrow keys to new ones."""
    created, issued = await _provision(settings, config)
    return InitResult(
        settings.resolved_database_url, settings.resolved_keys_dir, None, created, issued
    )


async def _audit_changes(
    session: AsyncSession, keyring: Keyring, changes: dict[str, list[tuple[str, str]]]
) -> None:
    """One `settings.changed` entry per change, in each tenant's chain, by the operator."""
    now = dt.datetime.now(dt.UTC)
    for slug, changed in changes.items():
        tenant = await service.tenant_by_slug(session, slug)
        assert tenant is not None  # applied in this transaction
        for name, change in changed:
            await record(
                session, keyring=keyring, tenant_id=tenant.id, event="settings.changed",
                actor=ACTOR_OPERATOR, details={"name": name, "change": change}, now=now,
            )  # fmt: skip


async def _provision(
    settings: Settings, config: TenantsConfig
) -> tuple[tuple[str, ...], tuple[EscrowKeyIssued, ...]]:
    keys_dir = settings.resolved_keys_dir
    db = Database(settings.resolved_database_url)
    written: list[Path] = []
    try:
        await upgrade_to_head(db.engine)
        async with db.writing() as session:
            applied = await service.apply_tenants_config(session, config)
            issued = []
            for slug in await service.tenants_without_escrow_key(session):
                private, public = generate_recipient_key()
                key_id = recipient_key_id(public)
                path = keys_dir / escrow_file(slug)
                write_key_file(path, public, f"gratify escrow public key {key_id} of tenant {slug}")
                written.append(path)
                await service.record_escrow_key(session, slug, public, key_id, dt.date.today())
                issued.append(EscrowKeyIssued(slug, key_id, export_private_key_text(private)))
                applied.changes.setdefault(slug, []).append((f"escrow_key:{key_id}", "added"))
            await _audit_changes(session, Keyring.load(keys_dir), applied.changes)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    finally:
        await db.dispose()
    return applied.created, tuple(issued)
