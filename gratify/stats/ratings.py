"""Reporters rate the handling of their closed case: published only as aggregates.

One rating per case, which the reporter may change (their latest opinion counts): the
scores are sealed under the case's data key (``case_ratings``), so only someone who can
open the case reads them; the clear ``stats_ratings`` counters are moved from the old
scores to the new ones in the same transaction. Only a closed case can be rated.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.audit.chain import record
from gratify.audit.events import ACTOR_REPORTER
from gratify.crypto.aead import associated_data, seal, unseal
from gratify.errors import N_, Conflict, InvalidInput, NotFound
from gratify.intake.inbox import session_case_key
from gratify.intake.models import Case
from gratify.intake.service import IntakeContext
from gratify.stats.models import CaseRating, StatsRating

QUESTIONS = ("handling", "clarity")
FINAL = "closed"


@dataclasses.dataclass(frozen=True, slots=True)
class Rating:
    """Scores from 1 (bad) to 5 (good) for the handling and the clarity of the answers."""

    handling: int
    clarity: int

    def scores(self) -> dict[str, int]:
        return {"handling": self.handling, "clarity": self.clarity}


def parse_rating(handling: object, clarity: object) -> Rating:
    """Both scores, whole numbers 1-5 (as numbers or texts); else `InvalidInput`."""
    errors: dict[str, str] = {}
    values: dict[str, int] = {}
    for name, raw in (("handling", handling), ("clarity", clarity)):
        text = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
        if text in {"1", "2", "3", "4", "5"}:
            values[name] = int(text)
        else:
            errors[name] = N_("Please choose a score from 1 to 5.")
    if errors:
        raise InvalidInput(N_("The rating has mistakes."), fields=errors)
    return Rating(values["handling"], values["clarity"])


def _context(case_id: str) -> bytes:
    return associated_data(case_id, "rating")


async def current_rating(ctx: IntakeContext, token: str, now: dt.datetime) -> Rating | None:
    """The rating the reporter gave their case, if any (unsealed for them)."""
    case_id, dek = await session_case_key(ctx, token, now)
    async with ctx.db.reading() as session:
        row = await session.get(CaseRating, case_id)
    if row is None:
        return None
    scores = json.loads(unseal(dek, row.sealed, context=_context(case_id)))
    return Rating(scores["handling"], scores["clarity"])


async def rate_case(ctx: IntakeContext, token: str, rating: Rating, now: dt.datetime) -> None:
    """Give or change the rating of the reporter's case; `Conflict` if it is not closed."""
    case_id, dek = await session_case_key(ctx, token, now)
    async with ctx.db.writing() as session:
        case = await session.get(Case, case_id)
        if case is None:
            raise NotFound()
        if case.status != FINAL:
            raise Conflict(N_("You can rate the handling once the case is closed."))
        row = await session.get(CaseRating, case_id)
        if row is not None:
            old = json.loads(unseal(dek, row.sealed, context=_context(case_id)))
            for question in QUESTIONS:
                await _count(session, case, question, int(old[question]), -1)
        sealed = seal(dek, json.dumps(rating.scores()).encode(), context=_context(case_id))
        if row is None:
            session.add(CaseRating(case_id=case_id, sealed=sealed))
        else:
            row.sealed = sealed
        for question, score in rating.scores().items():
            await _count(session, case, question, score, +1)
        await record(
            session,
            keyring=ctx.keyring,
            tenant_id=case.tenant_id,
            event="reporter.case.rated",
            actor=ACTOR_REPORTER,
            case_id=case.id,
            now=now,
        )


async def _count(session: AsyncSession, case: Case, question: str, score: int, by: int) -> None:
    key = {
        "tenant_id": case.tenant_id,
        "month": case.received_on.isoformat()[:7],
        "kind": case.kind,
        "agency_id": case.agency_id or 0,
        "question": question,
        "score": score,
    }
    if by < 0:
        r = StatsRating
        await session.execute(
            update(r)
            .where(*(getattr(r, name) == value for name, value in key.items()))
            .values(n=r.n + by)
        )
        return
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(StatsRating).values(**key, n=by)
    await session.execute(
        statement.on_conflict_do_update(index_elements=list(key), set_={"n": StatsRating.n + by})
    )
