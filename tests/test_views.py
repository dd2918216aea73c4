"""Pages a reader sees: status, visible text, permalinks, and a constant number of queries."""

import re

import pytest
from django.test import Client
from django.utils import translation

from archive.ingest import ingest_letter
from archive.models import Letter, LetterSymbol
from archive.parsing import parse_letter

from .conftest import LETTERS as LETTERS_DIR


@pytest.fixture
def client():
    return Client()


def visible_text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_list_shows_letters_newest_first(client, db):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    newest = html.index("A/80/500")
    oldest = html.index("S/14938")
    assert newest < oldest


def test_list_page_query_count_does_not_grow_with_letters(
    client, db, django_assert_max_num_queries
):
    # bounded count, estimate (when over the bound), the page with senders and titles,
    # symbols, the topics of the filter form's list
    with django_assert_max_num_queries(5):
        assert client.get("/").status_code == 200


def test_french_letter_page_shows_its_masthead(client, french_letter):
    response = client.get(french_letter.get_absolute_url())
    assert response.status_code == 200
    text = visible_text(response)
    for number in [34, 35, 40, 63, 64, 68, 72, 86]:
        assert f"Item {number}" in text
    assert "La situation dans les territoires occupés de l'Azerbaïdjan" in text.replace(
        "&#x27;", "'"
    )
    assert "75th session" in text
    assert "76th year" in text
    assert "24 February 2021" in text
    assert "23 February 2021" in text
    assert "Original language English" in text
    assert "Annex 1" in text and "22 February 2021" in text
    assert "Yashar Aliyev" in text and "Jeyhun Bayramov" in text


def test_french_letter_claims_are_attributed_and_linked_to_their_sentence(client, french_letter):
    response = client.get(french_letter.get_absolute_url())
    html = response.content.decode()
    text = visible_text(response)
    # Every claim names who claims it, linked to that state's page; the quote says so too.
    table = html[html.index('class="claims-table"') :]
    assert "Claimed by" in table and '<a href="/states/AZE/">Azerbaijan</a>' in table
    assert "Claim by Azerbaijan" in text
    anchors = re.findall(r'href="#(claim-\d+)"', html)
    assert anchors
    for anchor in anchors:
        assert f'id="{anchor}"' in html  # every quote link lands on the quoted sentence


def test_letter_claims_cells_are_labelled_with_their_columns(client, french_letter):
    """On a phone each claim is a card whose cells are read out by their `data-label`: every
    cell's label is its column's heading, in order, in English and in French."""
    for language, place in [("en", "Where"), ("fr", "Où")]:
        response = client.get(french_letter.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language)
        html = response.content.decode()
        table = html[html.index('class="claims-table"') : html.index("</table>")]
        headings = re.findall(r'<th scope="col">([^<]*)</th>', table)
        assert place in headings
        rows = re.findall(r"<tr id=.*?</tr>", table, re.S)
        assert rows
        for row in rows:
            assert re.findall(r'<td data-label="([^"]*)"', row) == headings


def test_symbol_permalinks_and_redirects(client, db):
    assert client.get("/A/80/434/").status_code == 200
    other = client.get("/S/2025/632/")
    assert other.status_code == 301
    assert other["Location"] == "/A/80/434/"
    lower = client.get("/a/80/434/")
    assert lower.status_code == 301 and lower["Location"] == "/A/80/434/"
    assert client.get("/A/99/999/").status_code == 404


def test_permalinks_keep_the_prefix_the_archive_is_served_under(db):
    """A site served under a path (SCRIPT_NAME) links each letter under it, as Django's
    reverse() would: rows write their permalinks without it."""
    from django.urls import reverse, set_script_prefix

    letter = Letter.objects.filter(symbols__lookup="A/80/434").get()
    try:
        set_script_prefix("/archive/")
        assert letter.get_absolute_url() == "/archive/A/80/434/"
        assert letter.get_absolute_url() == reverse("letter_by_symbol", args=["A/80/434"])
    finally:
        set_script_prefix("/")
    assert letter.get_absolute_url() == "/A/80/434/"


def test_unknown_symbol_letter_redirects_once_an_editor_adds_its_symbols(client, french_letter):
    old_permalink = f"/letters/{french_letter.pk}/"
    assert client.get(old_permalink).status_code == 200
    LetterSymbol.objects.create(letter=french_letter, symbol="A/75/780", position=0)
    LetterSymbol.objects.create(letter=french_letter, symbol="S/2021/189", position=1)
    response = client.get(old_permalink)
    assert response.status_code == 301
    assert response["Location"] == "/A/75/780/"
    assert client.get("/A/75/780/").status_code == 200


def test_detail_query_count_is_constant(client, db, django_assert_max_num_queries):
    # letter, symbols, texts, surroundings (items, signatories, citations), annexes, claims,
    # related letters, cited letters and their symbols
    for letter in Letter.objects.all():
        with django_assert_max_num_queries(9):
            assert client.get(letter.get_absolute_url()).status_code == 200


def test_letter_text_is_escaped(client, db):
    masthead = (LETTERS_DIR / "A_80_500-S_2025_656.en.txt").read_text(encoding="utf-8")
    hostile = (
        masthead.replace(
            "I have the honour to convey to you",
            "I have the honour <script>alert('x')</script> to convey to you",
        )
        .replace("A/80/500", "A/80/9999")
        .replace("S/2025/656", "S/2025/9999")
    )
    result = ingest_letter(
        parse_letter(hostile), source_name="synthetic-test.txt", source_sha256="0" * 64
    )
    response = client.get(result.letter.get_absolute_url())
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_agenda_item_page_lists_its_letters(client, french_letter):
    response = client.get("/agenda/75/40/")
    assert response.status_code == 200
    assert french_letter.get_absolute_url() in response.content.decode()
    assert client.get("/agenda/75/abc/").status_code == 404


def test_an_annex_shows_its_date_its_signatory_and_the_claims_quoted_in_it(client, french_letter):
    from archive.models import IncidentClaim

    html = client.get(french_letter.get_absolute_url()).content.decode()
    annex = html[html.index('<section class="annex" id="annex-1"') :]
    annex = annex[: annex.index("</section>")]
    assert 'Dated <time datetime="2021-02-22">22 February 2021</time>' in annex
    assert "Signed by Jeyhun Bayramov" in annex
    claims = IncidentClaim.objects.filter(annex__letter_text__letter=french_letter).exclude(
        review_status=IncidentClaim.Review.REJECTED
    )
    assert claims.exists()
    for claim in claims:
        assert f'<mark id="claim-{claim.pk}" class="claim-quote">' in annex


def test_state_page_lists_letters_sent_and_claims_against(client, french_letter):
    sent = client.get("/states/AZE/")
    assert french_letter.get_absolute_url() in sent.content.decode()
    against = client.get("/states/ARM/").content.decode()
    table = against[against.index('id="claims-against"') :]
    # Each claim names who claims it, linked to that state's page.
    assert "Claimed by" in table
    assert '<a href="/states/AZE/">Azerbaijan</a>' in table


def test_state_claims_leave_out_rejected_and_hidden_letters_and_put_undated_ones_last(
    client, french_letter
):
    from archive.models import IncidentClaim

    first = IncidentClaim.objects.exclude(date=None).exclude(accused_state=None).first()
    assert first is not None and first.claimant is not None
    state_page = f"/states/{first.accused_state.iso3}/"

    def copy(place, **changes):
        claim = IncidentClaim.objects.get(pk=first.pk)
        claim.pk, claim.place = None, place
        for name, value in changes.items():
            setattr(claim, name, value)
        claim.save()
        return claim

    undated = copy("Undatedville", date=None, period_start=None, period_end=None)
    copy("Rejectedville", review_status=IncidentClaim.Review.REJECTED)
    hidden = Letter.objects.create(bodies="GA", is_synthetic=True)
    LetterSymbol.objects.create(letter=hidden, symbol="A/75/99998", position=0)
    copy("Hiddenville", letter=hidden)
    html = client.get(state_page).content.decode()
    table = html[html.index('id="claims-against"') :]
    assert "Undatedville" in table and "Rejectedville" not in html and "Hiddenville" not in html
    rows = re.findall(r"<tr>.*?</tr>", table, re.S)
    dated = ['<td data-label="When">not stated</td>' not in row for row in rows]
    assert dated == sorted(dated, reverse=True), "undated claims come after the dated ones"
    row = next(row for row in rows if "Undatedville" in row)
    # Each row links to the claim in its letter, and says how far an editor reviewed it.
    assert f'href="{undated.letter.get_absolute_url()}#claim-{undated.pk}"' in row
    assert "(Not yet reviewed)" in row
    # The claimant named in the reader's language, linked to its page.
    french = client.get(state_page, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    claimant = first.claimant
    assert f'<a href="/states/{claimant.iso3}/">{claimant.name_fr}</a>' in french


def test_facet_links_add_or_remove_one_value_and_keep_every_other_filter():
    from django.http import QueryDict

    from archive.results import facet_links
    from archive.search import Facet, FacetValue

    params = QueryDict("q=mines&agenda=75-40&page=2&state=PSE")
    agenda, state, year = facet_links(
        params,
        [
            Facet("agenda", "Agenda item", [FacetValue("75-40", "75-40", 3, True)]),
            Facet("state", "Sender state", [FacetValue("AZE", "Azerbaijan", 1, False)]),
            Facet("year", "Year", [FacetValue("2021", "2021", 1, False)]),
            Facet("type", "Document type", []),
        ],
    )
    assert agenda.links[0].url == "?q=mines&state=PSE"  # selected: removed, back to page 1
    assert state.links[0].url == "?q=mines&agenda=75-40&state=PSE&state=AZE"
    assert year.links[0].url == "?q=mines&agenda=75-40&state=PSE&year=2021"
    with translation.override("en"):
        assert state.links[0].count_label == "1 letter"
        assert agenda.links[0].count_label == "3 letters"


def test_a_letter_lists_the_letters_that_cite_it(client, db):
    """Who answered whom: A/53/568 cites A/53/560-S/1998/1019; once that letter is in the
    archive, its page lists A/53/568 among the letters citing it."""
    cited = Letter.objects.create(bodies="GA_SC", doc_type="letter")
    LetterSymbol.objects.create(letter=cited, symbol="A/53/560", position=0)
    LetterSymbol.objects.create(letter=cited, symbol="S/1998/1019", position=1)
    html = client.get("/A/53/560/").content.decode()
    assert "Letters in the archive that cite this one" in html
    assert 'href="/A/53/568/"' in html
    assert "cite this one" not in client.get("/A/80/434/").content.decode()


def test_a_search_request_passes_each_of_the_archives_modules_once(client, french_letter):
    """The results page's helpers (chips, facet links, kept parameters) live in
    archive/results.py, not in the letter page's archive/reading.py: a search enters
    archive/views.py once, for the view, and never the letter page's module."""
    import sys
    from pathlib import Path

    import archive

    root = str(Path(archive.__file__).parent)
    client.get("/search/", {"q": "mines"})  # modules imported, URLs loaded
    entered = []

    def profile(frame, event, arg):
        if event == "call" and frame.f_code.co_filename.startswith(root):
            caller = frame.f_back.f_code.co_filename if frame.f_back else ""
            if caller != frame.f_code.co_filename:  # entered from elsewhere
                entered.append(frame.f_code.co_filename.removeprefix(root + "/"))

    sys.setprofile(profile)
    try:
        response = client.get("/search/", {"q": "mines", "state": "AZE"})
    finally:
        sys.setprofile(None)
    assert response.status_code == 200
    assert entered.count("views.py") == 1, entered
    assert "reading.py" not in entered, entered
    assert "results.py" in entered


def test_a_claims_table_row_says_when_who_where_and_what_each_claim_says_escaped():
    """The rows of a state's claims tables: the date, or the period, or "not stated"; the
    state a claim names, or the name as printed, or the sender; casualties with civilians
    in brackets; the letter quoting it; every word escaped."""
    import datetime

    from archive.state_claims import ClaimLetter, ClaimRow, StateRef, claim_rows

    def claim(**changes):
        fields = {
            "pk": 7,
            "kind": "shelling",
            "claimant": None,
            "claimant_name": "",
            "accused_state": StateRef("ARM", "Armenia"),
            "accused_name": "",
            "date": datetime.date(2020, 10, 4),
            "period_start": None,
            "period_end": None,
            "place": "Ganja <city>",
            "killed": 3,
            "killed_civilians": 2,
            "injured": None,
            "injured_civilians": None,
            "review_status": "unreviewed",
            "letter": ClaimLetter(pk=1, symbol_list=["A/75/546", "S/2020/999"], doc_type="letter"),
        }
        return ClaimRow(**(fields | changes))

    with translation.override("en"):
        dated = claim_rows([claim()], claims_by_state=True)
        assert (
            '<td data-label="When"><time datetime="2020-10-04">4 October 2020</time></td>' in dated
        )
        assert '<a href="/states/ARM/">Armenia</a>' in dated
        assert "Ganja &lt;city&gt;" in dated and "<city>" not in dated
        assert '<td data-label="Killed (civilians)">3 (2)</td>' in dated
        assert '<td data-label="Injured (civilians)">—</td>' in dated
        assert '<a href="/A/75/546/#claim-7">A/75/546–S/2020/999</a>' in dated
        period = claim_rows(
            [
                claim(
                    date=None,
                    period_start=datetime.date(2020, 9, 27),
                    period_end=datetime.date(2020, 11, 10),
                    accused_state=None,
                    accused_name="armed forces <of> someone",
                )
            ],
            claims_by_state=True,
        )
        assert "from 27 September 2020 to 10 November 2020" in period
        assert "armed forces &lt;of&gt; someone" in period
        undated = claim_rows([claim(date=None)], claims_by_state=False)
        assert '<td data-label="When">not stated</td>' in undated
        assert '<td data-label="Claimed by">the sender</td>' in undated
    with translation.override("fr"):
        assert "4 octobre 2020" in claim_rows([claim()], claims_by_state=True)


def test_only_look_ups_by_key_are_prepared_on_the_server(client, french_letter):
    """The letter page's look-ups by key are prepared once and planned once per connection;
    statements whose best plan depends on their values (an agenda item's claims timeline,
    over items of 1 to 6 000 letters) are not: a generic plan made that page twice as slow."""
    from django.db import connection

    for _ in range(2):
        assert client.get(french_letter.get_absolute_url()).status_code == 200
        item = french_letter.agenda_links.first().agenda_item
        assert client.get(item.get_absolute_url()).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("json_agg(json_build_object('id', a.id" in sql for sql in prepared), prepared
    assert not any("DATE_TRUNC" in sql.upper() for sql in prepared), prepared
    assert connection.connection.prepare_threshold is None  # Django's default, restored
