"""The list without search words (archive.listing): order, counts exact or labelled estimates,
agenda items and topics from the link table, synthetic letters hidden, the date copy kept."""

import datetime as dt

import pytest
from django.db.models import F
from django.test import Client

from archive import listing
from archive.listing import list_letters, list_letters_under_items
from archive.models import AgendaItem, Letter, LetterAgendaItem, LetterSymbol
from archive.search import InvalidSearch, search_letters

ALL = 8  # real letters in fixtures/letters


def newest_first(letters):
    """The letters' ids, newest first: list pages hold rows (listing.LetterRow), not Letters."""
    return list(
        letters.order_by(F("distribution_date").desc(nulls_last=True), F("id").desc()).values_list(
            "pk", flat=True
        )
    )


def listed(page):
    return [hit.letter.pk for hit in page.hits]


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def synthetic_letter(db, french_letter):
    """A clearly synthetic letter (never shown by the site) under the French letter's item 40,
    dated after every real letter so it would top any list it leaked into."""
    letter = Letter.objects.create(
        bodies="GA", ga_session=75, distribution_date=dt.date(2099, 1, 1), is_synthetic=True
    )
    LetterSymbol.objects.create(letter=letter, symbol="A/75/99999", position=0)
    item = AgendaItem.objects.get(ga_session=75, number=40, sub_item="")
    LetterAgendaItem.objects.create(letter=letter, agenda_item=item)
    return letter


def test_unfiltered_list_is_every_real_letter_newest_first_with_an_exact_total(db):
    page = list_letters()
    assert page.total == ALL and page.total_is_exact
    assert listed(page) == newest_first(Letter.objects.public())
    assert not page.has_next and page.num_pages == 1


def test_same_letters_in_the_same_order_as_search_without_words(db):
    for filters in [{}, {"state": ["PSE"]}, {"agenda": ["80-26", "75-40"]}, {"year": ["2025"]}]:
        page = list_letters(filters)
        searched = search_letters("", filters)
        assert listed(page) == listed(searched), filters
        assert page.total == searched.total


def test_pages_follow_each_other_without_gap_or_repeat(db):
    seen = []
    for number in range(1, 5):
        page = list_letters(page=number, per_page=3)
        seen += listed(page)
        assert page.has_next == (number < 3)
    assert seen == newest_first(Letter.objects.public())


def test_big_result_shows_a_labelled_estimate_and_counts_exactly_on_demand(db, client, monkeypatch):
    monkeypatch.setattr(listing, "COUNT_EXACT_UP_TO", 3)
    page = list_letters(per_page=2)
    assert not page.total_is_exact
    assert page.total >= 4 and page.has_next
    html = client.get("/").content.decode()
    assert "About" in html and "(an estimate)" in html
    assert "exact=1" in html  # the exact count is one click away
    exact = client.get("/", {"exact": "1"}).content.decode()
    assert f"{ALL} letters." in exact and "(an estimate)" not in exact


def test_oldest_and_symbol_sorts(db):
    oldest = listed(list_letters(sort="oldest"))
    assert oldest == list(
        Letter.objects.public()
        .order_by(F("distribution_date").asc(nulls_last=True), "id")
        .values_list("pk", flat=True)
    )
    by_symbol = [h.letter.symbol for h in list_letters(sort="symbol").hits]
    known = [s for s in by_symbol if s]
    assert by_symbol == sorted(known, key=str.upper) + [""] * (len(by_symbol) - len(known))


def test_invalid_filter_raises(db):
    with pytest.raises(InvalidSearch):
        list_letters({"agenda": ["99-999"]})


def test_agenda_items_and_topics_are_listed_from_their_links(db, french_letter):
    item = AgendaItem.objects.get(ga_session=75, number=40, sub_item="")
    page = list_letters_under_items([item.pk])
    assert listed(page) == [french_letter.pk]
    assert page.total == 1 and page.total_is_exact
    both = AgendaItem.objects.filter(ga_session=80, number=26).values_list("pk", flat=True)
    expected = newest_first(
        Letter.objects.public().filter(agenda_links__agenda_item__in=[item.pk, *both]).distinct()
    )
    page = list_letters_under_items([item.pk, *both])
    assert listed(page) == expected
    assert page.total == len(expected)
    if item.topic is not None:
        topic_page = list_letters({"topic": item.topic.slug})
        assert french_letter.pk in listed(topic_page)


def test_a_letter_under_several_listed_items_is_listed_once(db, french_letter):
    items = list(french_letter.agenda_links.values_list("agenda_item_id", flat=True))
    assert len(items) == 8
    page = list_letters_under_items(items)
    assert listed(page).count(french_letter.pk) == 1
    assert page.total == len({h.letter.pk for h in page.hits})


def test_synthetic_letters_are_never_listed_unless_the_benchmark_asks(
    db, client, settings, synthetic_letter, french_letter
):
    item_page = client.get("/agenda/75/40/").content.decode()
    assert "A/75/99999" not in item_page and french_letter.get_absolute_url() in item_page
    assert "A/75/99999" not in client.get("/").content.decode()
    assert client.get("/A/75/99999/").status_code == 404
    letter_page = client.get(french_letter.get_absolute_url()).content.decode()
    assert "A/75/99999" not in letter_page  # not among the related letters either

    settings.ARCHIVE_SHOW_SYNTHETIC = True
    item_page = client.get("/agenda/75/40/").content.decode()
    assert item_page.index("A/75/99999") < item_page.index(french_letter.get_absolute_url())
    assert "A/75/99999" in client.get("/").content.decode()
    assert "A/75/99999" in client.get(french_letter.get_absolute_url()).content.decode()


def test_link_table_keeps_the_letters_date(db, french_letter):
    links = LetterAgendaItem.objects.filter(letter=french_letter)
    assert set(links.values_list("distribution_date", flat=True)) == {
        french_letter.distribution_date
    }
    Letter.objects.filter(pk=french_letter.pk).update(distribution_date=dt.date(2021, 3, 1))
    assert set(links.values_list("distribution_date", flat=True)) == {dt.date(2021, 3, 1)}
    link = links.first()
    link.position = 9
    link.save()  # Python writes None; the trigger keeps the letter's date
    link.refresh_from_db()
    assert link.distribution_date == dt.date(2021, 3, 1)


def test_browse_page_query_counts(db, client, django_assert_max_num_queries, french_letter):
    # topic, count, page ids, letters, symbols, the topic's items
    item = AgendaItem.objects.filter(topic__isnull=False).first()
    with django_assert_max_num_queries(7):
        assert client.get(item.topic.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(french_letter.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("check_every_entry_up_to", [0, 10_000])
def test_a_hidden_letter_among_the_newest_does_not_shift_or_shorten_pages(
    db, synthetic_letter, french_letter, monkeypatch, check_every_entry_up_to
):
    # Both walks: visibility checked after the walk (with its fallback), and on every entry.
    monkeypatch.setattr(listing, "CHECK_EVERY_ENTRY_UP_TO", check_every_entry_up_to)
    item = AgendaItem.objects.get(ga_session=75, number=40, sub_item="")
    items = [item.pk, *AgendaItem.objects.filter(ga_session=80).values_list("pk", flat=True)]
    expected = newest_first(
        Letter.objects.public().filter(agenda_links__agenda_item__in=items).distinct()
    )
    assert len(expected) >= 3
    pages = [list_letters_under_items(items, page=n, per_page=1) for n in range(1, 4)]
    assert [p.hits[0].letter.pk for p in pages] == expected[:3]
    assert all(p.has_next for p in pages[:2])


@pytest.mark.parametrize("sort", ["newest", "oldest", "symbol"])
def test_every_sort_lists_a_filter_that_matches_through_several_rows(db, client, sort):
    # Several document types or languages: the filtered queryset is DISTINCT, which adds its
    # ordering's columns to what it selects (a 500 found by the API's schema test).
    filters = {"type": ["letter", "note_verbale"], "language": ["en", "fr"]}
    page = listed(list_letters(filters, sort=sort))
    assert page and len(page) == list_letters(filters, sort=sort).total
    # In the order of the whole list.
    assert page == [pk for pk in listed(list_letters({}, sort=sort)) if pk in page]
    assert client.get("/", {**filters, "sort": sort}).status_code == 200


def test_a_list_by_symbol_reads_numbers_as_numbers_as_the_search_does(db):
    """A/79/99 before A/79/100 (a sort of the strings puts it after), letters without a
    symbol last; the search by symbol orders the same letters alike."""
    for symbol in ["A/79/100", "A/79/99"]:
        letter = Letter.objects.create(bodies="GA", distribution_date=dt.date(2024, 5, 1))
        LetterSymbol.objects.create(letter=letter, symbol=symbol, position=0)
    page = list_letters(sort="symbol", per_page=100)
    symbols = [h.letter.symbol for h in page.hits]
    assert symbols.index("A/79/99") < symbols.index("A/79/100")
    known = [s for s in symbols if s]
    assert symbols == known + [""] * (len(symbols) - len(known)) and "" in symbols
    assert page.total == Letter.objects.public().count() and page.total_is_exact
    searched = search_letters("", sort="symbol", per_page=100, facets=False)
    assert [h.letter.pk for h in searched.hits] == listed(page)
