"""Search as a researcher uses it: ranked order, snippets, languages, names, symbols."""

import re
from datetime import date

import pytest
from django.test import Client, override_settings

from archive.models import Annex, Letter, LetterSymbol, LetterText
from archive.search import search_letters

# Clearly synthetic letters, made here for ranking cases the real letters do not cover; the
# made-up word "zorblaxite" appears nowhere else.
WORD = "zorblaxite"


def make_letter(symbol, *, title="", body="", annex="", language="en", day=1):
    letter = Letter.objects.create(
        bodies="GA", ga_session=79, distribution_date=date(2024, 5, day), is_synthetic=True
    )
    LetterSymbol.objects.create(letter=letter, symbol=symbol, position=0)
    text = LetterText.objects.create(
        letter=letter,
        language=language,
        title=title,
        body=body,
        full_text=f"{title}\n{body}\n{annex}",
        symbols_text=symbol,
        annexes_text=annex,
        source_sha256="0" * 64,
        parser_version="test",
    )
    if annex:
        Annex.objects.create(
            letter_text=text, order=1, title="Statement of the ministry", text=annex
        )
    return letter


@pytest.fixture
def ranked_letters(db):
    filler = "The Permanent Mission presents its compliments and has the honour to refer. " * 5
    # Newest first on purpose: date order is the reverse of relevance order.
    annex_hit = make_letter(
        "A/79/903",
        title="Letter on fisheries",
        body=filler,
        annex=f"{filler} The {WORD} deposits were seized.",
        day=20,
    )
    body_hit = make_letter(
        "A/79/902", title="Letter on fisheries", body=f"{filler} The {WORD} deposits.", day=10
    )
    title_hit = make_letter("A/79/901", title=f"Letter on {WORD} exports", body=filler, day=1)
    return title_hit, body_hit, annex_hit


def test_title_hit_ranks_above_body_hit_above_annex_hit(ranked_letters):
    title_hit, body_hit, annex_hit = ranked_letters
    with override_settings(ARCHIVE_SHOW_SYNTHETIC=True):
        page = search_letters(WORD)
    assert [h.letter for h in page.hits] == [title_hit, body_hit, annex_hit]
    assert page.total == 3 and page.total_is_exact


def test_date_sorts_reverse_the_order(ranked_letters):
    title_hit, body_hit, annex_hit = ranked_letters
    with override_settings(ARCHIVE_SHOW_SYNTHETIC=True):
        newest = search_letters(WORD, sort="newest")
        oldest = search_letters(WORD, sort="oldest")
        by_symbol = search_letters(WORD, sort="symbol")
    assert [h.letter for h in newest.hits] == [annex_hit, body_hit, title_hit]
    assert [h.letter for h in oldest.hits] == [title_hit, body_hit, annex_hit]
    assert [str(h.letter) for h in by_symbol.hits] == ["A/79/901", "A/79/902", "A/79/903"]


def test_snippet_highlights_the_term_and_names_the_annex(ranked_letters):
    _title, body_hit, annex_hit = ranked_letters
    with override_settings(ARCHIVE_SHOW_SYNTHETIC=True):
        hits = {h.letter: h for h in search_letters(WORD).hits}
    assert f"<mark>{WORD}</mark>" in hits[body_hit].snippet
    assert hits[body_hit].annex is None
    assert f"<mark>{WORD}</mark>" in hits[annex_hit].snippet
    assert hits[annex_hit].annex.order == 1
    assert hits[annex_hit].url.endswith("#annex-1")
    with override_settings(ARCHIVE_SHOW_SYNTHETIC=True):
        html = Client().get("/search/", {"q": WORD}).content.decode()
    assert "Found in annex 1: Statement of the ministry" in html


def test_snippet_escapes_the_letter_text(db):
    with override_settings(ARCHIVE_SHOW_SYNTHETIC=True):
        make_letter("A/79/904", title="Letter", body=f"<script>alert(1)</script> {WORD} here & <b>")
        html = Client().get("/search/", {"q": WORD}).content.decode()
    assert "<script>alert(1)" not in html
    snippet = re.search(r'<p class="snippet"[^>]*>(.*?)</p>', html, re.S).group(1)
    assert f"<mark>{WORD}</mark>" in snippet and "<b>" not in snippet and "<script" not in snippet


def test_synthetic_letters_stay_out_of_the_real_archive(ranked_letters):
    assert search_letters(WORD).total == 0


@pytest.mark.parametrize(
    "query", ["mines", "MINES", "mine", "azerbaidjan", "Azerbaïdjan", "engins explosifs"]
)
def test_french_letter_found_accent_and_case_insensitively(db, french_letter, query):
    page = search_letters(query)
    assert french_letter in [h.letter for h in page.hits]


def test_english_stemming_finds_other_forms(db):
    page = search_letters("settlement")  # the letter says "settlements"
    assert "A/53/568–S/1998/1025" in [str(h.letter) for h in page.hits]


def test_websearch_syntax(db, french_letter):
    assert search_letters('"champs de mines"').total == 1
    assert search_letters('"mines de champs"').total == 0
    both = search_letters("mines OR settlements")
    assert french_letter in [h.letter for h in both.hits] and both.total >= 2
    assert search_letters("settlements -Israeli").total < search_letters("settlements").total


def test_fuzzy_name_finds_a_transliteration_variant(db, french_letter):
    page = search_letters("Bairamov")  # the letter is signed by Jeyhun Bayramov
    assert [h.letter for h in page.hits] == [french_letter]
    sender = search_letters("Yashar Aliev")  # the sender is Yashar Aliyev
    assert french_letter in [h.letter for h in sender.hits]


@pytest.mark.parametrize(
    "typed",
    [
        "A/80/434",
        "a/80/434",
        "A 80 434",
        "S/2025/632",
        "A/80/434–S/2025/632",
        "A/80/434-S/2025/632",
        " a/80/434 ",
    ],
)
def test_symbol_forms_go_straight_to_the_letter(client, db, typed):
    response = Client().get("/search/", {"q": typed})
    assert response.status_code == 302
    assert response["Location"] == "/A/80/434/"


def test_unknown_symbol_is_searched_as_text(db):
    response = Client().get("/search/", {"q": "A/99/999"})
    assert response.status_code == 200


def test_search_page_shows_hits_with_highlight(db, french_letter):
    response = Client().get("/search/", {"q": "mines"})
    html = response.content.decode()
    assert response.status_code == 200
    assert french_letter.get_absolute_url() in html
    assert "<mark>mines</mark>" in html
    assert re.search(r"1 letter found", html)


def test_search_page_query_count_is_constant(db, django_assert_max_num_queries):
    client = Client()
    for query in ["mines", "security", "the", '"security council"', "Bairamov"]:
        # (+1 since the topic filter is a list of the archive's topics)
        with django_assert_max_num_queries(13):
            assert (
                client.get("/search/", {"q": query, "agenda": "75-40", "state": "AZE"}).status_code
                == 200
            )
        with django_assert_max_num_queries(11):
            assert client.get("/search/", {"q": query}).status_code == 200


@pytest.fixture
def phrase_letters(db):
    """One letter with the phrase, one with both words apart (clearly synthetic)."""
    filler = "The Permanent Mission presents its compliments. " * 3
    together = make_letter("A/79/911", title="Letter", body=f"{filler} The {WORD} deposits grew.")
    apart = make_letter(
        "A/79/912", title="Letter", body=f"The deposits were counted. {filler} The {WORD} left."
    )
    return together, apart


def test_phrase_total_is_exact_when_few_letters_hold_its_words(phrase_letters):
    together, _apart = phrase_letters
    with override_settings(ARCHIVE_SHOW_SYNTHETIC=True):
        page = search_letters(f'"{WORD} deposits"')
    assert [h.letter for h in page.hits] == [together]
    assert page.total == 1 and page.total_is_exact


def test_negated_phrase_leaves_out_only_the_phrase(phrase_letters):
    _together, apart = phrase_letters
    with override_settings(ARCHIVE_SHOW_SYNTHETIC=True):
        page = search_letters(f'{WORD} -"{WORD} deposits"')
    assert [h.letter for h in page.hits] == [apart] and page.total == 1


def test_a_lowercase_name_still_finds_its_transliteration_variant(db, french_letter):
    assert french_letter in [h.letter for h in search_letters("bairamov").hits]


def test_snippet_marks_each_word_of_an_and_query(db):
    # The second word lies beyond the excerpt headlines are made from (6 000 characters):
    # a headline needing every word of the query would mark nothing.
    far = " ".join(["The delegation noted the report."] * 200)  # ~6 600 characters
    with override_settings(ARCHIVE_SHOW_SYNTHETIC=True):
        make_letter(
            "A/79/913",
            title="Letter",
            body=f"{far[:1000]} The {WORD} case. {far} The quuxite case.",
        )
        (hit,) = search_letters(f"{WORD} quuxite").hits
    # The engine shows the fragment its scores prefer (which word is rarer in the whole
    # index depends on the letters other tests left there): either word, marked.
    assert f"<mark>{WORD}</mark>" in hit.snippet or "<mark>quuxite</mark>" in hit.snippet


def test_an_excluded_word_excludes_in_every_language(french_letter):
    """`-Arménie` must leave out the French letter even though the Spanish reading of the
    query (which stems the word differently) would otherwise let it through."""
    assert french_letter.pk in [h.letter.pk for h in search_letters("mines").hits]
    for query in ["mines -Arménie", "mines -azerbaidjan", 'mines -"champs de mines"']:
        assert french_letter.pk not in [h.letter.pk for h in search_letters(query).hits], query


# Snippets of long texts are cut from a window around the query's words (archive.search.engine
# _Snippets): what a reader sees must be what the whole text gives.
FAR_FILLER = " ".join(["The delegation noted the report of the committee."] * 60)  # ~3 000


def test_snippet_of_a_long_letter_shows_the_stretch_holding_most_query_words(db):
    with override_settings(ARCHIVE_SHOW_SYNTHETIC=True):
        make_letter(
            "A/79/921",
            title="Letter",
            body=f"{FAR_FILLER} The {WORD} case. {FAR_FILLER} The {WORD} and quuxite "
            f"shipments were seized together. {FAR_FILLER} The quuxite case.",
        )
        (hit,) = search_letters(f"{WORD} quuxite").hits
    assert f"<mark>{WORD}</mark> and <mark>quuxite</mark> shipments" in hit.snippet


def test_snippet_marks_words_whose_stem_is_not_their_start(db):
    # English stems "territory" as "territori" and "hoping" as "hope": neither is a prefix of
    # the word in the text, which must still be found and marked.
    with override_settings(ARCHIVE_SHOW_SYNTHETIC=True):
        make_letter(
            "A/79/922",
            title="Letter",
            body=f"{FAR_FILLER} {WORD} crossed into the territory, hoping to stay. {FAR_FILLER}",
        )
        (hit,) = search_letters(f"{WORD} territory hoping").hits
    assert "<mark>territory</mark>" in hit.snippet and "<mark>hoping</mark>" in hit.snippet


def test_snippet_finds_french_words_with_accents_and_ligatures(db):
    body = (
        f"{FAR_FILLER} Les manœuvres militaires près de la frontière ont été observées "
        f"({WORD}). {FAR_FILLER}"
    )
    with override_settings(ARCHIVE_SHOW_SYNTHETIC=True):
        make_letter("A/79/923", title="Lettre", body=body, language="fr")
        (by_ligature,) = search_letters(f"manoeuvres frontiere {WORD}").hits
        (by_accent,) = search_letters(f"frontière {WORD}").hits
    assert "<mark>manœuvres</mark>" in by_ligature.snippet
    assert "<mark>frontière</mark>" in by_ligature.snippet
    assert "<mark>frontière</mark>" in by_accent.snippet


def test_a_long_letter_found_by_its_annex_shows_the_annex_snippet(db):
    with override_settings(ARCHIVE_SHOW_SYNTHETIC=True):
        make_letter(
            "A/79/924",
            title="Letter",
            body=FAR_FILLER * 2,
            annex=f"{FAR_FILLER} The {WORD} deposits were seized. {FAR_FILLER}",
        )
        (hit,) = search_letters(WORD).hits
    assert f"<mark>{WORD}</mark> deposits were seized" in hit.snippet
    assert hit.annex is not None and hit.annex.order == 1
