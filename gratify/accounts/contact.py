"""Where a person's mail goes: an admin changes their e-mail address and language.

One transaction, checked like every account action (`gratify.accounts.admin`): the caller
is an active admin of the person's tenant, and the change is in the trail as
``account.contact.changed`` (whether an address is set, never the address itself).
"""

from __future__ import annotations

from gratify.accounts.admin import (
    BAD_EMAIL,
    BAD_LANGUAGE,
    EMAIL,
    LANGUAGES,
    MAX_EMAIL,
    Actor,
    _audit,
    _check_admin,
    _quick_check,
    _target,
)
from gratify.errors import InvalidInput
from gratify.intake.service import IntakeContext


def check_contact(email: str | None, language: str) -> None:
    """`InvalidInput` naming each wrong field."""
    fields: dict[str, str] = {}
    if email is not None and (len(email) > MAX_EMAIL or not EMAIL.fullmatch(email)):
        fields["email"] = BAD_EMAIL
    if language not in LANGUAGES:
        fields["language"] = BAD_LANGUAGE
    if fields:
        raise InvalidInput(fields=fields)


async def change_contact(
    ctx: IntakeContext, admin: Actor, username: str, email: str | None, language: str
) -> None:
    """Set the person's address (None: no mail) and the language of their mail."""
    _quick_check(admin)
    check_contact(email, language)
    async with ctx.db.writing() as session:
        await _check_admin(session, admin)
        user = await _target(session, admin, username)
        user.email, user.language = email, language
        await _audit(
            ctx,
            session,
            admin,
            "account.contact.changed",
            user=user.id,
            language=language,
            has_email=email is not None,
        )
