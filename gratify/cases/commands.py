"""``gratify keys recover``: the operator's side of escrow recovery (see `recovery`)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from gratify.accounts.keys import Keyring
from gratify.cases.recovery import Recovered, recover_access
from gratify.crypto.envelope import import_private_key_text
from gratify.crypto.errors import CryptoError
from gratify.crypto.pool import CryptoPool
from gratify.db.engine import Database
from gratify.errors import GratifyError
from gratify.intake.service import IntakeContext
from gratify.settings import Settings


def add_commands(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: object,
) -> None:
    """Register ``keys recover`` on the `gratify` command; `common` adds --data-dir/--config."""
    keys = sub.add_parser("keys", help="key custody: recovery with the escrow key")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    recover = keys_sub.add_parser(
        "recover",
        help="re-grant a tenant's cases to its units' handlers with the escrow key",
        description="Reads the tenant's escrow private key (the text `gratify init` printed) "
        "from standard input, and wraps the key of every case of the tenant to each active "
        "handler and supervisor of the case's unit who lacks it, except people the reporter "
        "excluded. The escrow key is used for this run only and stored nowhere.",
    )
    assert callable(common)
    common(recover)
    recover.add_argument("--tenant", required=True)
    recover.add_argument("--unit", help="only the cases routed to this unit of the tenant")
    recover.set_defaults(handler=keys_recover)


def keys_recover(args: argparse.Namespace) -> int:
    """Run a recovery; the escrow key comes from stdin, never from an argument or a file."""
    from gratify.cli import settings_from

    settings: Settings = settings_from(args)
    try:
        escrow = import_private_key_text(sys.stdin.read())
    except CryptoError as error:
        print(f"gratify: not an escrow key: {error}", file=sys.stderr)
        return 1

    async def run() -> Recovered:
        db = Database(settings.resolved_database_url)
        pool = CryptoPool(settings.crypto_threads)
        ctx = IntakeContext.from_settings(
            settings, db=db, pool=pool, keyring=Keyring.load(settings.resolved_keys_dir)
        )
        try:
            return await recover_access(ctx, args.tenant, escrow, args.unit)
        finally:
            pool.close()
            await db.dispose()

    try:
        result = asyncio.run(run())
    except GratifyError as error:
        print(
            f"gratify: {error.message % error.params if error.params else error.message}",
            file=sys.stderr,
        )
        return 1
    print(
        f"cases seen: {result.cases_seen}, keys granted: {result.keys_granted}, "
        f"unreadable with this key: {result.cases_unreadable}"
    )
    return 0
