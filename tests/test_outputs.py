"""What a researcher takes away: citations that real parsers read, the official record,
exports streamed whole, Atom feeds that validate, a sitemap and canonical addresses."""

import csv
import io
import json
import xml.dom.minidom

import bibtexparser
import feedparser
import pytest
import rispy
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from archive.models import Letter


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def joint_letter(db):
    return Letter.objects.get(symbols__lookup="A/80/434")


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8")
    return response.content.decode("utf-8")


def test_letter_page_links_the_official_record_in_each_language_held(client, joint_letter):
    html = client.get(joint_letter.get_absolute_url()).content.decode()
    for symbol in joint_letter.symbol_list:
        assert f'href="https://undocs.org/en/{symbol}"' in html
    assert "https://digitallibrary.un.org/search?p=A%2F80%2F434" in html


def test_cited_documents_not_in_the_archive_link_to_the_un(client, db):
    letter = Letter.objects.filter(citations__isnull=False).first()
    html = client.get(letter.get_absolute_url()).content.decode()
    section = html[html.index('id="citations-heading"') :]
    assert 'href="https://undocs.org/' in section


def test_bibtex_parses_with_a_real_parser(client, joint_letter):
    response = client.get(f"/letters/{joint_letter.pk}/cite.bib")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/x-bibtex")
    library = bibtexparser.parse_string(_body(response))
    assert not library.failed_blocks
    (entry,) = library.entries
    assert entry.entry_type == "misc"
    assert entry["number"] == "A/80/434–S/2025/632"
    assert entry["year"] == "2025"
    assert entry["title"].startswith("Letter dated")
    # The author is the sending state, braced: never split into first and last names.
    assert entry["author"] == "{" + joint_letter.sender_state.name_en + "}"


def test_ris_parses_with_a_real_parser(client, joint_letter):
    body = _body(client.get(f"/letters/{joint_letter.pk}/cite.ris"))
    (record,) = rispy.loads(body)
    assert record["type_of_reference"] == "GOVDOC"
    assert record["publisher"] == "United Nations"
    assert record["title"].startswith("Letter dated")
    assert record["urls"] == ["http://testserver/A/80/434/"]


def test_csl_json_and_the_un_citation_form(client, joint_letter):
    (item,) = json.loads(_body(client.get(f"/letters/{joint_letter.pk}/cite.json")))
    assert item["type"] == "document" and item["number"] == "A/80/434–S/2025/632"
    assert item["issued"]["date-parts"][0][0] == 2025
    html = client.get(joint_letter.get_absolute_url()).content.decode()
    assert "(A/80/434–S/2025/632, " in html  # title (symbol, date): the UN's form
    # The permalink stands in a box a reader can select and copy without JavaScript.
    assert 'id="permalink"' in html and 'value="http://testserver/A/80/434/"' in html


def test_a_whole_result_list_is_cited_in_each_format(client, db):
    bib = bibtexparser.parse_string(_body(client.get("/export/cite.bib", {"q": "palestinian"})))
    csv_rows = list(
        csv.DictReader(io.StringIO(_body(client.get("/export/letters.csv", {"q": "palestinian"}))))
    )
    assert len(bib.entries) == len(csv_rows) > 1
    records = rispy.loads(_body(client.get("/export/cite.ris", {"q": "palestinian"})))
    assert len(records) == len(csv_rows)
    items = json.loads(_body(client.get("/export/cite.json", {"q": "palestinian"})))
    assert len(items) == len(csv_rows)
    assert client.get("/export/cite.doc").status_code == 404


def test_csv_for_excel_starts_with_a_byte_order_mark(client, db):
    plain = b"".join(client.get("/export/letters.csv").streaming_content)
    excel = b"".join(client.get("/export/letters.csv", {"bom": "1"}).streaming_content)
    assert not plain.startswith(b"\xef\xbb\xbf")
    assert excel.startswith(b"\xef\xbb\xbf") and excel[3:] == plain


def test_json_lines_export_holds_the_same_rows_as_the_csv(client, db):
    params = {"state": "PSE"}
    rows = list(csv.DictReader(io.StringIO(_body(client.get("/export/letters.csv", params)))))
    response = client.get("/export/letters.jsonl", params)
    assert response.streaming
    lines = [json.loads(line) for line in _body(response).splitlines()]
    assert [line["symbols"] for line in lines] == [row["symbols"] for row in rows]
    assert all(line["sender_state"] == "PSE" for line in lines) and lines
    claims = _body(client.get("/export/claims.jsonl", {"state": "AZE"})).splitlines()
    assert claims and json.loads(claims[0])["claimant_state"] == "AZE"


def test_a_letter_row_in_the_export_names_its_symbols_items_title_and_address(client, joint_letter):
    """Every column as the letter page shows it: symbols in order, agenda items with their
    sub-item (``80-68 (b)``), the English title, the letter's permanent address."""
    from archive.models import AgendaItem, LetterAgendaItem

    sub_item = AgendaItem.objects.create(ga_session=80, number=68, sub_item="b")
    LetterAgendaItem.objects.create(letter=joint_letter, agenda_item=sub_item, position=99)
    rows = csv.DictReader(io.StringIO(_body(client.get("/export/letters.csv", {"session": 80}))))
    (row,) = [r for r in rows if r["id"] == str(joint_letter.pk)]
    items = [
        f"{link.agenda_item.ga_session}-{link.agenda_item.label}"
        for link in joint_letter.agenda_links.order_by("position")
    ]
    assert row["symbols"] == "A/80/434 S/2025/632"
    assert row["agenda_items"] == " ".join(items) and row["agenda_items"].endswith("80-68 (b)")
    assert row["title"] == joint_letter.texts.get(language="en").title
    assert row["url"] == "http://testserver/A/80/434/"
    assert row["sender_state"] == joint_letter.sender_state.iso3


def test_exports_refuse_bad_filters_with_a_message(client, db):
    response = client.get("/export/letters.jsonl", {"date_after": "2021-13-45"})
    assert response.status_code == 400 and "date" in response.json()["errors"]


def test_atom_feeds_validate_and_are_linked_from_the_pages(client, db):
    state_page = client.get("/states/PSE/").content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in state_page
    assert 'href="/feeds/letters/?state=PSE"' in state_page
    response = client.get("/feeds/letters/", {"state": "PSE"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    xml.dom.minidom.parseString(response.content)  # well-formed
    feed = feedparser.parse(response.content)
    assert not feed.bozo and feed.version == "atom10"
    letters = Letter.objects.filter(sender_state__iso3="PSE", is_synthetic=False)
    assert len(feed.entries) == letters.count() > 0
    assert all(entry.link.startswith("http://testserver/") for entry in feed.entries)
    searched = feedparser.parse(client.get("/feeds/letters/", {"q": "mines"}).content)
    assert not searched.bozo and searched.entries
    assert client.get("/feeds/letters/", {"state": "ZZZ"}).status_code == 400


def test_sitemap_index_reads_no_letter(client, db):
    """The index of sitemaps counts the letters for its files and reads none of them: reading
    them all for the newest date failed past 65 535 letters (more ids than one statement
    carries) and grew with the archive."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/sitemap.xml").status_code == 200
    statements = [query["sql"] for query in queries.captured_queries]
    assert len(statements) <= 5
    assert not any("archive_lettersymbol" in sql for sql in statements)
    assert not any('"archive_letter"."updated_at"' in sql for sql in statements)


def test_sitemap_lists_every_letter_and_pages_have_canonical_links(client, db):
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    xml.dom.minidom.parseString(index.content)
    letters = client.get("/sitemap-letters.xml").content.decode()
    for letter in Letter.objects.filter(is_synthetic=False).prefetch_related("symbols"):
        assert f"<loc>http://testserver{letter.get_absolute_url()}</loc>" in letters
    page = client.get("/A/80/434/", {"lang": "en"}).content.decode()
    assert '<link rel="canonical" href="http://testserver/A/80/434/">' in page
