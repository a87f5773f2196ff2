"""Fixtures for the outbox tests: a real SMTP server (aiosmtpd) that the test can take
down, make answer 4xx or 5xx, and bring back; and an installation of their own on each
engine whose metro staff have addresses (handlers Indonesian, supervisors English)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import email
import email.policy
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import delete, select

from gratify.accounts.install import initialise
from gratify.accounts.models import Tenant, User
from gratify.accounts.tenants_config import demo_tenants_config
from gratify.crypto.kdf import FAST_TEST_PARAMS
from gratify.db.engine import Database
from gratify.intake.service import IntakeContext
from gratify.notify.messages import Composer
from gratify.notify.models import DeadlineReminder, Mail
from gratify.notify.sender import Sender
from gratify.notify.transport import SmtpTransport
from gratify.settings import Settings
from tests.conftest import add_demo_staff, intake_context, postgres_database

PUBLIC_URL = "https://lapor.example.go.id"
MAIL_FROM = "noreply@lapor.example.go.id"


@dataclasses.dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    def text(self) -> str:
        """Every part of the mail, decoded, with its headers."""
        parts = [str(self.message)]
        for part in self.message.walk():
            if not part.is_multipart():
                parts.append(str(part.get_content()))
        return "\n".join(parts)

    def plain(self) -> str:
        body = self.message.get_body(("plain",))
        assert body is not None
        return str(body.get_content())

    def html(self) -> str:
        body = self.message.get_body(("html",))
        assert body is not None
        return str(body.get_content())


class Mailbox:
    """The aiosmtpd handler: keeps what it accepts; answers `answer` to DATA."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answer = "250 OK"
        self.delay = 0.0
        self.rcpt_answer = "250 OK"
        self.lock = threading.Lock()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if not self.rcpt_answer.startswith("250"):
            return self.rcpt_answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = self.answer
        if self.delay:
            await asyncio.sleep(self.delay)
        if answer.startswith("250"):
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            with self.lock:
                self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return answer

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that can go down and come back on the same port."""

    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = _free_port()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


STAFF_EMAIL = "{username}@metro.example.go.id"


@pytest.fixture(scope="module")
async def mail_installation(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Settings]:
    """An installation of this module's own (both engines), so the outbox holds only what
    these tests queue; metro's staff have addresses, handlers in Indonesian, the others in
    English."""
    data_dir = tmp_path_factory.mktemp(f"mail-{backend}") / "data"
    fast = FAST_TEST_PARAMS
    base = Settings(
        data_dir=data_dir,
        argon2_time_cost=fast.time_cost,
        argon2_memory_kib=fast.memory_kib,
        argon2_parallelism=fast.parallelism,
        public_url=PUBLIC_URL,
        mail_from=MAIL_FROM,
    )
    async with contextlib.AsyncExitStack() as stack:
        if backend == "postgresql":
            url = await stack.enter_async_context(postgres_database())
            base = base.with_changes(database_url=url)
        await initialise(base, demo_tenants_config())
        await add_demo_staff(base)
        db = Database(base.resolved_database_url)
        try:
            async with db.writing() as session:
                metro = select(Tenant.id).where(Tenant.slug == "metro").scalar_subquery()
                users = await session.scalars(select(User).where(User.tenant_id == metro))
                for user in users:
                    user.email = STAFF_EMAIL.format(username=user.username)
                    user.language = "id" if user.role == "handler" else "en"
        finally:
            await db.dispose()
        yield base


@pytest.fixture
async def mail_ctx(mail_installation: Settings) -> AsyncIterator[IntakeContext]:
    """Services' context on the module's installation, its outbox emptied first."""
    async with intake_context(mail_installation) as context:
        async with context.db.writing() as session:
            await session.execute(delete(Mail))
            await session.execute(delete(DeadlineReminder))
        yield context


def smtp_sender(db: Database, url: str, **kwargs: Any) -> Sender:
    return Sender(
        db=db,
        transport=SmtpTransport.from_url(url),
        composer=Composer(PUBLIC_URL, MAIL_FROM),
        **kwargs,
    )


async def mails(db: Database) -> list[Mail]:
    async with db.reading() as session:
        return list(await session.scalars(select(Mail).order_by(Mail.id)))


def outbox_files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "outbox").glob("*.eml"))
