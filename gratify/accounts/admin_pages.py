"""Account administration pages, for a tenant's admins, and the unit page for supervisors.

Admins (everyone else gets the 404 of a page that does not exist):

- ``GET /admin/pengguna``: the accounts of the region, with how many cases each can read
  (who can read what), and the form to add a person; ``POST /admin/pengguna`` adds one.
- ``GET /admin/pengguna/{username}``: one account and what can be done to it; the forms
  post to ``…/nonaktif``, ``…/aktif``, ``…/kata-sandi`` (a new password: the person loses
  their cases until a supervisor gives them back), ``…/totp`` (a new authenticator app)
  ``…/peran`` (role and unit) and ``…/kontak`` (e-mail address and mail language).
- ``GET /admin/hasil``: what an action left to show once: the QR code and URI of a new
  authenticator secret, or the cases a password reset took away and what to do next.

Supervisors: ``GET /admin/unit`` (their unit's staff, how many of its cases each can read,
and a button to give each the cases they lack), ``POST /kasus-unit/beri-akses``.

Plain forms that work without JavaScript: every POST answers 303, or the page again with
the error beside the field (422, 403, 409). What a POST leaves to show travels to the next
page in a sealed cookie (`ADMIN_FLASH`: ten minutes at most, Path ``/admin``, read once),
so a secret is never put in a URL or stored on the server. CSRF: the staff cookie is
SameSite=Strict and every form posts to this origin, as on the case pages.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from gratify.accounts import admin, contact
from gratify.accounts.auth import Handler
from gratify.accounts.keys import Keyring
from gratify.accounts.totp import qr_svg, secret_of_uri
from gratify.accounts.users import ROLES, NewUser
from gratify.accounts.views import handler_or_redirect
from gratify.cases import regrant
from gratify.crypto.aead import associated_data, seal, unseal
from gratify.crypto.errors import CryptoError
from gratify.crypto.tokens import derive_server_key
from gratify.errors import N_, Conflict, Forbidden, InvalidInput, NotFound
from gratify.intake.pages_bodies import first, read_urlencoded
from gratify.intake.pages_support import app_settings, intake_context, utc_now
from gratify.settings import Settings
from gratify.web.errors import status_of
from gratify.web.i18n import gettext
from gratify.web.templating import render

USERS_PATH = "/admin/pengguna"
RESULT_PATH = "/admin/hasil"
UNIT_PATH = "/admin/unit"
FLASH_COOKIE_PATH = "/admin"
FLASH_MAX_AGE = 600
_FLASH_PURPOSE = "admin-flash"
FORM_LIMIT = 8192
NO_STORE = {"Cache-Control": "no-store"}
# What a form can be refused for, shown beside it; anything else is the error page.
SHOWN_BESIDE = (InvalidInput, Conflict, Forbidden)

ROLE_NAMES = {
    "handler": N_("Case handler"),
    "supervisor": N_("Supervisor"),
    "admin": N_("Administrator"),
    "auditor": N_("Auditor"),
}
# Each language's name is written in that language, so it is not translated.
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}

ADDED = N_("%(name)s was added.")
ENABLED = N_("%(name)s can sign in again.")
DISABLED = N_("%(name)s is disabled and was signed out everywhere.")
ROLE_CHANGED = N_("The role of %(name)s is now: %(role)s.")
KEYS_REMOVED = N_(
    "%(name)s can no longer read %(count)s cases that are not for their new role or unit."
)
CONTACT_CHANGED = N_("The e-mail address and language of %(name)s were saved.")
REGRANTED = N_("%(name)s was given access to %(count)s more cases of the unit.")
QR_LABEL = N_("QR code to set up the authenticator app of %(name)s")


def _keyring(request: Request) -> Keyring:
    keyring: Keyring = intake_context(request).keyring
    return keyring


# The flash: what a POST leaves for the next page -----------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Flash:
    """`kind`: ``added``, ``totp``, ``password``, ``enabled``, ``disabled``, ``role``,
    ``contact`` or ``regrant``. `uri` holds an authenticator secret: shown once, never logged."""

    kind: str
    username: str
    expires: int
    count: int = 0
    role: str = ""
    uri: str | None = dataclasses.field(default=None, repr=False)


def flash_cookie_name(settings: Settings) -> str:
    return "__Secure-admin-flash" if settings.secure_cookies else "admin-flash"


def _flash_context(user_id: int) -> bytes:
    # Bound to the signed-in user: a flash sealed for one admin opens for nobody else.
    return associated_data("gratify", _FLASH_PURPOSE, user_id)


def _seal_flash(keyring: Keyring, user_id: int, flash: Flash) -> str:
    plaintext = json.dumps(dataclasses.asdict(flash), separators=(",", ":")).encode()
    key = derive_server_key(keyring.session_secret, purpose=_FLASH_PURPOSE)
    sealed = seal(key, plaintext, context=_flash_context(user_id))
    return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")


def _open_flash(keyring: Keyring, user_id: int, value: str | None) -> Flash | None:
    if not value or len(value) > 4096 or not value.isascii():
        return None
    try:
        sealed = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        key = derive_server_key(keyring.session_secret, purpose=_FLASH_PURPOSE)
        document = json.loads(unseal(key, sealed, context=_flash_context(user_id)))
        flash = Flash(
            kind=str(document["kind"]),
            username=str(document["username"]),
            expires=int(document["expires"]),
            count=int(document["count"]),
            role=str(document["role"]),
            uri=None if document["uri"] is None else str(document["uri"]),
        )
    except (binascii.Error, ValueError, KeyError, TypeError, CryptoError):
        return None
    if flash.expires < utc_now().timestamp():
        return None
    return flash


def _redirect_with_flash(
    request: Request, handler: Handler, target: str, kind: str, username: str, **values: Any
) -> Response:
    flash = Flash(kind, username, int(utc_now().timestamp()) + FLASH_MAX_AGE, **values)
    settings = app_settings(request)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        flash_cookie_name(settings),
        _seal_flash(_keyring(request), handler.user_id, flash),
        max_age=FLASH_MAX_AGE,
        path=FLASH_COOKIE_PATH,
        secure=settings.secure_cookies,
        httponly=True,
        samesite="strict",
    )
    return response


def _take_flash(request: Request, handler: Handler) -> Flash | None:
    """The flash this request carries, if any (the caller drops the cookie: `_drop_flash`)."""
    value = request.cookies.get(flash_cookie_name(app_settings(request)))
    return _open_flash(_keyring(request), handler.user_id, value)


def _drop_flash(request: Request, response: Response) -> Response:
    settings = app_settings(request)
    if flash_cookie_name(settings) in request.cookies:
        response.delete_cookie(
            flash_cookie_name(settings),
            path=FLASH_COOKIE_PATH,
            secure=settings.secure_cookies,
            httponly=True,
            samesite="strict",
        )
    return response


def _notice(flash: Flash | None) -> str | None:
    """A one-line notice for the flashes that have no page of their own."""
    if flash is None:
        return None
    name = flash.username
    if flash.kind == "enabled":
        return gettext(ENABLED, name=name)
    if flash.kind == "disabled":
        return gettext(DISABLED, name=name)
    if flash.kind == "role":
        text = gettext(ROLE_CHANGED, name=name, role=gettext(ROLE_NAMES.get(flash.role, "")))
        if flash.count:
            text += " " + gettext(KEYS_REMOVED, name=name, count=flash.count)
        return text
    if flash.kind == "regrant":
        return gettext(REGRANTED, name=name, count=flash.count)
    if flash.kind == "contact":
        return gettext(CONTACT_CHANGED, name=name)
    return None


# Who may see these pages -------------------------------------------------------------------


async def _signed_in(request: Request, role: str) -> Handler | Response:
    """The signed-in user if they have `role`; a stranger goes to ``/masuk``; anyone else
    gets the 404 of a page that does not exist."""
    handler = await handler_or_redirect(request)
    if isinstance(handler, RedirectResponse):
        return handler
    if handler.role != role:
        raise NotFound()
    return handler


async def _read_form(request: Request) -> dict[str, str]:
    fields = await read_urlencoded(request, FORM_LIMIT)
    return {name: first(fields, name) for name in fields}


@dataclasses.dataclass(frozen=True, slots=True)
class FormError:
    """A refused form: which one (`form`), the message and per-field messages (translated),
    and the values typed (never a password)."""

    form: str
    message: str
    status_code: int
    fields: Mapping[str, str] = dataclasses.field(default_factory=dict)
    values: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def field(self, name: str) -> str | None:
        return self.fields.get(name)

    def value(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)


def _form_error(
    form: str, error: InvalidInput | Conflict | Forbidden, values: Mapping[str, str]
) -> FormError:
    fields: dict[str, str] = {}
    if isinstance(error, InvalidInput):
        fields = {name: gettext(msgid) for name, msgid in error.fields.items()}
    kept = {k: v[:254] for k, v in values.items() if k != "password"}
    return FormError(form, gettext(error.message, **error.params), status_of(error), fields, kept)


def _common(handler: Handler) -> dict[str, Any]:
    return {
        "handler": handler,
        "role_names": {role: gettext(ROLE_NAMES[role]) for role in ROLES},
        "language_names": LANGUAGE_NAMES,
    }


# The users table and adding a person -----------------------------------------------------


async def _users_page(
    request: Request,
    handler: Handler,
    *,
    error: FormError | None = None,
    flash: Flash | None = None,
) -> Response:
    async with intake_context(request).db.reading() as session:
        users = await admin.list_users(session, handler)
        units = await admin.tenant_units(session, handler)
    context = {
        **_common(handler),
        "users": users,
        "units": units,
        "error": error,
        "notice": _notice(flash),
    }
    status = error.status_code if error else 200
    return _drop_flash(request, render(request, "accounts/admin_users.html", context, status))


async def users_page(request: Request) -> Response:
    """``GET /admin/pengguna``."""
    handler = await _signed_in(request, admin.ADMIN)
    if not isinstance(handler, Handler):
        return handler
    return await _users_page(request, handler, flash=_take_flash(request, handler))


async def add_user(request: Request) -> Response:
    """``POST /admin/pengguna``: add a person, then ``/admin/hasil`` shows their QR once."""
    handler = await _signed_in(request, admin.ADMIN)
    if not isinstance(handler, Handler):
        return handler
    values = await _read_form(request)
    new = NewUser(
        tenant=handler.tenant,
        username=values.get("username", "").strip(),
        role=values.get("role", ""),
        password=values.get("password", ""),
        unit=values.get("unit") or None,
        email=values.get("email", "").strip() or None,
        language=values.get("language", "id"),
    )
    try:
        added = await admin.add_user(intake_context(request), handler, new)
    except SHOWN_BESIDE as error:
        if isinstance(error, Conflict):  # the only conflict: the username is taken
            error = InvalidInput(fields={"username": error.message})
        return await _users_page(request, handler, error=_form_error("add", error, values))
    return _redirect_with_flash(
        request, handler, RESULT_PATH, "added", added.username, uri=added.uri
    )


# One person ------------------------------------------------------------------------------


async def _user_page(
    request: Request,
    handler: Handler,
    username: str,
    *,
    error: FormError | None = None,
    flash: Flash | None = None,
) -> Response:
    async with intake_context(request).db.reading() as session:
        user = await admin.get_user(session, handler, username)
        units = await admin.tenant_units(session, handler)
    context = {
        **_common(handler),
        "user": user,
        "units": units,
        "error": error,
        "notice": _notice(flash),
    }
    status = error.status_code if error else 200
    return _drop_flash(request, render(request, "accounts/admin_user.html", context, status))


async def user_page(request: Request) -> Response:
    """``GET /admin/pengguna/{username}``."""
    handler = await _signed_in(request, admin.ADMIN)
    if not isinstance(handler, Handler):
        return handler
    username = request.path_params["username"]
    return await _user_page(request, handler, username, flash=_take_flash(request, handler))


async def _user_action(request: Request, form: str) -> Response:
    handler = await _signed_in(request, admin.ADMIN)
    if not isinstance(handler, Handler):
        return handler
    username: str = request.path_params["username"]
    # The buttons alone (enable, disable, a new QR code) send nothing to read.
    values = await _read_form(request) if form in ("password", "role", "contact") else {}
    ctx = intake_context(request)
    user_path = request.app.url_path_for("admin_user", username=username)
    try:
        if form in ("enabled", "disabled"):
            await admin.set_active(ctx, handler, username, form == "enabled")
            return _redirect_with_flash(request, handler, user_path, form, username)
        if form == "password":
            reset = await admin.reset_password(ctx, handler, username, values.get("password", ""))
            return _redirect_with_flash(
                request, handler, RESULT_PATH, "password", username, count=reset.cases_lost
            )
        if form == "contact":
            email = values.get("email", "").strip() or None
            language = values.get("language", "")
            await contact.change_contact(ctx, handler, username, email, language)
            return _redirect_with_flash(request, handler, user_path, "contact", username)
        if form == "totp":
            enrolment = await admin.reset_totp(ctx, handler, username)
            return _redirect_with_flash(
                request, handler, RESULT_PATH, "totp", username, uri=enrolment.uri
            )
        changed = await admin.change_role(
            ctx, handler, username, values.get("role", ""), values.get("unit") or None
        )
        return _redirect_with_flash(
            request,
            handler,
            user_path,
            "role",
            username,
            role=changed.role,
            count=changed.cases_removed,
        )
    except SHOWN_BESIDE as error:
        return await _user_page(request, handler, username, error=_form_error(form, error, values))


async def disable(request: Request) -> Response:
    """``POST /admin/pengguna/{username}/nonaktif``: disable, and end their sessions."""
    return await _user_action(request, "disabled")


async def enable(request: Request) -> Response:
    """``POST /admin/pengguna/{username}/aktif``."""
    return await _user_action(request, "enabled")


async def reset_password(request: Request) -> Response:
    """``POST /admin/pengguna/{username}/kata-sandi``: a new password and key pair."""
    return await _user_action(request, "password")


async def reset_totp(request: Request) -> Response:
    """``POST /admin/pengguna/{username}/totp``: a new authenticator secret."""
    return await _user_action(request, "totp")


async def change_role(request: Request) -> Response:
    """``POST /admin/pengguna/{username}/peran``: role and unit."""
    return await _user_action(request, "role")


async def change_contact(request: Request) -> Response:
    """``POST /admin/pengguna/{username}/kontak``: e-mail address and mail language."""
    return await _user_action(request, "contact")


# What an action left to show once --------------------------------------------------------


async def result_page(request: Request) -> Response:
    """``GET /admin/hasil``: the QR code and URI of a new authenticator secret, or what a
    password reset took away; shown once, then the flash is gone. Not stored by the
    browser (``no-store``)."""
    handler = await _signed_in(request, admin.ADMIN)
    if not isinstance(handler, Handler):
        return handler
    flash = _take_flash(request, handler)
    if flash is None or flash.kind not in ("added", "totp", "password"):
        return _drop_flash(request, RedirectResponse(USERS_PATH, status_code=303))
    context: dict[str, Any] = {**_common(handler), "flash": flash, "qr": None, "secret": None}
    if flash.uri is not None:
        context["qr"] = qr_svg(flash.uri, gettext(QR_LABEL, name=flash.username))
        context["secret"] = secret_of_uri(flash.uri)
    response = render(request, "accounts/admin_result.html", context, headers=NO_STORE)
    return _drop_flash(request, response)


# The supervisor's unit ---------------------------------------------------------------------


async def _unit_page(
    request: Request,
    handler: Handler,
    *,
    error: FormError | None = None,
    flash: Flash | None = None,
) -> Response:
    overview = await regrant.unit_overview(intake_context(request), handler)
    context = {
        **_common(handler),
        "overview": overview,
        "error": error,
        "notice": _notice(flash),
    }
    status = error.status_code if error else 200
    return _drop_flash(request, render(request, "accounts/admin_unit.html", context, status))


async def unit_page(request: Request) -> Response:
    """``GET /admin/unit``: the supervisor's unit, who can read how many of its cases."""
    handler = await _signed_in(request, regrant.SUPERVISOR)
    if not isinstance(handler, Handler):
        return handler
    return await _unit_page(request, handler, flash=_take_flash(request, handler))


async def regrant_cases(request: Request) -> Response:
    """``POST /kasus-unit/beri-akses``: give `username` every case of the unit they lack."""
    handler = await _signed_in(request, regrant.SUPERVISOR)
    if not isinstance(handler, Handler):
        return handler
    values = await _read_form(request)
    username = values.get("username", "").strip()
    try:
        count = await regrant.regrant_unit_cases(intake_context(request), handler, username)
    except NotFound:
        error = InvalidInput(fields={"username": regrant.NOT_A_COLLEAGUE})
        return await _unit_page(request, handler, error=_form_error("regrant", error, values))
    except SHOWN_BESIDE as error:
        return await _unit_page(request, handler, error=_form_error("regrant", error, values))
    return _redirect_with_flash(request, handler, UNIT_PATH, "regrant", username, count=count)
