"""``GET /api/v1/audit`` (API.md): the trail's entries, for auditors and supervisors.

Reading the trail is itself not content: entries hold no report text (audit/events.py).
Both roles read their own tenant's chain only; anyone else gets 404 (the route is not
theirs to know), exactly like a case they may not see.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gratify.accounts.views import current_handler
from gratify.audit.listing import list_entries
from gratify.errors import N_, InvalidInput, NotFound
from gratify.intake.service import IntakeContext
from gratify.web.bodies import query_int

READERS = frozenset({"auditor", "supervisor"})
MAX_PER_PAGE = 200


async def audit_entries(request: Request) -> Response:
    """Newest first; ``case`` narrows to one case, ``event`` to a name or prefix (``case.``)."""
    reader = await current_handler(request)
    if reader.role not in READERS:
        raise NotFound()
    ctx: IntakeContext = request.app.state.intake
    case = request.query_params.get("case") or None
    event = request.query_params.get("event") or None
    if case is not None and (len(case) != 32 or not case.isalnum()):
        raise InvalidInput(fields={"case": N_("Please give a case id.")})
    async with ctx.db.reading() as session:
        page = await list_entries(
            session,
            reader.tenant_id,
            case_id=case,
            event=event,
            page=query_int(request, "page", 1),
            per_page=query_int(request, "per_page", 50, MAX_PER_PAGE),
        )
    return JSONResponse(
        {
            "entries": [entry.as_json() for entry in page.entries],
            "total": page.total,
            "page": page.page,
            "per_page": page.per_page,
        }
    )
