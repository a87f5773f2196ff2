"""The public statistics over HTTP (both engines): the page, the JSON and the CSV agree,
counts are exact or withheld, the period is checked, answers are cacheable."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import httpx

from gratify.intake.service import IntakeContext, ReportDraft, file_report
from tests.web.htmlcheck import inline_code

FEBRUARY = dt.datetime(2024, 2, 14, 3, 0, tzinfo=dt.UTC)


def _broker(agency: str, service: str) -> ReportDraft:
    return ReportDraft(
        "broker",
        agency,
        {
            "service": service,
            "occurred_on": "2024-02-01",
            "time_window": "08-10",
            "officer_involved": "yes",
            "what_happened": "Calo di loket meminta Rp300.000.",
        },
    )


async def _file_month(ctx: IntakeContext, now: dt.datetime = FEBRUARY) -> None:
    """Metro, one month (each test its own: the installation is shared): 7 broker reports
    at the registry, 2 at the one-stop office."""
    for _ in range(7):
        await file_report(ctx, "metro", _broker("disdukcapil", "ktp-el"), now=now)
    for _ in range(2):
        await file_report(ctx, "metro", _broker("dpmptsp", "nib"), now=now)


PERIOD = {"from": "2024-02", "to": "2024-02"}


async def test_page_json_and_csv_agree_and_small_counts_are_withheld(
    ctx: IntakeContext, client: httpx.AsyncClient
) -> None:
    await _file_month(ctx)
    answer = await client.get("/api/v1/tenants/metro/stats", params=PERIOD)
    assert answer.status_code == 200
    data = answer.json()
    assert (data["tenant"], data["from"], data["to"]) == ("metro", "2024-02", "2024-02")
    assert data["suppressed_below"] == 5
    cells = {(c["kind"], c["agency"], c["month"], c["status"]): c["count"] for c in data["cells"]}
    # 2 at dpmptsp is below 5: withheld; with the agencies' totals and the total published,
    # the 7 at the registry would give it away, so it is withheld too.
    assert cells[("broker", "dpmptsp", "2024-02", "received")] is None
    assert cells[("broker", "disdukcapil", "2024-02", "received")] is None
    assert data["total"] == 9
    # And so are the agencies' totals (the total and 7 would give away the 2).
    assert {r["agency"]: r["count"] for r in data["by_agency"]} == {
        "disdukcapil": None,
        "dpmptsp": None,
    }
    assert {r["kind"]: r["count"] for r in data["by_kind"]} == {"broker": 9}

    # The CSV holds the same cells, a withheld one empty.
    table = await client.get("/api/v1/tenants/metro/stats.csv", params=PERIOD)
    assert table.status_code == 200
    assert table.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert [
        (r["tenant"], r["kind"], r["agency"], r["month"], r["status"], r["count"] or None)
        for r in rows
    ] == [
        (c["tenant"], c["kind"], c["agency"], c["month"], c["status"],
         None if c["count"] is None else str(c["count"]))
        for c in data["cells"]
    ]  # fmt: skip
    by_kind = await client.get(
        "/api/v1/tenants/metro/stats.csv", params={**PERIOD, "table": "by_kind"}
    )
    assert list(csv.DictReader(io.StringIO(by_kind.text))) == [
        {"kind": r["kind"], "count": "" if r["count"] is None else str(r["count"])}
        for r in data["by_kind"]
    ]

    # The page shows the same numbers in its tables.
    page = await client.get("/stats/metro", params=PERIOD)
    assert page.status_code == 200
    for name in ("by_kind", "by_agency", "by_status", "hotspots", "by_month"):
        shown = _counts(page.text, name)
        assert shown == [r["count"] for r in data[name]], name
    assert "<svg" in page.text
    assert 'role="img"' in page.text
    assert "<desc" in page.text  # the chart's figures in words
    assert inline_code(page.text) == []
    assert "Laporan masuk menurut jenis" in page.text
    english = await client.get("/stats/metro", params=PERIOD, headers={"Cookie": "lang=en"})
    assert "Reports received by kind" in english.text
    assert _counts(english.text, "by_kind") == _counts(page.text, "by_kind")
    # Nothing is loaded from elsewhere: every src and stylesheet is this site's.
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', page.text)


def _counts(html: str, table: str) -> list[int | None]:
    match = re.search(rf'<table id="t-{table}">(.*?)</table>', html, re.S)
    assert match, table
    return [int(v) if v else None for v in re.findall(r'data-count="(\d*)"', match.group(1))]


async def test_the_installation_adds_up_the_regions(
    ctx: IntakeContext, client: httpx.AsyncClient
) -> None:
    await _file_month(ctx, dt.datetime(2024, 4, 16, 3, 0, tzinfo=dt.UTC))
    april = {"from": "2024-04", "to": "2024-04"}
    data = (await client.get("/api/v1/stats", params=april)).json()
    assert data["tenant"] is None
    assert data["total"] == 9
    regions = {r["tenant"]: r["count"] for r in data["by_tenant"]}
    assert regions["metro"] == 9
    page = await client.get("/stats", params=april)
    assert page.status_code == 200
    assert _counts(page.text, "by_tenant") == [r["count"] for r in data["by_tenant"]]


async def test_bad_periods_are_refused_in_indonesian_first(client: httpx.AsyncClient) -> None:
    bad = await client.get("/api/v1/tenants/metro/stats", params={"from": "2024-13"})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_input"
    assert "periode" in bad.json()["error"]["message"].lower()
    backwards = await client.get(
        "/api/v1/tenants/metro/stats", params={"from": "2024-05", "to": "2024-02"}
    )
    assert backwards.status_code == 422
    english = await client.get(
        "/api/v1/stats", params={"to": "2999-01"}, headers={"Accept-Language": "en"}
    )
    assert english.status_code == 422
    assert "complete months" in english.json()["error"]["message"]
    page = await client.get("/stats/metro", params={"from": "kemarin"})
    assert page.status_code == 422
    assert "YYYY-MM" in page.text
    assert (await client.get("/api/v1/tenants/atlantis/stats")).status_code == 404
    assert (await client.get("/stats/atlantis")).status_code == 404


async def test_answers_are_cacheable(client: httpx.AsyncClient) -> None:
    for path in ("/stats", "/stats/metro", "/api/v1/stats", "/api/v1/tenants/metro/stats.csv"):
        first = await client.get(path, params=PERIOD)
        assert first.status_code == 200, path
        assert "public" in first.headers["cache-control"]
        again = await client.get(
            path, params=PERIOD, headers={"If-None-Match": first.headers["etag"]}
        )
        assert again.status_code == 304, path
