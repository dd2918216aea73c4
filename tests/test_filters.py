"""Every filter, alone and with a search query; invalid values are messages, never a 500."""

import re

import pytest
from django.test import Client

from archive.models import IncidentClaim, Letter
from archive.search import InvalidSearch, search_letters

ALL = 8  # real letters in fixtures/letters


def symbols(page):
    return {str(h.letter) for h in page.hits}


@pytest.fixture
def client():
    return Client()


def test_no_filter_lists_every_real_letter(db):
    page = search_letters("")
    assert page.total == ALL and page.total_is_exact
    assert [h.letter.distribution_date for h in page.hits] == sorted(
        (h.letter.distribution_date for h in page.hits), reverse=True
    )


def test_agenda_item_several_at_once(db, french_letter):
    assert symbols(search_letters("", {"agenda": ["80-26"]})) == {"A/80/434–S/2025/632"}
    both = search_letters("", {"agenda": ["80-26", "75-40"]})
    assert {h.letter for h in both.hits} == {
        french_letter,
        Letter.objects.get(symbols__lookup="A/80/434"),
    }


def test_topic_body_session_sc_year(db, french_letter):
    topic = french_letter.agenda_links.first().agenda_item.topic
    if topic is not None:
        assert french_letter in [h.letter for h in search_letters("", {"topic": topic.slug}).hits]
    assert symbols(search_letters("", {"body": "SC"})) >= {"S/14938"}
    assert "S/14938" not in symbols(search_letters("", {"body": "GA"}))
    assert "S/14938" not in symbols(search_letters("", {"body": "joint"}))
    assert [h.letter for h in search_letters("", {"session": 75}).hits] == [french_letter]
    assert [h.letter for h in search_letters("", {"sc_year": 76}).hits] == [french_letter]


def test_state_language_type_year(db, french_letter):
    palestine = search_letters("", {"state": ["PSE"]})
    assert palestine.total == 3
    assert [h.letter for h in search_letters("", {"language": ["fr"]}).hits] == [french_letter]
    assert (
        search_letters("", {"type": ["note_verbale"]}).total
        == Letter.objects.filter(doc_type="note_verbale").count()
    )
    assert [h.letter for h in search_letters("", {"year": ["2021"]}).hits] == [french_letter]
    assert search_letters("", {"year": ["2021", "2025"]}).total == 3


def test_date_ranges(db, french_letter):
    page = search_letters("", {"date_after": "2021-01-01", "date_before": "2021-12-31"})
    assert [h.letter for h in page.hits] == [french_letter]
    letter_dated = search_letters(
        "", {"letter_date_after": "2021-02-23", "letter_date_before": "2021-02-23"}
    )
    assert [h.letter for h in letter_dated.hits] == [french_letter]
    assert search_letters("", {"date_before": "1990-01-01"}).total == 1  # S/14938, 1982


def test_has_incident_claims(db):
    with_claims = set(
        IncidentClaim.objects.exclude(review_status="rejected").values_list("letter_id", flat=True)
    )
    page = search_letters("", {"claims": "yes"})
    assert {h.letter.pk for h in page.hits} == with_claims
    assert with_claims  # the French letter reports mines incidents


def test_filters_combine_with_a_query(db, french_letter):
    page = search_letters(
        "mines", {"agenda": ["75-40"], "state": ["AZE"], "language": ["fr"], "year": ["2021"]}
    )
    assert [h.letter for h in page.hits] == [french_letter]
    assert search_letters("mines", {"state": ["PSE"]}).total == 0
    assert search_letters("security", {"state": ["PSE"], "date_after": "1991-01-01"}).total == 2


def test_facet_counts_a_letter_once_under_each_of_its_eight_items(db, french_letter):
    page = search_letters("mines")
    agenda = next(f for f in page.facets if f.param == "agenda")
    counts = {v.value: v.count for v in agenda.values}
    assert counts == {f"75-{n}": 1 for n in [34, 35, 40, 63, 64, 68, 72, 86]}


def test_facets_describe_the_current_result_set(db):
    page = search_letters("", {"state": ["PSE"]})
    facets = {f.param: {v.value: v.count for v in f.values} for f in page.facets}
    assert facets["state"] == {"PSE": 3}
    assert sum(facets["year"].values()) == 3
    assert facets["language"] == {"en": 3}
    selected = [v for f in page.facets for v in f.values if v.selected]
    assert [v.value for v in selected] == ["PSE"]


def test_pagination_keeps_every_filter(client, db, monkeypatch):
    monkeypatch.setattr("archive.search.engine.PER_PAGE", 2)
    params = {"q": "united", "body": "joint", "date_after": "1985-01-01", "sort": "oldest"}
    first = client.get("/search/", {**params, "page": 1}, follow=True)
    html = first.content.decode()
    assert first.status_code == 200
    # the next-page link carries q, body, the date and the sort
    next_link = re.search(r'rel="next" href="\?([^"]+)"', html)
    query = next_link.group(1).replace("&amp;", "&")
    for piece in ["q=united", "body=joint", "date_after=1985-01-01", "sort=oldest", "page=2"]:
        assert piece in query
    second = client.get("/search/?" + query)
    assert second.status_code == 200 and 'rel="prev"' in second.content.decode()


def test_facet_links_add_and_remove_a_value(client, db):
    html = client.get("/search/", {"q": "mines"}).content.decode().replace("&amp;", "&")
    assert 'href="?q=mines&agenda=75-40"' in html
    selected = (
        client.get("/search/", {"q": "mines", "agenda": "75-40"})
        .content.decode()
        .replace("&amp;", "&")
    )
    assert 'href="?q=mines" aria-current="true"' in selected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": "abc"}, "Enter a whole number"),
        ({"date_after": "2021-13-45"}, "Enter a valid date"),
        ({"agenda": "75-999"}, "No agenda item 75-999 in the archive"),
        ({"agenda": "forty"}, "is not an agenda item"),
        ({"q": "x" * 10_000}, "at most 500 characters"),
        ({"q": "mines\x00"}, "contains a NUL byte"),
        ({"state": "ZZZ"}, "No state with the code ZZZ"),
        ({"session": "-3"}, "greater than or equal to 1"),
        ({"sort": "random"}, "Select a valid choice"),
        ({"type": "poem"}, "Select a valid choice"),
    ],
)
def test_invalid_values_show_a_clear_message(client, db, params, message):
    for url in ["/search/", "/"]:
        # On the list page, words lead to the search page, where the message is shown.
        response = client.get(url, params, follow=True)
        assert response.status_code == 400
        html = response.content.decode().replace("&#x27;", "'")
        assert message in html
        assert 'role="alert"' in html


def test_nul_byte_in_the_url_is_a_message(client, db):
    response = client.get("/search/?q=%00&agenda=75-40%00")
    assert response.status_code == 400


def test_page_past_the_end_says_so(client, db):
    response = client.get("/search/", {"q": "mines", "page": 5})
    assert response.status_code == 404
    html = response.content.decode()
    assert "There is no page 5" in html
    assert "Page 5 of" not in html


def test_search_letters_rejects_invalid_filters(db):
    with pytest.raises(InvalidSearch):
        search_letters("mines", {"date_after": "2021-13-45"})


def test_list_page_filters(client, db, french_letter):
    html = client.get("/", {"agenda": "75-40"}).content.decode()
    assert french_letter.get_absolute_url() in html and "A/80/434" not in html


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_select_names_its_empty_choice(client, db, language):
    """A select left at its first option filters nothing, and says so in words."""
    for path in ["/", "/search/?q=mines"]:
        html = client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        for select in re.findall(r"<select.*?</select>", html, re.S):
            first = re.search(r"<option[^>]*>([^<]*)</option>", select).group(1)
            assert first.strip() and "--" not in first, select[:200]
        body = re.search(r'<select name="body".*?</select>', html, re.S).group(0)
        assert ("Either body" if language == "en" else "L’un ou l’autre organe") in body


def test_page_size_is_a_choice_kept_by_the_page_links(client, db):
    searched = client.get("/search/", {"q": "palestinian", "per_page": "50"})
    assert searched.context["results"].per_page == 50
    listed = client.get("/", {"per_page": "10"})
    assert listed.status_code == 200
    assert len(listed.context["results"].hits) == min(10, Letter.objects.public().count())
    assert client.get("/", {"per_page": "7"}).status_code == 400
    assert "Letters per page" not in " ".join(
        chip for chip in map(str, client.get("/", {"per_page": "10"}).context["chips"])
    )


def test_two_requests_filtering_at_once_keep_their_own_filters(db, french_letter):
    """Each request's filter set holds its own filters (copied from the declared ones): a
    second request's filters never answer for the first."""
    from django.http import QueryDict

    from archive.filters import LetterFilter

    french = LetterFilter(QueryDict("language=fr"), queryset=Letter.objects.all())
    palestine = LetterFilter(QueryDict("state=PSE"), queryset=Letter.objects.all())
    assert french.is_valid() and palestine.is_valid()
    assert list(french.qs) == [french_letter]
    assert palestine.qs.count() == 3
    assert french.filters["language"].parent is french
    assert LetterFilter.base_filters["language"] is not french.filters["language"]
    assert "parent" not in LetterFilter.base_filters["language"].__dict__
