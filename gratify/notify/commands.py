"""``gratify notify run``: the outbox's sender and deadline scan in a process of their own.

Safe beside the web workers, which run the same jobs: each mail is claimed by one sender
(`gratify.notify.sender`) and each reminder queued once (`gratify.notify.deadlines`).
"""

from __future__ import annotations

import argparse
import asyncio

from gratify.background import running_jobs, utc_now
from gratify.db.engine import Database
from gratify.notify.deadlines import scan_deadlines
from gratify.notify.jobs import notify_jobs, sender_for


def add_commands(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: object,
) -> None:
    """Register ``notify run`` on the `gratify` command; `common` adds --data-dir/--config."""
    notify = sub.add_parser("notify", help="the mail outbox")
    notify_sub = notify.add_subparsers(dest="notify_command", required=True, metavar="ACTION")
    run = notify_sub.add_parser(
        "run",
        help="send queued mail and queue deadline reminders, until stopped",
        description="Send the outbox's mail to GRATIFY_SMTP_URL (or to <data_dir>/outbox) "
        "and queue deadline reminders, until stopped (Ctrl-C). Safe to run beside "
        "`gratify serve`, whose workers do the same: each mail is sent by one of them.",
    )
    assert callable(common)
    common(run)
    run.add_argument(
        "--once", action="store_true", help="send what is due now, scan deadlines once, and exit"
    )
    run.set_defaults(handler=notify_run)


def notify_run(args: argparse.Namespace) -> int:
    from gratify.cli import settings_from

    settings = settings_from(args)

    async def run() -> None:
        db = Database(settings.resolved_database_url)
        try:
            if args.once:
                now = utc_now()
                reminders = await scan_deadlines(db, settings.timezone, now)
                sender = sender_for(settings, db)
                outcome = await sender.run_until_idle(now)
                await sender.purge(now)
                print(
                    f"reminders queued: {reminders}, sent: {outcome.sent}, "
                    f"to retry: {outcome.retrying}, dead: {outcome.dead}"
                )
                return
            async with running_jobs(notify_jobs(settings, db)):
                await asyncio.Event().wait()
        finally:
            await db.dispose()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        return 0
    return 0
