"""Domain errors: what went wrong, said once, in words a person understands.

Services raise these; they never import `gratify.web`. Each error carries a machine
`code` and an English `message` that is a msgid of the gettext catalogues: the web layer
translates it into the reader's language and chooses the HTTP status
(`gratify.web.errors`, the one table). Mark any other msgid you pass with `N_` so the
catalogue extractor finds it::

    raise InvalidInput(N_("The file is larger than %(limit)s MB."), limit=25)
"""

from __future__ import annotations

from typing import ClassVar


def N_(msgid: str) -> str:
    """Mark `msgid` for translation without translating it (it is translated when shown)."""
    return msgid


class GratifyError(Exception):
    """Base of every domain error; on its own, a request that cannot be understood."""

    code: ClassVar[str] = "bad_request"
    message: str = N_("The request could not be understood.")

    def __init__(self, message: str | None = None, **params: object) -> None:
        """`message` overrides the class's msgid; `params` fill its ``%(name)s`` places."""
        if message is not None:
            self.message = message
        self.params: dict[str, object] = params
        # Exception text may reach a log line; the msgid never holds personal data,
        # the params might, so only the msgid goes into args.
        super().__init__(self.message)


class BadRequest(GratifyError):
    """The request is malformed: not JSON, a missing part, a wrong encoding."""


class Unauthenticated(GratifyError):
    """The caller must sign in (or give a valid receipt) first."""

    code = "unauthenticated"
    message = N_("You need to sign in first.")


class Forbidden(GratifyError):
    """The caller is known but may not do this."""

    code = "forbidden"
    message = N_("You are not allowed to do this.")


class NotFound(GratifyError):
    """There is no such thing, or the caller may not know that there is."""

    code = "not_found"
    message = N_("The page or item you asked for does not exist.")


class Conflict(GratifyError):
    """The action does not fit the current state, e.g. an illegal case transition."""

    code = "conflict"
    message = N_("This action does not fit the current state. Reload the page and try again.")


class TooLarge(GratifyError):
    """A body, a file or a field is over its limit."""

    code = "too_large"
    message = N_("What you sent is too large.")


class UnsupportedMediaType(GratifyError):
    """A body or file of a kind this endpoint does not accept."""

    code = "unsupported_media_type"
    message = N_("This type of file or content is not accepted.")


class InvalidInput(GratifyError):
    """Well-formed but invalid values; `fields` maps a field name to a msgid about it."""

    code = "invalid_input"
    message = N_("Some of the information you gave is not valid.")

    def __init__(
        self,
        message: str | None = None,
        *,
        fields: dict[str, str] | None = None,
        **params: object,
    ) -> None:
        """`fields`: per-field msgids (marked with `N_`), shown beside each field."""
        super().__init__(message, **params)
        self.fields: dict[str, str] = dict(fields or {})


class RateLimited(GratifyError):
    """Too many attempts; the caller may try again after `retry_after` seconds."""

    code = "rate_limited"
    message = N_("Too many requests. Please wait a moment and try again.")

    def __init__(self, message: str | None = None, *, retry_after: int, **params: object) -> None:
        """`retry_after`: whole seconds until a new attempt can succeed."""
        super().__init__(message, **params)
        self.retry_after = max(0, int(retry_after))
