"""Full-text search over the letters: one entry point, `search_letters`, and `list_letters` for
the filtered list without search words.

How it stays fast (measured facts in ../shared/PERFORMANCE.md; at 100 000 letters a results
page answers in ~45 ms for rare terms and ~65-75 ms for common terms, two or three terms and
phrases, of which ~12 ms is the template):

- One tsquery serves every language: the web-search query parsed by each language's
  configuration, OR-ed (`websearch_to_tsquery('archive_en', q) || ... 'archive_fr' ...`), so a
  single GIN scan of `LetterText.search_vector` finds French and English letters alike, with
  accents optional (every configuration runs `unaccent` first).
- Matching, counting, ranking and faceting happen in ONE statement (`_search_statement`) over
  a bounded candidate set: the first `CANDIDATE_LIMIT` matching text rows. The match itself is
  a MATERIALIZED CTE with no join and no LIMIT inside, so it is planned for the whole match
  set, which makes it a GIN bitmap scan (`enable_seqscan` is off too); with a LIMIT in the same
  query level the planner would walk a btree checking `@@` row by row, detoasting every
  6.5 KB vector. The CTE is read lazily, so only the candidates' rows are visited. Filters
  apply to `t.letter_id`; `archive_letter` is joined once per candidate letter, after the
  limit. Up to the limit, total and facets are exact; beyond it the total is the planner's
  estimate, labelled as such, facets count the candidates, and `exact=True` (one click on the
  page) counts everything.
- Ranking reads `LetterText.rank_vector`, a short vector (symbols and title A, the body's
  first 400 characters B, the annexes' first 200 C, ~830 bytes) that stays inline in the row,
  with the text's own language query: `ts_rank` over the candidates reads no TOAST.
- Phrases: GIN cannot check word positions, so a phrase would detoast every candidate's full
  vector. Candidates are matched on the phrase's words AND-ed instead (exact in GIN); when
  there are at most `PHRASE_CHECK_ALL` of them each is checked for the phrase (exact total),
  else only the hits shown, in order, until the page is full, and the total (letters holding
  every word) is labelled an estimate.
- Snippets are `ts_headline` over a window of the 20 shown texts only, around the first place
  a query stem occurs, with the query's words OR-ed: the body first, else the first annex that
  matches, which the hit then names.
- Names are matched by trigram word similarity (`Bairamov` finds Bayramov) on signatories and
  senders, through GIN trigram indexes, in a branch read only after the text matches: for
  words typed like a name, or when the text finds fewer than a page.

Sorting by date or symbol over more than `CANDIDATE_LIMIT` matches walks the whole match set
in the wanted order (the planner may use the date index instead of the GIN index).
"""

# ruff: noqa: S608 - the SQL below is assembled from constants, integers and the SQL Django
# compiles for the filters; every value a reader types travels as a query parameter.
from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Left
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from archive.filters import LetterFilter, active_filters, agenda_param
from archive.models import LANGUAGES, Letter, LetterText
from archive.replicas import reading_connection
from archive.search_vector import FALLBACK_SEARCH_CONFIG, SEARCH_CONFIGS, config_case_sql

# Text rows ranked, counted and faceted per page; beyond, the total is a labelled estimate.
# Each candidate costs a heap visit (~6 us), a letter lookup and its agenda links: at 100 000
# letters 5 000 candidates took ~45 ms of statement, 3 000 ~30 ms (PERFORMANCE.md: 5 000).
CANDIDATE_LIMIT = 3_000
# A phrase query's candidates (letters holding all its words) up to this many are all checked
# for the phrase (exact total); beyond, only the hits shown are (total labelled an estimate).
PHRASE_CHECK_ALL = 300
PER_PAGE = 20
# Values per facet (the most frequent): rendering 300 agenda items and 193 states took
# ~25 ms of the page, 100 of each ~11 ms.
FACET_VALUES_SHOWN = 100
SNIPPET_SOURCE_CHARS = 6_000
# The headline is made from this much text around the first place a query word's stem
# appears (ts_headline parses all it is given: about 1 ms per 6 000 characters).
SNIPPET_WINDOW_CHARS = 900
SNIPPET_WINDOW_BEFORE = 200
PLAIN_EXCERPT_CHARS = 600
NAME_SIMILARITY = 0.45
STATEMENT_TIMEOUT_MS = 10_000
# Start/stop markers ts_headline puts around hits; replaced by <mark> after escaping the text.
_START, _STOP = "\x02", "\x03"
HEADLINE_OPTIONS = (
    f"StartSel={_START}, StopSel={_STOP}, MaxWords=35, MinWords=15, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)
_NAME_QUERY = re.compile(r"^[^\W\d_][\w'’.\- ]{2,80}$")
_SEARCH_OPERATORS = re.compile(r"\"|(^|\s)-|\bOR\b")
# Excluded words or phrases of a web-search query: `-Armenia`, `-"security council"`.
_EXCLUDED = re.compile(r'(?:^|\s)-("[^"]+"|[^\s"]+)')
# `<->` and `<N>` in a tsquery's text form: followed by, at distance N.
_PHRASE_OPERATOR = re.compile(r"<\d*->|<\d+>")

TSQUERY_SQL = " || ".join(
    f"websearch_to_tsquery('{config}', %s)"
    for config in [*SEARCH_CONFIGS.values(), FALLBACK_SEARCH_CONFIG]
)
TSQUERY_PARAMS = len(SEARCH_CONFIGS) + 1
# Ranking a text needs only its own language's query (a third of the work of the OR-ed one
# for ts_rank); takes TSQUERY_PARAMS parameters too.
RANK_TSQUERY_SQL = (
    "(CASE t.language "
    + " ".join(
        f"WHEN '{code}' THEN websearch_to_tsquery('{config}', %s)"
        for code, config in SEARCH_CONFIGS.items()
    )
    + f" ELSE websearch_to_tsquery('{FALLBACK_SEARCH_CONFIG}', %s) END)"
)


class InvalidSearch(ValueError):
    """The filters given to `search_letters` do not validate; `errors` is the form's."""

    def __init__(self, errors):
        super().__init__(errors.as_text() if hasattr(errors, "as_text") else str(errors))
        self.errors = errors


class SearchTooBroad(RuntimeError):
    """The statement ran out of time (STATEMENT_TIMEOUT_MS); the page asks for a narrower query."""


@dataclass(frozen=True)
class AnnexRef:
    order: int
    title: str

    @property
    def anchor(self) -> str:
        return f"annex-{self.order}"


@dataclass(frozen=True)
class Hit:
    letter: Letter
    text_id: int | None
    language: str
    title: str
    rank: float
    snippet: str = ""  # safe HTML: escaped text with <mark> around the hits
    annex: AnnexRef | None = None

    @property
    def url(self) -> str:
        url = self.letter.get_absolute_url()
        if self.language and self.language != "en" and len(self.letter.texts.all()) > 1:
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
    param: str
    label: str
    values: list[FacetValue]


@dataclass(frozen=True)
class SearchPage:
    """One page of results. `total` is exact when `total_is_exact`; else the planner's estimate,
    and `counted` says how many matches were looked at (facets count those)."""

    query: str
    sort: str
    page: int
    per_page: int
    hits: list[Hit]
    total: int
    total_is_exact: bool
    counted: int
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


def search_letters(
    query: str = "",
    filters: Mapping | LetterFilter | None = None,
    *,
    sort: str | None = None,
    page: int = 1,
    per_page: int | None = None,
    exact: bool = False,
    facets: bool = True,
) -> SearchPage:
    """Search the archive: ranked hits with snippets, total and facet counts, in one call.

    query:    web-search syntax (``mines``, ``"security council"``, ``mines OR landmines``,
              ``mines -Armenia``); empty means "every letter the filters keep".
    filters:  URL parameters as documented in archive.filters (``{"agenda": ["75-40"],
              "state": "AZE", "date_after": "2021-01-01"}``; lists for repeated values), or a
              bound LetterFilter. q, sort and page in it are ignored: pass them as arguments.
    sort:     ``relevance`` (default with a query), ``newest`` (default without), ``oldest``,
              ``symbol``.
    page:     1-based; per_page hits per page (PER_PAGE, 20, by default).
    exact:    count and facet every match instead of the first CANDIDATE_LIMIT.
    facets:   False skips facet counting (the filtered list page).

    Raises InvalidSearch (with the form errors) when a filter value is invalid, and
    SearchTooBroad when the statement times out. Synthetic letters are left out unless
    settings.ARCHIVE_SHOW_SYNTHETIC is True. A constant number of queries whatever the size.
    """
    filterset = build_filterset(filters)
    query = (query or "").replace("\x00", "").strip()
    sort = sort or ("relevance" if query else "newest")
    if sort == "relevance" and not query:
        sort = "newest"
    page = max(1, int(page))
    per_page = per_page or PER_PAGE
    letter_condition, letter_params = _letter_condition(filterset)
    languages = filterset.form.cleaned_data.get("language") or []
    limit = None if exact else CANDIDATE_LIMIT
    unverified = False
    relaxed = None  # the phrase's words AND-ed, for queries with a phrase
    try:
        connection = reading_connection()
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            # Matching through the GIN index is what keeps common terms fast (PERFORMANCE.md).
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, true),"
                " set_config('pg_trgm.word_similarity_threshold', %s, true)",
                [str(STATEMENT_TIMEOUT_MS), str(NAME_SIMILARITY)],
            )
            if query:
                relaxed = None if exact else _relaxed_phrase_query(cursor, query)
                id_condition, id_params = _letter_id_condition(filterset)
                sql, params = _search_statement(
                    query,
                    id_condition,
                    id_params,
                    languages,
                    sort,
                    page,
                    per_page,
                    limit,
                    facets,
                    relaxed=relaxed,
                )
            else:
                sql, params = _page_statement(
                    query,
                    letter_condition,
                    letter_params,
                    languages,
                    sort,
                    page,
                    per_page,
                    limit,
                    facets,
                )
            cursor.execute(sql, params)
            rows, total, hits_json, facets_json = cursor.fetchone()
            capped = limit is not None and rows > limit
            # Phrase candidates hold every word; beyond PHRASE_CHECK_ALL of them only the
            # shown hits were checked for the phrase, so the total is an upper bound.
            unverified = query != "" and relaxed is not None and rows > PHRASE_CHECK_ALL
            if capped:
                match_sql, match_params = (
                    ("t.search_vector @@ %s::tsquery", [relaxed])
                    if relaxed
                    else _match_condition(query)
                )
                total = max(
                    total,
                    _estimate(cursor, match_sql, match_params, letter_condition, letter_params),
                )
    except OperationalError as error:
        if "statement timeout" in str(error) or "canceling statement" in str(error):
            raise SearchTooBroad(str(error)) from error
        raise

    raw_hits = hits_json or []
    hits = _hydrate(raw_hits, query)
    return SearchPage(
        query=query,
        sort=sort,
        page=page,
        per_page=per_page,
        hits=hits,
        total=total,
        total_is_exact=not (capped or unverified),
        counted=min(rows, limit) if limit else rows,
        facets=_facets(facets_json or {}, filterset) if facets else [],
    )


def list_letters(
    filters: Mapping | LetterFilter | None = None,
    *,
    sort: str | None = None,
    page: int = 1,
    per_page: int | None = None,
) -> SearchPage:
    """The filtered list (no search words, no facets): newest first unless `sort` says."""
    return search_letters(
        "", filters, sort=sort or "newest", page=page, per_page=per_page, facets=False
    )


# --- SQL ------------------------------------------------------------------------------------


def _letter_condition(filterset: LetterFilter) -> tuple[str, list]:
    """A condition on `l` (archive_letter) for the visible letters the filters keep."""
    if not active_filters(filterset):
        if getattr(settings, "ARCHIVE_SHOW_SYNTHETIC", False):
            return "TRUE", []
        return "NOT l.is_synthetic", []
    subquery = filterset.qs.order_by().values("pk")
    sql, params = subquery.query.sql_with_params()
    return f"l.id IN ({sql})", list(params)


def _letter_id_condition(filterset: LetterFilter) -> tuple[str, list]:
    """The condition of `_letter_condition` on a letter id column (`{id}` in the SQL), so the
    text rows can be kept or dropped without joining every match to archive_letter."""
    if not active_filters(filterset):
        if getattr(settings, "ARCHIVE_SHOW_SYNTHETIC", False):
            return "TRUE", []
        return (
            "NOT EXISTS (SELECT 1 FROM archive_letter hidden"
            " WHERE hidden.id = {id} AND hidden.is_synthetic)",
            [],
        )
    subquery = filterset.qs.order_by().values("pk")
    sql, params = subquery.query.sql_with_params()
    return "{id} IN (" + sql.replace("{", "{{").replace("}", "}}") + ")", list(params)


def _relaxed_phrase_query(cursor, query: str) -> str | None:
    """For a query with a quoted phrase: the same tsquery with the phrase's words AND-ed.

    GIN answers an AND of words exactly but cannot check word positions: a phrase makes
    PostgreSQL detoast every candidate's full vector (PERFORMANCE.md, 3). The candidates are
    taken with the AND-ed words instead, and positions are checked only where needed. None
    when there is no phrase, or when a phrase is negated (AND-ing would then drop letters)."""
    if '"' not in query:
        return None
    cursor.execute(f"SELECT ({TSQUERY_SQL})::text", [query] * TSQUERY_PARAMS)
    text = cursor.fetchone()[0] or ""
    if "<" not in text or "!" in text:
        return None
    return _PHRASE_OPERATOR.sub("&", text)


def _is_name_query(query: str) -> bool:
    return bool(_NAME_QUERY.match(query)) and not _SEARCH_OPERATORS.search(query)


def _match_condition(query: str) -> tuple[str, list]:
    """Text rows matching the query: full text, or a signatory's or sender's name."""
    sql = f"t.search_vector @@ ({TSQUERY_SQL})"
    params: list = [query] * TSQUERY_PARAMS
    if _is_name_query(query) and len(query.split()) <= 3:
        sql = (
            f"({sql} OR t.letter_id = ANY(ARRAY("
            "SELECT s.letter_id FROM archive_signatory s WHERE s.name %%> %s"
            " UNION SELECT n.id FROM archive_letter n WHERE n.sender_person %%> %s)))"
        )
        params += [query, query]
    return sql, params


# The letter's first symbol, for sorting by symbol.
SYMBOL_SQL = (
    "(SELECT s.lookup FROM archive_lettersymbol s WHERE s.letter_id = {id}"
    " ORDER BY s.position LIMIT 1)"
)


# The same orders over archive_letter rows `l`, when the whole match set must be ordered.
LETTER_ORDERS = {
    "newest": "l.distribution_date DESC NULLS LAST, l.id DESC",
    "oldest": "l.distribution_date ASC NULLS LAST, l.id ASC",
    "symbol": SYMBOL_SQL.format(id="l.id") + " ASC NULLS LAST, l.id ASC",
}


def _hit_orders(letter_id: str) -> dict[str, str]:
    """ORDER BY clauses over candidate rows (rank, ddate, letter_id) for each sort."""
    return {
        "relevance": "rank DESC, ddate DESC NULLS LAST, letter_id DESC",
        "newest": "ddate DESC NULLS LAST, letter_id DESC",
        "oldest": "ddate ASC NULLS LAST, letter_id ASC",
        "symbol": SYMBOL_SQL.format(id=letter_id) + " ASC NULLS LAST, letter_id ASC",
    }


def _search_statement(
    query: str,
    id_condition: str,
    id_params: list,
    languages: list[str],
    sort: str,
    page: int,
    per_page: int,
    limit: int | None,
    with_facets: bool,
    *,
    relaxed: str | None = None,
) -> tuple[str, list]:
    """One statement for a query: (text rows, letters, hits as JSON, facets as JSON).

    - `text_matched` takes the matching text rows from the GIN bitmap alone (no join, no
      LIMIT inside, so it is planned for the whole match set: a bitmap scan, never a walk of
      a btree checking `@@` row by row) and is read lazily: `cand` stops after `limit` + 1.
    - Ranking reads the short inline `rank_vector`; letters are joined once per candidate
      letter, after the limit.
    - A phrase (`relaxed` given) is matched on its words; the positions are checked on every
      candidate when there are at most PHRASE_CHECK_ALL, else only on the hits shown, in
      order, stopping at the page's end (the opening's vector first, which is inline).
    """
    tsquery = f"({TSQUERY_SQL})"
    tsquery_params = [query] * TSQUERY_PARAMS
    if relaxed:
        match_query, match_params = "%s::tsquery", [relaxed]
    else:
        match_query, match_params = tsquery, tsquery_params
    excluded = " OR ".join(_EXCLUDED.findall(query))
    if excluded:
        # Each language's query excludes the word as that language stems it, so OR-ing them
        # let a French text with "Arménie" through `mines -Arménie` by the Spanish branch.
        # A text is left out when the excluded words appear in any language's form.
        match_query = f"({match_query} && !!({TSQUERY_SQL}))"
        match_params = [*match_params, *[excluded] * TSQUERY_PARAMS]
    conditions, condition_params = "", []
    if id_condition != "TRUE":
        conditions += " AND " + id_condition.format(id="t.letter_id")
        condition_params += id_params
    if languages:
        conditions += " AND t.language = ANY(%s)"
        condition_params.append(list(languages))
    opening_sql, opening_params = "", []
    if relaxed:
        opening_sql, opening_params = f", t.rank_vector @@ {tsquery} AS opening_hit", tsquery_params
    select = (
        f"SELECT t.id AS text_id, t.letter_id, t.language,"
        f" ts_rank(t.rank_vector, {RANK_TSQUERY_SQL}) AS rank{opening_sql}"
        " FROM archive_lettertext t"
    )
    select_params = tsquery_params + opening_params
    text_matched = f"{select} WHERE t.search_vector @@ {match_query}{conditions}"
    params: list = select_params + match_params + condition_params

    candidates = "SELECT * FROM text_matched"
    candidate_params: list = []
    if _is_name_query(query) and len(query.split()) <= 3:
        # Names in a second branch, not OR-ed into the first: an OR across tables would turn
        # the GIN bitmap scan into a row-by-row check of every full vector. The branch runs
        # only once the text matches are exhausted (UNION ALL under the LIMIT), and for
        # words not typed like a name only when the text finds fewer than a page.
        gate = ""
        if not all(word[:1].isupper() for word in query.split()):
            gate = (
                f" AND (SELECT count(*) FROM (SELECT 1 FROM text_matched LIMIT {int(per_page)})"
                f" few) < {int(per_page)}"
            )
        candidates += (
            f" UNION ALL {select} WHERE t.letter_id = ANY(ARRAY("
            "SELECT s.letter_id FROM archive_signatory s WHERE s.name %%> %s"
            " UNION SELECT n.id FROM archive_letter n WHERE n.sender_person %%> %s))"
            f" AND NOT (t.search_vector @@ {match_query}){conditions}{gate}"
        )
        candidate_params += [*select_params, query, query, *match_params, *condition_params]
    if limit is not None:
        candidates = f"SELECT * FROM ({candidates}) matched LIMIT {int(limit) + 1}"

    # The phrase check on one candidate row `c`: the inline opening vector, else the full one.
    phrase_check, phrase_params = "TRUE", []
    if relaxed:
        phrase_check = (
            "(c.opening_hit OR (SELECT v.search_vector @@ "
            f"{tsquery} FROM archive_lettertext v WHERE v.id = c.text_id))"
        )
        phrase_params = tsquery_params
    checked = "cand"
    checked_sql, checked_params = "", []
    if relaxed:
        checked = "checked"
        checked_sql = (
            " checked AS MATERIALIZED (SELECT * FROM cand c"
            f" WHERE (SELECT count(*) FROM cand) > {PHRASE_CHECK_ALL} OR {phrase_check}),"
        )
        checked_params = phrase_params

    orders = _hit_orders("c.letter_id")
    offset = (page - 1) * per_page
    page_sql = f" LIMIT {int(per_page)} OFFSET {int(offset)}"
    hits_params: list = []
    if relaxed:
        # Checked lazily in the page's order: PostgreSQL stops once the page is full.
        hits_from_candidates = (
            "SELECT letter_id, text_id, language, rank FROM"
            f" (SELECT * FROM letters c ORDER BY {orders[sort]} OFFSET 0) c"
            f" WHERE (SELECT count(*) FROM cand) <= {PHRASE_CHECK_ALL} OR {phrase_check}" + page_sql
        )
        hits_params += phrase_params
    else:
        hits_from_candidates = (
            f"SELECT letter_id, text_id, language, rank FROM letters c ORDER BY {orders[sort]}"
            + page_sql
        )
    if sort == "relevance" or limit is None:
        hits_sql = f"(SELECT json_agg(h) FROM ({hits_from_candidates}) h)"
    else:
        # More matches than candidates: order the whole match set, not the first candidates.
        language_sql = " AND t.language = ANY(%s)" if languages else ""
        letter_sql = id_condition.format(id="l.id")
        full_sql = (
            "SELECT l.id AS letter_id, NULL::bigint AS text_id, NULL AS language,"
            f" 0::real AS rank FROM archive_letter l WHERE {letter_sql} AND EXISTS ("
            "SELECT 1 FROM archive_lettertext t WHERE t.letter_id = l.id"
            f" AND t.search_vector @@ {tsquery}{language_sql})"
            f" ORDER BY {LETTER_ORDERS[sort]}" + page_sql
        )
        hits_sql = (
            f"(CASE WHEN (SELECT count(*) FROM cand) <= {int(limit)}"
            f" THEN (SELECT json_agg(h) FROM ({hits_from_candidates}) h)"
            f" ELSE (SELECT json_agg(h) FROM ({full_sql}) h) END)"
        )
        hits_params += id_params + tsquery_params + ([list(languages)] if languages else [])

    facets_sql = "NULL::json"
    if with_facets:
        facets_sql = (
            "json_build_object(" + _FACETS_SQL.replace("FROM cand", f"FROM {checked}") + ")"
        )
    statement = (
        f"WITH text_matched AS MATERIALIZED ({text_matched}),"
        f" cand AS MATERIALIZED ({candidates}),{checked_sql}"
        " letters AS MATERIALIZED (SELECT d.*, l.distribution_date AS ddate, l.doc_type,"
        "  l.sender_state_id FROM (SELECT DISTINCT ON (letter_id) * FROM "
        f"{checked} ORDER BY letter_id, rank DESC) d JOIN archive_letter l ON l.id = d.letter_id)"
        " SELECT (SELECT count(*) FROM cand), (SELECT count(*) FROM letters),"
        f" {hits_sql}, {facets_sql}"
    )
    return statement, params + candidate_params + checked_params + hits_params


def _page_statement(
    query: str,
    letter_condition: str,
    letter_params: list,
    languages: list[str],
    sort: str,
    page: int,
    per_page: int,
    limit: int | None,
    with_facets: bool,
) -> tuple[str, list]:
    """One statement returning (text rows, letters, hits as JSON, facets as JSON)."""
    language_sql = " AND t.language = ANY(%s)" if languages else ""
    language_params = [list(languages)] if languages else []
    limit_sql = f" LIMIT {int(limit) + 1}" if limit is not None else ""
    if query:
        match_sql, match_params = _match_condition(query)
        rank_sql = f"ts_rank(t.rank_vector, ({TSQUERY_SQL}))"
        rank_params = [query] * TSQUERY_PARAMS
        select = (
            f"SELECT t.id AS text_id, t.letter_id, t.language, l.distribution_date AS ddate,"
            f" l.doc_type, l.sender_state_id, {rank_sql} AS rank"
            f" FROM archive_lettertext t JOIN archive_letter l ON l.id = t.letter_id"
        )
        text_sql = f"t.search_vector @@ ({TSQUERY_SQL})"
        text_params = [query] * TSQUERY_PARAMS
        candidates = f"{select} WHERE {text_sql} AND {letter_condition}{language_sql}"
        candidate_params = rank_params + text_params + letter_params + language_params
        if len(match_params) > TSQUERY_PARAMS:
            # Names in a second branch, not OR-ed into the first: an OR across tables would
            # turn the GIN bitmap scan into a row-by-row check of every full vector (measured:
            # 570 ms instead of a few ms for `security` at 20 000 letters). UNION ALL keeps the
            # LIMIT able to stop early; letters are deduplicated below.
            candidates += (
                f" UNION ALL {select} WHERE NOT ({text_sql}) AND t.letter_id = ANY(ARRAY("
                "SELECT s.letter_id FROM archive_signatory s WHERE s.name %%> %s"
                " UNION SELECT n.id FROM archive_letter n WHERE n.sender_person %%> %s))"
                f" AND {letter_condition}{language_sql}"
            )
            candidate_params += (
                rank_params + text_params + [query, query] + letter_params + language_params
            )
        candidates = f"SELECT * FROM ({candidates}) matched{limit_sql}"
    else:
        # Without words the candidates are the newest letters the filters keep (date index).
        match_sql, match_params = "TRUE", []
        candidates = (
            "SELECT t.id AS text_id, t.letter_id, t.language, l.distribution_date AS ddate,"
            " l.doc_type, l.sender_state_id, 0::real AS rank"
            " FROM archive_letter l JOIN archive_lettertext t ON t.letter_id = l.id"
            f" WHERE {letter_condition}{language_sql}"
            " ORDER BY l.distribution_date DESC NULLS LAST, l.id DESC" + limit_sql
        )
        candidate_params = letter_params + language_params

    orders = _hit_orders("letters.letter_id")
    offset = (page - 1) * per_page
    hits_from_candidates = (
        "SELECT letter_id, text_id, language, rank FROM letters"
        f" ORDER BY {orders[sort]} LIMIT {int(per_page)} OFFSET {int(offset)}"
    )
    sql_params: list = []
    if sort == "relevance" or limit is None:
        hits_sql = f"(SELECT json_agg(h) FROM ({hits_from_candidates}) h)"
    else:
        # More matches than candidates: order the whole match set, not the first candidates.
        exists_sql = (
            f"EXISTS (SELECT 1 FROM archive_lettertext t WHERE t.letter_id = l.id"
            f" AND {match_sql}{language_sql})"
        )
        full_sql = (
            "SELECT l.id AS letter_id, NULL::bigint AS text_id, NULL AS language,"
            f" 0::real AS rank FROM archive_letter l WHERE {letter_condition} AND {exists_sql}"
            f" ORDER BY {LETTER_ORDERS[sort]} LIMIT {int(per_page)} OFFSET {int(offset)}"
        )
        hits_sql = (
            f"(CASE WHEN (SELECT count(*) FROM cand) <= {int(limit)}"
            f" THEN (SELECT json_agg(h) FROM ({hits_from_candidates}) h)"
            f" ELSE (SELECT json_agg(h) FROM ({full_sql}) h) END)"
        )
        sql_params = letter_params + match_params + language_params

    facets_sql = "NULL::json"
    if with_facets:
        facets_sql = f"json_build_object({_FACETS_SQL})"
    statement = (
        f"WITH cand AS MATERIALIZED ({candidates}),"
        " letters AS MATERIALIZED (SELECT DISTINCT ON (letter_id) * FROM cand"
        "  ORDER BY letter_id, rank DESC)"
        " SELECT (SELECT count(*) FROM cand), (SELECT count(*) FROM letters),"
        f" {hits_sql}, {facets_sql}"
    )
    return statement, candidate_params + sql_params


# Every facet counts letters (DISTINCT ON above), so a letter under eight agenda items counts
# once under each of them; the language facet counts the letters with a matching version.
_FACETS_SQL = f"""
'agenda', (SELECT json_agg(f) FROM (
    SELECT a.id, a.ga_session, a.number, a.sub_item,
        coalesce(a.titles->>'en', a.titles->>'fr', a.titles->>'es') AS title, counted.n
    FROM (SELECT la.agenda_item_id, count(*) AS n FROM letters
        JOIN archive_letteragendaitem la ON la.letter_id = letters.letter_id GROUP BY 1) counted
    JOIN archive_agendaitem a ON a.id = counted.agenda_item_id
    ORDER BY counted.n DESC, a.ga_session DESC, a.number LIMIT {FACET_VALUES_SHOWN}) f),
'state', (SELECT json_agg(f) FROM (
    SELECT m.iso3, m.short_en, count(*) AS n FROM letters
    JOIN archive_memberstate m ON m.id = letters.sender_state_id
    GROUP BY m.id ORDER BY n DESC, m.short_en LIMIT {FACET_VALUES_SHOWN}) f),
'year', (SELECT json_agg(f) FROM (
    SELECT extract(year FROM ddate)::int AS year, count(*) AS n FROM letters
    WHERE ddate IS NOT NULL GROUP BY 1 ORDER BY 1 DESC) f),
'language', (SELECT json_agg(f) FROM (
    SELECT language, count(*) AS n FROM (SELECT language, letter_id FROM cand GROUP BY 1, 2) v
    GROUP BY 1 ORDER BY n DESC) f),
'type', (SELECT json_agg(f) FROM (
    SELECT doc_type, count(*) AS n FROM letters GROUP BY 1 ORDER BY n DESC) f)
"""


def _estimate(
    cursor, match_sql: str, match_params: list, letter_condition: str, letter_params: list
) -> int:
    """The planner's row estimate for the whole match set (one EXPLAIN, no execution)."""
    cursor.execute(
        "EXPLAIN (FORMAT JSON) SELECT 1 FROM archive_lettertext t"
        f" JOIN archive_letter l ON l.id = t.letter_id WHERE {match_sql} AND {letter_condition}",
        match_params + letter_params,
    )
    plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


# --- hits, snippets, facets -----------------------------------------------------------------


def _hydrate(raw_hits: list[dict], query: str) -> list[Hit]:
    """Letters for the hits (3 queries), then snippets for their texts (2 more with a query).

    The texts are loaded without their long columns (body, full text, vectors: TOASTed, a few
    KB each); the opening of the body is enough for a hit without a highlighted snippet."""
    letter_ids = [h["letter_id"] for h in raw_hits]
    texts = LetterText.objects.only("id", "letter", "language", "title").annotate(
        opening=Left("body", PLAIN_EXCERPT_CHARS)
    )
    letters = (
        visible_letters()
        .select_related("sender_state")
        .prefetch_related("symbols", Prefetch("texts", queryset=texts))
        .in_bulk(letter_ids)
    )
    chosen: dict[int, int | None] = {}
    for h in raw_hits:
        letter = letters[h["letter_id"]]
        text_id = h["text_id"]
        if text_id is None:  # hits ordered over the whole match set carry no text: pick one
            text_id = _preferred_text_id(letter)
        chosen[h["letter_id"]] = text_id
    snippets = _snippets(query, [t for t in chosen.values() if t]) if query else {}
    hits = []
    for h in raw_hits:
        letter = letters[h["letter_id"]]
        texts = {t.pk: t for t in letter.texts.all()}
        text = texts.get(chosen[h["letter_id"]])
        snippet, annex = snippets.get(text.pk if text else None, (None, None))
        hits.append(
            Hit(
                letter=letter,
                text_id=text.pk if text else None,
                language=text.language if text else "",
                title=text.title if text else "",
                rank=float(h["rank"] or 0),
                snippet=snippet if snippet is not None else _plain_excerpt(text),
                annex=annex,
            )
        )
    return hits


def _preferred_text_id(letter: Letter) -> int | None:
    texts = {t.language: t.pk for t in letter.texts.all()}
    for language in ("en", letter.original_language):
        if language in texts:
            return texts[language]
    return next(iter(texts.values()), None)


def _plain_excerpt(text) -> SafeString:
    if text is None:
        return mark_safe("")
    words = (text.opening or "").split()
    excerpt = " ".join(words[:40]) + (" …" if len(words) > 40 else "")
    return escape(excerpt)


# The query's lexemes OR-ed, for headlines: ts_headline with fragments shows only a "cover"
# holding the whole query, so `mine explosion civilians` would highlight nothing in a window
# or excerpt lacking one of the words. Also the lexemes themselves, to place the window.
_HIGHLIGHT_CTES = (
    f"q AS (SELECT ({TSQUERY_SQL}) AS q),"
    " stems AS (SELECT array_agg(DISTINCT replace(m[1], '''''', '''')) AS words"
    " FROM q, regexp_matches(q.q::text, '''((?:[^'']|'''')+)''', 'g') m),"
    " hq AS (SELECT array_to_string(ARRAY(SELECT '''' || replace(w, '''', '''''') || ''''"
    " FROM unnest(stems.words) w), ' | ')::tsquery AS hq FROM stems)"
)


def _snippets(query: str, text_ids: list[int]) -> dict[int, tuple[SafeString, AnnexRef | None]]:
    """Headlines from a bounded excerpt: the body when it holds a hit, else the first annex
    that does (named in the result)."""
    if not text_ids:
        return {}
    config = config_case_sql("t.language")
    found: dict[int, tuple[SafeString, AnnexRef | None]] = {}
    with reading_connection().cursor() as cursor:
        # The window starts a little before the first place one of the query's stems occurs
        # (accents and case folded); when the window holds no hit after all (a stem found
        # inside another word), the headline is made from the whole excerpt.
        cursor.execute(
            f"WITH {_HIGHLIGHT_CTES}"
            " SELECT t.id, CASE WHEN strpos(w.headline, %s) > 0 THEN w.headline"
            f" ELSE ts_headline({config}, s.source, hq.hq, %s) END"
            " FROM archive_lettertext t CROSS JOIN hq CROSS JOIN stems,"
            f" LATERAL (SELECT left(t.body, {SNIPPET_SOURCE_CHARS}) AS source) s,"
            # OFFSET 0 folds the text once, not once for every stem looked for.
            " LATERAL (SELECT lower(unaccent(s.source)) AS folded OFFSET 0) f,"
            # A stem's last letter is often not the word's (policy -> 'polici'); stems of
            # five letters or more come first, shorter ones are found inside other words.
            " LATERAL (SELECT coalesce(min(nullif(strpos(f.folded,"
            "  left(word, length(word) - 1)), 0)) FILTER (WHERE length(word) >= 5),"
            "  min(nullif(strpos(f.folded, word), 0))) AS first"
            "  FROM unnest(stems.words) word) p,"
            f" LATERAL (SELECT CASE WHEN p.first IS NOT NULL THEN ts_headline({config},"
            f"  substr(s.source, greatest(1, p.first - {SNIPPET_WINDOW_BEFORE}),"
            f"  {SNIPPET_WINDOW_CHARS}), hq.hq, %s) END AS headline) w"
            " WHERE t.id = ANY(%s)",
            [query] * TSQUERY_PARAMS + [_START, HEADLINE_OPTIONS, HEADLINE_OPTIONS, text_ids],
        )
        for text_id, headline in cursor.fetchall():
            if _START in (headline or ""):
                found[text_id] = (_marked(headline), None)
        missing = [t for t in text_ids if t not in found]
        if missing:
            excerpt = f"left(a.text, {SNIPPET_SOURCE_CHARS})"
            cursor.execute(
                f"WITH {_HIGHLIGHT_CTES}"
                ' SELECT DISTINCT ON (a.letter_text_id) a.letter_text_id, a."order", a.title,'
                f" ts_headline({config}, {excerpt}, hq.hq, %s)"
                " FROM archive_annex a JOIN archive_lettertext t ON t.id = a.letter_text_id"
                " CROSS JOIN hq WHERE a.letter_text_id = ANY(%s)"
                f" AND to_tsvector({config}, {excerpt}) @@ hq.hq"
                ' ORDER BY a.letter_text_id, a."order"',
                [query] * TSQUERY_PARAMS + [HEADLINE_OPTIONS, missing],
            )
            for text_id, order, title, headline in cursor.fetchall():
                found[text_id] = (_marked(headline), AnnexRef(order, title))
    return found


def _marked(headline: str) -> SafeString:
    """Escape the letter's text, then turn the hit markers into <mark> elements."""
    html = str(escape(headline)).replace(_START, "<mark>").replace(_STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - the text is escaped above


def _facets(data: dict, filterset: LetterFilter) -> list[Facet]:
    cleaned = filterset.form.cleaned_data
    selected_agenda = {f"{s}-{n}{x}" for s, n, x in cleaned.get("agenda") or []}
    language_names = dict(LANGUAGES)
    type_names = dict(Letter.DocType.choices)

    agenda = []
    for row in data.get("agenda") or []:
        value = agenda_param(_AgendaKey(row["ga_session"], row["number"], row["sub_item"]))
        number = f"{row['number']}{row['sub_item']}"
        label = _("Item %(number)s, session %(session)s") % {
            "number": number,
            "session": row["ga_session"],
        }
        if row.get("title"):
            label = _("%(label)s: %(value)s") % {"label": label, "value": row["title"]}
        agenda.append(FacetValue(value, label, row["n"], value in selected_agenda))

    def facet(param: str, label: str, key: str, name) -> Facet:
        """A facet whose values are the `key` column of its rows, labelled by `name(value)`."""
        selected = {str(v) for v in cleaned.get(param) or []}
        values = [
            FacetValue(str(r[key]), str(name(r)), r["n"], str(r[key]) in selected)
            for r in data.get(param) or []
        ]
        return Facet(param, label, values)

    return [
        Facet("agenda", _("Agenda item"), agenda),
        facet("state", _("Sender state"), "iso3", lambda r: r["short_en"]),
        facet("year", _("Year"), "year", lambda r: r["year"]),
        facet(
            "language",
            _("Language"),
            "language",
            lambda r: language_names.get(r["language"], r["language"]),
        ),
        facet(
            "type",
            _("Document type"),
            "doc_type",
            lambda r: type_names.get(r["doc_type"], r["doc_type"]),
        ),
    ]


@dataclass(frozen=True)
class _AgendaKey:
    ga_session: int
    number: int
    sub_item: str


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
