"""The outbox's clock work, as every worker (and ``gratify notify run``) does it."""

from __future__ import annotations

import functools

from gratify.background import Job
from gratify.db.engine import Database
from gratify.notify.deadlines import SCAN_EVERY, scan_deadlines
from gratify.notify.messages import Composer
from gratify.notify.sender import PURGE_EVERY, SEND_EVERY, Sender
from gratify.notify.transport import transport_for
from gratify.settings import Settings


def sender_for(settings: Settings, db: Database) -> Sender:
    """The sender the settings ask for: to ``GRATIFY_SMTP_URL``, or to ``<data_dir>/outbox``."""
    return Sender(
        db=db,
        transport=transport_for(settings.smtp_url, settings.data_dir),
        composer=Composer(settings.public_url, settings.mail_from),
    )


def notify_jobs(settings: Settings, db: Database) -> list[Job]:
    """Sending due mail every few seconds, deleting old sent mail, queueing deadline
    reminders."""
    sender = sender_for(settings, db)
    return [
        Job("mail outbox", SEND_EVERY, sender.run_once),
        Job("sent mail purge", PURGE_EVERY, sender.purge),
        Job(
            "deadline reminders",
            SCAN_EVERY,
            functools.partial(scan_deadlines, db, settings.timezone),
        ),
    ]
