"""The index's schema and analyzers: one Tantivy document per letter.

Text fields come per language (`title_en`, `body_en`, `annex_en`, `title_fr`, ...), each with
its language's analyzer, so one query word is looked up in every language in its own form:

- en, fr, es, ru, ar: simple tokenizer, lowercase, ASCII folding (accents optional:
  `Azerbaïdjan` = `azerbaidjan`), Snowball stemmer (`mines` = `mine`);
- zh: every Han character is a token (character n-grams of length one, with positions, so
  a Chinese word typed is matched as a phrase of its characters: exact, no dictionary);
  Latin words and numbers inside Chinese text stay whole.

`symbols` (A/80/434 -> `a 80 434`) and `names` (sender and signatories, for fuzzy matching of
transliterations) are language-neutral. Every filter of the search page is a field here too,
so filtered searches are answered inside the engine and their totals and facets are exact:
agenda items, sender state, session, SC year, year, dates, body, type, languages, claims.

Ordering keys are precomputed u64 fast fields that hold the whole order, ties included:
`newest_key` (distribution date descending, undated last, then id descending, as the list
page orders), `oldest_key`, and `symbol_key` (the first symbol, numbers compared as numbers).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

import tantivy

# Bump when the schema or an analyzer changes: an index of another version is rebuilt.
SCHEMA_VERSION = 1

# Language code -> Snowball stemmer; "zh" has its own analyzer.
STEMMERS = {
    "en": "english",
    "fr": "french",
    "es": "spanish",
    "ru": "russian",
    "ar": "arabic",
}
INDEX_LANGUAGES = [*STEMMERS, "zh"]
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
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    return (
        builder.filter(tantivy.Filter.remove_long(60))
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
    for language in [*INDEX_LANGUAGES, "plain"]:
        index.register_tokenizer(analyzer_name(language), analyzer(language))


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


def make_document(row: dict) -> tantivy.Document:
    """A letter's document from the row archive.search.documents reads from PostgreSQL."""
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
