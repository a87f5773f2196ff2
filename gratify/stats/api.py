"""Open data: the statistics as JSON (API.md) and CSV; thin views over `service`.

``GET /api/v1/tenants/{tenant}/stats`` and ``GET /api/v1/stats`` (the installation), and
the same as ``.csv`` (one table, ``cells`` by default). Public, cacheable: an ETag over
the body, ``Cache-Control: public``, and 304 when the client has it already.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zoneinfo
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gratify.errors import N_, InvalidInput
from gratify.settings import Settings
from gratify.stats.figures import indicators, tables
from gratify.stats.publication import ALL
from gratify.stats.service import Period, Report, StatisticsService, parse_period

LICENCE = "CC-BY-4.0"
CACHE_CONTROL = "public, max-age=300"


def stats_service(request: Request) -> StatisticsService:
    """The app's statistics service, made on first use."""
    state = request.app.state
    service: StatisticsService | None = getattr(state, "stats", None)
    if service is None:
        settings: Settings = state.settings
        zone = zoneinfo.ZoneInfo(settings.timezone)
        service = StatisticsService(
            state.db, settings.stats_min_count, lambda: dt.datetime.now(zone).date()
        )
        state.stats = service
    return service


def requested_period(request: Request) -> Period:
    """The ``from`` and ``to`` of the query string (`InvalidInput` when wrong)."""
    service = stats_service(request)
    return parse_period(
        request.query_params.get("from"), request.query_params.get("to"), service.today()
    )


def cacheable(request: Request, body: bytes, media_type: str, **headers: str) -> Response:
    """`body` with an ETag; 304 when the client's copy is the same."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    common = {"ETag": etag, "Cache-Control": CACHE_CONTROL, **headers}
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=common)
    return Response(body, media_type=media_type, headers=common)


def as_json(report: Report) -> dict[str, Any]:
    """The JSON document of API.md: the cells, every other table, the indicators."""
    figures = tables(report)
    document: dict[str, Any] = {
        "tenant": None if report.scope == ALL else report.scope,
        "from": report.period.first,
        "to": report.period.last,
        "suppressed_below": report.k,
        "cells": figures["cells"].records(),
        "licence": LICENCE,
    }
    for name, table in figures.items():
        if name not in ("cells", "total"):
            document[name] = table.records()
    total = figures["total"].rows
    document["total"] = total[0][0] if total else 0
    document["indicators"] = indicators(report)
    return document


def as_csv(report: Report, table: str) -> str:
    figures = tables(report)
    if table not in figures:
        raise InvalidInput(
            N_("The request has mistakes."), fields={"table": N_("There is no such table.")}
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    chosen = figures[table]
    writer.writerow(chosen.columns)
    for row in chosen.rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


async def _report(request: Request, scope: str) -> Report:
    period = requested_period(request)
    return await stats_service(request).statistics(scope, period)


async def tenant_stats(request: Request) -> Response:
    """``GET /api/v1/tenants/{tenant}/stats``: the tenant's figures (404: no tenant)."""
    report = await _report(request, request.path_params["tenant"])
    return _json_response(request, report)


async def installation_stats(request: Request) -> Response:
    """``GET /api/v1/stats``: the figures of every tenant together."""
    return _json_response(request, await _report(request, ALL))


def _json_response(request: Request, report: Report) -> Response:
    body = json.dumps(as_json(report), ensure_ascii=False, separators=(",", ":")).encode()
    return cacheable(request, body, "application/json")


async def tenant_stats_csv(request: Request) -> Response:
    """``GET /api/v1/tenants/{tenant}/stats.csv``: one table (``table``, default cells)."""
    report = await _report(request, request.path_params["tenant"])
    return _csv_response(request, report, request.path_params["tenant"])


async def installation_stats_csv(request: Request) -> Response:
    """``GET /api/v1/stats.csv``: one table of the installation's figures."""
    return _csv_response(request, await _report(request, ALL), "semua")


def _csv_response(request: Request, report: Report, name: str) -> Response:
    table = request.query_params.get("table", "cells")
    body = as_csv(report, table).encode()
    filename = f"statistik-{name}-{table}-{report.period.first}-{report.period.last}.csv"
    return cacheable(
        request,
        body,
        "text/csv; charset=utf-8",
        **{
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Link": '<https://creativecommons.org/licenses/by/4.0/>; rel="license"',
        },
    )
