"""`search_letters`: one results page from the index, letters and snippets from PostgreSQL.

A page is two index calls and a few small SQL look-ups, whatever the archive's size:

1. the filter form is validated (archive.filters; it checks agenda items and states exist);
2. `searcher.aggregate`, on a second thread: the exact number of matches and exact counts of
   agenda items, states, years, languages and types over every match (terms aggregations
   over fast fields, no cap), in one pass; for words in most letters, over the letters they
   do not match, subtracted from the counts over every letter (_counts);
3. meanwhile `searcher.search`: the top `per_page` letters in the order asked (BM25 with
   block-max pruning, or a precomputed key for dates and symbols), not counting again;
4. the letters of the page and their texts from PostgreSQL (2 statements), the labels of the
   facet values shown (1: ten of each by default, one facet whole on request), and the
   annexes of hits whose words are only in an annex (1);
5. snippets: Tantivy's SnippetGenerator over a window of the texts just read, around the
   query's words (nothing stored twice; see _Snippets).
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

import tantivy
from django.conf import settings
from django.db.models import QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from archive.filters import LetterFilter, agenda_value
from archive.models import (
    LANGUAGES,
    AgendaItem,
    Annex,
    Letter,
    MemberState,
    NamedBySymbols,
    Topic,
    title_in,
)
from archive.postgresql.prepared import prepared_statements
from archive.replicas import reading_connection
from archive.search import indexer
from archive.search.query import (
    Filters,
    combined,
    estimated_share,
    parse,
    text_query,
    unmatched,
)
from archive.search.schema import PairWords, analyzer, index_language, schema, text_field

PER_PAGE = 20
# Values read per facet (the most frequent, and any selected one; counts are over every match
# whatever is shown): ten per facet keeps the page light, rendering 100 agenda items and 100
# states took ~11 ms of it. One facet at a time can be shown whole (`expand_facet`), up to
# FACET_VALUES_EXPANDED values; the page says how many more there are.
FACET_VALUES_SHOWN = 10
FACET_VALUES_EXPANDED = 1000
# Every value of a facet is counted in every segment, so the counts and the top values are
# exact (a terms aggregation with a smaller per-segment size is approximate).
FACET_BUCKETS = 100_000
SNIPPET_CHARS = 300
PLAIN_EXCERPT_WORDS = 40
SORT_FIELDS = {
    "newest": ("newest_key", tantivy.Order.Desc),
    "oldest": ("oldest_key", tantivy.Order.Asc),
    "symbol": ("symbol_key", tantivy.Order.Asc),
}
SORTS = ("relevance", *SORT_FIELDS)
# Threads counting facets beside the requests' own (search_letters); created on first use,
# so never before gunicorn forks its workers.
_counting_threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="facet-counts")


class InvalidSearch(ValueError):
    """The filters given to `search_letters` do not validate; `errors` is the form's."""

    def __init__(self, errors):
        super().__init__(errors.as_text() if hasattr(errors, "as_text") else str(errors))
        self.errors = errors


class SearchUnavailable(RuntimeError):
    """The index is being built; the page says so (status 503) instead of failing."""


# Kept for callers that catch it: the engine has no statement timeout to hit.
SearchTooBroad = SearchUnavailable


@dataclass(frozen=True)
class AnnexRef:
    order: int
    title: str

    @property
    def anchor(self) -> str:
        return f"annex-{self.order}"


@dataclass(frozen=True)
class Hit:
    letter: HitLetter
    text_id: int | None
    language: str
    title: str
    rank: float
    snippet: str = ""  # safe HTML: escaped text with <mark> around the hits
    annex: AnnexRef | None = None

    @property
    def url(self) -> str:
        url = self.letter.get_absolute_url()
        if self.language and self.language != "en" and len(self.letter.versions) > 1:
            url += f"?lang={self.language}"
        return url + (f"#{self.annex.anchor}" if self.annex else "")


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    """A facet's values, most frequent first (years: newest first), and how many distinct
    values it has among the matches (`distinct` > len(values) when not all were read; None
    when there are more than those read and they were not counted: see search_letters'
    `value_counts`)."""

    param: str
    label: str
    values: list[FacetValue]
    distinct: int | None = 0


@dataclass(frozen=True)
class SearchPage:
    """One page of results: `total` and the facet counts cover every match.

    `total_is_exact` and `counted` stay for pages built elsewhere (archive.listing estimates
    very long filtered lists); a search page is always exact."""

    query: str
    sort: str
    page: int
    per_page: int
    hits: list[Hit]
    total: int
    total_is_exact: bool = True
    counted: int = 0
    facets: list[Facet] = field(default_factory=list)

    @property
    def num_pages(self) -> int:
        reachable = self.total if self.total_is_exact else max(self.total, self.counted)
        return max(1, math.ceil(reachable / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages and len(self.hits) == self.per_page

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.hits else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.per_page + len(self.hits)


def visible_letters() -> QuerySet:
    """Letters the site shows: the real ones; synthetic ones too when the benchmark database
    sets ``ARCHIVE_SHOW_SYNTHETIC = True`` (override_settings) to measure the pages."""
    if getattr(settings, "ARCHIVE_SHOW_SYNTHETIC", False):
        return Letter.objects.all()
    return Letter.objects.public()


def build_filterset(filters: Mapping | LetterFilter | None) -> LetterFilter:
    """A validated LetterFilter; raises InvalidSearch when a value is wrong."""
    if isinstance(filters, LetterFilter):
        filterset = filters
    else:
        filterset = LetterFilter(_as_querydict(filters or {}), queryset=visible_letters())
    if not filterset.is_valid():
        raise InvalidSearch(filterset.errors)
    return filterset


# --- the searcher ---------------------------------------------------------------------------


@dataclass
class _Reader:
    directory: str = ""
    state_version: tuple = ()
    index: tantivy.Index | None = None
    # Counts every open and reload: searchers of one generation see the same letters (the
    # reader reloads only here), so what is computed over one can serve the others.
    generation: int = 0
    pair_words: PairWords | None = None  # the index's (schema.PairWords), kept in its state


_reader = _Reader()
# Threaded gunicorn workers: one thread at a time opens or reloads the process's index.
_reader_lock = threading.Lock()


def searcher() -> tantivy.Searcher:
    """This process's view of the current index, reloaded when a writer has committed
    (state.json changes after every commit) or switched generation (after a rebuild)."""
    return _searcher()[0]


def _searcher() -> tuple[tantivy.Searcher, int, PairWords | None]:
    """searcher(), the generation of the reader it comes from and the index's pair words."""
    indexer.start_follower()
    if getattr(settings, "SEARCH_READ_YOUR_WRITES", False):
        # Apply what this process (or anyone) has just written: the tests' mode.
        indexer.update()
    directory = indexer.current_dir()
    # state.json is replaced (a new file) after every commit: its inode tells a new commit
    # apart even when two fall within one tick of the file system's clock, which the
    # modification time alone does not.
    try:
        found = os.stat(directory / indexer.STATE_FILE) if directory else None
    except OSError:
        found = None
    if found is None:
        _index_missing()
        return _searcher()
    version = (found.st_ino, found.st_mtime_ns, found.st_size)
    reason = ""
    with _reader_lock:
        if _reader.index is None or _reader.directory != str(directory):
            try:
                index = indexer.open_index(directory)
            except (ValueError, OSError) as error:
                index = None
                reason = str(error)
            if index is not None:
                index.config_reader("Manual")  # reloaded here only, on a new state.json
                state = indexer.read_state(directory)
                _reader.pair_words = indexer.pair_words(state) if state else PairWords({})
                _reader.index, _reader.directory = index, str(directory)
                _reader.state_version = version
                _reader.generation += 1
        elif version != _reader.state_version:
            _reader.index.reload()
            _reader.state_version = version
            _reader.generation += 1
        if _reader.directory == str(directory) and _reader.index is not None:
            return _reader.index.searcher(), _reader.generation, _reader.pair_words
    _index_missing(reason)
    return _searcher()


def _index_missing(reason: str = "") -> None:
    """Build the index now when the archive is small enough to wait for it (a fresh
    `make run`, the tests); else leave it to `manage.py search_index update` or the
    follower, and tell the reader."""
    from archive.models import Letter

    limit = int(getattr(settings, "SEARCH_BUILD_ON_REQUEST_UP_TO", 20_000))
    if Letter.objects.count() > limit:
        indexer.start_follower()
        raise SearchUnavailable(reason or "The search index is being built.")
    indexer.update()
    _reader.index = None


# --- search ---------------------------------------------------------------------------------


def search_letters(
    query: str = "",
    filters: Mapping | LetterFilter | None = None,
    *,
    sort: str | None = None,
    page: int = 1,
    per_page: int | None = None,
    facets: bool = True,
    facet_values: int = FACET_VALUES_SHOWN,
    expand_facet: str | None = None,
    value_counts: bool = True,
    meanwhile: Callable[[list[Hit]], object] | None = None,
) -> SearchPage:
    """Search the archive: ranked hits with snippets, exact total and facet counts.

    query:    web-search syntax (``mines``, ``"security council"``, ``mines OR landmines``,
              ``mines -Armenia``); empty means "every letter the filters keep".
    filters:  URL parameters as documented in archive.filters (``{"agenda": ["75-40"],
              "state": "AZE", "date_after": "2021-01-01"}``; lists for repeated values), or a
              bound LetterFilter. q, sort and page in it are ignored: pass them as arguments.
    sort:     ``relevance`` (default with a query), ``newest`` (default without), ``oldest``,
              ``symbol``; every order is over the whole match set.
    page:     1-based; per_page hits per page (PER_PAGE, 20, by default).
    facets:   False skips facet counting; facet_values is how many values of each facet are
              read (the most frequent, and every selected one), expand_facet names the one
              facet read whole (up to FACET_VALUES_EXPANDED values). value_counts=False
              lets the agenda facet leave uncounted how many values it has beyond those
              read (Facet.distinct None): the counts read are as exact, and a page is spared
              thousands of values (~3 ms of a common word's page).
    meanwhile: called with the page's hits while the total and facets are still being
              counted (on another thread): the caller's work that needs no count is done
              in that wait instead of after it.

    Raises InvalidSearch (with the form errors) when a filter value is invalid, and
    SearchUnavailable while the index is being built. Synthetic letters are left out unless
    settings.ARCHIVE_SHOW_SYNTHETIC is True.
    """
    filterset = build_filterset(filters)
    query = (query or "").replace("\x00", "").strip()
    sort = sort if sort in SORTS else None
    sort = sort or ("relevance" if query else "newest")
    if sort == "relevance" and not query:
        sort = "newest"
    page = max(1, int(page))
    per_page = per_page or PER_PAGE
    found, generation, pair_words = _searcher()
    words = text_query(query, found, pair_words) if query else None
    if query and words is None:
        sort = "newest" if sort == "relevance" else sort
    engine_filters = resolve_filters(filterset, found)
    matcher = combined(words, engine_filters)
    if query and words is None:
        matcher = tantivy.Query.empty_query()  # only punctuation: nothing to find
    offset = (page - 1) * per_page
    # With facets, one aggregation pass counts the matches too, and the top-k search need not
    # (counting in it would visit every match a second time: phrases cost most). It runs on
    # a second thread while this one ranks the page and reads its letters and snippets:
    # Tantivy releases the GIL, so a page costs the longer of the two, not their sum.
    counting = None
    if facets:
        agenda_values = FACET_BUCKETS
        if not value_counts and expand_facet != "agenda" and engine_filters.agenda_ids is None:
            agenda_values = facet_values
        counting = _counting_threads.submit(
            _counts,
            found,
            generation,
            matcher,
            query,
            words,
            engine_filters,
            agenda_values,
            pair_words,
        )
    count = counting is None
    if sort == "relevance":
        counted, ranked = _ranked(found, matcher, offset, per_page, count=count)
        letter_ids = [letter_id for _, letter_id in ranked]
        ranks = [score for score, _ in ranked]
    else:
        letter_ids, counted = _in_field_order(found, matcher, sort, offset, per_page, count)
        ranks = [0.0] * len(letter_ids)
    # Snippets highlight the words where they are in the text: a phrase by its positions.
    highlighted = text_query(query) if words is not None else None
    hits = _hydrate(found, highlighted, letter_ids, ranks, query)
    if meanwhile is not None:
        meanwhile(hits)
    counts = counting.result() if counting is not None else None
    total = int(counts["total"].get("value") or 0) if counts is not None else counted
    limits = dict.fromkeys(FACETS, facet_values)
    if expand_facet in limits:
        limits[expand_facet] = FACET_VALUES_EXPANDED
    return SearchPage(
        query=query,
        sort=sort,
        page=page,
        per_page=per_page,
        hits=hits,
        total=total,
        total_is_exact=True,
        counted=total,
        facets=_facets(counts, filterset, limits) if counts is not None else [],
    )


def _ranked(
    found, matcher, offset: int, limit: int, count: bool = True
) -> tuple[int | None, list[tuple[float, int]]]:
    """The total (when `count`), and hits `offset` to `offset + limit` by BM25 score
    (Tantivy's top-k with block-max pruning; letters of equal score keep the index's order,
    shown by id within the page)."""
    result = found.search(matcher, limit, count=count, offset=offset)
    ids = found.fast_field_values("letter_id", [address for _, address in result.hits])
    ordered = sorted(
        (
            (float(score), int(letter_id))
            for (score, _), letter_id in zip(result.hits, ids, strict=True)
        ),
        key=lambda hit: (-hit[0], hit[1]),
    )
    return result.count, ordered


def matching_letter_ids(
    query: str, filters: Mapping | LetterFilter | None, *, include_synthetic: bool = False
) -> list[int]:
    """Every letter the search matches, oldest first (the exports' order): the same matcher
    as the page, so an export holds exactly the letters the page counts. The admin's search
    asks for the synthetic letters too (`include_synthetic`), as its lists show them."""
    match = _matching(query, filters, include_synthetic)
    if match is None:
        return []
    found, matcher = match
    total = found.search(matcher, 1, count=True).count  # a limit of 0 panics
    if not total:
        return []
    result = found.search(
        matcher, total, count=False, order_by_field="oldest_key", order=tantivy.Order.Asc
    )
    return [int(v) for v in found.fast_field_values("letter_id", [a for _, a in result.hits])]


def sorted_letter_ids(
    filters: Mapping | LetterFilter | None, *, sort: str, offset: int, limit: int
) -> tuple[list[int], int]:
    """The ids of the letters the filters keep (no words), `offset` to `offset + limit` in
    one of the index's orders (SORT_FIELDS), and how many the filters keep: for a list in an
    order no index of PostgreSQL's gives (archive.listing, by symbol)."""
    found, matcher = _matching("", filters, include_synthetic=False)
    return _in_field_order(found, matcher, sort, offset, limit, count=True)


def _in_field_order(
    found: tantivy.Searcher, matcher, sort: str, offset: int, limit: int, count: bool
) -> tuple[list[int], int | None]:
    """Letter ids of the matches `offset` to `offset + limit` in a SORT_FIELDS order, and
    their number when `count`."""
    field_name, order = SORT_FIELDS[sort]
    result = found.search(
        matcher, limit, count=count, offset=offset, order_by_field=field_name, order=order
    )
    addresses = [address for _, address in result.hits]
    return [int(v) for v in found.fast_field_values("letter_id", addresses)], result.count


def matching_years(query: str, *, include_synthetic: bool = False) -> list[int]:
    """The years of the distribution dates of the letters matching_letter_ids(query) gives,
    in order, from one aggregation (the admin's date hierarchy for a word search: PostgreSQL
    took 0.6 s over the ids of a word in 688 000 of a million letters)."""
    match = _matching(query, None, include_synthetic)
    if match is None:
        return []
    found, matcher = match
    terms = {"terms": {"field": "year", "size": FACET_BUCKETS, "segment_size": FACET_BUCKETS}}
    counted = found.aggregate(matcher, {"year": terms})
    return sorted(int(_key(bucket)) for bucket in _buckets(counted, "year"))


def _matching(
    query: str, filters: Mapping | LetterFilter | None, include_synthetic: bool
) -> tuple[tantivy.Searcher, tantivy.Query] | None:
    """The searcher and the matcher of matching_letter_ids and matching_years; None when the
    query has nothing searchable (punctuation)."""
    filterset = build_filterset(filters)
    query = (query or "").replace("\x00", "").strip()
    found, _, pair_words = _searcher()
    words = text_query(query, found, pair_words) if query else None
    if query and words is None:
        return None
    resolved = resolve_filters(filterset, found)
    resolved.include_synthetic = resolved.include_synthetic or include_synthetic
    return found, combined(words, resolved)


def resolve_filters(filterset: LetterFilter, found: tantivy.Searcher | None = None) -> Filters:
    """The form's values as the index holds them (agenda items, topics, states by id)."""
    cleaned = filterset.form.cleaned_data
    synthetic = bool(getattr(settings, "ARCHIVE_SHOW_SYNTHETIC", False))
    # An archive holds no synthetic letters (the benchmark's live in a database of their
    # own): leaving them out would cost a pass over a clause that matches nothing (a common
    # word at a million letters took twice as long). Deleted ones still count here.
    if not synthetic and found is not None and not found.doc_freq("synthetic", 1):
        synthetic = True
    resolved = Filters(include_synthetic=synthetic)
    if cleaned.get("agenda"):
        resolved.agenda_ids = list(getattr(filterset.form, "agenda_ids", []))
    if cleaned.get("topic"):
        topic_items = list(
            AgendaItem.objects.filter(topic__in=Topic.objects.filter(slug=cleaned["topic"]))
            .values_list("pk", flat=True)
            .order_by()
        )
        resolved.topic_agenda_ids = topic_items
    if cleaned.get("state"):
        resolved.state_ids = list(
            MemberState.objects.filter(iso3__in=cleaned["state"]).values_list("pk", flat=True)
        )
    if cleaned.get("body"):
        resolved.bodies = {"GA": ["GA", "GA_SC"], "SC": ["SC", "GA_SC"], "joint": ["GA_SC"]}[
            cleaned["body"]
        ]
    resolved.session = cleaned.get("session") or None
    resolved.sc_year = cleaned.get("sc_year") or None
    resolved.languages = list(cleaned.get("language") or []) or None
    resolved.doc_types = list(cleaned.get("type") or []) or None
    resolved.years = list(cleaned.get("year") or []) or None
    for name in ("date", "letter_date"):
        value = cleaned.get(name)
        if value is not None and (value.start is not None or value.stop is not None):
            start = value.start.date() if hasattr(value.start, "date") else value.start
            stop = value.stop.date() if hasattr(value.stop, "date") else value.stop
            setattr(resolved, name, (start, stop))
    resolved.claims = cleaned.get("claims") == "yes"
    return resolved


# --- hits and snippets ----------------------------------------------------------------------


@dataclass(frozen=True)
class HitText:
    """A language version of a hit's letter: what its snippet is made from."""

    pk: int
    language: str
    title: str
    body: str


@dataclass(frozen=True, eq=False)
class HitLetter(NamedBySymbols):
    """A letter as a hit shows it (pages and /api/search/): the attributes of Letter the
    results read, with the same meanings (Letter.__str__, get_absolute_url, symbol_list),
    read with its symbols, sender and versions in one statement (its name and address from
    NamedBySymbols, as Letter's)."""

    pk: int
    symbol_list: list[str]
    doc_type: str
    bodies: str
    ga_session: int | None
    sc_year: int | None
    distribution_date: date | None
    letter_date: date | None
    original_language: str
    sender_state_printed: str
    is_synthetic: bool
    sender_state: MemberState | None
    versions: list[HitText]

    @property
    def id(self) -> int:
        return self.pk

    # It stands for the Letter with its pk: equal to it (and to another HitLetter of it), so
    # results compare with querysets and with each other.
    def __eq__(self, other) -> bool:
        if isinstance(other, HitLetter | Letter):
            return self.pk == other.pk
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.pk)


HIT_LETTERS_SQL = """
SELECT l.id,
    ARRAY(SELECT s.symbol FROM archive_lettersymbol s WHERE s.letter_id = l.id
          ORDER BY s.position, s.id),
    l.doc_type, l.bodies, l.ga_session, l.sc_year, l.distribution_date, l.letter_date,
    l.original_language, l.sender_state_printed, l.is_synthetic,
    m.id, m.iso3, m.name_fr, m.short_en
FROM archive_letter l LEFT JOIN archive_memberstate m ON m.id = l.sender_state_id
WHERE l.id = ANY(%s)
"""
# The texts apart, as plain rows: built into JSON with the letters they cost more (escaping
# and parsing ~100 KB of text a page) than a second statement.
HIT_TEXTS_SQL = """
SELECT letter_id, id, language, title, body FROM archive_lettertext WHERE letter_id = ANY(%s)
ORDER BY id
"""
# In the model's field order: Model.from_db gives the values to the fields in that order.
STATE_FIELDS = ["id", "iso3", "name_fr", "short_en"]


def _hit_letters(letter_ids: list[int]) -> dict[int, HitLetter]:
    database = reading_connection()
    with prepared_statements(database), database.cursor() as cursor:  # by ids: planned once
        cursor.execute(HIT_LETTERS_SQL, [letter_ids])
        rows = cursor.fetchall()
        cursor.execute(HIT_TEXTS_SQL, [letter_ids])
        texts = cursor.fetchall()
    versions: dict[int, list[HitText]] = {}
    for letter_id, *text in texts:
        versions.setdefault(letter_id, []).append(HitText(*text))
    letters = {}
    for row in rows:
        state_values = row[11:15]
        state = (
            MemberState.from_db(database.alias, STATE_FIELDS, state_values)
            if state_values[0] is not None
            else None
        )
        letters[row[0]] = HitLetter(
            *row[:11], sender_state=state, versions=versions.get(row[0], [])
        )
    return letters


def _hydrate(
    found: tantivy.Searcher,
    matcher: tantivy.Query | None,
    letter_ids: list[int],
    ranks,
    query: str = "",
) -> list[Hit]:
    """The page's letters (1 query) with a snippet from the language version holding the
    words: its body, else its first annex that does (1 more query, only then)."""
    letters = _hit_letters(letter_ids)
    snippets = _Snippets(found, matcher, query)
    chosen: dict[int, tuple[HitText | None, SafeString | None]] = {}
    without_body_hit: list[HitText] = []
    for letter_id in letter_ids:
        letter = letters.get(letter_id)
        if letter is None:  # deleted since the index last heard of it
            continue
        versions = _preferred_order(letter)
        pick = None
        if matcher is not None:
            for text in versions:
                snippet = snippets.make(text.language, "body", text.body)
                if snippet is not None:
                    pick = (text, snippet)
                    break
        if pick is None:
            pick = (versions[0] if versions else None, None)
            if matcher is not None:
                without_body_hit.extend(versions)
        chosen[letter_id] = pick
    annex_hits = _annex_snippets(snippets, without_body_hit)
    hits = []
    for letter_id, rank in zip(letter_ids, ranks, strict=True):
        if letter_id not in chosen:
            continue
        text, snippet = chosen[letter_id]
        annex = None
        if snippet is None:
            for candidate in _preferred_order(letters[letter_id]):
                if candidate.pk in annex_hits:
                    text = candidate
                    snippet, annex = annex_hits[candidate.pk]
                    break
        hits.append(
            Hit(
                letter=letters[letter_id],
                text_id=text.pk if text else None,
                language=text.language if text else "",
                title=text.title if text else "",
                rank=rank,
                snippet=snippet if snippet is not None else _plain_excerpt(text),
                annex=annex,
            )
        )
    return hits


def _preferred_order(letter: HitLetter) -> list[HitText]:
    """The letter's versions: English first, then the original, then the others."""
    order = {"en": 0, letter.original_language: 1}
    return sorted(letter.versions, key=lambda t: (order.get(t.language, 2), t.language))


def _annex_snippets(snippets, texts: list[HitText]) -> dict[int, tuple[SafeString, AnnexRef]]:
    if not texts:
        return {}
    found: dict[int, tuple[SafeString, AnnexRef]] = {}
    language_of = {t.pk: t.language for t in texts}
    annexes = Annex.objects.filter(letter_text_id__in=list(language_of)).order_by(
        "letter_text_id", "order"
    )
    for annex in annexes.only("id", "letter_text_id", "order", "title", "text"):
        if annex.letter_text_id in found:
            continue
        snippet = snippets.make(language_of[annex.letter_text_id], "annex", annex.text)
        if snippet is not None:
            found[annex.letter_text_id] = (snippet, AnnexRef(annex.order, annex.title))
    return found


class _Snippets:
    """One SnippetGenerator per field used on the page, made on first need.

    Tantivy's generator analyzes the whole text it is given (~40 µs a kilobyte: 1 ms for a
    long letter, 20 a page), so it is first given a window: the 300 characters where the
    most words of the query are (_QueryWords.found, over the text folded one byte a
    character, offsets kept), from a few words before them. The generator then highlights
    exactly as the index analyzes; when the window holds no hit, the whole text is analyzed;
    when no word of the query is found in a text that could be scanned, it has no hit (the
    annexes are tried next)."""

    def __init__(self, found: tantivy.Searcher, matcher: tantivy.Query | None, query: str = ""):
        self.found = found
        self.matcher = matcher
        self.query = query
        self.generators: dict[str, tantivy.SnippetGenerator] = {}
        self.words: dict[str, _QueryWords | None] = {}

    def make(self, language: str, part: str, text: str) -> SafeString | None:
        """The highlighted fragment of `text`, or None when no word of the query is in it."""
        if self.matcher is None or not text:
            return None
        language = index_language(language)
        name = text_field(part, language)
        generator = self.generators.get(name)
        if generator is None:
            generator = tantivy.SnippetGenerator.create(self.found, self.matcher, schema(), name)
            generator.set_max_num_chars(SNIPPET_CHARS)
            self.generators[name] = generator
        if language not in self.words:
            self.words[language] = _query_words(self.query, language)
        words = self.words[language]
        found = words.found(text) if words is not None and len(text) > WINDOW_CHARS else None
        if found is not None:
            if not found:
                return None  # none of the query's words is in this text
            snippet = _snippet(generator, name, _window(text, found))
            if snippet is not None:
                return snippet
        return _snippet(generator, name, text)


def _snippet(generator: tantivy.SnippetGenerator, name: str, text: str) -> SafeString | None:
    document = tantivy.Document()
    document.add_text(name, text)
    snippet = generator.snippet_from_doc(document)
    ranges = snippet.highlighted()
    if not ranges:
        return None
    return _marked(snippet.fragment(), [(r.start, r.end) for r in ranges])


# Windows are worth cutting from texts longer than this; a window is the best 300 characters
# with a few words before them and some more text after.
WINDOW_CHARS = 1200
WINDOW_LEAD = 40
WINDOW_CONTEXT = 150
WINDOW_CANDIDATES = 400
# Windows are cut in the Latin-script languages, from the text as one byte a character
# (cp1252, anything else a "?"), lower case and accents folded by a byte table: offsets in it
# are offsets in the letter's text, and scanning bytes is fast. Letters the analyzers fold
# to two (œ -> oe) are folded to their first: a query word holding such a pair leaves texts
# with those letters to the slow, exact path.
WINDOW_LANGUAGES = {"en", "fr", "es"}
_TWO_LETTER_FOLDS = re.compile("[œŒæÆß]")
_PAIRS = ("oe", "ae", "ss")


def _fold_table() -> bytes:
    table = bytearray(range(256))
    for byte in range(128, 256):
        character = bytes([byte]).decode("cp1252", errors="ignore")
        base = unicodedata.normalize("NFD", character)[:1].lower()
        if base.isascii() and base.isalpha():
            table[byte] = ord(base)
    for character, first in {"œ": "o", "Œ": "o", "æ": "a", "Æ": "a", "ß": "s"}.items():
        table[character.encode("cp1252")[0]] = ord(first)
    table[ord("A") : ord("Z") + 1] = bytes(range(ord("a"), ord("z") + 1))
    return bytes(table)


_FOLD_BYTES = _fold_table()


@dataclass
class _QueryWords:
    """The query's words in a language's form (its analyzer's stems) and where they may
    start in a text: a stem as a word prefix (one literal pattern each: Python's regular
    expressions scan for a literal start ten times faster than for alternatives or `\\b`),
    else without its last letter, which a stemmer may have changed (`territory` ->
    `territori`). Each word found is checked by the analyzer, so only the query's words count
    (`mines` is no start of `minister`)."""

    language: str
    patterns: list[tuple[re.Pattern, re.Pattern | None]]  # the stem, the stem but its last
    stems: set[str]
    seen: dict[bytes, str | None] = field(default_factory=dict)

    @property
    def has_pairs(self) -> bool:
        return any(pair in stem for stem in self.stems for pair in _PAIRS)

    def stem(self, word: bytes) -> str | None:
        if word not in self.seen:
            tokens = analyzer(self.language).analyze(word.decode("ascii"))
            self.seen[word] = tokens[0] if len(tokens) == 1 and tokens[0] in self.stems else None
        return self.seen[word]

    def found(self, text: str) -> list[tuple[int, str]] | None:
        """(offset, stem) of the query's words in `text`, in order (WINDOW_CANDIDATES at most
        per word); None when the text cannot be scanned this way."""
        if self.has_pairs and _TWO_LETTER_FOLDS.search(text):
            return None
        folded = text.encode("cp1252", errors="replace").translate(_FOLD_BYTES)
        found = []
        for whole, shorter in self.patterns:
            words = self._starts(whole, folded)
            if not words and shorter is not None:
                words = self._starts(shorter, folded)
            found.extend(words)
        found.sort()
        return found

    def _starts(self, pattern: re.Pattern, folded: bytes) -> list[tuple[int, str]]:
        found = []
        for match in pattern.finditer(folded):
            start = match.start()
            if start and folded[start - 1 : start].isalnum():
                continue  # inside a word
            stem = self.stem(match.group())
            if stem is not None:
                found.append((start, stem))
                if len(found) == WINDOW_CANDIDATES:
                    break
        return found


def _query_words(query: str, language: str) -> _QueryWords | None:
    if language not in WINDOW_LANGUAGES:
        return None
    stems = set()
    for group in parse(query):
        for term in group:
            if not term.negated:
                stems.update(analyzer(language).analyze(term.text))
    stems.discard("")
    if not stems or not all(stem.isascii() for stem in stems):
        return None
    patterns = [
        (
            re.compile(re.escape(stem.encode()) + rb"\w*"),
            re.compile(re.escape(stem[:-1].encode()) + rb"\w*") if len(stem) > 3 else None,
        )
        for stem in sorted(stems)
    ]
    return _QueryWords(language, patterns, stems)


def _window(text: str, found: list[tuple[int, str]]) -> str:
    """The part of `text` around the SNIPPET_CHARS where most distinct query words are (then
    most words; `found` is _QueryWords.found's, not empty), cut at spaces."""
    best, best_score, last = 0, (0, 0), 0
    for first, (position, _stem) in enumerate(found):
        last = max(last, first)
        while last + 1 < len(found) and found[last + 1][0] < position + SNIPPET_CHARS:
            last += 1
        inside = found[first : last + 1]
        score = (len({stem for _, stem in inside}), len(inside))
        if score > best_score:
            best, best_score = position, score
    # The generator cuts its text into consecutive fragments from the start: the window
    # starts a few words before the best stretch so that the first fragment holds it.
    begin = text.rfind(" ", 0, max(0, best - WINDOW_LEAD)) + 1
    finish = text.find(" ", best + SNIPPET_CHARS + WINDOW_CONTEXT)
    return text[begin : finish if finish != -1 else len(text)]


def _marked(fragment: str, ranges: list[tuple[int, int]]) -> SafeString:
    """Escape the letter's text and put <mark> around the hits (ranges are UTF-8 offsets)."""
    data = fragment.encode()
    parts, position = [], 0
    for start, end in sorted(ranges):
        if start < position:
            continue
        parts.append(str(escape(data[position:start].decode(errors="replace"))))
        parts.append(f"<mark>{escape(data[start:end].decode(errors='replace'))}</mark>")
        position = end
    parts.append(str(escape(data[position:].decode(errors="replace"))))
    text = "".join(parts).strip()
    return mark_safe(f"… {text} …" if text else "")  # noqa: S308 - escaped above


def _plain_excerpt(text: HitText | None) -> SafeString:
    if text is None:
        return mark_safe("")
    words = (text.body or "")[:2000].split()
    excerpt = " ".join(words[:PLAIN_EXCERPT_WORDS])
    return escape(excerpt + (" …" if len(words) > PLAIN_EXCERPT_WORDS else ""))


# --- facets ---------------------------------------------------------------------------------


# Facet name (archive.filters.FACET_NAMES) -> the index's field.
FACETS = {
    "agenda": "agenda",
    "state": "state",
    "year": "year",
    "language": "languages",
    "type": "doc_type",
}


# Every letter has one document type (archive.search.schema.make_document adds one, and a
# letter without is counted under this value): the type counts add up to the total, which so
# costs no column of its own (~8 % of the counting).
NO_TYPE = "-"


def _count_facets(
    found: tantivy.Searcher, matcher: tantivy.Query, agenda_values: int = FACET_BUCKETS
) -> dict:
    """Exact counts of letters per facet value over every match, and of the matches
    (`total`), in one aggregation pass. The agenda facet's values may be limited to its
    `agenda_values` most frequent (and those tied with the last of them): every value is
    still counted in every segment, so the counts read are exact; only the values not read
    are not returned (thousands for a common word: their conversion to Python was ~3 ms
    of its page)."""
    terms = {
        name: {"terms": {"field": field, "size": FACET_BUCKETS, "segment_size": FACET_BUCKETS}}
        for name, field in FACETS.items()
    }
    terms["type"]["terms"]["missing"] = NO_TYPE
    if agenda_values < FACET_BUCKETS:
        # One more than shown: when it ties with the last shown, the values are read whole
        # (ties are settled by key, which Tantivy's cut does not know).
        terms["agenda"]["terms"]["size"] = agenda_values + 1
    counted = found.aggregate(matcher, terms)
    counted["total"] = {"value": sum(b["doc_count"] for b in _buckets(counted, "type"))}
    if agenda_values < FACET_BUCKETS and _cut_inside_a_tie(counted["agenda"], agenda_values):
        whole = found.aggregate(
            matcher, {"agenda": {"terms": terms["agenda"]["terms"] | {"size": FACET_BUCKETS}}}
        )
        counted["agenda"] = whole["agenda"]
    return counted


def _cut_inside_a_tie(counted: dict, wanted: int) -> bool:
    """Whether values were left out that count as many letters as the last of the `wanted`
    most frequent (a tie Tantivy settled its own way)."""
    buckets = counted.get("buckets", [])
    if not counted.get("sum_other_doc_count") or len(buckets) <= wanted:
        return False
    return buckets[-1]["doc_count"] == buckets[wanted - 1]["doc_count"]


# Facets of words in most letters are counted over the letters the words do not match and
# subtracted from the counts over every letter: the same exact counts from fewer letters read
# (a word in 90 % of a million letters: 100 000 read instead of 900 000). It pays when the
# words' estimated share (query.estimated_share) is above COMPLEMENT_SHARE and that spares
# reading COMPLEMENT_MIN_SPARED letters or more: the subtraction costs a few milliseconds of
# Python, reading a letter's facets ~60 ns. The counts over every letter are made once per
# index generation, in the background: until they are, pages count directly (so a commit
# never makes a reader wait for them: ~100 ms at a million letters).
COMPLEMENT_SHARE = 0.65
COMPLEMENT_MIN_SPARED = 150_000
_everything: dict[tuple[int, bool], dict] = {}
_everything_filling: set[tuple[int, bool]] = set()
_everything_lock = threading.Lock()


def _counts(
    found,
    generation: int,
    matcher,
    query: str,
    words,
    filters: Filters,
    agenda_values: int = FACET_BUCKETS,
    pair_words: PairWords | None = None,
) -> dict:
    """_count_facets over the matches, directly or through their complement (whole)."""
    if words is None or filters != Filters(include_synthetic=filters.include_synthetic):
        return _count_facets(found, matcher, agenda_values)
    share = estimated_share(query, found, pair_words)
    spared = found.num_docs * (2 * share - 1)
    if share < COMPLEMENT_SHARE or spared < COMPLEMENT_MIN_SPARED:
        return _count_facets(found, matcher, agenda_values)
    key = (generation, filters.include_synthetic)
    everything = _everything.get(key)
    if everything is None:
        with _everything_lock:
            start = key not in _everything_filling
            _everything_filling.add(key)
        if start:
            _counting_threads.submit(_count_everything, found, key, filters)
        return _count_facets(found, matcher, agenda_values)
    others = _count_facets(found, unmatched(words, filters))
    return _difference(everything, others) or _count_facets(found, matcher, agenda_values)


def _count_everything(found, key: tuple[int, bool], filters: Filters) -> None:
    """The counts over every letter the filters keep, for the searchers of one generation;
    those of older generations are dropped."""
    try:
        everything = _by_value(_count_facets(found, combined(None, filters)))
        with _everything_lock:
            for older in [k for k in _everything if k[0] < key[0]]:
                del _everything[older]
            if not any(k[0] > key[0] for k in _everything):
                _everything[key] = everything
    finally:
        with _everything_lock:
            _everything_filling.discard(key)


def _by_value(counted: dict) -> dict:
    """Tantivy's counts as {facet: {value: count}}, and the total."""
    by_value = {
        name: {b["key"]: b["doc_count"] for b in _buckets(counted, name)} for name in FACETS
    }
    return by_value | {"total": counted["total"]["value"]}


def _difference(everything: dict, others: dict) -> dict | None:
    """Counts over every letter (_by_value) minus counts over the letters not matched, in
    Tantivy's form; None if they do not fit together (they always do over one generation)."""
    total = everything["total"] - others["total"]["value"]
    result = {"total": {"value": total}}
    for name in FACETS:
        counts = everything[name].copy()
        for bucket in _buckets(others, name):
            left = counts.get(bucket["key"], 0) - bucket["doc_count"]
            if left < 0:
                return None
            counts[bucket["key"]] = left
        ordered = sorted(counts.items(), key=lambda pair: -pair[1])
        result[name] = {"buckets": [{"key": k, "doc_count": n} for k, n in ordered if n]}
    return result if total >= 0 else None


def _buckets(counted: dict, name: str) -> list[dict]:
    """A facet's buckets ({"key", "doc_count"}), most frequent first as Tantivy returns them
    (numeric keys come back as floats: see _key)."""
    return counted.get(name, {}).get("buckets", [])


def _key(bucket: dict):
    key = bucket["key"]
    return int(key) if isinstance(key, float) else key


def _most_frequent(buckets: list[dict], limit: int, selected: set) -> dict:
    """The counts worth reading, by key: the `limit` most frequent (ties at the edge settled by
    key, so a rare word whose every value counts 1 reads `limit` rows, not all) and the
    selected. Only the buckets tied with the last one kept are read: an agenda facet of a
    common word has thousands of values."""
    if limit == 0:
        edge = math.inf
    elif limit < len(buckets):
        edge = buckets[limit - 1]["doc_count"]
    else:
        edge = 0
    head = [
        (_key(b), b["doc_count"])
        for b in itertools.takewhile(lambda b: b["doc_count"] >= edge, buckets)
    ]
    wanted = dict(sorted(head, key=lambda pair: (-pair[1], pair[0]))[:limit])
    if selected:
        for bucket in buckets:
            key = _key(bucket)
            if key in selected:
                wanted[key] = bucket["doc_count"]
    return wanted


FACET_LABELS_SQL = """
SELECT 'agenda', id, ga_session, number, sub_item, titles::text FROM archive_agendaitem
WHERE id = ANY(%s)
UNION ALL
SELECT 'state', id, NULL, NULL, iso3, short_en FROM archive_memberstate WHERE id = ANY(%s)
"""


def _facet_labels(agenda_ids: list[int], state_ids: list[int]) -> tuple[list, list]:
    """What the facet values shown are called: (id, session, number, sub-item, titles) of
    the agenda items and (id, ISO code, short name) of the states, in one statement."""
    if not agenda_ids and not state_ids:
        return [], []
    database = reading_connection()
    with prepared_statements(database), database.cursor() as cursor:  # by ids: planned once
        cursor.execute(FACET_LABELS_SQL, [agenda_ids, state_ids])
        rows = cursor.fetchall()
    items = [(pk, s, n, x, json.loads(t)) for kind, pk, s, n, x, t in rows if kind == "agenda"]
    states = [(pk, iso3, name) for kind, pk, _s, _n, iso3, name in rows if kind == "state"]
    return items, states


def _facets(counted: dict, filterset, limits: dict[str, int]) -> list[Facet]:
    def shown(values: list[FacetValue], limit: int) -> list[FacetValue]:
        """The first `limit` values, and any selected value after them."""
        return [v for i, v in enumerate(values) if i < limit or v.selected]

    cleaned = filterset.form.cleaned_data
    agenda_buckets = _buckets(counted, "agenda")
    selected_agenda = {agenda_value(*item) for item in cleaned.get("agenda") or []}
    selected_agenda_ids = set(getattr(filterset.form, "agenda_ids", []) or [])
    agenda_counts = _most_frequent(agenda_buckets, limits["agenda"], selected_agenda_ids)
    state_buckets = _buckets(counted, "state")
    selected_states = set(cleaned.get("state") or [])
    states_by_code = getattr(filterset.form, "states", {})  # the form read the selected ones
    selected_state_ids = {
        states_by_code[code].pk for code in selected_states if code in states_by_code
    }
    state_counts = _most_frequent(state_buckets, limits["state"], selected_state_ids)
    items, states = _facet_labels(list(agenda_counts), list(state_counts))

    agenda = []
    for pk, session, number, sub_item, titles in sorted(
        items, key=lambda i: (-agenda_counts[i[0]], -i[1], i[2], i[3])
    ):
        value = agenda_value(session, number, sub_item)
        label = _("Item %(number)s, session %(session)s") % {
            "number": f"{number}{sub_item}",
            "session": session,
        }
        title = title_in(titles)
        if title:
            label = _("%(label)s: %(value)s") % {"label": label, "value": title}
        agenda.append(FacetValue(value, label, agenda_counts[pk], value in selected_agenda))
    state_values = [
        FacetValue(iso3, short_en, state_counts[pk], iso3 in selected_states)
        for pk, iso3, short_en in sorted(states, key=lambda s: (-state_counts[s[0]], s[2]))
    ]

    def simple(param: str, label: str, name, order) -> Facet:
        pairs = [
            (_key(b), b["doc_count"])
            for b in _buckets(counted, param)
            if b["key"] not in (NO_TYPE, "")  # no type, nothing to filter on
        ]
        selected = {str(v) for v in cleaned.get(param) or []}
        values = [
            FacetValue(str(key), str(name(key)), count, str(key) in selected)
            for key, count in sorted(pairs, key=order)
        ]
        return Facet(param, label, values, len(pairs))

    language_names = dict(LANGUAGES)
    type_names = dict(Letter.DocType.choices)
    # Years are all kept (the histogram draws every one); the page lists the newest.
    return [
        Facet(
            "agenda",
            _("Agenda item"),
            shown(agenda, limits["agenda"]),
            None if counted.get("agenda", {}).get("sum_other_doc_count") else len(agenda_buckets),
        ),
        Facet("state", _("Sender state"), shown(state_values, limits["state"]), len(state_buckets)),
        simple("year", _("Year"), lambda k: int(k), lambda kv: -int(kv[0])),
        simple(
            "language",
            _("Language"),
            lambda k: language_names.get(k, k),
            lambda kv: (-kv[1], kv[0]),
        ),
        simple(
            "type",
            _("Document type"),
            lambda k: type_names.get(k, k),
            lambda kv: (-kv[1], kv[0]),
        ),
    ]


def _as_querydict(filters: Mapping):
    from django.http import QueryDict

    if isinstance(filters, QueryDict):
        return filters
    data = QueryDict(mutable=True)
    for key, value in filters.items():
        if isinstance(value, list | tuple | set):
            data.setlist(key, [_as_param(v) for v in value])
        elif value is not None:
            data[key] = _as_param(value)
    return data


def _as_param(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)
