"""The gift checker page over HTTP: the form, each answer, errors, and no inline code."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import httpx
import pytest

from gratify.intake import checker
from gratify.intake.checker import parse_date, parse_rupiah
from gratify.settings import Settings
from tests.web.htmlcheck import inline_code

D = dt.date
PATH = "/lapor/metro/gratifikasi/cek"
EN = {"Cookie": "lang=en"}
TODAY = D(2026, 11, 23)
REAL_TODAY = checker.today


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The checker's "today", so answers do not change as the real date moves on."""
    monkeypatch.setattr(checker, "today", lambda settings: TODAY)


def answers(**changes: str) -> dict[str, str]:
    base = {
        "received_on": "2026-11-16",
        "outcome": "received",
        "occasion": "wedding",
        "form": "cash",
        "value": "1.000.000",
        "earlier": "",
        "conflict": "no",
        "linked": "no",
    }
    return {**base, **changes}


def main(html: str) -> str:
    """The page's main content, without header and footer."""
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def text(html: str) -> str:
    """The visible words of the main content, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main(html))).strip()


# --- the form ---------------------------------------------------------------------------


async def test_the_form_is_in_indonesian_by_default(client: httpx.AsyncClient) -> None:
    response = await client.get(PATH, headers={"Accept-Language": "en-US,en;q=0.5"})
    assert response.status_code == 200
    html = response.text
    assert '<html lang="id">' in html
    assert "Apakah saya wajib melaporkan pemberian ini?" in html
    assert "Kota Metro" in html
    assert "Pernikahan atau pertunangan" in html
    assert "Saya tidak tahu" in html
    assert f'action="{PATH}"' in html
    assert 'method="post"' in html
    # Today is offered as the date of receipt.
    assert 'value="2026-11-23"' in html
    assert "checker-answer" not in html


async def test_the_form_is_in_english_with_the_switch(client: httpx.AsyncClient) -> None:
    html = (await client.get(PATH, headers=EN)).text
    assert '<html lang="en">' in html
    assert "Do I need to report this gift?" in html
    for label in (
        "Date you received or refused the gift",
        "Did you receive the gift or refuse it?",
        "A wedding or engagement",
        "Was it money?",
        "Estimated value in rupiah",
        "Does the giver have business with you or your office?",
    ):
        assert label in html, label


async def test_every_occasion_has_a_labelled_radio(client: httpx.AsyncClient) -> None:
    html = (await client.get(PATH)).text
    for value, _label in checker.OCCASION_CHOICES:
        assert f'id="field-occasion-{value}" name="occasion" value="{value}"' in html
        assert f'<label for="field-occasion-{value}">' in html


async def test_unknown_tenant_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/lapor/atlantis/gratifikasi/cek")).status_code == 404
    response = await client.post("/lapor/atlantis/gratifikasi/cek", data=answers())
    assert response.status_code == 404


# --- the answers ------------------------------------------------------------------------


async def test_an_exempt_gift(client: httpx.AsyncClient) -> None:
    response = await client.post(PATH, data=answers(value="1.000.000"), headers=EN)
    assert response.status_code == 200
    words = text(response.text)
    assert "You do not need to report this gift" in words
    assert "Limit for each gift: at most IDR 1,500,000" in words
    assert "In force since January 20, 2026" in words
    assert "If you report it anyway" in words
    assert "has passed" not in words  # no lateness warning for an exempt gift


async def test_a_gift_that_must_be_reported_with_its_deadlines(client: httpx.AsyncClient) -> None:
    response = await client.post(PATH, data=answers(value="2.000.000"), headers=EN)
    words = text(response.text)
    assert "You must report this gift" in words
    assert "The value is above the limit of this exemption." in words
    # Received Monday 16 November 2026: 10 and 30 working days.
    assert "Monday, November 30, 2026" in words
    assert "Wednesday, December 30, 2026" in words  # 24-25 December are off
    assert "The legal period" not in words
    assert f'href="{PATH.removesuffix("/cek")}"' in response.text


async def test_deadlines_are_formatted_in_indonesian(client: httpx.AsyncClient) -> None:
    words = text((await client.post(PATH, data=answers(value="2.000.000"))).text)
    assert "Anda wajib melaporkan pemberian ini" in words
    assert "Senin, 30 November 2026" in words
    assert "Batas per pemberian: paling banyak Rp1.500.000" in words
    assert "Laporkan gratifikasi" in words


async def test_report_to_be_safe_when_unsure(client: httpx.AsyncClient) -> None:
    response = await client.post(PATH, data=answers(conflict="unknown"), headers=EN)
    words = text(response.text)
    assert "Report this gift to be safe" in words
    assert "you did not say whether the giver has a conflict of interest" in words


async def test_a_refused_gift_must_be_reported(client: httpx.AsyncClient) -> None:
    data = answers(outcome="refused", occasion="food_for_all", form="non_cash", value="50000")
    words = text((await client.post(PATH, data=data, headers=EN)).text)
    assert "You must report this gift" in words
    assert "A refused gift must be reported too." in words


@pytest.mark.parametrize(
    ("received_on", "answer", "period"),
    [
        ("2026-01-19", "You must report this gift", "In force until January 19, 2026"),
        ("2026-01-20", "You do not need to report this gift", "In force since January 20, 2026"),
    ],
)
async def test_the_2026_boundary_through_the_page(
    client: httpx.AsyncClient, received_on: str, answer: str, period: str
) -> None:
    data = answers(received_on=received_on, value="Rp 1.200.000")
    words = text((await client.post(PATH, data=data, headers=EN)).text)
    assert answer in words
    assert period in words


@pytest.mark.parametrize("typed", ["1.500.000", "1500000", "Rp 1.500.000", "Rp1.500.000,00"])
async def test_amounts_are_accepted_as_people_type_them(
    client: httpx.AsyncClient, typed: str
) -> None:
    response = await client.post(PATH, data=answers(value=typed), headers=EN)
    assert response.status_code == 200
    assert "You do not need to report this gift" in text(response.text)
    assert f'value="{typed}"' in response.text  # kept as typed


async def test_late_reports_are_still_encouraged(client: httpx.AsyncClient) -> None:
    late = answers(received_on="2026-03-17", value="5.000.000")
    words = text((await client.post(PATH, data=late, headers=EN)).text)
    assert "The legal period for reporting this gift to KPK has passed." in words
    assert "a late report is still far better than no report at all" in words
    assert "Wednesday, April 8, 2026" in words  # across the Idul Fitri 2026 holidays
    assert "Thursday, May 7, 2026" in words

    upg_only = answers(received_on="2026-11-02", value="5.000.000")
    words = text((await client.post(PATH, data=upg_only, headers=EN)).text)
    assert "The period for reporting to your agency's UPG has passed." in words
    assert "no later than Monday, December 14, 2026" in words


async def test_a_deadline_in_a_provisional_year_comes_with_a_caution(
    client: httpx.AsyncClient,
) -> None:
    data = answers(received_on="2026-11-23", value="5.000.000")
    words = text((await client.post(PATH, data=data, headers=EN)).text)
    assert "not yet official" in words


async def test_a_deadline_beyond_the_calendar_is_not_guessed(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checker, "today", lambda settings: D(2027, 12, 20))
    data = answers(received_on="2027-12-20", value="5.000.000")
    response = await client.post(PATH, data=data, headers=EN)
    assert response.status_code == 200
    words = text(response.text)
    assert "You must report this gift" in words
    assert "the holidays of 2028 are not in this site's calendar yet" in words
    assert "Last day to report" not in words


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("received_on", "", "Enter the date you received or refused the gift."),
        ("received_on", "31-02-2026", "Enter a date like 17-03-2026."),
        ("received_on", "2026-11-24", "The date cannot be in the future."),
        ("outcome", "kept", "Choose whether you received or refused the gift."),
        ("occasion", "", "Choose what the gift was for, or who gave it."),
        ("form", "bitcoin", "Choose whether the gift was money or something else."),
        ("value", "", "Enter the estimated value in rupiah, for example 1.500.000."),
        ("value", "1,5 juta", "Enter an amount in whole rupiah, for example 1.500.000."),
        ("value", "-500000", "Enter an amount in whole rupiah, for example 1.500.000."),
        ("earlier", "banyak", "Enter an amount in whole rupiah, for example 500.000"),
        ("conflict", "maybe", "Choose yes, no or I don't know."),
        ("linked", "", "Choose yes, no or I don't know."),
    ],
)
async def test_each_field_error_is_shown_beside_it_and_typed_values_are_kept(
    client: httpx.AsyncClient, field: str, typed: str, message: str
) -> None:
    data = answers(**{"value": "777.000", field: typed})
    response = await client.post(PATH, data=data, headers=EN)
    assert response.status_code == 422
    html = response.text
    assert f'<p class="field-error" id="error-{field}">{message}' in html.replace("&#39;", "'")
    assert re.search(rf'aria-describedby="[^"]*\berror-{field}\b', html), field
    assert f'href="#group-{field}"' in html  # the summary links to the field
    assert "checker-answer" not in html
    if field != "value":
        assert 'value="777.000"' in html  # what was typed elsewhere is kept
    if field == "received_on" and typed:
        assert f'value="{typed}"' in html
    # The other answers stay chosen.
    if field != "occasion":
        assert 'value="wedding" checked' in html


async def test_errors_are_translated(client: httpx.AsyncClient) -> None:
    response = await client.post(PATH, data=answers(value="abc"))
    assert response.status_code == 422
    assert "Isi jumlah dalam rupiah tanpa sen, misalnya 1.500.000." in response.text
    assert 'aria-invalid="true"' in response.text


async def test_a_date_typed_the_indonesian_way_is_kept_in_a_text_field(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(PATH, data=answers(received_on="16-11-2026", value="x"))
    assert response.status_code == 422
    assert 'type="text" id="field-received_on" name="received_on" value="16-11-2026"' in (
        response.text
    )
    ok = await client.post(PATH, data=answers(received_on="16/11/2026"), headers=EN)
    assert "Monday, November 30, 2026" in text(ok.text)


async def test_bodies_that_are_too_large_or_not_a_form_are_refused(
    client: httpx.AsyncClient,
) -> None:
    big = await client.post(PATH, data=answers(value="1" * 10_000))
    assert big.status_code == 413
    as_json = await client.post(PATH, json=answers())
    assert as_json.status_code == 415


# --- no inline code, nothing from elsewhere ----------------------------------------------------


@pytest.mark.parametrize("language", ["id", "en"])
async def test_pages_hold_no_inline_script_or_style(
    client: httpx.AsyncClient, language: str
) -> None:
    headers = {"Cookie": f"lang={language}"}
    pages = [
        await client.get(PATH, headers=headers),
        await client.post(PATH, data=answers(), headers=headers),
        await client.post(PATH, data=answers(value="2.000.000"), headers=headers),
        await client.post(PATH, data=answers(conflict="unknown"), headers=headers),
        await client.post(PATH, data=answers(value=""), headers=headers),
    ]
    for page in pages:
        assert inline_code(page.text) == []
        assert re.findall(r'(?:src|href|action)="(?![/#])[^"]*"', page.text) == []


async def test_the_answer_is_not_cached(client: httpx.AsyncClient) -> None:
    # Nothing is stored by the site; the page itself must not linger in shared caches.
    response = await client.post(PATH, data=answers())
    assert "no-store" in response.headers["cache-control"]


# --- parsing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1500000", 1_500_000),
        ("1.500.000", 1_500_000),
        ("1,500,000", 1_500_000),
        ("Rp 1.500.000", 1_500_000),
        ("Rp1.500.000", 1_500_000),
        ("rp. 1.500.000", 1_500_000),
        ("IDR 1,500,000", 1_500_000),
        ("Rp1.500.000,00", 1_500_000),
        ("1.500.000,-", 1_500_000),
        (" 250.000 ", 250_000),
        ("0", 0),
        ("Rp\u00a0300.000", 300_000),
    ],
)
def test_parse_rupiah_accepts(typed: str, amount: int) -> None:
    assert parse_rupiah(typed) == amount


@pytest.mark.parametrize(
    "typed",
    ["", "abc", "1,5", "1.5", "1.500.000.5", "1.500,000", "-1", "1 500 000", "15.00.000", "1e6"],
)
def test_parse_rupiah_refuses(typed: str) -> None:
    with pytest.raises(ValueError, match="rupiah"):
        parse_rupiah(typed)


def test_parse_rupiah_refuses_absurd_amounts() -> None:
    with pytest.raises(ValueError, match="too large"):
        parse_rupiah("9" * 20)


def test_parse_date_formats() -> None:
    for typed in ("2026-03-17", "17-03-2026", "17/03/2026", "17.03.2026", "17/3/2026"):
        assert parse_date(typed) == D(2026, 3, 17)
    for typed in ("2026-02-30", "yesterday", "03/17/2026"):
        with pytest.raises(ValueError, match="date"):
            parse_date(typed)


def test_today_is_in_the_tenants_time_zone() -> None:
    settings = Settings(timezone="Asia/Jakarta")
    expected = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Jakarta")).date()
    assert abs(REAL_TODAY(settings) - expected) <= dt.timedelta(days=1)
