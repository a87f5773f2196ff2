"""The audit trail for people, over HTTP on SQLite and PostgreSQL: ``GET /jejak-audit``
(auditors and supervisors of the region; filters, pages, errors, htmx and no JavaScript)
and the case page's own trail. Plus the filters' parsing, without HTTP."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import zoneinfo
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from gratify.audit.reading import TrailQuery, day_bounds, parse_query
from gratify.errors import InvalidInput
from gratify.settings import Settings
from tests.cases.test_api import BROKER, file
from tests.cases.test_pages import assert_clean, find_case
from tests.conftest import http_client, sign_in_page
from tests.http.reporter import open_inbox, text_of

TRAIL = "/jejak-audit"
TENANT = "lampung-tengah"
HTMX = {"HX-Request": "true"}
_ROW = re.compile(r'<th scope="row" class="mono">(\d+)</th>(.*?)</tr>', re.S)
_EVENT = re.compile(r'<span class="mono muted">([a-z.]+)</span>')


def rows(page: str) -> list[tuple[int, str, str]]:
    """(seq, event, the row's text) of each entry shown."""
    found = []
    for seq, body in _ROW.findall(page):
        event = _EVENT.search(body)
        assert event is not None, body
        found.append((int(seq), event.group(1), text_of(body)))
    return found


def events(page: str) -> list[str]:
    return [event for _, event, _ in rows(page)]


@contextlib.asynccontextmanager
async def signed_in(
    app: Starlette, settings: Settings, username: str, tenant: str = TENANT
) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of its own, signed in through the ``/masuk`` form."""
    async with http_client(app) as client:
        await sign_in_page(client, settings, tenant, username)
        yield client


async def new_case(app: Starlette, settings: Settings) -> dict[str, Any]:
    """A broker report in the region, opened once by its handler on the case page."""
    async with http_client(app) as reporter:
        filed = await file(reporter, TENANT, BROKER)
    async with signed_in(app, settings, "inspektorat-handler") as handler:
        case_id = await find_case(handler, filed["case_number"])
        assert (await handler.get(f"/kasus/{case_id}")).status_code == 200
    return {**filed, "id": case_id}


def local_today(settings: Settings) -> dt.date:
    return dt.datetime.now(zoneinfo.ZoneInfo(settings.timezone)).date()


async def test_auditors_and_supervisors_read_their_region_s_trail(
    app: Starlette, installation: Settings
) -> None:
    case = await new_case(app, installation)
    number = case["case_number"]
    for username in ("auditor", "inspektorat-supervisor"):
        async with signed_in(app, installation, username) as reader:
            page = await reader.get(f"{TRAIL}?case={number}")
            assert page.status_code == 200, username
            assert_clean(page, username)
            assert page.headers["vary"] == "HX-Request"
            assert page.headers["cache-control"] == "no-store"
            words = text_of(page.text)
            assert "Jejak audit" in words
            shown = rows(page.text)
            assert [e for _, e, _ in shown][-1] == "case.filed"  # newest first
            assert [s for s, _, _ in shown] == sorted((s for s, _, _ in shown), reverse=True)
            read = [text for _, e, text in shown if e == "case.content.read"]
            assert read, username
            assert "inspektorat-handler" in read[0]
            assert number in words
            assert "Diminta Rp5.000.000" not in page.text  # no report content in the trail
            # The staff bar leads here.
            assert f'href="{TRAIL}"' in page.text
    # A supervisor's case numbers open the case page; an auditor's (who cannot open
    # cases) the case's trail.
    async with signed_in(app, installation, "inspektorat-supervisor") as supervisor:
        linked = (await supervisor.get(f"{TRAIL}?case={number}")).text
        assert f'href="/kasus/{case["id"]}" class="mono">{number}<' in linked
    async with signed_in(app, installation, "auditor") as auditor:
        unlinked = (await auditor.get(f"{TRAIL}?case={number}")).text
        assert f'href="/kasus/{case["id"]}"' not in unlinked
        assert f'href="{TRAIL}?case={number}" class="mono">{number}<' in unlinked


async def test_each_filter_narrows_the_trail(app: Starlette, installation: Settings) -> None:
    case = await new_case(app, installation)
    number, case_id = case["case_number"], case["id"]
    async with http_client(app) as reporter:
        assert (await open_inbox(reporter, case["receipt"], TENANT)).status_code == 303
    async with signed_in(app, installation, "auditor") as auditor:
        everything = events((await auditor.get(f"{TRAIL}?case={number}")).text)
        assert {"case.filed", "case.content.read", "reporter.inbox.opened"} <= set(everything)
        # By case id as well as by number: the same entries.
        assert events((await auditor.get(f"{TRAIL}?case={case_id}")).text) == everything
        # By event name, and by group.
        read = events((await auditor.get(f"{TRAIL}?case={number}&event=case.content.read")).text)
        assert read == ["case.content.read"] * everything.count("case.content.read")
        cases = events((await auditor.get(f"{TRAIL}?case={number}&event=case.")).text)
        assert cases == [e for e in everything if e.startswith("case.")]
        assert "reporter.inbox.opened" not in cases
        # By actor: a username of the region, and the reporter (whose entries carry the day).
        by_handler = await auditor.get(f"{TRAIL}?case={number}&actor=inspektorat-handler")
        assert set(events(by_handler.text)) == {"case.content.read"}
        by_reporter = await auditor.get(f"{TRAIL}?case={number}&actor=reporter")
        assert events(by_reporter.text) == ["reporter.inbox.opened", "case.filed"]
        today = local_today(installation)
        assert f'<time datetime="{dt.datetime.now(dt.UTC).date().isoformat()}">' in (
            by_reporter.text
        )
        assert "hanya tanggal" in text_of(by_reporter.text)
        # Across the whole trail too: every entry shown is the reporter's.
        anyone = rows((await auditor.get(f"{TRAIL}?actor=reporter&per_page=200")).text)
        assert anyone
        assert all("Pelapor" in text for _, _, text in anyone)
        # By days in the region's time zone (a reporter's entry is at 00:00 UTC of its day,
        # which may be yesterday here): today has the staff's, days long past none.
        day = today.isoformat()
        dated = await auditor.get(f"{TRAIL}?case={number}&since={day}&until={day}")

        # The reporter's own entries (case.filed, reporter.*) may fall on yesterday here.
        def by_staff(names: list[str]) -> list[str]:
            return [e for e in names if not e.startswith("reporter.") and e != "case.filed"]

        staff = by_staff(everything)
        assert staff
        assert by_staff(events(dated.text)) == staff
        yesterday = (today - dt.timedelta(days=1)).isoformat()
        around = await auditor.get(f"{TRAIL}?case={number}&since={yesterday}&until={day}")
        assert events(around.text) == everything
        past = await auditor.get(f"{TRAIL}?case={number}&since=2000-01-01&until=2000-01-02")
        assert past.status_code == 200
        assert rows(past.text) == []
        assert "Tidak ada entri yang cocok" in text_of(past.text)
        future = (today + dt.timedelta(days=1)).isoformat()
        assert rows((await auditor.get(f"{TRAIL}?case={number}&since={future}")).text) == []
        # Filters combine; the form keeps what was chosen.
        both = await auditor.get(f"{TRAIL}?case={number}&event=reporter.&actor=reporter")
        assert events(both.text) == ["reporter.inbox.opened"]
        assert '<option value="reporter." selected>' in both.text
        assert f'name="case" value="{number}"' in both.text


async def test_the_trail_comes_a_page_at_a_time(app: Starlette, installation: Settings) -> None:
    case = await new_case(app, installation)
    number = case["case_number"]
    async with signed_in(app, installation, "inspektorat-supervisor") as supervisor:
        whole = rows((await supervisor.get(f"{TRAIL}?case={number}")).text)
        assert len(whole) >= 2
        first = await supervisor.get(f"{TRAIL}?case={number}&per_page=1")
        assert [seq for seq, _, _ in rows(first.text)] == [whole[0][0]]
        words = text_of(first.text)
        assert f"Halaman 1 dari {len(whole)}" in words
        assert f"{len(whole)} entri" in words
        # A plain link to the next page keeps the filters (and works without JavaScript).
        following = re.search(r'href="([^"]+)" hx-get="[^"]+" rel="next"', first.text)
        assert following is not None
        href = following.group(1).replace("&amp;", "&")
        assert href == f"{TRAIL}?case={number}&per_page=1&page=2"
        second = await supervisor.get(href)
        assert [seq for seq, _, _ in rows(second.text)] == [whole[1][0]]
        assert 'rel="prev"' in second.text
        beyond = await supervisor.get(f"{TRAIL}?case={number}&per_page=1&page=999")
        assert beyond.status_code == 200
        assert rows(beyond.text) == []


async def test_only_auditors_and_supervisors_may_read_it(
    app: Starlette, client: httpx.AsyncClient, installation: Settings
) -> None:
    anonymous = await client.get(TRAIL)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/masuk"
    swapped = await client.get(TRAIL, headers=HTMX)
    assert swapped.headers["hx-redirect"] == "/masuk"
    missing = await client.get("/halaman-yang-tidak-ada")
    for username in ("inspektorat-handler", "admin"):
        async with signed_in(app, installation, username) as other:
            refused = await other.get(f"{TRAIL}?case=x")
            assert refused.status_code == 404, username
            assert text_of(refused.text) == text_of(missing.text)
            assert "Jejak audit" not in refused.text
    async with signed_in(app, installation, "inspektorat-handler") as handler:
        assert f'href="{TRAIL}"' not in (await handler.get("/kasus")).text


async def test_another_region_s_entries_never_appear(
    app: Starlette, installation: Settings
) -> None:
    case = await new_case(app, installation)
    number, case_id = case["case_number"], case["id"]
    async with signed_in(app, installation, "auditor", "metro") as elsewhere:
        by_id = await elsewhere.get(f"{TRAIL}?case={case_id}")
        assert by_id.status_code == 200
        assert rows(by_id.text) == []
        by_number = await elsewhere.get(f"{TRAIL}?case={number}")
        assert by_number.status_code == 400
        assert "Wilayah ini tidak memiliki kasus dengan nomor ini." in text_of(by_number.text)
        latest = await elsewhere.get(f"{TRAIL}?per_page=200")
        assert number not in latest.text
        assert case_id not in latest.text


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("since=2026-13-01", "f-since", "Tulis tanggal dengan format TTTT-BB-HH"),
        ("until=kemarin", "f-until", "Tulis tanggal dengan format TTTT-BB-HH"),
        ("since=2026-02-01&until=2026-01-01", "f-until", "Tanggal akhir lebih awal"),
        ("case=%3Cscript%3E", "f-case", "Tulis nomor kasus"),
        ("actor=siapa%20saja", "f-actor", "Tulis nama pengguna"),
        ("actor=tidak-ada-orangnya", "f-actor", "tidak memiliki petugas dengan nama pengguna"),
        ("event=case.eaten", "f-event", "Pilih peristiwa dari daftar"),
        ("page=0", "f-page", "bilangan bulat"),
    ],
)
async def test_bad_filters_are_explained_in_indonesian(
    app: Starlette, installation: Settings, query: str, field: str, words: str
) -> None:
    async with signed_in(app, installation, "auditor") as auditor:
        page = await auditor.get(f"{TRAIL}?{query}")
        assert page.status_code == 400
        assert_clean(page, query)
        assert words in text_of(page.text)
        assert f'href="#{field}"' in page.text
        assert "<script>" not in page.text
        assert rows(page.text) == []
        # htmx swaps only a success: the fragment says it with 200.
        swapped = await auditor.get(f"{TRAIL}?{query}", headers=HTMX)
        assert swapped.status_code == 200
        assert swapped.text.lstrip().startswith('<div id="trail-results"')
        assert words in text_of(swapped.text)
        auditor.cookies.set("lang", "en")
        english = await auditor.get(f"{TRAIL}?{query}")
        assert english.status_code == 400
        assert "There is a problem" in text_of(english.text)


async def test_the_filter_form_works_without_javascript_and_htmx_swaps_the_results(
    app: Starlette, installation: Settings
) -> None:
    async with signed_in(app, installation, "auditor") as auditor:
        page = await auditor.get(TRAIL)
        assert page.status_code == 200
        form = re.search(r"<form [^>]*role=\"search\"[^>]*>(.*?)</form>", page.text, re.S)
        assert form is not None
        assert 'method="get" action="/jejak-audit"' in form.group(0)
        for name in ("case", "actor", "event", "since", "until"):
            assert f'name="{name}"' in form.group(1), name
        assert 'type="date" id="f-since"' in form.group(1)
        assert '<option value="case.content.read">' in form.group(1)
        assert "Seseorang mendekripsi dan membaca isi kasus" in text_of(form.group(1))
        assert 'hx-get="/jejak-audit"' in form.group(0)
        fragment = await auditor.get(f"{TRAIL}?event=account.", headers=HTMX)
        assert fragment.status_code == 200
        assert fragment.text.lstrip().startswith('<div id="trail-results"')
        assert "<html" not in fragment.text
        assert set(events(fragment.text)) <= {"account.login.succeeded", "account.login.failed"}
        assert "auditor" in text_of(fragment.text)  # this sign-in is in it, by name
        auditor.cookies.set("lang", "en")
        english = await auditor.get(f"{TRAIL}?event=account.")
        assert "A staff member signed in." in text_of(english.text)
        assert "Audit trail" in text_of(english.text)


async def test_reading_the_trail_is_not_itself_recorded(
    app: Starlette, installation: Settings
) -> None:
    async with signed_in(app, installation, "auditor") as auditor:
        first = rows((await auditor.get(TRAIL)).text)
        await auditor.get(f"{TRAIL}?event=case.&page=2")
        latest = rows((await auditor.get(TRAIL)).text)
        assert latest[0][0] == first[0][0]
        assert latest[0][1] == "account.login.succeeded"  # the auditor's own sign-in


async def test_the_case_page_shows_the_case_s_own_trail(
    app: Starlette, installation: Settings
) -> None:
    case = await new_case(app, installation)
    case_id = case["id"]
    async with signed_in(app, installation, "inspektorat-supervisor") as supervisor:
        page = await supervisor.get(f"/kasus/{case_id}")
        assert page.status_code == 200
        assert_clean(page, "case page")
        panel = re.search(r'<section id="jejak".*?</section>', page.text, re.S)
        assert panel is not None
        shown = rows(panel.group(0))
        # Newest first, and the read that drew this very page is already in it.
        assert shown[0][1] == "case.content.read"
        assert "inspektorat-supervisor" in shown[0][2]
        assert any(e == "case.content.read" and "inspektorat-handler" in t for _, e, t in shown)
        assert shown[-1][1] == "case.filed"
        assert 'href="#jejak"' in page.text
        assert f'href="{TRAIL}?case={case["case_number"]}"' in panel.group(0)
        # A download is in it, by the file's name.
        attachment = re.search(rf'href="(/kasus/{case_id}/lampiran/[0-9a-f]+)"', page.text)
        assert attachment is not None
        assert (await supervisor.get(attachment.group(1))).status_code == 200
        after = await supervisor.get(f"/kasus/{case_id}")
        panel = re.search(r'<section id="jejak".*?</section>', after.text, re.S)
        assert panel is not None
        downloads = [t for _, e, t in rows(panel.group(0)) if e == "case.attachment.downloaded"]
        assert len(downloads) == 1
        assert "bukti.png" in downloads[0]
        # With htmx, a form's section comes with the trail swapped by id.
        swapped = await supervisor.post(
            f"/kasus/{case_id}/catatan", data={"body": "Catatan uji."}, headers=HTMX
        )
        assert swapped.status_code == 200
        assert swapped.text.lstrip().startswith('<section id="catatan"')
        oob = re.search(
            r'<section id="jejak"[^>]*hx-swap-oob="true".*?</section>', swapped.text, re.S
        )
        assert oob is not None
        assert "case.note.written" in events(oob.group(0))
        assert "Catatan uji." not in oob.group(0)
    # A handler sees the panel too, without the link to the region's trail.
    async with signed_in(app, installation, "inspektorat-handler") as handler:
        page = await handler.get(f"/kasus/{case_id}")
        panel = re.search(r'<section id="jejak".*?</section>', page.text, re.S)
        assert panel is not None
        assert "case.note.written" in events(panel.group(0))
        assert TRAIL not in panel.group(0)


# The filters without HTTP ------------------------------------------------------------------


def test_parse_query_reads_and_normalises_the_filters() -> None:
    query = parse_query(
        {
            "case": " lampung-tengah-2026-000001 ",
            "actor": "budi.s",
            "event": "case.",
            "since": "2026-01-01",
            "until": "2026-01-31",
            "page": "3",
            "per_page": "",
        }
    )
    assert query == TrailQuery(
        "LAMPUNG-TENGAH-2026-000001",
        "budi.s",
        "case.",
        dt.date(2026, 1, 1),
        dt.date(2026, 1, 31),
        3,
        50,
    )
    assert parse_query({"case": "A" * 32}).case == "a" * 32
    assert parse_query({}) == TrailQuery()
    assert parse_query({"actor": "user:12"}).actor == "user:12"
    assert query.as_params(page=1) == {
        "case": "LAMPUNG-TENGAH-2026-000001",
        "actor": "budi.s",
        "event": "case.",
        "since": "2026-01-01",
        "until": "2026-01-31",
    }


def test_parse_query_names_every_bad_field() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_query(
            {
                "case": "no spaces please",
                "actor": "user:0",
                "event": "nope",
                "since": "20260101",
                "until": "2026-02-30",
                "per_page": "201",
            }
        )
    assert set(raised.value.fields) == {"case", "actor", "event", "since", "until", "per_page"}
    with pytest.raises(InvalidInput) as reversed_days:
        parse_query({"since": "2026-02-01", "until": "2026-01-31"})
    assert set(reversed_days.value.fields) == {"until"}


def test_days_are_bounded_in_the_region_s_time_zone() -> None:
    since, until = day_bounds(dt.date(2026, 1, 1), dt.date(2026, 1, 31), "Asia/Jakarta")
    assert since == dt.datetime(2025, 12, 31, 17, tzinfo=dt.UTC)
    assert until == dt.datetime(2026, 1, 31, 17, tzinfo=dt.UTC)
    assert day_bounds(None, None, "Asia/Jakarta") == (None, None)
