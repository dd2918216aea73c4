"""Browse pages: sessions, agenda items with their histogram, states, topics."""

import re

import pytest
from django.test import Client

from archive.models import AgendaItem


@pytest.fixture
def client():
    return Client()


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_sessions_index_counts_letters_per_session(client, db):
    response = client.get("/agenda/")
    assert response.status_code == 200
    text = text_of(response)
    assert "Session 75 1 letter" in text
    assert "Session 80 2 letters" in text


def test_session_page_lists_agenda_items_with_letter_counts(client, db, french_letter):
    response = client.get("/agenda/75/")
    assert response.status_code == 200
    html = response.content.decode()
    for number in [34, 35, 40, 63, 64, 68, 72, 86]:
        assert f'href="/agenda/75/{number}/"' in html
    assert french_letter.get_absolute_url() in html
    assert client.get("/agenda/12/").status_code == 404


def test_agenda_item_page_draws_a_histogram_of_letters_per_month(client, db, french_letter):
    response = client.get("/agenda/75/40/")
    html = response.content.decode()
    assert response.status_code == 200
    assert french_letter.get_absolute_url() in html
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg
    bars = re.findall(r"<rect [^>]*><title>([^<]+)</title>", svg)
    assert bars == ["February 2021: 1"]
    assert "<script" not in svg and "http" not in svg.replace("http://www.w3.org", "")


def test_histogram_spans_every_month_between_the_first_and_last_letter(db):
    from archive.histogram import month_histogram
    from archive.models import Letter

    histogram = month_histogram(Letter.objects.public().filter(ga_session=80))
    assert [b.label for b in histogram.bars] == ["October 2025"]
    spanning = month_histogram(Letter.objects.public())  # 1982–2025: drawn per year
    assert (
        spanning.by_year and spanning.bars[0].label == "1982" and spanning.bars[-1].label == "2025"
    )
    assert len(spanning.bars) == 2025 - 1982 + 1
    assert sum(b.count for b in spanning.bars) == Letter.objects.public().count()


def test_state_page(client, db, french_letter):
    response = client.get("/states/AZE/")
    assert response.status_code == 200
    assert french_letter.get_absolute_url() in response.content.decode()


def test_topic_page_lists_letters_across_sessions(client, db):
    item = AgendaItem.objects.filter(topic__isnull=False).first()
    response = client.get(item.topic.get_absolute_url())
    assert response.status_code == 200
    label = f"{item.number}{f' ({item.sub_item})' if item.sub_item else ''}"
    assert (
        f'<li><a href="{item.get_absolute_url()}">Item {label}, session {item.ga_session}</a></li>'
    ) in response.content.decode()
    french = client.get(item.topic.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr")
    assert f"Point {label}, {item.ga_session}e session</a>" in french.content.decode()


def test_facet_filter_script_is_served_locally(client, db):
    html = client.get("/search/", {"q": "mines"}).content.decode()
    assert re.search(r'<script src="/static/archive/facets\.js', html)
    assert "data-facet" in html
    # No asset from another site (the canonical address is a link, not an asset).
    assets = re.findall(r"<(?:script|img|link)\b[^>]*>", html)
    external = [
        tag
        for tag in assets
        if re.search(r'(src|href)="(https?:)?//', tag) and 'rel="canonical"' not in tag
    ]
    assert assets and not external


@pytest.mark.parametrize(
    ("url", "limit"),
    [
        ("/", 5),
        ("/?agenda=75-40&state=AZE", 7),
        ("/agenda/", 2),
        ("/agenda/75/", 5),
        ("/agenda/75/40/", 6),
        ("/states/PSE/", 8),
    ],
)
def test_browse_pages_take_a_constant_number_of_queries(
    client, db, django_assert_max_num_queries, url, limit
):
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200
