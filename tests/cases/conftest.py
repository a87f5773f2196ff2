"""Fixtures for the case tests: an intake context on the shared installation, and actors
(handlers unlocked with their password, as a signed-in session would hold them)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select

from gratify.accounts.models import Tenant, User
from gratify.accounts.users import unlock_private_key
from gratify.intake.service import IntakeContext
from tests.conftest import HANDLER_PASSWORD


@dataclasses.dataclass(frozen=True)
class Actor:
    user_id: int
    unit_id: int | None
    role: str
    private_key: bytes = dataclasses.field(repr=False)


ActorFor = Callable[[str, str], Awaitable[Actor]]


@pytest.fixture
def actor(ctx: IntakeContext) -> ActorFor:
    async def make(tenant: str, username: str) -> Actor:
        async with ctx.db.reading() as session:
            user = await session.scalar(
                select(User).join(Tenant).where(Tenant.slug == tenant, User.username == username)
            )
        assert user is not None
        key = await unlock_private_key(ctx.pool, user, HANDLER_PASSWORD)
        return Actor(user.id, user.unit_id, user.role, key)

    return make
