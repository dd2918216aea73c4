"""What a researcher met as dead ends (issue 9): titles on every row, real 404 and 500 pages,
indexes of states and topics, filters that say what is wrong instead of listing nothing,
clean addresses, readable titles and text, claims linked to the states they name."""

import re

import pytest
from django.test import Client
from django.urls import include, path

from archive.models import AgendaItem, IncidentClaim, Letter, Topic

from .test_views import visible_text


@pytest.fixture
def client():
    return Client()


def test_every_list_row_shows_the_letter_title(client, db):
    text = visible_text(client.get("/"))
    assert "Letter dated 17 October 2025 from the Chargé d’affaires a.i." in text


def test_a_letter_without_a_readable_title_gets_a_composed_one_marked_as_such(client, db):
    untitled = Letter.objects.exclude(texts__title__gt="").filter(letter_date__isnull=False)
    letter = untitled.first()
    assert letter is not None, "the fixtures hold letters whose title could not be read"
    text = visible_text(client.get("/", {"per_page": 100}))
    date = f"{letter.letter_date.day} {letter.letter_date:%B %Y}"
    assert f"Letter dated {date} from the {letter.sender_role}" in text
    assert "title composed by the archive" in text


def test_a_missing_page_has_the_header_a_search_box_and_ways_back(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'role="search"' in html and 'class="site-header"' in html
    assert 'href="/states/"' in html and 'href="/topics/"' in html
    assert "This page is not in the archive" in html


def _broken(request):
    raise RuntimeError("boom")


urlpatterns = [path("broken/", _broken), path("", include("archive.urls"))]
handler500 = "archive.health.server_error"


def test_a_server_error_page_has_the_header_and_a_way_back(settings, db):
    settings.ROOT_URLCONF = "tests.test_pages"
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert 'class="site-header"' in html and 'href="/"' in html


def test_states_and_topics_have_index_pages_linked_from_every_page(client, db):
    home = client.get("/").content.decode()
    assert 'href="/states/"' in home and 'href="/topics/"' in home
    states = visible_text(client.get("/states/"))
    assert "Azerbaijan" in states and "letters sent" in states
    topics = client.get("/topics/")
    assert topics.status_code == 200
    topic = Topic.objects.get(slug="question-of-palestine")
    assert f'href="{topic.get_absolute_url()}"' in topics.content.decode()
    assert topic.name in visible_text(topics)


def test_topic_is_a_choice_and_an_unknown_topic_is_a_message(client, db):
    html = client.get("/search/").content.decode()
    assert '<option value="question-of-palestine">' in html
    response = client.get("/search/", {"topic": "palestine"})
    assert response.status_code == 400
    assert "No topic “palestine” in the archive" in response.content.decode()
    found = client.get("/search/", {"topic": "question-of-palestine"})
    assert found.status_code == 200 and "No letter matches" not in found.content.decode()


@pytest.mark.parametrize(
    ("url", "params", "status"),
    [
        ("/search/", {"q": "mines"}, 200),
        ("/", {}, 200),
        ("/search/", {"q": "mines", "topic": "palestine"}, 400),
        ("/search/", {"q": "mines", "page": 50}, 404),
    ],
)
def test_every_results_page_keeps_the_more_filters_fields_and_their_choices(
    client, db, url, params, status
):
    """The search page makes these while the engine counts: each way out of it has them."""
    response = client.get(url, params | {"language": "fr"})
    assert response.status_code == status
    html = response.content.decode()
    assert '<option value="question-of-palestine">' in html
    assert re.search(r'<input type="checkbox" name="language" value="fr"[^>]* checked>', html)


def test_a_reversed_date_range_is_explained(client, db):
    response = client.get("/", {"date_after": "2021-12-31", "date_before": "2021-01-01"})
    assert response.status_code == 400
    assert "The start date 2021-12-31 is after the end date 2021-01-01" in (
        response.content.decode()
    )


def test_words_on_the_list_page_lead_to_the_search(client, db):
    response = client.get("/", {"q": "mines", "state": "AZE"})
    assert response.status_code == 302
    assert response["Location"] == "/search/?q=mines&state=AZE"


def test_a_submitted_form_leaves_no_empty_parameters_in_the_address(client, db):
    response = client.get(
        "/search/?q=mines&session=&sc_year=&topic=&date_after=&per_page=20&sort=&page=1"
    )
    assert response.status_code == 302
    assert response["Location"] == "/search/?q=mines&page=1"
    assert client.get(response["Location"]).status_code == 200


def test_the_page_size_is_a_control_of_the_form(client, db):
    html = client.get("/", {"per_page": 50}).content.decode()
    assert '<select id="per_page" name="per_page">' in html
    assert '<option value="50" selected>' in html


def test_a_list_without_words_offers_no_sort_by_relevance(client, db):
    sort = re.compile(r'<select id="sort" name="sort">(.*?)</select>', re.S)
    listing = sort.search(client.get("/").content.decode())[1]
    assert "Relevance" not in listing and '<option value="" selected>Newest first' in listing
    searching = sort.search(client.get("/search/", {"q": "mines"}).content.decode())[1]
    assert '<option value="" selected>Relevance' in searching


def test_the_home_page_has_one_search_box(client, db):
    html = client.get("/").content.decode()
    assert len(re.findall(r'type="search"', html)) == 1


def test_agenda_filter_chip_names_the_item_by_its_title(client, db):
    assert AgendaItem.objects.get(ga_session=53, number=39).titles["en"] == "QUESTION OF PALESTINE"
    text = visible_text(client.get("/search/", {"agenda": "53-39"}))
    assert "Agenda item: Question of Palestine (session 53, item 39)" in text
    assert "Agenda item: 53-39" not in text


def test_titles_printed_in_capitals_are_readable_and_the_printed_form_kept(client, db):
    item = AgendaItem.objects.filter(titles__en="QUESTION OF PALESTINE").first()
    text = visible_text(client.get(item.get_absolute_url()))
    assert "Question of Palestine" in text
    assert "QUESTION OF PALESTINE" in text


def test_pdf_text_is_reflowed_and_the_verbatim_text_one_click_away(client, db):
    letter = Letter.objects.get(symbols__lookup="A/80/434")
    body = letter.texts.get(language="en").body
    assert "\n" in body.strip()
    page = client.get(letter.get_absolute_url()).content.decode()
    assert 'href="?text=verbatim"' in page
    text_block = page[page.index('class="letter-text"') :]
    text_block = text_block[: text_block.index("</div>")]
    verbatim = client.get(letter.get_absolute_url(), {"text": "verbatim"}).content.decode()
    verbatim_block = verbatim[verbatim.index('class="letter-text"') :]
    verbatim_block = verbatim_block[: verbatim_block.index("</div>")]
    assert text_block.count("\n") < verbatim_block.count("\n")


def test_a_one_month_histogram_is_a_bar_with_axes_not_the_whole_chart(client, db):
    from archive.histogram import HISTOGRAM_WIDTH, month_histogram

    histogram = month_histogram(Letter.objects.filter(symbols__lookup="A/80/434"))
    assert len(histogram.bars) == 1
    assert histogram.bars[0].width < HISTOGRAM_WIDTH / 10
    html = client.get("/agenda/75/40/").content.decode()
    chart = html[html.index('class="histogram-chart"') : html.index("</svg>")]
    assert chart.count('class="axis"') == 2 and ">0</text>" in chart


def test_the_state_page_lists_claims_with_date_place_and_casualties(client, db):
    claim = IncidentClaim.objects.exclude(place="").exclude(killed=None).select_related("claimant")
    claim = claim.filter(claimant__isnull=False).first()
    assert claim is not None
    made = client.get(claim.claimant.get_absolute_url()).content.decode()
    table = made[made.index('id="claims-made"') :]
    table = table[: table.index("</table>")]
    assert claim.place in table and f">{claim.killed}" in table
    if claim.date:
        assert f'datetime="{claim.date:%Y-%m-%d}"' in table


def test_letter_page_shows_ordinals_by_humanize(client, french_letter):
    text = visible_text(client.get(french_letter.get_absolute_url()))
    assert "75th session" in text and "76th year" in text
    twenty_first = Letter(ga_session=21)
    from django.template import Context, Template

    rendered = Template("{% load humanize %}{{ s|ordinal }}").render(
        Context({"s": twenty_first.ga_session})
    )
    assert rendered == "21st"


@pytest.mark.parametrize("url", ["/api/search/?q=mines", "/export/letters.csv", "/favicon.ico"])
def test_head_is_answered(client, db, url):
    response = client.head(url)
    assert response.status_code in (200, 301)
    response.close()  # as a server does: an export's cursor and transaction end with it


def test_pages_have_a_local_favicon_and_a_print_stylesheet(client, db):
    html = client.get("/").content.decode()
    assert re.search(r'<link rel="icon" href="/static/archive/favicon\.svg"', html)
    assert re.search(
        r'<link rel="stylesheet" href="/static/archive/print\.css" media="print">', html
    )
    assert client.get("/favicon.ico")["Location"] == "/static/archive/favicon.svg"


def test_a_french_reader_reads_french_claims_never_revendique(db):
    french = Client(HTTP_ACCEPT_LANGUAGE="fr")
    html = french.get("/states/ARM/").content.decode()
    table = html[html.index('id="claims-against"') :]
    # "Revendiqué par" would say the state claims responsibility: the opposite of the meaning.
    assert "Allégué par" in table and "revendiqu" not in html.lower()
    assert '<a href="/states/AZE/">Azerbaïdjan</a>' in table
    assert "pose de mines" in table and "mine laying" not in table
    assert "Incidents que d’autres États lui attribuent" in html


def _english_letter_titled(title: str) -> Letter:
    """A letter in English only, its title replaced by `title`."""
    letter = (
        Letter.objects.filter(texts__language="en", texts__title__gt="")
        .exclude(texts__language="fr")
        .first()
    )
    letter.texts.filter(language="en").update(title=title)
    return letter


def test_a_list_row_links_its_letter_and_keeps_a_title_printed_in_capitals(client, db):
    letter = _english_letter_titled("QUESTION OF <PALESTINE> & UNRWA")
    html = client.get("/", {"per_page": 100}).content.decode()
    row = re.search(
        rf'<li class="letter-row">\s*<a href="{re.escape(letter.get_absolute_url())}"'
        rf' class="letter-symbol">{re.escape(letter.symbol)}</a>.*?</li>',
        html,
        re.S,
    )
    assert row, "the letter's row links to its page by its symbol"
    # The readable form, escaped, in the version's language; the printed form on hover.
    assert (
        '<span lang="en" title="As printed: QUESTION OF &lt;PALESTINE&gt; &amp; UNRWA">'
        "Question of &lt;Palestine&gt; &amp; UNRWA</span>"
    ) in row[0]
    assert '<span class="letter-meta"><time datetime=' in row[0]
    french = client.get("/", {"per_page": 100}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    # (French puts a no-break space before a colon.)
    assert 'title="Tel qu’imprimé\u00a0: QUESTION OF &lt;PALESTINE&gt; &amp; UNRWA"' in french
    assert "(titre composé par les archives\u00a0: le titre imprimé n’a pas pu être lu)" in french


@pytest.mark.parametrize(
    ("title", "printed_in_capitals"),
    [
        ("QUESTION OF PALESTINE", True),
        ("LETTRE DATÉE DU 22 FÉVRIER 2021", True),
        ("ПИСЬМО ПОСТОЯННОГО ПРЕДСТАВИТЕЛЯ", True),
        ("Question of Palestine", False),
        ("QUESTION OF PALESTINe", False),
        ("UN", False),  # too short to tell
        ("1234 5678", False),
        ("QUESTION رسالة", False),  # letters without case are not capitals
        ("", False),
    ],
)
def test_titles_printed_in_capitals_are_told_apart(title, printed_in_capitals):
    from archive.labels import is_all_caps

    assert is_all_caps(title) is printed_in_capitals


@pytest.mark.parametrize("language", ["en", "fr"])
def test_list_dates_read_as_the_interface_language_writes_them(language):
    import datetime as dt

    from django.utils import translation
    from django.utils.formats import date_format

    from archive.labels import day_month_year

    with translation.override(language):
        for day in [dt.date(1946, 1, 5), dt.date(2021, 2, 22), dt.date(2025, 12, 31)]:
            assert day_month_year(day) == date_format(day, "j F Y")


def test_a_title_printed_in_capitals_reads_normally_with_the_printed_form_beside_it(client, db):
    letter = _english_letter_titled("QUESTION OF <PALESTINE> & UNRWA")
    html = client.get(letter.get_absolute_url()).content.decode()
    assert (
        '<h1><span lang="en">Question of &lt;Palestine&gt; &amp; UNRWA <span class="as-printed'
        ' note">(printed: <span>QUESTION OF &lt;PALESTINE&gt; &amp; UNRWA</span>)</span></span>'
        "</h1>"
    ) in html
    letter.texts.filter(language="en").update(title="Question of <Palestine>")
    html = client.get(letter.get_absolute_url()).content.decode()
    assert '<h1><span lang="en">Question of &lt;Palestine&gt;</span></h1>' in html
