"""A supervisor gives a colleague the unit's cases they lack, on SQLite and PostgreSQL:
after a password reset, in batches, never a case the colleague is excluded from, never
by anyone but a supervisor, never to anyone outside the unit."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from gratify.accounts import admin
from gratify.accounts.users import NewUser
from gratify.cases import regrant
from gratify.cases.service import open_case
from gratify.errors import Forbidden, NotFound
from gratify.intake.service import IntakeContext
from tests.accounts.test_admin import (
    NEW_PASSWORD,
    PASSWORD,
    People,
    actor_of,
    file_case,
    keys_held,
)
from tests.conftest import HANDLER_PASSWORD


@pytest.fixture
async def people(ctx: IntakeContext) -> AsyncIterator[People]:
    made = People(ctx)
    yield made
    await made.remove()


async def test_a_reset_handler_gets_the_unit_cases_back_but_never_an_excluded_one(
    ctx: IntakeContext, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    boss, _ = await people.admin()
    new = NewUser("metro", people.name("metro"), "handler", PASSWORD, "inspektorat")
    await admin.add_user(ctx, boss, new)
    held = [await file_case(ctx) for _ in range(3)]
    excluded = await file_case(ctx, excluded=(new.username,))
    reset = await admin.reset_password(ctx, boss, new.username, NEW_PASSWORD)
    assert reset.cases_lost == 3
    after = await actor_of(ctx, "metro", new.username, NEW_PASSWORD)
    for case_id in held:
        with pytest.raises(NotFound):
            await open_case(ctx, after, case_id)

    supervisor = await actor_of(ctx, "metro", "inspektorat-supervisor", HANDLER_PASSWORD)
    overview = await regrant.unit_overview(ctx, supervisor)
    mine = {c.username: c for c in overview.staff}
    assert overview.unit == "inspektorat"
    assert overview.supervisor_readable <= overview.cases
    assert mine[new.username].readable == 0
    # Every case of the unit the supervisor reads, but the one the reporter kept from them.
    assert mine[new.username].missing == overview.supervisor_readable - 1
    assert mine["inspektorat-supervisor"].missing == 0

    monkeypatch.setattr(regrant, "BATCH", 2)  # several batches, one transaction each
    given = await regrant.regrant_unit_cases(ctx, supervisor, new.username)

    assert given == mine[new.username].missing
    assert await keys_held(ctx, "metro", new.username) == given
    for case_id in held:
        assert (await open_case(ctx, after, case_id)).status == "received"
    with pytest.raises(NotFound):
        await open_case(ctx, after, excluded)
    assert await regrant.regrant_unit_cases(ctx, supervisor, new.username) == 0  # not twice
    again = {c.username: c for c in (await regrant.unit_overview(ctx, supervisor)).staff}
    assert again[new.username].readable == given
    assert again[new.username].missing == 0


async def test_only_a_supervisor_gives_and_only_to_an_active_colleague_of_the_unit(
    ctx: IntakeContext, people: People
) -> None:
    boss, _ = await people.admin()
    new = NewUser("metro", people.name("metro"), "handler", PASSWORD, "inspektorat")
    await admin.add_user(ctx, boss, new)
    await file_case(ctx)
    supervisor = await actor_of(ctx, "metro", "inspektorat-supervisor", HANDLER_PASSWORD)

    for caller in (
        await actor_of(ctx, "metro", "inspektorat-handler", HANDLER_PASSWORD),
        await actor_of(ctx, "metro", new.username, PASSWORD),
        dataclasses.replace(supervisor, role="admin"),
        # A supervisor in the session but no longer in the database.
        dataclasses.replace(
            await actor_of(ctx, "metro", new.username, PASSWORD), role="supervisor"
        ),
    ):
        with pytest.raises(Forbidden):
            await regrant.regrant_unit_cases(ctx, caller, new.username)
        with pytest.raises(Forbidden):
            await regrant.unit_overview(ctx, caller)
    admin_user = await actor_of(ctx, "metro", people.added[0][1], PASSWORD)
    with pytest.raises(Forbidden):
        await regrant.regrant_unit_cases(ctx, admin_user, new.username)

    for outsider in ("upg-handler", "nobody", "", "x" * 100, people.added[0][1]):
        with pytest.raises(NotFound):
            await regrant.regrant_unit_cases(ctx, supervisor, outsider)
    other = await actor_of(ctx, "pringsewu", "inspektorat-supervisor", HANDLER_PASSWORD)
    with pytest.raises(NotFound):  # the same name in another region is not a colleague
        await regrant.regrant_unit_cases(ctx, other, new.username)

    await admin.set_active(ctx, boss, new.username, False)
    with pytest.raises(NotFound):
        await regrant.regrant_unit_cases(ctx, supervisor, new.username)
    staff = {c.username for c in (await regrant.unit_overview(ctx, supervisor)).staff}
    assert new.username not in staff
