"""The `gratify` command for operators (API.md, "Commands")."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from gratify import __version__
from gratify.accounts.install import InitResult, initialise, load_tenants
from gratify.accounts.keys import SIGNING_PUB, Keyring, KeysError, has_server_keys
from gratify.accounts.models import Tenant
from gratify.accounts.tenants_config import (
    TenantsConfig,
    TenantsConfigError,
    demo_tenants_config,
    load_tenants_file,
)
from gratify.accounts.totp import enrol, issuer, print_qr, provisioning_uri
from gratify.accounts.users import MIN_PASSWORD_LENGTH, ROLES, NewUser, create_user
from gratify.audit import commands as audit_commands
from gratify.cases import commands as cases_commands
from gratify.crypto.kdf import Argon2Params
from gratify.crypto.pool import CryptoPool
from gratify.db.engine import Database, create_engine
from gratify.db.migrate import current_revision, head_revision, upgrade_to_head
from gratify.demo import describe, prepare_demo
from gratify.errors import Conflict, GratifyError, InvalidInput, NotFound
from gratify.intake.acknowledgement import (
    MAX_ACKNOWLEDGEMENT_BYTES,
    parse_acknowledgement,
    public_keys_from_file,
    verify_acknowledgement,
)
from gratify.notify import commands as notify_commands
from gratify.notify.service import queue_account_mail
from gratify.server import serve
from gratify.settings import Settings, SettingsError, redact_url, settings_table

DEMO_DIR = Path("gratify-demo")

ESCROW_NOTICE = """\
ESCROW RECOVERY KEY for tenant {tenant} (key id {key_id})

This private key is shown ONCE and is not stored anywhere. With it, the tenant can
recover every case if all of its handlers lose their passwords. Without it, such cases
are lost for good. Whoever holds it can read every report of the tenant: print it or
write it down, keep it offline in a sealed envelope in a safe, and never put it on a
computer connected to a network.

{private_text}
"""


class CommandError(Exception):
    """A failure explained in words; the command prints it and exits 1."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and of ``python -m gratify``."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.handler(args)
    except (CommandError, KeysError, SettingsError, TenantsConfigError) as exc:
        print(f"gratify: {exc}", file=sys.stderr)
        return 1
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gratify",
        description="Gratification reports, anonymous whistleblowing and broker reports.",
    )
    parser.add_argument("--version", action="version", version=f"gratify {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = sub.add_parser(
        "init",
        help="create the database, the keys and the tenants",
        description="Create the data folder, the database (migrated to head), the keys folder "
        "and the tenants of the config file (or the built-in demo tenants). Prints each "
        "tenant's escrow private key once. Refuses to overwrite existing keys.",
    )
    _common(init)
    init.set_defaults(handler=_init)

    serve_p = sub.add_parser(
        "serve",
        help="serve the web application",
        description="Serve the app. GRATIFY_DATA_DIR, GRATIFY_DATABASE_URL and "
        "GRATIFY_SMTP_URL choose where things live.",
    )
    _common(serve_p)
    serve_p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve_p.add_argument("--port", type=int, help="port to listen on (default 8000)")
    serve_p.add_argument("--workers", type=int, help="worker processes (default 1)")
    serve_p.set_defaults(handler=_serve)

    demo = sub.add_parser(
        "demo",
        help="initialise ./gratify-demo with the demo tenants if needed, then serve",
        description="Initialise ./gratify-demo/ with the demo tenants (if not done yet), "
        "then serve it on 127.0.0.1.",
    )
    demo.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    demo.set_defaults(handler=_demo)

    migrate = sub.add_parser(
        "migrate",
        help="upgrade the database schema to head",
        description="Apply every database migration the database lacks.",
    )
    _common(migrate)
    migrate.set_defaults(handler=_migrate)

    tenants = sub.add_parser("tenants", help="manage tenants")
    tenants_sub = tenants.add_subparsers(dest="tenants_command", required=True, metavar="ACTION")
    tenants_load = tenants_sub.add_parser(
        "load",
        help="add or update tenants from a config file",
        description="Add or update the tenants of FILE on an initialised installation; "
        "new tenants get an escrow key, printed once.",
    )
    _common(tenants_load)
    tenants_load.add_argument("file", type=Path)
    tenants_load.set_defaults(handler=_tenants_load)

    settings_p = sub.add_parser(
        "settings",
        help="show the settings in force, or document them all",
        description="Show the settings in force (secrets hidden), or with --markdown the "
        "table of every setting.",
    )
    _common(settings_p)
    settings_p.add_argument("--markdown", action="store_true", help="print the docs table")
    settings_p.set_defaults(handler=_settings)

    receipt = sub.add_parser("receipt", help="check acknowledgements (tanda terima)")
    receipt_sub = receipt.add_subparsers(dest="receipt_command", required=True, metavar="ACTION")
    receipt_verify = receipt_sub.add_parser(
        "verify",
        help="check a signed acknowledgement (JSON file)",
        description="Check that FILE is an acknowledgement signed by this installation and "
        "unchanged. Prints 'valid: <case number> filed at <time>' and exits 0, or prints "
        "'invalid' and exits 1.",
    )
    _common(receipt_verify)
    receipt_verify.add_argument("file", type=Path, help="the acknowledgement, a JSON file")
    receipt_verify.add_argument(
        "--public-key",
        type=Path,
        help="a signing.pub file to check against (default: signing.pub in the keys folder)",
    )
    receipt_verify.set_defaults(handler=_receipt_verify)

    cases_commands.add_commands(sub, _common)
    audit_commands.add_commands(sub, _common)
    notify_commands.add_commands(sub, _common)
    user = sub.add_parser("user", help="manage staff accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    user_add = user_sub.add_parser(
        "add",
        help="add a user and enrol their authenticator app",
        description="Add a user (handler, supervisor, admin or auditor) with a new key pair "
        "sealed under their password, read as one line from standard input. Prints the TOTP "
        "provisioning URI (otpauth://...) once, and its QR code when output is a terminal.",
    )
    _common(user_add)
    user_add.add_argument("--tenant", required=True, help="the tenant's slug, e.g. metro")
    user_add.add_argument("--username", required=True)
    user_add.add_argument("--role", required=True, help=", ".join(ROLES))
    user_add.add_argument("--unit", help="the unit's slug, e.g. inspektorat")
    user_add.add_argument("--email")
    user_add.add_argument("--lang", default="id", help="language of mail: id (default) or en")
    user_add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    user_add.set_defaults(handler=_user_add)
    return parser


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", type=Path, help="data folder (default: GRATIFY_DATA_DIR or ./gratify-data)"
    )
    parser.add_argument(
        "--config",
        type=Path,
        help="TOML file with settings and [[tenants]] (default: GRATIFY_CONFIG)",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    config: Path | None = getattr(args, "config", None)
    settings = Settings.load(config_file=config)
    data_dir: Path | None = getattr(args, "data_dir", None)
    if data_dir is not None:
        settings = settings.with_changes(data_dir=data_dir)
    return settings


def _tenants_from(args: argparse.Namespace) -> TenantsConfig:
    config: Path | None = args.config or (
        Path(os.environ["GRATIFY_CONFIG"]) if os.environ.get("GRATIFY_CONFIG") else None
    )
    if config is None:
        return demo_tenants_config()
    return load_tenants_file(config)


def _print_result(result: InitResult) -> None:
    print(f"database: {redact_url(result.database_url)}")
    print(f"keys:     {result.keys_dir}")
    if result.signing_key_id:
        print(f"signing key id: {result.signing_key_id}")
    if result.tenants_created:
        print(f"tenants created: {', '.join(result.tenants_created)}")
    for issued in result.escrow_keys:
        print()
        print(
            ESCROW_NOTICE.format(
                tenant=issued.tenant, key_id=issued.key_id, private_text=issued.private_text
            )
        )


def _init(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    result = asyncio.run(initialise(settings, _tenants_from(args)))
    _print_result(result)
    print("Initialised. Start the server with `gratify serve`.")
    return 0


def _tenants_load(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if not has_server_keys(settings.resolved_keys_dir):
        raise CommandError(f"no keys in {settings.resolved_keys_dir}: run `gratify init` first")
    _print_result(asyncio.run(load_tenants(settings, load_tenants_file(args.file))))
    return 0


def _migrate(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def run() -> str | None:
        engine = create_engine(settings.resolved_database_url)
        try:
            await upgrade_to_head(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    print(f"database {redact_url(settings.resolved_database_url)} at revision {asyncio.run(run())}")
    return 0


def _check_ready(settings: Settings) -> None:
    Keyring.load(settings.resolved_keys_dir)

    async def revision() -> str | None:
        engine = create_engine(settings.resolved_database_url)
        try:
            return await current_revision(engine)
        finally:
            await engine.dispose()

    found = asyncio.run(revision())
    if found != head_revision():
        raise CommandError(
            f"the database is at revision {found}, the code needs {head_revision()}: "
            "run `gratify migrate` (or `gratify init` on a new installation)"
        )


def _serve(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    changes = {k: v for k in ("host", "port", "workers") if (v := getattr(args, k)) is not None}
    settings = settings.with_changes(**changes)
    _check_ready(settings)
    serve(settings, config_file=args.config)
    return 0


def _demo(args: argparse.Namespace) -> int:
    settings = Settings.load().with_changes(
        data_dir=DEMO_DIR.resolve(), keys_dir=None, database_url="", port=args.port, workers=1
    )
    if not has_server_keys(settings.resolved_keys_dir):
        _print_result(asyncio.run(initialise(settings, demo_tenants_config())))
        print("(Demo installation: these escrow keys protect nothing real.)")
    else:
        asyncio.run(load_tenants(settings, demo_tenants_config()))
    print(describe(*asyncio.run(prepare_demo(settings))))
    print(f"gratify demo: {DEMO_DIR.resolve()}, at http://127.0.0.1:{settings.port}/")
    serve(settings, config_file=None)
    return 0


def _verification_keys(args: argparse.Namespace) -> dict[str, bytes]:
    path: Path | None = args.public_key
    if path is None:
        path = settings_from(args).resolved_keys_dir / SIGNING_PUB
        if not path.exists():
            raise CommandError(f"no public key at {path}: give one with --public-key signing.pub")
    try:
        return public_keys_from_file(path)
    except OSError as exc:
        raise CommandError(f"cannot read the public key {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


def _receipt_verify(args: argparse.Namespace) -> int:
    keys = _verification_keys(args)
    path: Path = args.file
    try:
        if path.stat().st_size > MAX_ACKNOWLEDGEMENT_BYTES:
            raise CommandError(f"{path} is larger than 64 KB: it is not an acknowledgement")
        data = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        document = parse_acknowledgement(data)
    except GratifyError as exc:
        raise CommandError(f"{path} is not an acknowledgement: it is not valid JSON") from exc
    result = verify_acknowledgement(document, keys)
    if not result.valid:
        print("invalid")
        return 1
    print(f"valid: {result.case_number} filed at {result.filed_at}")
    return 0


def _settings(args: argparse.Namespace) -> int:
    if args.markdown:
        print(settings_table(), end="")
        return 0
    print(settings_from(args))
    return 0


USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
USER_ADDED = """\
User {username} added to {tenant} as {role}{unit}.

Their authenticator app (any TOTP app) needs this provisioning URI, shown ONCE: scan its
QR code or type the secret in it. Anyone who has it can make their sign-in codes.

{uri}
"""


def _read_password() -> str:
    line = sys.stdin.readline()
    password = line.removesuffix("\n").removesuffix("\r")
    if not password:
        raise CommandError("no password on standard input: give it as one line")
    return password


def _user_add(args: argparse.Namespace) -> int:
    if not args.password_stdin:
        raise CommandError(
            "give the password on standard input with --password-stdin "
            "(never on the command line, where other users and the shell history see it)"
        )
    if not USERNAME.fullmatch(args.username):
        raise CommandError(
            "--username takes 1 to 64 letters, digits, dots, dashes, underscores or @, "
            "starting with a letter or digit"
        )
    if args.role not in ROLES:
        raise CommandError(f"--role must be one of {', '.join(ROLES)}, not {args.role!r}")
    if args.lang not in ("id", "en"):
        raise CommandError(f"--lang must be id or en, not {args.lang!r}")
    password = _read_password()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise CommandError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    settings = settings_from(args)
    _check_ready(settings)
    keyring = Keyring.load(settings.resolved_keys_dir)
    new = NewUser(
        tenant=args.tenant,
        username=args.username,
        role=args.role,
        password=password,
        unit=args.unit,
        email=args.email,
        language=args.lang,
    )
    params = Argon2Params(
        settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
    )

    async def add() -> str:
        db = Database(settings.resolved_database_url)
        pool = CryptoPool(1)
        try:
            async with db.writing() as session:
                user = await create_user(session, pool, new, params, dt.date.today())
                secret = enrol(keyring.session_secret, user)
                await queue_account_mail(session, user, "account_created", dt.datetime.now(dt.UTC))
                tenant = await session.get(Tenant, user.tenant_id)
                assert tenant is not None
                return provisioning_uri(user, secret, issuer(tenant.name))
        except NotFound:
            raise CommandError(f"there is no tenant {args.tenant!r}") from None
        except InvalidInput as invalid:
            if "unit" in invalid.fields:
                raise CommandError(f"tenant {args.tenant!r} has no unit {args.unit!r}") from None
            raise CommandError("; ".join(invalid.fields.values()) or invalid.message) from None
        except Conflict:
            raise CommandError(
                f"the username {args.username!r} is taken in tenant {args.tenant!r}"
            ) from None
        finally:
            pool.close()
            await db.dispose()

    uri = asyncio.run(add())
    unit = f" in unit {args.unit}" if args.unit else ""
    print(
        USER_ADDED.format(
            username=args.username, tenant=args.tenant, role=args.role, unit=unit, uri=uri
        )
    )
    if sys.stdout.isatty():
        print_qr(uri, sys.stdout)
    return 0
