"""Web-search syntax -> a Tantivy query, and the search page's filters -> Tantivy clauses.

Syntax, as readers know it from web search engines:

    mines explosion        both words (in any field, any language version)
    "champs de mines"      the words side by side, in this order (positions are indexed)
    mines OR landmines     either
    mines -Armenia         leave out letters holding the word, in every language's form
    -"security council"    leave out a phrase

Each word is looked up in every language's fields in that language's form (its analyzer:
`mines` is `mine` in English, `min` in French), in the symbols, and in the names of senders
and signatories, where it may also differ by one letter (`Bairamov` finds Bayramov).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from functools import lru_cache

import tantivy

from archive.search.schema import (
    BOOSTS,
    INDEX_LANGUAGES,
    TEXT_PARTS,
    PairWords,
    analyzer,
    as_datetime,
    pairs_field,
    schema,
    text_field,
)

Occur = tantivy.Occur
Query = tantivy.Query

# A word this long or longer may match a name one edit away (transliterations).
FUZZY_NAME_MIN_LENGTH = 5
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass(frozen=True)
class Term:
    text: str
    phrase: bool = False
    negated: bool = False


def parse(query: str) -> list[list[Term]]:
    """Groups of alternatives, all groups required: `a b OR c -d` -> [[a], [b, c], [-d]]."""
    groups: list[list[Term]] = []
    join_next = False
    for match in _TOKEN.finditer(query):
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if word is not None:
            if word == "OR":
                join_next = bool(groups)
                continue
            negated = word.startswith("-") and len(word) > 1
            term = Term(word[1:] if negated else word, negated=negated)
        else:
            term = Term(phrase, phrase=True, negated=bool(negated))
        if not term.text.strip():
            continue
        if join_next and not term.negated and not any(t.negated for t in groups[-1]):
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
    return groups


def _boosted(query: Query, boost: float) -> Query:
    return query if boost == 1.0 else Query.boost_query(query, boost)


def _tokens_query(field: str, tokens: list[str], boost: float) -> Query:
    if len(tokens) == 1:
        return _boosted(Query.term_query(schema(), field, tokens[0], index_option="freq"), boost)
    return _boosted(Query.phrase_query(schema(), field, tokens), boost)


@lru_cache(maxsize=4096)
def _places(
    term: Term, pair_words: PairWords | None = None
) -> tuple[tuple[str, tuple[str, ...], float], ...]:
    """Where a word or phrase may be, as (field, its tokens there, boost): every language's
    fields in that language's form, the symbols, the names. A phrase of two frequent words
    is one term of the pairs fields (schema.PairWords; the same letters as by positions),
    when `pair_words` (the index's) are given: the snippets highlight words by positions.
    Kept per term: a page asks for it twice (the query, and the estimate of its share)."""
    places: dict[tuple[str, tuple[str, ...]], float] = {}
    for language in INDEX_LANGUAGES:
        tokens = tuple(analyzer(language).analyze(term.text))
        pair = pair_words.pair(language, tokens) if pair_words is not None else None
        for part in TEXT_PARTS:
            if pair is not None:
                places.setdefault((pairs_field(part, language), (pair,)), BOOSTS[part])
            elif tokens:
                places.setdefault((text_field(part, language), tokens), BOOSTS[part])
    plain = tuple(analyzer("plain").analyze(term.text))
    if plain:
        places.setdefault(("symbols", plain), BOOSTS["symbols"])
        places.setdefault(("names", plain), BOOSTS["names"])
    return tuple((field, tokens, boost) for (field, tokens), boost in places.items())


def term_query(
    term: Term, searcher: tantivy.Searcher | None = None, pair_words: PairWords | None = None
) -> Query | None:
    """One word or phrase in any of its places (_places); a long word also matches a name
    one letter away. Given the searcher, the names are asked first and left out of the
    query when none is near: a fuzzy clause, even one matching nothing, keeps Tantivy from
    its fast path for a union of words and doubled the time of a common word (`security`
    at a million letters: 17 -> 10 ms to count, 20 -> 13 ms to rank)."""
    alternatives = [
        _tokens_query(field, list(tokens), boost)
        for field, tokens, boost in _places(term, pair_words)
    ]
    plain = analyzer("plain").analyze(term.text)
    one_word = not term.phrase and not term.negated and len(plain) == 1
    if one_word and len(plain[0]) >= FUZZY_NAME_MIN_LENGTH and not plain[0].isdigit():
        names = Query.fuzzy_term_query(schema(), "names", plain[0], distance=1, prefix=False)
        if searcher is None or searcher.search(names, 1, count=True).count:
            alternatives.append(names)
    if not alternatives:
        return None
    return Query.boolean_query([(Occur.Should, q) for q in alternatives])


def estimated_share(
    query: str, searcher: tantivy.Searcher, pair_words: PairWords | None = None
) -> float:
    """Roughly what share of the letters the words match, from the index's term statistics
    alone (no letter is read). A word's share in one language is that of its most frequent
    place there (title, body and annexes overlap), and the languages, the words and a
    phrase's tokens are taken as independent, except a phrase of two frequent words when
    the index's `pair_words` are given: its pair's own count ("united nations" in 70 % of
    the bench's letters, 49 % as two independent words). It only decides how facets are
    counted (archive.search.engine._counts), never what is counted."""
    letters = max(searcher.num_docs, 1)

    def share(term: Term) -> float:
        by_language: dict[str, float] = {}
        for field, tokens, _ in _places(term, pair_words):
            found = 1.0
            for token in tokens:
                found *= min(searcher.doc_freq(field, token) / letters, 1.0)
            language = field.removesuffix("_pairs").rpartition("_")[2]
            by_language[language] = max(by_language.get(language, 0.0), found)
        return 1.0 - math.prod(1.0 - found for found in by_language.values())

    estimate = 1.0
    for group in parse(query):
        missed = math.prod(1.0 - share(term) for term in group)
        estimate *= missed if group[0].negated else 1.0 - missed
    return estimate


def text_query(
    query: str, searcher: tantivy.Searcher | None = None, pair_words: PairWords | None = None
) -> Query | None:
    """The query for the words typed; None when nothing searchable is left (punctuation).
    With the searcher, clauses that cannot match are left out (see term_query); with the
    index's `pair_words`, phrases of two frequent words are looked up as pairs (_places)."""
    clauses: list[tuple[Occur, Query]] = []
    for group in parse(query):
        queries = [(t, term_query(t, searcher, pair_words)) for t in group]
        queries = [(t, q) for t, q in queries if q is not None]
        if not queries:
            continue
        if queries[0][0].negated:
            clauses.append((Occur.MustNot, queries[0][1]))
        elif len(queries) == 1:
            clauses.append((Occur.Must, queries[0][1]))
        else:
            clauses.append(
                (Occur.Must, Query.boolean_query([(Occur.Should, q) for _, q in queries]))
            )
    if not any(occur == Occur.Must for occur, _ in clauses):
        if not clauses:
            return None
        # Only exclusions: every letter but those.
        clauses.append((Occur.Must, Query.all_query()))
    return _single(clauses)


def _single(clauses: list[tuple[Occur, Query]]) -> Query:
    """The clauses as one query; one required clause is that query itself (a boolean query
    around a single clause matches and scores the same, and made a common word 20 % slower)."""
    if len(clauses) == 1 and clauses[0][0] == Occur.Must:
        return clauses[0][1]
    return Query.boolean_query(clauses)


# --- filters --------------------------------------------------------------------------------


def _set(field: str, values) -> Query:
    return Query.term_set_query(schema(), field, list(values))


def _date_range(field: str, start: dt.date | None, stop: dt.date | None) -> Query:
    return Query.range_query(
        schema(),
        field,
        tantivy.FieldType.Date,
        _representable(start, tantivy.MIN_DATETIME),
        _representable(stop, tantivy.MAX_DATETIME),
    )


def _representable(day: dt.date | None, default: dt.datetime) -> dt.datetime:
    """A date as the index's range query takes it: Tantivy's dates span 1677-2262 only (a
    valid date such as 0145-03-26 made a 500); no letter is dated outside, so beyond
    either end is that end."""
    if not day:
        return default
    return min(max(as_datetime(day), tantivy.MIN_DATETIME), tantivy.MAX_DATETIME)


@dataclass
class Filters:
    """The filter form's cleaned values, resolved to what the index holds (ids)."""

    agenda_ids: list[int] | None = None  # None: no agenda filter; []: matches nothing
    topic_agenda_ids: list[int] | None = None  # the agenda items of the topic asked for
    state_ids: list[int] | None = None
    bodies: list[str] | None = None
    session: int | None = None
    sc_year: int | None = None
    languages: list[str] | None = None
    doc_types: list[str] | None = None
    years: list[int] | None = None
    date: tuple[dt.date | None, dt.date | None] | None = None
    letter_date: tuple[dt.date | None, dt.date | None] | None = None
    claims: bool = False
    include_synthetic: bool = False

    def clauses(self) -> list[tuple[Occur, Query]]:
        """Filter clauses: they decide which letters match, never how they rank."""
        filters: list[Query] = []
        exclusions: list[Query] = []
        if self.agenda_ids is not None:
            filters.append(_set("agenda", self.agenda_ids))
        if self.topic_agenda_ids is not None:
            filters.append(_set("agenda", self.topic_agenda_ids))
        if self.state_ids is not None:
            filters.append(_set("state", self.state_ids))
        if self.bodies:
            filters.append(_set("bodies", self.bodies))
        if self.session:
            filters.append(_set("session", [self.session]))
        if self.sc_year:
            filters.append(_set("sc_year", [self.sc_year]))
        if self.languages:
            filters.append(_set("languages", self.languages))
        if self.doc_types:
            filters.append(_set("doc_type", self.doc_types))
        if self.years:
            filters.append(_set("year", self.years))
        if self.date:
            filters.append(_date_range("date", *self.date))
        if self.letter_date:
            filters.append(_date_range("letter_date", *self.letter_date))
        if self.claims:
            filters.append(_set("claims", [1]))
        if not self.include_synthetic:
            exclusions.append(_set("synthetic", [1]))
        return [(Occur.Must, Query.const_score_query(f, 0.0)) for f in filters] + [
            (Occur.MustNot, q) for q in exclusions
        ]


def combined(text: Query | None, filters: Filters) -> Query:
    """The words (scored) and the filters (not scored) in one query."""
    clauses = filters.clauses()
    clauses.append((Occur.Must, Query.all_query() if text is None else text))
    return _single(clauses)


def unmatched(text: Query, filters: Filters) -> Query:
    """The letters the filters keep that the words do not match."""
    return Query.boolean_query(
        [*filters.clauses(), (Occur.Must, Query.all_query()), (Occur.MustNot, text)]
    )
