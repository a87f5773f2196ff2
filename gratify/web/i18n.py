"""Translations: gettext catalogues, the request's language, and choosing it.

The catalogues are ``gratify/locale/{id,en}/LC_MESSAGES/messages.po`` (msgids in English),
compiled in memory the first time they are needed: no build step, no ``.mo`` files. The
language of the current request lives in a context variable that `LanguageMiddleware`
sets, so `gettext` works anywhere under a request without passing the request around.
Outside a request (mail, the command line) use `translate_for` or `use_language`.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import io
from collections.abc import Iterator
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from gratify.settings import Settings

LANGUAGES: tuple[str, ...] = ("id", "en")
"""Supported languages, Bahasa Indonesia first."""

DEFAULT_LANGUAGE = "id"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
COOKIE_MAX_AGE = 365 * 24 * 3600
# Enough for any real browser; a longer header is not worth parsing.
_MAX_ACCEPT_ITEMS = 32

_language: contextvars.ContextVar[str] = contextvars.ContextVar(
    "gratify_language", default=DEFAULT_LANGUAGE
)


def catalogue_path(language: str) -> Path:
    """The ``.po`` file of `language`."""
    return LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"


@functools.cache
def translations(language: str) -> Translations:
    """The compiled catalogue of `language`, read once per process."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language: {language!r}")
    with catalogue_path(language).open("rb") as fh:
        catalog = read_po(fh, locale=language, domain="messages")
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain="messages")


def load_all() -> None:
    """Read every catalogue now, so a broken one fails at start-up, not on a page."""
    for language in LANGUAGES:
        translations(language)


def current_language() -> str:
    """The language of the current request, or the project default outside one."""
    return _language.get()


@contextlib.contextmanager
def use_language(language: str) -> Iterator[None]:
    """Within the block, `gettext` and the formatters speak `language`."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language: {language!r}")
    token = _language.set(language)
    try:
        yield
    finally:
        _language.reset(token)


def active_translations() -> Translations:
    """The compiled catalogue of the current language."""
    return translations(_language.get())


def translate_for(language: str, msgid: str, **params: object) -> str:
    """`msgid` in `language`, with ``%(name)s`` places filled from `params` if given."""
    text = translations(language).gettext(msgid)
    return text % params if params else text


def gettext(msgid: str, **params: object) -> str:
    """`msgid` in the current request's language, ``%(name)s`` places filled from `params`."""
    return translate_for(_language.get(), msgid, **params)


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    """The singular or plural form for `n` in the current language; ``%(num)d`` is `n`."""
    text = translations(_language.get()).ngettext(singular, plural, n)
    return text % {"num": n, **params}


class LazyString:
    """A msgid translated each time it is shown, for module-level constants."""

    __slots__ = ("msgid",)

    def __init__(self, msgid: str) -> None:
        self.msgid = msgid

    def __str__(self) -> str:
        return gettext(self.msgid)

    def __repr__(self) -> str:
        return f"lazy_gettext({self.msgid!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyString):
            return self.msgid == other.msgid
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.msgid)


def lazy_gettext(msgid: str) -> LazyString:
    """`msgid`, translated only when turned into text (``str()``, a template, an f-string)."""
    return LazyString(msgid)


def negotiate(accept_language: str | None) -> str | None:
    """The best supported language in an ``Accept-Language`` header, or None."""
    if not accept_language:
        return None
    best: str | None = None
    best_q = 0.0
    for item in accept_language.split(",")[:_MAX_ACCEPT_ITEMS]:
        tag, _, params = item.strip().partition(";")
        language = tag.strip().split("-")[0].lower()
        if language not in LANGUAGES:
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        # Strictly greater: among equal weights the header's first choice wins.
        if 0.0 < q <= 1.0 and q > best_q:
            best, best_q = language, q
    return best


def language_cookie_name(settings: Settings) -> str:
    """``__Host-lang`` behind TLS (pinned to this host, Secure, Path=/), else ``lang``."""
    return "__Host-lang" if settings.secure_cookies else "lang"


def choose_language(headers: Headers, settings: Settings, path: str = "/") -> str:
    """The switch's cookie; then, for the JSON API only, ``Accept-Language``; then the default.

    Pages ignore ``Accept-Language`` on purpose: Tor Browser always sends ``en-US`` and many
    Indonesian browsers are set to English, yet the service speaks Bahasa Indonesia first;
    English is one click away on the switch. API clients ask by header (API.md).
    """
    cookie = cookie_parser(headers.get("cookie", "")).get(language_cookie_name(settings))
    if cookie in LANGUAGES:
        return cookie
    if path.startswith("/api/"):
        return negotiate(headers.get("accept-language")) or settings.default_language
    return settings.default_language


class LanguageMiddleware:
    """Sets the request's language (context variable and ``request.state.language``)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        load_all()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        language = choose_language(Headers(scope=scope), self.settings, scope.get("path", "/"))
        scope.setdefault("state", {})["language"] = language
        token = _language.set(language)
        try:
            await self.app(scope, receive, send)
        finally:
            _language.reset(token)
