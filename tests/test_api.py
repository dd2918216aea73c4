"""JSON and CSV exports: what a researcher downloads must match what the pages show."""

import csv
import io
import json

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


def test_exports_list_the_dated_letters_oldest_first_then_the_undated(client, db):
    undated = Letter.objects.create(bodies="GA")
    dated = Letter.objects.public().exclude(distribution_date=None)
    oldest_first = [
        *dated.order_by("distribution_date", "pk").values_list("pk", flat=True),
        undated.pk,
    ]
    rows = read_csv(client.get("/export/letters.csv"))
    assert [int(row["id"]) for row in rows] == oldest_first
    lines = b"".join(client.get("/export/letters.jsonl").streaming_content).splitlines()
    assert [json.loads(line)["id"] for line in lines] == oldest_first
    citations = json.loads(b"".join(client.get("/export/cite.json").streaming_content))
    letters = Letter.objects.in_bulk(oldest_first)
    assert [c["URL"] for c in citations] == [
        "http://testserver" + letters[pk].get_absolute_url() for pk in oldest_first
    ]


STREAMING_EXPORT = """
import json, django
django.setup()
from django.db import connection
from django.test import Client
from archive import api
api.EXPORT_CHUNK, api.STREAM_CHUNK_CHARS = 1, 10  # a letter a fetch, a line a chunk
chunks = iter(Client().get("/export/{name}").streaming_content)
next(chunks), next(chunks)
with connection.cursor() as cursor:
    cursor.execute("SELECT is_holdable FROM pg_cursors")
    open_cursors = [holdable for (holdable,) in cursor.fetchall()]
print(json.dumps({{"open_cursors": open_cursors, "rest": len(b"".join(chunks))}}))
"""


@pytest.mark.parametrize("name", ["letters.csv", "claims.jsonl", "cite.ris"])
def test_an_export_reads_its_letters_as_it_sends_them(db, name):
    """In a server's own mode (autocommit, no test transaction around it): the letters come
    from a cursor inside a transaction, which PostgreSQL reads as the file is sent. A cursor
    kept beyond its transaction (WITH HOLD, Django's outside one) is computed whole before
    its first row: 29 s before the first byte of an export of a million letters."""
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    from .conftest import environment_for_database

    done = subprocess.run(
        [sys.executable, "-c", STREAMING_EXPORT.format(name=name)],
        cwd=Path(__file__).resolve().parent.parent,
        env=environment_for_database(connection.settings_dict["NAME"], ALLOWED_HOSTS="testserver"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["open_cursors"] == [False] and seen["rest"] > 0, seen


def test_an_export_of_a_search_lists_its_letters_oldest_first(client, db):
    rows = read_csv(client.get("/export/letters.csv", {"q": "secretary"}))
    letters = Letter.objects.in_bulk([int(row["id"]) for row in rows])
    assert len(letters) > 2, "the word is in several letters"
    keys = [(letters[int(row["id"])].distribution_date, int(row["id"])) for row in rows]
    assert keys == sorted(keys) and None not in [day for day, _ in keys]
