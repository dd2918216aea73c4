"""JSON and CSV exports: what a researcher downloads must match what the pages show."""

import csv
import io

import pytest
from django.test import Client

from archive.models import Letter


@pytest.fixture
def client():
    return Client()


def read_csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_search_json_finds_the_french_letter_by_an_english_word(client, french_letter):
    data = client.get("/api/search/", {"q": "mines"}).json()
    assert french_letter.pk in [r["id"] for r in data["results"]]
    assert data["total_is_exact"] is True
    assert data["total"] == len(data["results"])


def test_search_json_reports_bad_filters_as_400(client, db):
    response = client.get("/api/search/", {"date_after": "2021-13-45"})
    assert response.status_code == 400
    assert "valid date" in str(response.json()["errors"])
    assert client.get("/api/search/", {"page": "abc"}).status_code == 400


def test_letter_json_carries_the_whole_letter_and_attributed_claims(client, french_letter):
    data = client.get(f"/api/letters/{french_letter.pk}/").json()
    assert data["symbols"] == []
    assert data["ga_session"] == 75
    assert [item["number"] for item in data["agenda_items"]] == [34, 35, 40, 63, 64, 68, 72, 86]
    assert data["texts"][0]["language"] == "fr"
    assert data["texts"][0]["annexes"][0]["date"] == "2021-02-22"
    mines = next(c for c in data["claims"] if c["killed"] == 15)
    assert mines["claimed_by"] == "Azerbaijan"
    assert mines["review_status"] == "unreviewed"
    assert mines["attributed_to_state"]["iso3"] == "ARM"


def test_letters_csv_exports_every_filtered_letter(client, db):
    rows = read_csv(client.get("/export/letters.csv"))
    assert len(rows) == Letter.objects.public().count()
    spain = next(r for r in rows if r["symbols"] == "A/80/434 S/2025/632")
    assert spain["sender_state"] == "ESP"
    assert spain["agenda_items"] == "80-26"
    assert spain["url"].endswith("/A/80/434/")
    palestine = read_csv(client.get("/export/letters.csv", {"state": "PSE"}))
    assert palestine and all(r["sender_state"] == "PSE" for r in palestine)


def test_letters_csv_takes_search_words(client, french_letter):
    rows = read_csv(client.get("/export/letters.csv", {"q": "azerbaidjan"}))
    assert [int(r["id"]) for r in rows] == [french_letter.pk]


def test_claims_csv_names_the_claimant_on_every_row(client, french_letter):
    rows = read_csv(client.get("/export/claims.csv", {"state": "AZE"}))
    assert rows
    assert {r["claimed_by"] for r in rows} == {"Azerbaijan"}
    mines = next(r for r in rows if r["killed"] == "15")
    assert mines["killed_civilians"] == "9" and mines["injured"] == "65"
    assert "#claim-" in mines["quote_url"]


def test_exports_refuse_bad_filters_without_streaming_half_a_file(client, db):
    response = client.get("/export/letters.csv", {"state": "ZZZ"})
    assert response.status_code == 400
    assert "state" in response.json()["errors"]


def test_csv_cells_cannot_become_spreadsheet_formulas():
    from archive.api import _safe_cell

    assert _safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _safe_cell("Azerbaijan") == "Azerbaijan"


def test_search_and_list_pages_offer_downloads_of_what_they_show(client, db):
    html = client.get(
        "/search/", {"q": "mines", "state": "AZE", "page": "1"}, follow=True
    ).content.decode()
    assert 'href="/export/letters.csv?q=mines&amp;state=AZE"' in html
    assert 'href="/export/claims.csv?q=mines&amp;state=AZE"' in html
    assert 'href="/export/letters.csv"' in client.get("/").content.decode()


def test_state_page_shows_the_review_status_of_claims_against_it(client, french_letter):
    html = client.get("/states/ARM/").content.decode()
    assert "Not yet reviewed" in html
