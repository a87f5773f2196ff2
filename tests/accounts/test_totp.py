"""TOTP: secrets sealed to their account, the ±1 step window, no code accepted twice,
the provisioning URI and its QR code (CSP-clean SVG, terminal)."""

from __future__ import annotations

import datetime as dt
import io
import secrets
import urllib.parse
import xml.etree.ElementTree as ET

import pyotp
import pytest

from gratify.accounts import totp
from gratify.accounts.models import User
from gratify.crypto.errors import IntegrityError
from tests.web.htmlcheck import inline_code

NOW = dt.datetime(2026, 11, 23, 3, 17, 41, tzinfo=dt.UTC)
SERVER_SECRET = secrets.token_bytes(32)


def _user(tenant_id: int = 1, username: str = "inspektorat-handler") -> User:
    return User(tenant_id=tenant_id, username=username)


def test_a_new_secret_is_random_base32_of_160_bits() -> None:
    first, second = totp.new_secret(), totp.new_secret()
    assert first != second
    assert len(first) == 32
    assert set(first) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def test_codes_are_rfc_6238_codes() -> None:
    secret = totp.new_secret()
    step = totp.time_step(NOW)
    assert step == int(NOW.timestamp()) // 30
    assert totp.code_at(secret, step) == pyotp.TOTP(secret).at(NOW)


def test_enrol_seals_the_secret_to_the_account() -> None:
    user = _user()
    user.totp_last_step = 123
    secret = totp.enrol(SERVER_SECRET, user)
    assert user.totp_secret is not None
    assert secret.encode() not in user.totp_secret
    assert user.totp_last_step is None
    assert totp.open_secret(SERVER_SECRET, user) == secret
    # Moved to another account, or opened with another server's secret: refused.
    other = _user(username="upg-handler")
    other.totp_secret = user.totp_secret
    with pytest.raises(IntegrityError):
        totp.open_secret(SERVER_SECRET, other)
    elsewhere = _user(tenant_id=2)
    elsewhere.totp_secret = user.totp_secret
    with pytest.raises(IntegrityError):
        totp.open_secret(SERVER_SECRET, elsewhere)
    with pytest.raises(IntegrityError):
        totp.open_secret(secrets.token_bytes(32), user)


def test_an_account_without_a_secret_cannot_be_opened() -> None:
    with pytest.raises(ValueError, match="no TOTP secret"):
        totp.open_secret(SERVER_SECRET, _user())


@pytest.mark.parametrize(
    ("offset", "accepted"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)]
)
def test_the_step_before_and_after_are_accepted_no_further(offset: int, accepted: bool) -> None:
    secret = totp.new_secret()
    step = totp.time_step(NOW) + offset
    found = totp.matching_step(secret, totp.code_at(secret, step), NOW, None)
    assert found == (step if accepted else None)


def test_a_code_is_not_accepted_twice_nor_one_older_than_the_last() -> None:
    secret = totp.new_secret()
    current = totp.time_step(NOW)
    code = totp.code_at(secret, current)
    assert totp.matching_step(secret, code, NOW, None) == current
    # The same code again, within its window: refused.
    assert totp.matching_step(secret, code, NOW, current) is None
    assert totp.matching_step(secret, code, NOW + dt.timedelta(seconds=30), current) is None
    # The step before, still inside the window, is older than the last accepted: refused.
    assert totp.matching_step(secret, totp.code_at(secret, current - 1), NOW, current) is None
    # The next step's code is fine.
    later = totp.code_at(secret, current + 1)
    assert totp.matching_step(secret, later, NOW, current) == current + 1


@pytest.mark.parametrize("typed", ["123 456", "123-456", " 123456 ", "123\u00a0456"])
def test_spaces_and_dashes_people_type_are_ignored(typed: str) -> None:
    assert totp.normalise_code(typed) == "123456"


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "12345a", "١٢٣٤٥٦"])
def test_what_is_not_six_ascii_digits_is_not_a_code(typed: str) -> None:
    assert totp.normalise_code(typed) is None
    assert totp.matching_step(totp.new_secret(), typed, NOW, None) is None


def test_the_provisioning_uri_names_the_account_and_the_issuer() -> None:
    user = _user(username="inspektorat-handler")
    secret = totp.new_secret()
    uri = totp.provisioning_uri(user, secret, totp.issuer("Kota Metro"))
    parsed = urllib.parse.urlsplit(uri)
    assert parsed.scheme == "otpauth"
    assert parsed.netloc == "totp"
    assert urllib.parse.unquote(parsed.path) == "/gratify Kota Metro:inspektorat-handler"
    query = urllib.parse.parse_qs(parsed.query)
    assert query["secret"] == [secret]
    assert query["issuer"] == ["gratify Kota Metro"]
    assert totp.secret_of_uri(uri) == secret
    # An authenticator app computes the same codes from it.
    app = pyotp.parse_uri(uri)
    assert isinstance(app, pyotp.TOTP)
    assert app.at(NOW) == totp.code_at(secret, totp.time_step(NOW))


def test_the_qr_code_is_inline_svg_the_csp_allows() -> None:
    uri = totp.provisioning_uri(_user(), totp.new_secret(), "gratify Kota Metro")
    svg = totp.qr_svg(uri, 'QR code for "gratify" <Kota Metro>')
    assert svg.startswith("<svg ")
    assert inline_code(svg) == []
    assert "style" not in svg
    assert "<script" not in svg
    root = ET.fromstring(svg)  # noqa: S314 (our own output)
    assert root.get("role") == "img"
    assert root.get("aria-label") == 'QR code for "gratify" <Kota Metro>'
    assert root.get("class") == "qr"
    assert root.get("viewBox")
    # Sized by CSS, not by attributes; nothing refers to another resource.
    assert root.get("width") is None
    assert "href" not in svg


def test_the_qr_code_for_a_terminal_is_drawn_with_ansi_colours() -> None:
    out = io.StringIO()
    totp.print_qr("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP", out)
    assert "\x1b[" in out.getvalue()
    assert len(out.getvalue().splitlines()) > 20
