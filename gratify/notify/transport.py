"""How a mail leaves: to the SMTP server of ``GRATIFY_SMTP_URL``, or to files for the operator.

`SmtpTransport` sorts every failure into `TransientFailure` (connection refused or lost,
time-out, a 4xx answer; also a 5xx to the greeting, the login or the sender address, which
says the server or our configuration is wrong, not this mail: try again later) or
`PermanentFailure` (a 5xx refusing this mail's recipient or content: this server will not
take it; it becomes a dead letter an admin can retry). Only the failure's
kind is kept ("smtp 451", "connection"): a server's text can echo an address or more.
"""

from __future__ import annotations

import dataclasses
import os
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

SMTP_TIMEOUT = 30.0


class DeliveryFailure(Exception):
    """The mail was not delivered; `kind` says why in a few words, without data."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind[:64]


class TransientFailure(DeliveryFailure):
    """Try again later: the server was unreachable or asked us to wait (4xx)."""


class PermanentFailure(DeliveryFailure):
    """The server refused the mail for good (5xx)."""


class Transport(Protocol):
    async def send(self, mail_id: int, message: EmailMessage) -> None: ...


@dataclasses.dataclass(frozen=True, slots=True)
class SmtpTransport:
    """``smtp://user:password@host:port`` (STARTTLS, required when there is a password;
    otherwise used when offered) or ``smtps://…`` (TLS from the start). The server's
    certificate is always checked, against the system's authorities or, with
    ``?cafile=/path/ca.pem``, against that file (a private mail relay)."""

    hostname: str
    port: int
    username: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    tls: bool = False
    cafile: str | None = None
    timeout: float = SMTP_TIMEOUT

    @classmethod
    def from_url(cls, url: str) -> SmtpTransport:
        parts = urlsplit(url)
        tls = parts.scheme == "smtps"
        cafile = parse_qs(parts.query).get("cafile", [None])[0]
        return cls(
            hostname=parts.hostname or "localhost",
            port=parts.port or (465 if tls else 587),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=tls,
            cafile=cafile,
        )

    async def send(self, mail_id: int, message: EmailMessage) -> None:
        # Never send a password in the clear: with credentials, STARTTLS is required.
        start_tls = None if self.tls or self.password is None else True
        try:
            await aiosmtplib.send(
                message,
                hostname=self.hostname,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.tls,
                start_tls=False if self.tls else start_tls,
                cert_bundle=self.cafile,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as refused:
            codes = [r.code for r in refused.recipients] or [550]
            raise _by_code(min(codes)) from None
        except (
            aiosmtplib.SMTPConnectResponseError,
            aiosmtplib.SMTPHeloError,
            aiosmtplib.SMTPAuthenticationError,
            aiosmtplib.SMTPSenderRefused,
        ) as setup:
            # Every mail would fail alike: not a reason to give this one up at once.
            raise TransientFailure(f"smtp {setup.code}") from None
        except aiosmtplib.SMTPResponseException as answer:
            raise _by_code(answer.code) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise TransientFailure(f"connection {type(error).__name__}") from None


def _by_code(code: int) -> DeliveryFailure:
    if 500 <= code < 600:
        return PermanentFailure(f"smtp {code}")
    return TransientFailure(f"smtp {code}")


@dataclasses.dataclass(frozen=True, slots=True)
class FileTransport:
    """Without an SMTP server: each mail is a file ``mail-<id>.eml`` in `directory`, for the
    operator to read and pass on. Written whole, then renamed: never half a mail."""

    directory: Path

    async def send(self, mail_id: int, message: EmailMessage) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            final = self.directory / f"mail-{mail_id:010d}.eml"
            partial = final.with_suffix(".part")
            # Only the operator reads addresses: the file is theirs alone.
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(message.as_bytes())
            partial.replace(final)
        except OSError as error:
            raise TransientFailure(f"file {type(error).__name__}") from None


def transport_for(smtp_url: str, data_dir: Path) -> Transport:
    """The transport the settings ask for: SMTP if a URL is set, else the outbox folder."""
    if smtp_url:
        return SmtpTransport.from_url(smtp_url)
    return FileTransport(data_dir / "outbox")
