"""Exact totals, facets and orders over a corpus bigger than the old 3 000-candidate cap.

4 000 synthetic letters (flagged synthetic, added in the test's transaction and rolled back
with it) are searched; what the engine says is checked against PostgreSQL and against the
letters' own words, analyzed independently of the index. Under the old search the totals
above 3 000 were estimates and the facets counted only the first 3 000 candidates.
"""

import re
import time

import pytest
import tantivy
from django.db import connection, transaction
from django.test import override_settings

from archive import synthetic
from archive.models import Letter
from archive.search import documents, engine, matching_letter_ids, search_letters
from archive.search.engine import FACET_VALUES_EXPANDED, FACET_VALUES_SHOWN
from archive.search.query import Filters, combined, estimated_share, text_query
from archive.search.schema import (
    analyzer,
    frequent_words,
    make_document,
    register_analyzers,
    schema,
)

LETTERS = 4_000


@pytest.fixture(scope="module")
def corpus(django_db_setup, django_db_blocker):
    """The letters, made once for the module in a transaction rolled back at its end (each
    test's own transaction is a savepoint inside it)."""
    with django_db_blocker.unblock(), override_settings(ARCHIVE_SHOW_SYNTHETIC=True):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield synthetic.add_letters(LETTERS, seed=7)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _synthetic_letters_shown(db):
    with override_settings(ARCHIVE_SHOW_SYNTHETIC=True):
        yield


def _letters_holding(stem: str, language: str, ids: list[int]) -> set[int]:
    """Letters with `stem` among the analyzed words of a version in `language` (title, body
    or annexes): the truth, computed without the index."""
    holding = set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.letter_id, t.title || ' ' || t.body || ' ' || coalesce((SELECT"
            " string_agg(a.title || ' ' || a.text, ' ') FROM archive_annex a"
            " WHERE a.letter_text_id = t.id), '') FROM archive_lettertext t"
            " WHERE t.letter_id = ANY(%s) AND t.language = %s",
            [ids, language],
        )
        for letter_id, text in cursor.fetchall():
            if stem in set(analyzer(language).analyze(text)):
                holding.add(letter_id)
    return holding


def test_totals_and_facets_are_exact_beyond_the_old_cap(corpus):
    page = search_letters("synthetic")  # every synthetic body says "[Synthetic benchmark letter]"
    assert page.total == LETTERS > 3_000
    facets = {f.param: f for f in page.facets}
    assert sum(v.count for v in facets["year"].values) == LETTERS
    assert sum(v.count for v in facets["type"].values) == LETTERS
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.iso3, count(*) FROM archive_letter l JOIN archive_memberstate s"
            " ON s.id = l.sender_state_id WHERE l.id = ANY(%s) GROUP BY 1",
            [corpus],
        )
        by_state = dict(cursor.fetchall())
        cursor.execute(
            "SELECT a.ga_session || '-' || a.number || a.sub_item, count(*)"
            " FROM archive_letteragendaitem la JOIN archive_agendaitem a"
            " ON a.id = la.agenda_item_id WHERE la.letter_id = ANY(%s) GROUP BY 1",
            [corpus],
        )
        by_item = dict(cursor.fetchall())
    assert {v.value: v.count for v in facets["state"].values} == dict(
        sorted(by_state.items(), key=lambda kv: -kv[1])[: len(facets["state"].values)]
    ) or all(by_state[v.value] == v.count for v in facets["state"].values)
    assert all(by_item[v.value] == v.count for v in facets["agenda"].values)
    # The most frequent values are shown: nothing left out counts more than the last shown.
    assert max(by_item.values()) == facets["agenda"].values[0].count
    shown = {v.value for v in facets["agenda"].values}
    assert all(n <= facets["agenda"].values[-1].count for k, n in by_item.items() if k not in shown)
    # A facet's count is the total of its filter.
    top = facets["agenda"].values[0]
    assert search_letters("synthetic", {"agenda": top.value}).total == top.count


def test_a_results_page_reads_the_most_frequent_agenda_items_alone_their_counts_exact(
    corpus, client
):
    """The page reads only the agenda items it shows (a common word has thousands): the
    same items with the same counts as when every value is read, ties at the edge settled
    alike; it offers "Show more" without a number, and the whole list on request."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT la.agenda_item_id, count(*) FROM archive_letteragendaitem la"
            " WHERE la.letter_id = ANY(%s) GROUP BY 1",
            [corpus],
        )
        by_id = dict(cursor.fetchall())
    read = set()
    for shown in (1, 2, 3, 5, FACET_VALUES_SHOWN, 25):
        whole = search_letters("synthetic", facet_values=shown)
        limited = search_letters("synthetic", facet_values=shown, value_counts=False)
        agenda = {f.param: f for f in limited.facets}["agenda"]
        assert agenda.values == {f.param: f for f in whole.facets}["agenda"].values, shown
        assert {f.param: f for f in whole.facets}["agenda"].distinct == len(by_id)
        expected = sorted(by_id.items(), key=lambda kv: (-kv[1], kv[0]))[:shown]
        assert sorted(v.count for v in agenda.values) == sorted(n for _, n in expected)
        # Not counted (None) when only the values shown were read; counted when a tie at
        # the edge had them read whole.
        read.add(agenda.distinct)
    assert None in read and read <= {None, len(by_id)}
    # Ties at the edge: where Tantivy's cut may fall inside a tie, the values are read whole.
    counts = sorted(by_id.values(), reverse=True)
    tied = next(i for i in range(1, len(counts)) if counts[i] == counts[i - 1])
    assert engine._cut_inside_a_tie(
        {"buckets": [{"doc_count": n} for n in counts[: tied + 1]], "sum_other_doc_count": 1},
        tied,
    )
    html = client.get("/search/?q=synthetic").content.decode()
    facet = html[html.index('id="facet-agenda"') : html.index('id="facet-state"')]
    assert ">Show more<" in facet and "facet=agenda" in facet
    expanded = client.get("/search/?q=synthetic&facet=agenda").content.decode()
    facet = expanded[expanded.index('id="facet-agenda"') : expanded.index('id="facet-state"')]
    assert facet.count('<li><a href="?q=synthetic') == min(len(by_id), FACET_VALUES_EXPANDED)


def test_a_common_word_counts_every_letter_that_holds_it(corpus):
    every_letter = list(Letter.objects.values_list("pk", flat=True))
    truth = set()
    for language in ("en", "fr", "es"):
        (stem,) = analyzer(language).analyze("security")  # secur, secur, security
        truth |= _letters_holding(stem, language, every_letter)
    page = search_letters("security")
    assert page.total == len(truth) > 1_000
    assert set(matching_letter_ids("security", {})) == truth


def _as_counted(counts: dict) -> dict:
    return {"total": counts["total"]["value"]} | {
        name: sorted((b["key"], b["doc_count"]) for b in engine._buckets(counts, name))
        for name in engine.FACETS
    }


def _wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_word_in_most_letters_is_counted_through_the_others_exactly(corpus, monkeypatch):
    """Facets of a word in most letters are counted over the letters without it and taken
    from the counts over every letter (engine.COMPLEMENT_SHARE): the same counts as counting
    the matches, and a letter changed afterwards is counted as it now is (those counts are
    per index generation)."""
    monkeypatch.setattr(engine, "COMPLEMENT_MIN_SPARED", 0)  # the way taken at any size
    found, generation, _ = engine._searcher()
    assert estimated_share("synthetic", found) > engine.COMPLEMENT_SHARE  # that path is taken
    assert estimated_share("ceasefire", found) < engine.COMPLEMENT_SHARE
    filters = Filters(include_synthetic=True)
    for query in ("synthetic", "ceasefire", "synthetic -security", "-security", "a OR synthetic"):
        words = text_query(query)
        matcher = combined(words, filters)
        for _ in range(2):  # counted directly while the counts over every letter are made
            counted = engine._counts(found, generation, matcher, query, words, filters)
            assert _as_counted(counted) == _as_counted(engine._count_facets(found, matcher))
            _wait_for(lambda: (generation, True) in engine._everything)

    def years() -> dict[str, int]:
        """The year counts, once the counts over every letter are made (see above)."""
        search_letters("synthetic")
        _wait_for(lambda: max(engine._everything, default=(0,))[0] == engine._searcher()[1])
        page = search_letters("synthetic")
        return {v.value: v.count for f in page.facets if f.param == "year" for v in f.values}

    before = years()
    moved = Letter.objects.get(pk=corpus[0])
    day = moved.distribution_date
    elsewhere = day.replace(year=1990 if day.year != 1990 else 1991, day=min(day.day, 28))
    Letter.objects.filter(pk=moved.pk).update(distribution_date=elsewhere)
    after = years()
    assert after[str(day.year)] == before[str(day.year)] - 1
    assert after[str(elsewhere.year)] == before.get(str(elsewhere.year), 0) + 1
    Letter.objects.filter(pk=moved.pk).update(distribution_date=day)  # the index follows back
    assert years() == before


def test_a_letter_without_a_type_is_counted_in_the_total(corpus):
    """The total is the sum of the type counts (engine.NO_TYPE): a letter whose type is
    empty still counts, and no empty type is offered as a filter."""
    letter = Letter.objects.get(pk=corpus[1])
    Letter.objects.filter(pk=letter.pk).update(doc_type="")
    page = search_letters("synthetic")
    types = next(f for f in page.facets if f.param == "type")
    assert page.total == LETTERS
    assert sum(v.count for v in types.values) == LETTERS - 1
    assert all(v.value and v.label for v in types.values)
    Letter.objects.filter(pk=letter.pk).update(doc_type=letter.doc_type)  # the index follows back
    types = next(f for f in search_letters("synthetic").facets if f.param == "type")
    assert sum(v.count for v in types.values) == LETTERS


def test_a_word_no_name_is_near_ranks_as_with_the_names_asked(corpus):
    """The fuzzy look-up of names (`Bairamov` finds Bayramov) is left out of the query when no
    name is one letter away, for speed; the letters found and their order are the same."""
    found = engine.searcher()
    filters = Filters(include_synthetic=True)
    for word in ("security", "ceasefire civilians", "synthetic -peace"):
        asked, left_out = text_query(word), text_query(word, found)
        assert "Fuzzy" in repr(asked) and "Fuzzy" not in repr(left_out)
        assert engine._ranked(found, combined(asked, filters), 0, 100) == engine._ranked(
            found, combined(left_out, filters), 0, 100
        ), word


def test_a_phrase_of_two_frequent_words_matches_by_its_pair_as_by_positions(corpus, tmp_path):
    """A phrase of two frequent words is one term of the pairs fields (schema.PairWords): it
    matches exactly the letters the phrase matches by positions, never across a word the
    analyzer leaves out (too long) nor across two versions in one language."""
    with connection.cursor() as cursor:
        rows = documents.letter_rows(cursor, corpus[:1500])
    pair_words = frequent_words(
        [(t["language"], f"{t['title']}\n{t['body']}") for row in rows for t in row["texts"]]
    )
    gaps = {
        **rows[0],
        "id": 10**9,
        "texts": [
            {"language": "en", "title": "", "body": f"the united {'x' * 70} nations of the united"},
            {"language": "en", "title": "", "body": "nations of", "annex": "we the united"},
        ],
    }
    index = tantivy.Index(schema(), path=str(tmp_path))
    register_analyzers(index)
    writer = index.writer(heap_size=50_000_000, num_threads=1)
    for row in [*rows, gaps]:
        writer.add_document(make_document(row, pair_words))
    writer.commit()
    index.reload()
    found = index.searcher()

    def letters(words) -> set[int]:
        hits = found.search(combined(words, Filters(include_synthetic=True)), 5_000).hits
        return set(found.fast_field_values("letter_id", [address for _, address in hits]))

    phrases = [
        '"united nations"',
        '"security council"',
        '"of the"',
        '"the united"',
        '"nations of"',
        '"Nations Unies"',
        '"territorial integrity"',
        '"ceasefire civilians"',
        'synthetic -"of the"',
        '"united nations" OR "security council"',
    ]
    for phrase in phrases:
        by_pairs = text_query(phrase, found, pair_words)
        assert letters(by_pairs) == letters(text_query(phrase, found)), phrase
    assert "unit_nation" in repr(text_query('"united nations"', found, pair_words))  # a pair
    assert 0 < len(letters(text_query('"united nations"', found, pair_words))) < len(rows)
    assert 10**9 not in letters(text_query('"united nations"', found, pair_words))
    assert 10**9 in letters(text_query('"nations of"', found, pair_words))
    # The pair's own count is what decides how a phrase's facets are counted (engine._counts):
    # closer to the truth than its two words taken as independent.
    share = len(letters(text_query('"united nations"', found, pair_words))) / found.num_docs
    by_pair = estimated_share('"united nations"', found, pair_words)
    assert abs(by_pair - share) < 0.05 < abs(estimated_share('"united nations"', found) - share)


def test_paging_through_every_match_lists_each_letter_once(corpus):
    total = search_letters("synthetic", facets=False).total
    for sort in ("relevance", "symbol"):
        seen = []
        for number in range(1, total // 100 + 2):
            page = search_letters("synthetic", sort=sort, page=number, per_page=100, facets=False)
            seen += [h.letter.pk for h in page.hits]
        assert len(seen) == len(set(seen)) == total, sort
    newest = [h.letter for h in search_letters("", sort="newest", per_page=100).hits]
    dates = [letter.distribution_date for letter in newest]
    assert dates == sorted(dates, reverse=True)


def test_filtered_search_is_exact(corpus):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM archive_letter WHERE id = ANY(%s)"
            " AND distribution_date BETWEEN '2000-01-01' AND '2010-12-31'"
            " AND bodies IN ('SC', 'GA_SC')",
            [corpus],
        )
        expected = cursor.fetchone()[0]
    page = search_letters(
        "synthetic", {"date_after": "2000-01-01", "date_before": "2010-12-31", "body": "SC"}
    )
    assert page.total == expected > 0


def test_a_facet_lists_its_most_frequent_values_and_every_value_on_request(corpus, client):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.iso3, s.short_en, count(*) FROM archive_letter l JOIN archive_memberstate s"
            " ON s.id = l.sender_state_id WHERE l.id = ANY(%s) GROUP BY 1, 2",
            [corpus],
        )
        by_state = {iso3: (name, n) for iso3, name, n in cursor.fetchall()}
    assert len(by_state) > FACET_VALUES_SHOWN
    html = client.get("/search/?q=synthetic").content.decode()
    state_facet = html[html.index('id="facet-state"') : html.index('id="facet-year"')]
    assert state_facet.count('<li><a href="?q=synthetic&amp;state=') == FACET_VALUES_SHOWN
    more = len(by_state) - FACET_VALUES_SHOWN
    assert f"Show {more} more" in state_facet
    # The link lists the facet whole, every count exact.
    expanded = client.get("/search/?q=synthetic&facet=state").content.decode()
    state_facet = expanded[expanded.index('id="facet-state"') : expanded.index('id="facet-year"')]
    listed = re.findall(
        r'state=(\w{3})[^"]*"><span class="facet-label">[^<]*</span> '
        r'<span class="facet-count">(\d+) letters?</span>',
        state_facet,
    )
    assert {iso3: int(n) for iso3, n in listed} == {k: n for k, (_, n) in by_state.items()}
    assert "Show the most frequent only" in state_facet
    assert client.get("/search/?q=synthetic&facet=nothing").status_code == 400


def test_the_json_search_pages_through_every_match_and_its_facets_add_up(corpus, client):
    """What `make bench-serve` is checked for: beyond the old 3 000 cap, paging through
    /api/search/ lists exactly `total` distinct letters, and a facet value's count is the
    total of its filter."""
    first = client.get("/api/search/", {"q": "synthetic", "per_page": 100}).json()
    assert first["total"] == LETTERS and first["per_page"] == 100
    seen = []
    for number in range(1, first["num_pages"] + 1):
        page = client.get("/api/search/", {"q": "synthetic", "per_page": 100, "page": number})
        seen += [hit["id"] for hit in page.json()["results"]]
    assert len(seen) == len(set(seen)) == LETTERS
    for param in ("state", "agenda", "year"):
        value = first["facets"][param][0]
        filtered = client.get("/api/search/", {"q": "synthetic", param: value["value"]}).json()
        assert filtered["total"] == value["count"], param
    whole = client.get("/api/search/", {"q": "synthetic", "facet": "agenda"}).json()
    distinct = whole["facet_values"]["agenda"]
    assert len(whole["facets"]["agenda"]) == min(distinct, FACET_VALUES_EXPANDED) > 100
    assert sum(v["count"] for v in whole["facets"]["year"]) == LETTERS
    assert client.get("/api/search/", {"q": "synthetic", "per_page": 7}).status_code == 400


def test_hits_carry_their_letters_fields_as_stored(corpus):
    hits = search_letters("synthetic", per_page=100, facets=False).hits
    stored = Letter.objects.select_related("sender_state").prefetch_related("symbols")
    stored = stored.in_bulk([hit.letter.pk for hit in hits])
    for hit in hits:
        letter = stored[hit.letter.pk]
        assert hit.letter == letter and hit.letter.symbol_list == letter.symbol_list
        assert hit.letter.get_absolute_url() == letter.get_absolute_url()
        assert hit.letter.distribution_date == letter.distribution_date
        assert hit.letter.doc_type == letter.doc_type
        state = hit.letter.sender_state
        assert (state.iso3, state.short_en, state.name_fr) == (
            letter.sender_state.iso3,
            letter.sender_state.short_en,
            letter.sender_state.name_fr,
        )
