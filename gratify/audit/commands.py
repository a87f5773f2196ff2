"""``gratify audit verify | export | verify-export | checkpoint | events``: the
operator's side of the audit trail."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from gratify.accounts.keys import SIGNING_PUB, Keyring
from gratify.accounts.models import Tenant
from gratify.audit.chain import VerifyResult, checkpoint, tenants_with_entries, verify
from gratify.audit.events import render_catalogue
from gratify.audit.export import export_segment, verify_export
from gratify.db.engine import Database
from gratify.settings import Settings

MAX_EXPORT_BYTES = 1024 * 1024 * 1024


def add_commands(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: object,
) -> None:
    """Register ``audit ...`` on the `gratify` command; `common` adds --data-dir/--config."""
    assert callable(common)
    audit = sub.add_parser("audit", help="check and export the tamper-evident audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")

    verify_p = audit_sub.add_parser(
        "verify",
        help="walk the hash chain and its signed checkpoints",
        description="Recompute every entry's hash, check the links, the gap-free numbering "
        "and every checkpoint's signature. Exits 0 with a summary per tenant, or 1 naming "
        "the first entry that was edited, deleted, inserted or reordered.",
    )
    common(verify_p)
    verify_p.add_argument("--tenant", help="only this tenant (its slug)")
    verify_p.set_defaults(handler=audit_verify)

    export = audit_sub.add_parser(
        "export",
        help="write a segment of a tenant's chain with its checkpoints, as JSON",
        description="Write entries FROM..TO of the tenant's chain, their checkpoints, a seal "
        "signed now and the public key to FILE; anyone can check it with "
        "`gratify audit verify-export FILE`.",
    )
    common(export)
    export.add_argument("--tenant", required=True, help="the tenant's slug")
    export.add_argument("--from", dest="first", type=int, default=1, help="first seq (1)")
    export.add_argument("--to", dest="last", type=int, help="last seq (default: the newest)")
    export.add_argument("file", type=Path)
    export.set_defaults(handler=audit_export)

    verify_export_p = audit_sub.add_parser(
        "verify-export",
        help="check an exported segment with only the public key",
        description="Check FILE, written by `gratify audit export`, with the public key it "
        "carries or the one given with --public-key. Needs no database.",
    )
    verify_export_p.add_argument("file", type=Path)
    verify_export_p.add_argument(
        "--public-key", type=Path, help="a signing.pub file to trust instead of the file's key"
    )
    verify_export_p.set_defaults(handler=audit_verify_export)

    checkpoint_p = audit_sub.add_parser(
        "checkpoint",
        help="sign a checkpoint of each tenant's newest entry now",
        description="Sign a checkpoint of the newest entry of every tenant (or one) that "
        "has entries since its last checkpoint. `record` signs one every 100 entries and "
        "the app signs quiet tenants' entries within a day; run this before an export or "
        "a backup, or from cron where the app is not always running.",
    )
    common(checkpoint_p)
    checkpoint_p.add_argument("--tenant", help="only this tenant (its slug)")
    checkpoint_p.set_defaults(handler=audit_checkpoint)

    events = audit_sub.add_parser(
        "events",
        help="print the catalogue of audit events (Markdown)",
        description="Print docs/audit-events.md: every event, its meaning and its details.",
    )
    events.set_defaults(handler=audit_events)


def _settings(args: argparse.Namespace) -> Settings:
    from gratify.cli import settings_from

    return settings_from(args)


def _error(message: str) -> int:
    print(f"gratify: {message}", file=sys.stderr)
    return 1


def _public_keys(settings: Settings) -> dict[str, bytes]:
    from gratify.intake.acknowledgement import public_keys_from_file

    path = settings.resolved_keys_dir / SIGNING_PUB
    if not path.exists():
        return Keyring.load(settings.resolved_keys_dir).verification_keys
    return public_keys_from_file(path)


def _describe(result: VerifyResult) -> str:
    return f"{result.entries} entries, {result.checkpoints} checkpoints"


def audit_verify(args: argparse.Namespace) -> int:
    """Verify every tenant's chain (or one): 0 when all are intact, else 1."""
    settings = _settings(args)
    try:
        keys = _public_keys(settings)
    except (OSError, ValueError) as exc:
        return _error(f"cannot read the public key: {exc}")

    async def run() -> list[tuple[str, VerifyResult]] | None:
        db = Database(settings.resolved_database_url)
        try:
            async with db.reading() as session:
                slugs = {t.id: t.slug for t in (await session.scalars(select(Tenant))).all()}
                if args.tenant is not None:
                    ids = [i for i, slug in slugs.items() if slug == args.tenant]
                    if not ids:
                        return None
                else:
                    ids = sorted(set(slugs) | set(await tenants_with_entries(session)))
                results = []
                for tenant_id in ids:
                    name = slugs.get(tenant_id, f"#{tenant_id}")
                    results.append((name, await verify(session, keys, tenant_id)))
                return results
        finally:
            await db.dispose()

    results = asyncio.run(run())
    if results is None:
        return _error(f"there is no tenant {args.tenant!r}")
    status = 0
    for name, result in results:
        if result.ok:
            print(f"{name}: intact, {_describe(result)}")
        else:
            status = 1
            print(f"{name}: BROKEN at entry {result.first_bad_seq}: {result.problem}")
    return status


def audit_export(args: argparse.Namespace) -> int:
    """Write the export file."""
    settings = _settings(args)
    keyring = Keyring.load(settings.resolved_keys_dir)

    async def run() -> dict[str, Any] | None:
        db = Database(settings.resolved_database_url)
        try:
            async with db.reading() as session:
                tenant = await session.scalar(select(Tenant).where(Tenant.slug == args.tenant))
                if tenant is None:
                    return None
                return await export_segment(
                    session,
                    keyring,
                    tenant.id,
                    tenant_slug=tenant.slug,
                    first_seq=args.first,
                    last_seq=args.last,
                    now=dt.datetime.now(dt.UTC),
                )
        finally:
            await db.dispose()

    document = asyncio.run(run())
    if document is None:
        return _error(f"there is no tenant {args.tenant!r}")
    path: Path = args.file
    try:
        path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", "utf-8")
    except OSError as exc:
        return _error(f"cannot write {path}: {exc.strerror or exc}")
    print(
        f"{path}: entries {document['first_seq']} to {document['last_seq']} of "
        f"{document['tenant_slug']}, {len(document['checkpoints'])} checkpoints"
    )
    return 0


def audit_verify_export(args: argparse.Namespace) -> int:
    """Check an export file: 0 and a summary, or 1 and the first problem."""
    path: Path = args.file
    keys: dict[str, bytes] | None = None
    if args.public_key is not None:
        from gratify.intake.acknowledgement import public_keys_from_file

        try:
            keys = public_keys_from_file(args.public_key)
        except (OSError, ValueError) as exc:
            return _error(f"cannot read the public key {args.public_key}: {exc}")
    try:
        if path.stat().st_size > MAX_EXPORT_BYTES:
            return _error(f"{path} is larger than 1 GB")
        document = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        return _error(f"cannot read {path}: {exc.strerror or exc}")
    except ValueError:
        return _error(f"{path} is not valid JSON")
    if not isinstance(document, dict):
        return _error(f"{path} is not an audit export")
    result = verify_export(document, keys)
    if not result.ok:
        where = f" at entry {result.first_bad_seq}" if result.first_bad_seq is not None else ""
        print(f"BROKEN{where}: {result.problem}")
        return 1
    print(
        f"intact: entries {document['first_seq']} to {document['last_seq']} "
        f"of tenant {document.get('tenant_slug', document['tenant'])}, {_describe(result)}"
    )
    return 0


def audit_checkpoint(args: argparse.Namespace) -> int:
    """Sign a checkpoint for each tenant with new entries."""
    settings = _settings(args)
    keyring = Keyring.load(settings.resolved_keys_dir)

    async def run() -> list[str] | None:
        db = Database(settings.resolved_database_url)
        lines = []
        try:
            async with db.reading() as session:
                slugs = {t.id: t.slug for t in (await session.scalars(select(Tenant))).all()}
                ids = await tenants_with_entries(session)
            if args.tenant is not None:
                if args.tenant not in slugs.values():
                    return None
                ids = [i for i in ids if slugs.get(i) == args.tenant]
            for tenant_id in ids:
                async with db.writing() as session:
                    written = await checkpoint(session, keyring, tenant_id, dt.datetime.now(dt.UTC))
                name = slugs.get(tenant_id, f"#{tenant_id}")
                lines.append(
                    f"{name}: checkpoint at entry {written.seq}"
                    if written is not None
                    else f"{name}: nothing new since the last checkpoint"
                )
            return lines
        finally:
            await db.dispose()

    lines = asyncio.run(run())
    if lines is None:
        return _error(f"there is no tenant {args.tenant!r}")
    for line in lines:
        print(line)
    return 0


def audit_events(args: argparse.Namespace) -> int:
    print(render_catalogue(), end="")
    return 0
