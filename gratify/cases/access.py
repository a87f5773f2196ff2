"""Who may open a case: whoever holds a key wrapped to them and is not excluded from it.

Access is cryptographic, not only a permission check: without a wrapped key nobody can
read the case. Every refusal is `NotFound`, exactly as for a case that does not exist
(threat model: a caller must not learn that a case they may not see exists).
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from gratify.accounts.models import User
from gratify.crypto.envelope import unwrap_data_key
from gratify.crypto.errors import CryptoError
from gratify.errors import NotFound
from gratify.intake.models import Case, CaseExclusion, CaseKey
from gratify.intake.service import key_context

CASE_ID_CHARS = frozenset("0123456789abcdef")


class CaseActor(Protocol):
    """A logged-in handler, as the services need them (`gratify.accounts.auth.Handler`)."""

    @property
    def user_id(self) -> int: ...
    @property
    def unit_id(self) -> int | None: ...
    @property
    def role(self) -> str: ...
    @property
    def private_key(self) -> bytes: ...


def visible_to(user_id: int) -> ColumnElement[bool]:
    """SQL condition: the case holds a key wrapped to the user, who is not excluded."""
    # Aliases, so the condition correlates with the outer `cases` only, even in a query
    # that joins case_keys itself.
    key, exclusion = aliased(CaseKey), aliased(CaseExclusion)
    has_key = select(key.id).where(key.case_id == Case.id, key.user_id == user_id).exists()
    excluded = (
        select(exclusion.user_id)
        .where(exclusion.case_id == Case.id, exclusion.user_id == user_id)
        .exists()
    )
    return and_(has_key, ~excluded)


async def open_case_key(
    session: AsyncSession, actor: CaseActor, case_id: str
) -> tuple[Case, bytes]:
    """The case and its data key for `actor`, or `NotFound` whatever the reason."""
    if len(case_id) != 32 or not set(case_id) <= CASE_ID_CHARS:
        raise NotFound()
    row = (
        await session.execute(
            select(Case, CaseKey.wrapped)
            .join(CaseKey, (CaseKey.case_id == Case.id) & (CaseKey.user_id == actor.user_id))
            .join(User, User.id == CaseKey.user_id)
            .where(Case.id == case_id, User.active.is_(True), visible_to(actor.user_id))
        )
    ).first()
    if row is None:
        raise NotFound()
    case, wrapped = row
    try:
        dek = unwrap_data_key(wrapped, actor.private_key, context=key_context(case.id))
    except CryptoError:
        raise NotFound() from None
    return case, dek
