"""The editors' lists in the admin: a symbol typed in the search box finds its letter (through
the symbols' index, whatever the archive's size), and a page of claims or language versions
reads its letters' symbols in one query, not one per row."""

import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.models import IncidentClaim, Letter, LetterText

pytestmark = pytest.mark.django_db

LISTS = ["letter", "lettertext", "incidentclaim"]


@pytest.fixture
def editor(client):
    # No password: hashing one costs ~0.3 s a test, and force_login needs none.
    client.force_login(User.objects.create(username="chief", is_staff=True, is_superuser=True))
    return client


def _listed_letters(html: str) -> list[str]:
    """The ids of the letters a list page links to, in its order."""
    return re.findall(r'href="/admin/archive/letter/(\d+)/change/', html)


def _years_of(letters) -> list[int]:
    """The distinct years of the letters' distribution dates, in order."""
    dated = letters.exclude(distribution_date=None)
    return sorted({day.year for day in dated.values_list("distribution_date", flat=True)})


def _results(client, model: str, query: str) -> tuple[int, str]:
    html = client.get(f"/admin/archive/{model}/", {"q": query}).content.decode()
    found = re.search(r"(\d+) results?", html)
    return (int(found[1]) if found else 0), html


@pytest.mark.parametrize("model", LISTS)
@pytest.mark.parametrize("query", ["A/80/434", "a/80/434", "S/2025/632", "A/80/43", " A/80/434 "])
def test_a_symbol_or_its_beginning_finds_the_letter(editor, model, query):
    count, html = _results(editor, model, query)
    if model == "incidentclaim":
        assert count == 0  # this letter has no claims
        return
    assert count == 1 and "A/80/434" in html


@pytest.mark.parametrize("model", LISTS)
def test_a_symbol_no_letter_has_finds_nothing(editor, model):
    assert _results(editor, model, "A/99/999")[0] == 0


def test_claims_are_found_by_their_letters_symbol_and_by_their_words(editor, french_letter):
    """The French letter's symbols are unknown: its claims are found by their words."""
    count, _ = _results(editor, "incidentclaim", "mines")
    assert count == IncidentClaim.objects.filter(quote__icontains="mines").count() > 0


@pytest.mark.parametrize("model", ["lettertext", "incidentclaim"])
def test_a_list_page_reads_the_symbols_once(editor, french_letter, model):
    with CaptureQueriesContext(connection) as queries:
        assert editor.get(f"/admin/archive/{model}/").status_code == 200
    symbol_reads = [q for q in queries.captured_queries if "archive_lettersymbol" in q["sql"]]
    assert len(symbol_reads) == 1
    rows = LetterText.objects.count() if model == "lettertext" else IncidentClaim.objects.count()
    assert rows > 1


def test_words_find_the_letters_the_site_search_finds(editor, french_letter):
    """Words are searched as readers search them: in the text of every version, names
    despite their spelling, and the count is the site's."""
    from archive.search import search_letters

    for words in ["mines", "Bairamov", "Greentree"]:
        count, html = _results(editor, "letter", words)
        assert count == search_letters(words, {}).total > 0, words
    count, html = _results(editor, "letter", "mines")
    assert f"/admin/archive/letter/{french_letter.pk}/change/" in html
    assert _results(editor, "letter", "zzzqqqxxx")[0] == 0


def test_letters_are_listed_newest_first_and_undated_last(editor):
    undated = Letter.objects.create(bodies="SC")
    html = editor.get("/admin/archive/letter/").content.decode()
    rows = _listed_letters(html)
    dated = list(
        Letter.objects.exclude(distribution_date=None)
        .order_by("-distribution_date", "-id")
        .values_list("pk", flat=True)
    )
    assert [int(pk) for pk in dict.fromkeys(rows)] == [*dated, undated.pk]


def test_the_list_of_versions_names_each_and_reads_no_text(editor):
    with CaptureQueriesContext(connection) as queries:
        html = editor.get("/admin/archive/lettertext/").content.decode()
    for text in LetterText.objects.select_related("letter"):
        assert f"/admin/archive/lettertext/{text.pk}/change/" in html
    listed = [q["sql"] for q in queries.captured_queries if 'FROM "archive_lettertext"' in q["sql"]]
    assert listed and not any('"archive_lettertext"."body"' in sql for sql in listed)


def test_the_session_filter_offers_the_sessions_letters_belong_to(editor):
    html = editor.get("/admin/archive/letter/").content.decode()
    offered = re.findall(r'href="\?ga_session=(\d+)"', html)
    sessions = (
        Letter.objects.exclude(ga_session=None)
        .order_by("ga_session")
        .values_list("ga_session", flat=True)
        .distinct()
    )
    assert [int(n) for n in offered] == list(sessions) and len(offered) > 1
    one = editor.get("/admin/archive/letter/", {"ga_session": offered[0]}).content.decode()
    listed = set(_listed_letters(one))
    expected = Letter.objects.filter(ga_session=int(offered[0])).values_list("pk", flat=True)
    assert listed == {str(pk) for pk in expected}
    assert editor.get("/admin/archive/letter/", {"ga_session": "x"}).status_code == 200


def _offered_years(html: str) -> list[int]:
    """The years the date hierarchy (nav.toplinks) links to."""
    hierarchy = re.search(r'<nav class="toplinks">(.*?)</nav>', html, re.S)
    links = re.findall(r'href="([^"]*)"', hierarchy[1]) if hierarchy else []
    return [int(year) for link in links for year in re.findall(r"date__year=(\d+)", link)]


def test_the_date_hierarchy_offers_the_letters_years_without_reading_every_letter(editor):
    with CaptureQueriesContext(connection) as queries:
        html = editor.get("/admin/archive/letter/").content.decode()
    years = _years_of(Letter.objects.all())
    assert _offered_years(html) == years and len(years) > 1
    assert not [q for q in queries.captured_queries if "DISTINCT" in q["sql"]]
    # A year offered lists its letters, and months to drill into (Django's own, bounded).
    year = years[0]
    one = editor.get("/admin/archive/letter/", {"distribution_date__year": year}).content.decode()
    listed = set(_listed_letters(one))
    expected = Letter.objects.filter(distribution_date__year=year).values_list("pk", flat=True)
    assert listed == {str(pk) for pk in expected} and listed
    assert "distribution_date__month=" in one


def test_a_filtered_list_offers_only_the_years_of_its_letters(editor):
    language = (
        Letter.objects.exclude(distribution_date=None)
        .values_list("original_language", flat=True)
        .first()
    )
    html = editor.get("/admin/archive/letter/", {"original_language": language}).content.decode()
    years = _years_of(Letter.objects.filter(original_language=language))
    assert _offered_years(html) == years and len(years) > 1


@pytest.mark.parametrize("other_filter", [{}, {"original_language": "en"}])
def test_a_list_narrowed_by_words_offers_the_years_of_the_letters_it_lists(editor, other_filter):
    """Words alone: the years come from the search engine, with no DISTINCT over the
    letters; with another filter too, from PostgreSQL. Either way, the listed letters'."""
    every_year = _years_of(Letter.objects.all())
    narrowed = []
    for words in ["mines", "Azerbaijan", "Armenia", "Security Council", "ceasefire"]:
        with CaptureQueriesContext(connection) as queries:
            html = editor.get("/admin/archive/letter/", {"q": words, **other_filter})
        html = html.content.decode()
        years = _years_of(Letter.objects.filter(pk__in=_listed_letters(html)))
        if len(years) < 2:
            continue  # Django's own hierarchy: the one year's months
        assert _offered_years(html) == years, words
        distinct = [q for q in queries.captured_queries if "DISTINCT" in q["sql"]]
        assert bool(distinct) == bool(other_filter), words
        narrowed.append(years != every_year)
    assert True in narrowed, "some words list the letters of some years only"
