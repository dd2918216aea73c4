"""What the letter page shows: the chosen language version, its text with the quoted claims
marked where they stand, and the letters around it. A constant number of queries."""

# ruff: noqa: S608 - SQL assembled from constants and SQL Django compiled; values are parameters.
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from django.db import connections
from django.db.models import Prefetch, QuerySet
from django.http import QueryDict

from archive.citations import digital_library_url, official_links, reference, un_citation
from archive.labels import paragraphs
from archive.listing import (
    LetterRow,
    letter_rows,
    newest_under_items_sql,
    symbols_in_order,
    visible_letter_sql,
)
from archive.models import AgendaItem, Annex, IncidentClaim, Letter, LetterSymbol, LetterText
from archive.postgresql.prepared import prepared_statements
from archive.replicas import reading_connection
from archive.search import visible_letters
from archive.search.related import related_letter_ids

CITING_LETTERS_SHOWN = 50
RELATED_LETTERS_SHOWN = 10


@dataclass(frozen=True)
class Segment:
    """A run of a section's text; `claim` is set when the run is a claim's quote."""

    text: str
    claim: IncidentClaim | None = None


def mark_claims(text: str, claims: list[IncidentClaim]) -> list[Segment]:
    """Split `text` so each claim's quote is its own segment. Overlapping quotes: the
    earlier one wins, the later one still lists in the claims table."""
    segments: list[Segment] = []
    position = 0
    for claim in sorted(claims, key=lambda c: c.quote_start):
        if claim.quote_start < position or claim.quote_end > len(text):
            continue
        if claim.quote_start > position:
            segments.append(Segment(text[position : claim.quote_start]))
        segments.append(Segment(text[claim.quote_start : claim.quote_end], claim))
        position = claim.quote_end
    if position < len(text):
        segments.append(Segment(text[position:]))
    return segments


@dataclass(frozen=True)
class ParallelText:
    """Two language versions of a letter, side by side: paragraph by paragraph when they have
    as many paragraphs (translations of UN documents keep the paragraphs), else whole."""

    left: LetterText
    right: LetterText
    rows: list[tuple[str, str]]
    aligned: bool


def parallel_text(letter: Letter, shown: LetterText | None, other: str | None):
    """The version shown beside the version `other` names (?compare=fr), or None."""
    texts = {text.language: text for text in letter.texts.all()}
    if shown is None or not other or other not in texts or other == shown.language:
        return None
    right = texts[other]
    left_parts, right_parts = paragraphs(shown.body), paragraphs(right.body)
    if len(left_parts) == len(right_parts):
        return ParallelText(shown, right, list(zip(left_parts, right_parts, strict=True)), True)
    return ParallelText(shown, right, [(shown.body, right.body)], False)


def choose_text(letter: Letter, language: str | None):
    """The language version asked for, else English, else the original, else any."""
    texts = {text.language: text for text in letter.texts.all()}
    for choice in (language, "en", letter.original_language):
        if choice in texts:
            return texts[choice]
    return next(iter(texts.values()), None)


def for_letter_page(letters: QuerySet) -> QuerySet:
    """`letters` with their sender state, symbols and language versions (two queries). The
    texts come without their search vectors and verbatim file text (large, never shown); the
    rest of the page is read by `letter_page_context`."""
    return letters.select_related("sender_state").prefetch_related(
        symbols_in_order(),
        Prefetch("texts", LetterText.objects.only(*TEXT_FIELDS).order_by("language")),
    )


# What the letter page reads of a language version (for_letter_page, letter_for_page).
TEXT_FIELDS = ("id", "letter_id", "language", "title", "body")
SYMBOL_FIELDS = ("id", "letter_id", "symbol", "lookup", "position")


# A letter's symbols and language versions as rows of one statement (letter_for_page).
LETTER_PARTS_SQL = """
SELECT 'symbol', s.id, s.symbol, s.lookup, s.position, NULL FROM archive_lettersymbol s
WHERE s.letter_id = %(letter)s
UNION ALL
SELECT 'text', t.id, t.language, t.title, NULL, t.body FROM archive_lettertext t
WHERE t.letter_id = %(letter)s
ORDER BY 1, 5, 3, 2
"""


def letter_for_page(letters: QuerySet) -> Letter | None:
    """The first of `letters` (a permalink's one) as `for_letter_page` gives it, in two
    statements: its row and its sender state, then its symbols and language versions
    together, given to it as prefetch_related would have (whose two statements, through
    the ORM, were half of the ~2.7 ms of reading it)."""
    database = letters.db
    # Both look-ups by a unique key: prepared, planned once.
    with prepared_statements(connections[database]):
        letter = next(iter(letters.select_related("sender_state").order_by()[:1]), None)
        if letter is None:
            return None
        with connections[database].cursor() as cursor:
            cursor.execute(LETTER_PARTS_SQL, {"letter": letter.pk})
            parts = cursor.fetchall()
    symbols = [
        LetterSymbol.from_db(database, SYMBOL_FIELDS, (pk, letter.pk, symbol, lookup, position))
        for kind, pk, symbol, lookup, position, _ in parts
        if kind == "symbol"
    ]
    texts = [
        LetterText.from_db(database, TEXT_FIELDS, (pk, letter.pk, language, title, body))
        for kind, pk, language, title, _, body in parts
        if kind == "text"
    ]
    letter._prefetched_objects_cache = {
        "symbols": _prefetched(letter.symbols.all(), symbols),
        "texts": _prefetched(letter.texts.all(), texts),
    }
    return letter


def _prefetched(queryset: QuerySet, objects: list) -> QuerySet:
    """`queryset` holding `objects`, as prefetch_related leaves a related manager's cache."""
    queryset._result_cache = objects
    queryset._prefetch_done = True
    return queryset


@dataclass(frozen=True)
class PersonRow:
    name: str
    role: str
    annex_order: int


@dataclass(frozen=True)
class CitationRow:
    cited_symbol: str
    cited_lookup: str


@dataclass(frozen=True)
class LetterSurroundings:
    """The small lists around a letter, read in one statement (letter_surroundings)."""

    agenda_items: list[AgendaItem]
    signatories: list[PersonRow]
    citations: list[CitationRow]
    # The version shown's annexes, in order; whether it has claims not rejected (read then).
    annexes: list[Annex] = field(default_factory=list)
    has_claims: bool = False
    # The visible letters citing this one, newest first (CITING_LETTERS_SHOWN at most).
    citing_ids: list[int] = field(default_factory=list)


def letter_surroundings(letter_id: int, text_id: int | None = None) -> LetterSurroundings:
    """The letter's agenda items (masthead order), signatories, cited symbols and the letters
    citing it, its version `text_id`'s annexes and whether that version has claims: one
    statement of small index look-ups (the citing letters through the index on the cited
    symbol) instead of up to seven ORM queries."""
    visible_sql, visible_params = visible_letter_sql("l.id")
    database = reading_connection()
    with prepared_statements(database), database.cursor() as cursor:
        cursor.execute(
            "SELECT"
            " (SELECT json_agg(json_build_object('id', a.id, 'letter_text_id', a.letter_text_id,"
            "   'order', a.\"order\", 'heading', a.heading, 'title', a.title,"
            "   'letter_date', a.letter_date, 'author_person', a.author_person,"
            "   'author_role', a.author_role, 'original_language', a.original_language,"
            "   'text', a.text) ORDER BY a.\"order\")"
            "  FROM archive_annex a WHERE a.letter_text_id = %s),"
            " EXISTS (SELECT 1 FROM archive_incidentclaim c WHERE c.letter_text_id = %s"
            "  AND c.review_status <> %s),"
            " (SELECT json_agg(json_build_object('id', a.id, 'ga_session', a.ga_session,"
            "   'number', a.number, 'sub_item', a.sub_item, 'titles', a.titles,"
            "   'topic_id', a.topic_id) ORDER BY la.position, la.id)"
            "  FROM archive_letteragendaitem la JOIN archive_agendaitem a"
            "  ON a.id = la.agenda_item_id WHERE la.letter_id = %s),"
            " (SELECT json_agg(json_build_object('name', s.name, 'role', s.role,"
            "   'annex_order', s.annex_order) ORDER BY s.position, s.id)"
            "  FROM archive_signatory s WHERE s.letter_id = %s),"
            " (SELECT json_agg(json_build_object('cited_symbol', c.cited_symbol,"
            "   'cited_lookup', c.cited_lookup) ORDER BY c.id)"
            "  FROM archive_lettercitation c WHERE c.letter_id = %s),"
            " ARRAY(SELECT citing.id FROM (SELECT DISTINCT l.id, l.distribution_date"
            "  FROM archive_lettercitation c JOIN archive_letter l ON l.id = c.letter_id"
            "  WHERE c.cited_lookup IN (SELECT s.lookup FROM archive_lettersymbol s"
            "   WHERE s.letter_id = %s)"
            f"  AND l.id <> %s AND {visible_sql}) citing"
            "  ORDER BY citing.distribution_date DESC NULLS LAST, citing.id DESC"
            f"  LIMIT {CITING_LETTERS_SHOWN})",
            [
                text_id,
                text_id,
                IncidentClaim.Review.REJECTED,
                *[letter_id] * 5,
                *visible_params,
            ],
        )
        annexes, has_claims, items, people, citations, citing_ids = cursor.fetchone()
    return LetterSurroundings(
        agenda_items=[AgendaItem(**row) for row in _json(items)],
        signatories=[PersonRow(**row) for row in _json(people)],
        citations=[CitationRow(**row) for row in _json(citations)],
        annexes=[_annex(row) for row in _json(annexes)],
        has_claims=has_claims,
        citing_ids=citing_ids,
    )


def _annex(row: dict) -> Annex:
    if row["letter_date"]:
        row["letter_date"] = date.fromisoformat(row["letter_date"])
    return Annex(**row)


def _json(value) -> list:
    if isinstance(value, str):
        return json.loads(value)
    return value or []


def letter_page_context(request, letter: Letter) -> dict:
    """The letter page's context for a letter loaded through `for_letter_page`: at most five
    queries (its surroundings, its claims when it has any, the rows of the related and citing
    letters, the related letters newest first when none is alike, the cited letters when it
    cites any), each served by an index whatever the archive's size."""
    text = choose_text(letter, request.GET.get("lang"))
    surroundings = letter_surroundings(letter.pk, text.pk if text else None)
    annexes = surroundings.annexes
    claims = list(
        IncidentClaim.objects.filter(letter_text=text)
        .exclude(review_status=IncidentClaim.Review.REJECTED)
        # Both named in the interface language and linked to their pages.
        .select_related("claimant", "accused_state")
        if surroundings.has_claims
        else []
    )
    body_claims = [c for c in claims if c.annex_id is None]
    annex_sections = [
        (annex, mark_claims(annex.text, [c for c in claims if c.annex_id == annex.pk]))
        for annex in annexes
    ]
    language = text.language if text else "en"
    items = surroundings.agenda_items
    verbatim = request.GET.get("text") == "verbatim"
    parallel = parallel_text(letter, text, request.GET.get("compare"))
    base = request.build_absolute_uri("/").rstrip("/")
    cited_as = reference(letter, text, base)
    related, citing = related_and_citing_letters(
        letter, [item.pk for item in items], surroundings.citing_ids
    )
    return {
        # The official record and how to cite the letter (archive.citations).
        "official_links": official_links(
            letter.symbol_list, [version.language for version in letter.texts.all()]
        ),
        "digital_library_url": digital_library_url(letter.symbol) if letter.symbol else "",
        "un_citation": un_citation(cited_as),
        "permalink": cited_as.url,
        "letter": letter,
        "text": text,
        # PDF text reflowed into paragraphs, or as printed (?text=verbatim).
        "verbatim": verbatim,
        "parallel": parallel,
        "verbatim_query": _with(request.GET, text="verbatim"),
        "reflowed_query": _with(request.GET, text=None),
        "texts": list(letter.texts.all()),
        "body_segments": mark_claims(text.body, body_claims) if text else [],
        "annex_sections": annex_sections,
        "claims": claims,
        "agenda_items": [(item, item.title(language)) for item in items],
        "signatories": surroundings.signatories,
        "related_letters": related,
        "citations": cited_letters(surroundings.citations),
        "citing_letters": citing,
    }


def _with(params: QueryDict, **changes: str | None) -> str:
    changed = params.copy()
    for name, value in changes.items():
        changed.pop(name, None)
        if value is not None:
            changed[name] = value
    return changed.urlencode()


def related_and_citing_letters(
    letter: Letter, agenda_item_ids: list[int], citing_ids: list[int]
) -> tuple[list[LetterRow], list[LetterRow]]:
    """Other letters under the same agenda items, the most alike first (the search engine's
    "more like this", archive.search.related), and the letters citing this one (replies,
    mostly: who answered whom; letter_surroundings found them), newest first: both lists'
    rows read in one statement. Related letters newest first when the engine finds none
    alike (a statement of their own)."""
    alike = (
        related_letter_ids(letter, agenda_item_ids, RELATED_LETTERS_SHOWN)
        if agenda_item_ids
        else []
    )
    wanted = [*alike, *citing_ids]
    rows = {}
    if wanted:
        rows = {row.pk: row for row in letter_rows("SELECT unnest(%s::bigint[])", [wanted])}
    related = [rows[pk] for pk in alike if pk in rows]
    if agenda_item_ids and not alike:
        ids_sql, params = newest_under_items_sql(
            agenda_item_ids, offset=0, limit=RELATED_LETTERS_SHOWN, excluding=letter.pk
        )
        related = letter_rows(ids_sql, params)
    return related, [rows[pk] for pk in citing_ids if pk in rows]


def cited_letters(citations: list[CitationRow]) -> list[tuple[str, Letter | None]]:
    """Each symbol cited, with the cited letter when the archive holds it (two queries when
    the letter cites any: the letters by symbol, their symbols)."""
    if not citations:
        return []
    found = {}
    cited = (
        visible_letters()
        .filter(symbols__lookup__in=[c.cited_lookup for c in citations])
        .prefetch_related(symbols_in_order())
    )
    for cited_letter in cited.distinct():
        for symbol in cited_letter.symbols.all():
            found[symbol.lookup] = cited_letter
    return [(c.cited_symbol, found.get(c.cited_lookup)) for c in citations]
