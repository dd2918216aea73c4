"""The index's schema and analyzers: one Tantivy document per letter.

Text fields come per language (`title_en`, `body_en`, `annex_en`, `title_fr`, ...), each with
its language's analyzer, so one query word is looked up in every language in its own form:

- en, fr, es, ru, ar: simple tokenizer, lowercase, ASCII folding (accents optional:
  `Azerbaïdjan` = `azerbaidjan`), Snowball stemmer (`mines` = `mine`);
- zh: every Han character is a token (character n-grams of length one, with positions, so
  a Chinese word typed is matched as a phrase of its characters: exact, no dictionary);
  Latin words and numbers inside Chinese text stay whole.

Two-word phrases of frequent words have fields of their own in the stemmed languages
(`body_en_pairs`, ...): every two adjacent words that are both among the language's frequent
words (PairWords: those in a fifth of the letters or more, stop words apart, chosen from a
sample when the index is built) as one term (`security council` -> `secur_council`), document
ids and frequencies only. Such a phrase is then one term to look up, not two long lists of
positions to walk (`"security council"` at 100 000 letters: 1 ms instead of 15 to match). A
phrase with a less frequent word (fast by positions: that word's list is short), with a stop
word or of more words is matched by positions; so are the snippets.

`symbols` (A/80/434 -> `a 80 434`) and `names` (sender and signatories, for fuzzy matching of
transliterations) are language-neutral. Every filter of the search page is a field here too,
so filtered searches are answered inside the engine and their totals and facets are exact:
agenda items, sender state, session, SC year, year, dates, body, type, languages, claims.

Ordering keys are precomputed u64 fast fields that hold the whole order, ties included:
`newest_key` (distribution date descending, undated last, then id descending, as the list
page orders), `oldest_key`, and `symbol_key` (the first symbol, numbers compared as numbers).
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import re
from dataclasses import dataclass
from functools import cache

import tantivy

# Bump when the schema or an analyzer changes: an index of another version is rebuilt.
SCHEMA_VERSION = 2

# Language code -> Snowball stemmer; "zh" has its own analyzer.
STEMMERS = {
    "en": "english",
    "fr": "french",
    "es": "spanish",
    "ru": "russian",
    "ar": "arabic",
}
INDEX_LANGUAGES = [*STEMMERS, "zh"]
# Languages whose texts have fields of adjacent frequent words (Chinese words are phrases of
# characters already; see adjacent_pairs).
PAIR_LANGUAGES = list(STEMMERS)
PAIR_JOINER = "_"  # never inside a token: the simple tokenizer splits on it
# A word is frequent (its pairs indexed) when in this share of a language's texts or more,
# stop words apart (_is_stop_word).
FREQUENT_WORD_SHARE = 0.2
# The stemmed analyzers leave out tokens this long (bytes) or longer, keeping their place:
# the words on either side are not adjacent (remove_long; a phrase does not match across).
LONG_TOKEN_BYTES = 60
FALLBACK_LANGUAGE = "en"

# Per-field BM25 boosts: symbols and title weigh most, then the body, then the annexes (the
# weights PostgreSQL's A, B, C gave them before).
BOOSTS = {"symbols": 4.0, "title": 3.0, "body": 1.0, "annex": 0.5, "names": 2.0}
TEXT_PARTS = ("title", "body", "annex")

# A Han character alone, or a run of other letters and digits.
HAN_OR_WORD = r"\p{Han}|[^\p{Han}\s\p{P}\p{S}]+"
NO_DATE = 0  # in the ordering keys: no distribution date
DAY_ZERO = dt.date(1900, 1, 1)
# Key = day (since 1900, 1 more than that so 0 is free for "undated") in the high bits,
# letter id in the low 40 bits: unique, and ordered by date then id.
ID_BITS = 40


def text_field(part: str, language: str) -> str:
    return f"{part}_{language}"


def pairs_field(part: str, language: str) -> str:
    return f"{part}_{language}_pairs"


def analyzer_name(language: str) -> str:
    return f"archive_{language}"


@cache
def analyzer(language: str) -> tantivy.TextAnalyzer:
    """The analyzer of a language's text fields (also used to analyze query words)."""
    if language == "zh":
        builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(HAN_OR_WORD))
        return (
            builder.filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.ascii_fold()).build()
        )
    if language == "plain":
        builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        return (
            builder.filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.ascii_fold()).build()
        )
    if language == "pairs":  # pairs made already (adjacent_pairs), between spaces
        return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
    if language == "words":  # the simple tokenizer's words as written (adjacent_pairs)
        return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).build()
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    return (
        builder.filter(tantivy.Filter.remove_long(LONG_TOKEN_BYTES))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer(STEMMERS[language]))
        .build()
    )


@cache
def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("letter_id", indexed=True, fast=True)
    builder.add_text_field("symbols", tokenizer_name=analyzer_name("plain"))
    builder.add_text_field("names", tokenizer_name=analyzer_name("plain"))
    for language in INDEX_LANGUAGES:
        for part in TEXT_PARTS:
            builder.add_text_field(
                text_field(part, language), tokenizer_name=analyzer_name(language)
            )
            if language in PAIR_LANGUAGES:
                builder.add_text_field(
                    pairs_field(part, language),
                    tokenizer_name=analyzer_name("pairs"),
                    index_option="freq",
                )
    # Filters and facets.
    builder.add_unsigned_field("synthetic", indexed=True, fast=True)
    builder.add_unsigned_field("agenda", indexed=True, fast=True)
    builder.add_unsigned_field("state", indexed=True, fast=True)
    builder.add_unsigned_field("session", indexed=True, fast=True)
    builder.add_unsigned_field("sc_year", indexed=True, fast=True)
    builder.add_unsigned_field("year", indexed=True, fast=True)
    builder.add_unsigned_field("claims", indexed=True, fast=True)
    builder.add_date_field("date", indexed=True, fast=True)
    builder.add_date_field("letter_date", indexed=True, fast=True)
    builder.add_text_field("bodies", tokenizer_name="raw", fast=True)
    builder.add_text_field("doc_type", tokenizer_name="raw", fast=True)
    builder.add_text_field("languages", tokenizer_name="raw", fast=True)
    # Orders.
    builder.add_unsigned_field("newest_key", fast=True)
    builder.add_unsigned_field("oldest_key", fast=True)
    builder.add_text_field("symbol_key", tokenizer_name="raw", fast=True)
    return builder.build()


def register_analyzers(index: tantivy.Index) -> None:
    """Every Index object needs the analyzers before it indexes or searches."""
    for language in [*INDEX_LANGUAGES, "plain", "pairs"]:
        index.register_tokenizer(analyzer_name(language), analyzer(language))


@dataclass(frozen=True, eq=False)
class PairWords:
    """Each language's frequent words, whose adjacent pairs the index holds. Fixed for an
    index generation (chosen when it is built, kept in its state): a letter indexed later
    gets the pairs of the same words, so a pair matches exactly the letters the phrase does."""

    by_language: dict[str, frozenset[str]]

    @classmethod
    def from_lists(cls, lists: dict[str, list[str]]) -> PairWords:
        return cls({language: frozenset(words) for language, words in lists.items()})

    def as_lists(self) -> dict[str, list[str]]:
        return {language: sorted(words) for language, words in self.by_language.items()}

    def pair(self, language: str, tokens: tuple[str, ...]) -> str | None:
        """The pair term of a two-word phrase in `language`, when the index holds it."""
        frequent = self.by_language.get(language, frozenset())
        if len(tokens) == 2 and tokens[0] in frequent and tokens[1] in frequent:
            return PAIR_JOINER.join(tokens)
        return None


def frequent_words(texts, share: float = FREQUENT_WORD_SHARE) -> PairWords:
    """The words in at least `share` of the texts of their language, from (language, text)
    pairs (a sample of the archive's)."""
    counts: dict[str, collections.Counter] = {}
    texts_of: collections.Counter = collections.Counter()
    for language, text in texts:
        language = index_language(language)
        if language not in PAIR_LANGUAGES:
            continue
        texts_of[language] += 1
        counts.setdefault(language, collections.Counter()).update(
            set(analyzer(language).analyze(text))
        )
    return PairWords(
        {
            language: frozenset(
                word
                for word, found in counts[language].items()
                if found >= share * texts and not _is_stop_word(word, language)
            )
            for language, texts in texts_of.items()
        }
    )


@cache
def _stop_words(language: str) -> tantivy.TextAnalyzer | None:
    """Tantivy's list of the language's stop words (`the`, `of`, ...), as a filter; None
    for a language it has none for (Arabic)."""
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    try:
        return builder.filter(tantivy.Filter.stopword(STEMMERS[language])).build()
    except ValueError:
        return None


def _is_stop_word(form: str, language: str) -> bool:
    """Whether an analyzed word is a stop word: their pairs (`of the`, `the council`) are
    a large part of all pairs and rarely searched for, so they are left out of PairWords
    (such phrases are matched by positions). Decided on the analyzed form, so every word
    with that form is treated alike (exactness depends on it)."""
    stop_words = _stop_words(language)
    return stop_words is not None and not stop_words.analyze(form)


# Per language, what each word as written is among the frequent words (schema.PairWords):
# its analyzed form, or "" when not frequent. Words looked up here cost a fifth of analyzing
# the text (stemming is most of that), and a language has far fewer distinct words than a
# letter has words. One table per set of frequent words (a new index may choose others).
_frequent_forms: dict[tuple[str, frozenset[str]], dict[str, str]] = {}
FREQUENT_FORMS_KEPT = 500_000


def adjacent_pairs(text: str, language: str, pair_words: PairWords) -> str:
    """The pairs of adjacent frequent words of `text` in `language`'s form, as the pairs
    field takes them (`"The Security Council of"` -> `"the_secur secur_council council_of"`
    when all four are frequent). Adjacent exactly as a phrase query on the text field sees
    them (a word the analyzer leaves out, too long, leaves a gap), so the pair of a phrase
    of two frequent words matches the same letters as the phrase (tested)."""
    frequent = pair_words.by_language.get(language)
    if not frequent:
        return ""
    forms = _frequent_forms.get((language, frequent))
    if forms is None or len(forms) > FREQUENT_FORMS_KEPT:
        if len(_frequent_forms) > 20:
            _frequent_forms.clear()
        forms = _frequent_forms[(language, frequent)] = {}
    words = analyzer("words").analyze(text)
    tokens = list(map(forms.get, words))
    if None in tokens:
        language_analyzer = analyzer(language)
        for position, word in enumerate(words):
            if tokens[position] is None:
                analyzed = language_analyzer.analyze(word)  # [] when left out (too long)
                form = analyzed[0] if analyzed and analyzed[0] in frequent else ""
                tokens[position] = forms[word] = form
    return " ".join(
        [
            f"{first}{PAIR_JOINER}{second}"
            for first, second in itertools.pairwise(tokens)
            if first and second
        ]
    )


def index_language(language: str) -> str:
    return language if language in INDEX_LANGUAGES else FALLBACK_LANGUAGE


def as_datetime(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def newest_key(day: dt.date | None, letter_id: int) -> int:
    """Descending order of this key = newest first, undated last, then higher id first."""
    days = (day - DAY_ZERO).days + 1 if day else NO_DATE
    return (days << ID_BITS) | letter_id


def oldest_key(day: dt.date | None, letter_id: int) -> int:
    """Ascending order of this key = oldest first, undated last, then lower id first."""
    days = (day - DAY_ZERO).days + 1 if day else (1 << 23) - 1
    return (days << ID_BITS) | letter_id


def symbol_key(symbols: list[str], letter_id: int) -> str:
    """The first symbol, upper case, numbers zero-padded so A/80/99 comes before A/80/434;
    letters without a symbol last."""
    if not symbols:
        return f"~{letter_id:012d}"
    padded = re.sub(r"\d+", lambda m: m.group().zfill(8), symbols[0].upper())
    return f"{padded} {letter_id:012d}"


def make_document(row: dict, pair_words: PairWords | None = None) -> tantivy.Document:
    """A letter's document from the row archive.search.documents reads from PostgreSQL,
    with the pairs of `pair_words` (none without)."""
    doc = tantivy.Document()
    letter_id = row["id"]
    doc.add_unsigned("letter_id", letter_id)
    doc.add_unsigned("synthetic", int(bool(row["is_synthetic"])))
    symbols = row["symbols"] or []
    for symbol in symbols:
        doc.add_text("symbols", symbol)
    for name in row["names"] or []:
        if name:
            doc.add_text("names", name)
    languages = set()
    for text in row["texts"] or []:
        language = index_language(text["language"])
        languages.add(text["language"])
        for part in TEXT_PARTS:
            value = text.get(part) or ""
            if value:
                doc.add_text(text_field(part, language), value)
                if pair_words is not None:
                    pairs = adjacent_pairs(value, language, pair_words)
                    if pairs:
                        doc.add_text(pairs_field(part, language), pairs)
    for language in sorted(languages):
        doc.add_text("languages", language)
    for agenda_id in row["agenda"] or []:
        doc.add_unsigned("agenda", agenda_id)
    if row["sender_state_id"]:
        doc.add_unsigned("state", row["sender_state_id"])
    if row["ga_session"]:
        doc.add_unsigned("session", row["ga_session"])
    if row["sc_year"]:
        doc.add_unsigned("sc_year", row["sc_year"])
    day = row["distribution_date"]
    if day:
        doc.add_unsigned("year", day.year)
        doc.add_date("date", as_datetime(day))
    if row["letter_date"]:
        doc.add_date("letter_date", as_datetime(row["letter_date"]))
    doc.add_unsigned("claims", int(bool(row["has_claims"])))
    doc.add_text("bodies", row["bodies"] or "")
    doc.add_text("doc_type", row["doc_type"] or "")
    doc.add_unsigned("newest_key", newest_key(day, letter_id))
    doc.add_unsigned("oldest_key", oldest_key(day, letter_id))
    doc.add_text("symbol_key", symbol_key(symbols, letter_id))
    return doc
