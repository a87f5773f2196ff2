"""Reporters rate their closed case over the API: one rating per case, changeable, counted
only in the aggregate (both engines)."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import func, select

from gratify.cases.service import transition_case
from gratify.intake.models import Case
from gratify.intake.service import IntakeContext, file_report
from gratify.stats.models import CaseRating, StatsRating
from tests.cases.conftest import ActorFor
from tests.stats.test_http import _broker

NOW = dt.datetime(2024, 6, 11, 3, 0, tzinfo=dt.UTC)


async def _scores(ctx: IntakeContext, question: str) -> dict[int, int]:
    async with ctx.db.reading() as session:
        rows = await session.execute(
            select(StatsRating.score, func.sum(StatsRating.n))
            .where(StatsRating.month == "2024-06", StatsRating.question == question)
            .group_by(StatsRating.score)
        )
        return {int(s): int(n) for s, n in rows if n}


async def test_a_closed_case_is_rated_once_and_the_rating_can_change(
    ctx: IntakeContext, actor: ActorFor, client: httpx.AsyncClient
) -> None:
    filed = await file_report(ctx, "metro", _broker("disdukcapil", "ktp-el"), now=NOW)
    opened = await client.post(
        "/api/v1/inbox/session", json={"tenant": "metro", "receipt": filed.receipt.formatted}
    )
    auth = {"Authorization": f"Bearer {opened.json()['token']}"}
    early = await client.post(
        "/api/v1/inbox/rating", json={"handling": 4, "clarity": 5}, headers=auth
    )
    assert early.status_code == 409
    async with ctx.db.reading() as session:
        case = await session.scalar(select(Case).where(Case.case_number == filed.case_number))
    assert case is not None
    handler = await actor("metro", "inspektorat-handler")
    for target, details in (("acknowledged", {}), ("closed", {"closing_reason": "resolved"})):
        await transition_case(
            ctx, handler, case.id, target, "alasan", details, now=NOW, today=NOW.date()
        )
    before = await _scores(ctx, "handling")
    bad = await client.post(
        "/api/v1/inbox/rating", json={"handling": 6, "clarity": 0}, headers=auth
    )
    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) == {"handling", "clarity"}
    assert (await client.get("/api/v1/inbox/rating", headers=auth)).status_code == 404
    given = await client.post(
        "/api/v1/inbox/rating", json={"handling": 4, "clarity": 5}, headers=auth
    )
    assert given.status_code == 204
    assert (await client.get("/api/v1/inbox/rating", headers=auth)).json() == {
        "handling": 4,
        "clarity": 5,
    }
    assert (await _scores(ctx, "handling")).get(4, 0) == before.get(4, 0) + 1
    changed = await client.post(
        "/api/v1/inbox/rating", json={"handling": "2", "clarity": 5}, headers=auth
    )
    assert changed.status_code == 204
    after = await _scores(ctx, "handling")
    assert after.get(4, 0) == before.get(4, 0)
    assert after.get(2, 0) == before.get(2, 0) + 1
    async with ctx.db.reading() as session:
        sealed = await session.get(CaseRating, case.id)
    assert sealed is not None
    assert b"handling" not in sealed.sealed  # the case's own rating is sealed
