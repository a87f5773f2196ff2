"""``/stats`` and ``/stats/{tenant}``: the public statistics, no login, no script needed.

Thin: the period from the query string (a GET form), the report from the service, and
for each table of `figures.tables` a chart and the same numbers in a table under it. A
bad period is said on the page (422) over the default period's figures.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from gratify.errors import N_, InvalidInput
from gratify.intake.pages_inbox import KIND_NAMES
from gratify.rules.workflow import load_workflows
from gratify.stats.api import CACHE_CONTROL, requested_period, stats_service
from gratify.stats.charts import bar_chart, line_chart
from gratify.stats.figures import Table, indicators, tables
from gratify.stats.publication import ALL
from gratify.stats.service import Report, parse_period
from gratify.web.formatting import format_number, format_rupiah
from gratify.web.i18n import gettext
from gratify.web.templating import render

WITHHELD = N_("withheld (fewer than %(k)s)")
SECTIONS: tuple[tuple[str, str, str], ...] = (
    # table, heading, chart
    ("by_kind", N_("Reports received by kind"), "bar"),
    ("by_month", N_("Reports received by month"), "line"),
    ("by_tenant", N_("Reports received by region"), "bar"),
    ("by_agency", N_("Reports received by agency"), "bar"),
    ("by_status", N_("Where the reports are now"), "bar"),
    ("hotspots", N_("Broker reports by office and service"), "bar"),
    ("kpk_outcomes", N_("KPK's decisions on gratification by value"), "bar"),
)
HEADINGS = {
    "tenant": N_("Region"),
    "kind": N_("Kind"),
    "agency": N_("Agency"),
    "service": N_("Service"),
    "month": N_("Month"),
    "status": N_("Status"),
    "outcome": N_("KPK's decision"),
    "bracket": N_("Value"),
    "count": N_("Reports"),
}


@dataclasses.dataclass(frozen=True, slots=True)
class Section:
    id: str
    heading: str
    chart: Markup | None
    columns: list[str]
    rows: list[tuple[list[str], int | None]]


class Labels:
    """Names people read for the codes in the tables."""

    def __init__(self, report: Report) -> None:
        flows = load_workflows()
        self.report = report
        self.status = {s.name: s.label for f in flows.kinds.values() for s in f.states}
        self.outcome = {c.value: c.label for c in flows.kpk_outcomes}

    def __call__(self, column: str, code: Any) -> str:
        if column == "kind":
            return gettext(KIND_NAMES[code]) if code in KIND_NAMES else str(code)
        if column == "status":
            return gettext(self.status[code]) if code in self.status else str(code)
        if column == "outcome":
            return gettext(self.outcome[code]) if code in self.outcome else str(code)
        if column == "tenant":
            return str(self.report.tenants.get(code, code))
        if column == "agency":
            return str(self.report.agencies.get(code, code)) or gettext(N_("(none)"))
        if column == "service":
            return str(self.report.services.get(code, code)) or gettext(N_("(none)"))
        if column == "bracket":
            return _bracket(str(code))
        return str(code)


def _bracket(code: str) -> str:
    if code.endswith("+"):
        return gettext(N_("%(amount)s or more"), amount=format_rupiah(int(code[:-1])))
    low, _, high = code.partition("-")
    if not high:
        return code or gettext(N_("(none)"))
    return f"{format_rupiah(int(low))} - {format_rupiah(int(high))}"


def sections(report: Report) -> list[Section]:
    """The page's sections: a chart and a table for each table of the report."""
    label = Labels(report)
    withheld = gettext(WITHHELD, k=report.k)
    all_tables = tables(report)
    out = []
    for name, heading_id, chart_kind in SECTIONS:
        table = all_tables.get(name)
        if table is None:
            continue
        heading = gettext(heading_id)
        if name == "hotspots" and report.scope != ALL:
            table = Table(table.name, table.columns[1:], [r[1:] for r in table.rows])
        rows = [([label(c, v) for c, v in zip(table.columns[:-1], row[:-1], strict=True)], row[-1])
                for row in table.rows]  # fmt: skip
        chart = None
        if chart_kind == "bar" and rows:
            items = [(" · ".join(names), value) for names, value in rows[:25]]
            chart = bar_chart(f"chart-{name}", heading, items, withheld)
        elif chart_kind == "line" and rows:
            chart = _month_lines(report, table, heading, withheld, label)
        out.append(
            Section(name, heading, chart, [gettext(HEADINGS[c]) for c in table.columns], rows)
        )
    return out


def _month_lines(
    report: Report, table: Table, heading: str, withheld: str, label: Labels
) -> Markup:
    months = report.period.months
    series: dict[str, dict[str, int | None]] = {}
    for month, kind, value in table.rows:
        series.setdefault(kind, {})[month] = value
    lines = [(label("kind", kind), [by.get(m, 0) for m in months]) for kind, by in series.items()]
    return line_chart(f"chart-{table.name}", heading, months, lines, withheld)


def _indicator_rows(report: Report) -> list[tuple[str, str | None]]:
    values = indicators(report)
    names = (
        ("median_working_days_to_acknowledgement", N_("Median working days to acknowledgement")),
        ("median_working_days_to_first_response", N_("Median working days to a first response")),
        ("median_working_days_to_closing", N_("Median working days to closing")),
        ("share_forwarded_to_kpk_within_10_working_days",
         N_("Gratification reports forwarded to KPK within 10 working days")),
        ("overdue_share", N_("Open reports past their deadline")),
        ("satisfaction_handling_mean", N_("Reporters' rating of the handling (1-5)")),
        ("satisfaction_clarity_mean", N_("Reporters' rating of the clarity of answers (1-5)")),
    )  # fmt: skip
    out: list[tuple[str, str | None]] = []
    for key, msgid in names:
        value = values[key]
        if value is None:
            shown = None
        elif "share" in key:
            shown = format_number(round(100 * float(value), 1)) + " %"
        else:
            shown = format_number(round(float(value), 1))
        out.append((gettext(msgid), shown))
    return out


async def _page(request: Request, scope: str) -> Response:
    service = stats_service(request)
    error: InvalidInput | None = None
    try:
        period = requested_period(request)
    except InvalidInput as bad:
        error = bad
        period = parse_period(None, None, service.today())
    report = await service.statistics(scope, period)
    context = {
        "report": report,
        "scope": scope,
        "sections": sections(report),
        "indicators": _indicator_rows(report),
        "withheld": gettext(WITHHELD, k=report.k),
        "error": gettext(error.message, **error.params) if error else None,
        "field_errors": {f: gettext(m) for f, m in error.fields.items()} if error else {},
        "asked": {
            "from": request.query_params.get("from", period.first),
            "to": request.query_params.get("to", period.last),
        },
        "tenants": sorted(report.tenants.items()),
    }
    response = render(request, "stats/stats.html", context, status_code=422 if error else 200)
    if error:
        return response
    etag = '"' + hashlib.sha256(bytes(response.body)).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Cookie"}
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response


async def installation_page(request: Request) -> Response:
    """``GET /stats``: every region together."""
    return await _page(request, ALL)


async def tenant_page(request: Request) -> Response:
    """``GET /stats/{tenant}``: one region (404 if there is no such region)."""
    return await _page(request, request.path_params["tenant"])
