"""SMTP with STARTTLS and authentication, and with TLS from the start, against aiosmtpd
with a certificate made for the test (trusted through ``?cafile=``). A password is never
sent without TLS; a wrong one is retried (a 5xx to the login is the configuration's fault,
not the mail's)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gratify.notify.transport import SmtpTransport, TransientFailure
from tests.notify.conftest import Mailbox, _free_port

USER, PASSWORD = "gratify", "s3cret-relay-pass"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365 * 30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class Authenticator:
    def __init__(self) -> None:
        self.logins: list[tuple[str, bool]] = []

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        ok = (data.login.decode(), data.password.decode()) == (USER, PASSWORD)
        self.logins.append((data.login.decode(), bool(session.ssl)))
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


@pytest.fixture
def starttls_server(
    server_context: ssl.SSLContext,
) -> Iterator[tuple[Mailbox, Authenticator, int]]:
    mailbox, auth, port = Mailbox(), Authenticator(), _free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context,
        require_starttls=True,
        authenticator=auth,
        auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield mailbox, auth, port
    finally:
        controller.stop()


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "noreply@example.go.id"
    message["To"] = "penerima@example.go.id"
    message["Subject"] = "uji"
    message.set_content("uji")
    return message


async def test_starttls_and_authentication(
    starttls_server: tuple[Mailbox, Authenticator, int], certificate: tuple[Path, Path]
) -> None:
    mailbox, auth, port = starttls_server
    url = f"smtp://{USER}:{PASSWORD}@127.0.0.1:{port}?cafile={certificate[0]}"
    await SmtpTransport.from_url(url).send(1, _message())
    assert len(mailbox.received) == 1
    assert auth.logins == [(USER, True)]  # the password went over TLS only


async def test_a_wrong_password_is_retried_not_given_up(
    starttls_server: tuple[Mailbox, Authenticator, int], certificate: tuple[Path, Path]
) -> None:
    _mailbox, _auth, port = starttls_server
    url = f"smtp://{USER}:wrong@127.0.0.1:{port}?cafile={certificate[0]}"
    # Every mail would fail alike until the operator fixes it: retried, dead after the last.
    with pytest.raises(TransientFailure) as failure:
        await SmtpTransport.from_url(url).send(1, _message())
    assert failure.value.kind == "smtp 535"


async def test_an_untrusted_certificate_is_refused(
    starttls_server: tuple[Mailbox, Authenticator, int],
) -> None:
    mailbox, auth, port = starttls_server
    url = f"smtp://{USER}:{PASSWORD}@127.0.0.1:{port}"  # the system does not trust it
    with pytest.raises(TransientFailure):
        await SmtpTransport.from_url(url).send(1, _message())
    assert auth.logins == []
    assert mailbox.received == []


async def test_tls_from_the_start(
    server_context: ssl.SSLContext, certificate: tuple[Path, Path]
) -> None:
    mailbox, port = Mailbox(), _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, ssl_context=server_context)
    controller.start()
    try:
        url = f"smtps://127.0.0.1:{port}?cafile={certificate[0]}"
        await SmtpTransport.from_url(url).send(1, _message())
    finally:
        controller.stop()
    assert len(mailbox.received) == 1
