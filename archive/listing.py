"""The filtered list without search words: `list_letters`, one page of letters the filters
keep, newest first, in a few small index-served queries whatever the archive's size.

Unlike `archive.search.search_letters`, nothing here builds a candidate set: the page is the
filtered queryset ordered like an index (`letter_newest`, `letter_state_newest`,
`letter_session_newest`; see archive.models) with LIMIT per_page + 1, and the total is

- exact when the filters keep at most COUNT_EXACT_UP_TO letters (a count stopped at that
  bound, so it costs at most that many index entries);
- else the planner's estimate of the filtered query, labelled "about N" on the page, with an
  exact count one click away (`exact=True`).

The result is an `archive.search.SearchPage`, so the templates show both alike.
"""

# ruff: noqa: S608, S611 - SQL assembled from constants and SQL Django compiled; every value a reader
# types travels as a query parameter.
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache, partial

from django.conf import settings
from django.db.models import Case, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, When
from django.db.models.expressions import RawSQL
from django.utils.translation import get_language

from archive.filters import LetterFilter, active_filters
from archive.models import AgendaItem, LetterSymbol, LetterText, NamedBySymbols
from archive.replicas import reading_connection
from archive.search import (
    PER_PAGE,
    Hit,
    SearchPage,
    build_filterset,
    sorted_letter_ids,
    visible_letters,
)

# Counting stops here (index entries read: about a millisecond); beyond, the total is estimated.
COUNT_EXACT_UP_TO = 2_000
SORTS = ("newest", "oldest", "symbol")
# Orders no index of PostgreSQL's gives, so a list in them is read from the search engine's
# sort keys: oldest first with the undated last (letter_newest read backwards puts them
# first), and by first symbol with numbers as numbers (A/80/99 before A/80/434), letters
# without a symbol last. PostgreSQL sorted every letter: at a million letters 1.3 s for the
# list by symbol, now 14 ms.
ENGINE_ORDERS = ("oldest", "symbol")
# Letters under agenda items: below this many index entries to read, each is checked for
# visibility as it is read (newest_under_items_sql).
CHECK_EVERY_ENTRY_UP_TO = 200


@dataclass(frozen=True)
class ListPage(SearchPage):
    """A SearchPage whose "next page" is known from the extra row fetched, not from the total
    (which may be an estimate)."""

    more: bool = False

    @property
    def has_next(self) -> bool:
        return self.more


def newest_first(letters: QuerySet) -> QuerySet:
    """`letters` newest first, undated last: the order of the index letter_newest (and its
    per-state and per-session twins), and of search.py's `newest`. The other orders of the
    list are read from the search engine (ENGINE_ORDERS)."""
    return letters.order_by(F("distribution_date").desc(nulls_last=True), F("id").desc())


def list_letters(
    filters: Mapping | LetterFilter | None = None,
    *,
    sort: str | None = None,
    page: int = 1,
    per_page: int | None = None,
    exact: bool = False,
) -> ListPage:
    """One page of the letters the filters keep (no search words, no facets).

    filters:  URL parameters as in archive.filters, or a bound LetterFilter (q, sort and page
              in it are ignored). Raises archive.search.InvalidSearch when a value is wrong.
    sort:     ``newest`` (default; ``relevance`` means it too without words), ``oldest``,
              ``symbol``.
    exact:    count every letter kept instead of estimating beyond COUNT_EXACT_UP_TO.

    Queries: the bounded count, the estimate when needed, the page, its letters' symbols
    (the filter form may add one to check agenda items or states). Only visible letters
    (archive.search.visible_letters) are listed, since the filterset starts from them. Only
    agenda items or only a topic: list_letters_under_items.
    """
    filterset = build_filterset(filters)
    sort = sort if sort in SORTS else "newest"
    if sort in ENGINE_ORDERS:
        return _list_in_engine_order(filterset, sort, page=page, per_page=per_page)
    items = _only_agenda_items(filterset)
    if items is not None and sort == "newest":
        return list_letters_under_items(items, page=page, per_page=per_page, exact=exact)
    if items is not None:
        counter = partial(_count_under_items, items, exact)
    elif not active_filters(filterset):
        counter = partial(_count_all, filterset.qs, exact)
    else:
        counter = None
    return list_queryset(filterset.qs, page=page, per_page=per_page, exact=exact, counter=counter)


def _list_in_engine_order(
    filterset: LetterFilter, sort: str, *, page: int, per_page: int | None
) -> ListPage:
    """A page in one of ENGINE_ORDERS, from the search engine's sort keys (the search's own
    orders). The total is the engine's, exact."""
    page = max(1, int(page))
    per_page = per_page or PER_PAGE
    ids, total = sorted_letter_ids(
        filterset, sort=sort, offset=(page - 1) * per_page, limit=per_page + 1
    )
    rows = letter_rows("SELECT unnest(%s::bigint[])", [ids], keep_order=True) if ids else []
    return _list_page(rows, sort, page, per_page, total, True, total)


def list_queryset(
    letters: QuerySet,
    *,
    page: int = 1,
    per_page: int | None = None,
    exact: bool = False,
    counter=None,
) -> ListPage:
    """One page of `letters` (a queryset of visible letters, e.g. a state's) newest first,
    counted as list_letters counts (`counter()` may count them another way). Three queries,
    four with an estimate: count, estimate, the page's ids, their rows."""
    page = max(1, int(page))
    per_page = per_page or PER_PAGE
    offset = (page - 1) * per_page
    total, total_is_exact, counted = counter() if counter else _count(letters, exact)
    # The page's ids in the list's order (the index's walk), then their rows with symbols,
    # sender and title: no Letter built, no query per letter. (Not one statement: a filtered
    # queryset may be DISTINCT, which adds its ordering's columns to the ids' SELECT.)
    page_ids = list(
        newest_first(letters).values_list("pk", flat=True)[offset : offset + per_page + 1]
    )
    rows = (
        letter_rows("SELECT unnest(%s::bigint[])", [page_ids], keep_order=True) if page_ids else []
    )
    return _list_page(rows, "newest", page, per_page, total, total_is_exact, counted)


def with_row_title(letters: QuerySet) -> QuerySet:
    """`letters` with the title a list row shows (archive.labels.row_title): the version in
    the interface language, else English, else any. Two look-ups per row of the page in the
    index of (letter, language), inside the page's query."""
    language = (get_language() or "en")[:2]
    preferred = (
        LetterText.objects.filter(letter=OuterRef("pk"))
        .exclude(title="")
        .order_by(
            Case(
                When(language=language, then=0),
                When(language="en", then=1),
                default=2,
                output_field=IntegerField(),
            ),
            "language",
        )
    )
    return letters.annotate(
        row_title_text=Subquery(preferred.values("title")[:1]),
        row_title_language=Subquery(preferred.values("language")[:1]),
    )


def symbols_in_order(through: str = "") -> Prefetch:
    """Letters' symbols in their printed order, without the join to archive_letter that
    LetterSymbol's default ordering (by letter, hence by the letter's date) would add.
    `through` reaches the letters from other rows ("letter__" for claims or versions)."""
    return Prefetch(f"{through}symbols", LetterSymbol.objects.order_by("letter_id", "position"))


def list_letters_under_items(
    items: list[int] | QuerySet,
    *,
    page: int = 1,
    per_page: int | None = None,
    exact: bool = False,
) -> ListPage:
    """The visible letters under any of the agenda items `items` (ids, or a queryset of
    AgendaItem pks, such as a topic's), newest first: the agenda-item and topic pages.

    Two queries, three with an estimate: the count (links read through agenda_item_letters,
    exact up to COUNT_EXACT_UP_TO), the estimate beyond, the page's letters as rows with their
    symbols and states (through agenda_item_newest)."""
    page = max(1, int(page))
    per_page = per_page or PER_PAGE
    offset = (page - 1) * per_page
    total, total_is_exact, counted = _count_under_items(items, exact)
    rows = []
    if isinstance(items, QuerySet) or items:
        ids_sql, params = newest_under_items_sql(items, offset=offset, limit=per_page + 1)
        rows = letter_rows(ids_sql, params)
    return _list_page(rows, "newest", page, per_page, total, total_is_exact, counted)


def _list_page(
    rows: list, sort: str, page: int, per_page: int, total: int, exact: bool, counted: int
) -> ListPage:
    """The page from up to per_page + 1 letters (the extra one says a next page exists)."""
    if not exact:
        # An estimate below what the reader can see would contradict the page.
        total = max(total, (page - 1) * per_page + len(rows))
    return ListPage(
        query="",
        sort=sort,
        page=page,
        per_page=per_page,
        hits=[
            Hit(letter=letter, text_id=None, language="", title="", rank=0.0)
            for letter in rows[:per_page]
        ],
        total=total,
        total_is_exact=exact,
        counted=counted,
        more=len(rows) > per_page,
    )


def _only_agenda_items(filterset: LetterFilter) -> list[int] | QuerySet | None:
    """The agenda items when the only filter is one agenda item (or several) or one topic:
    their letters then come from the link table's own newest-first index."""
    active = active_filters(filterset)
    if set(active) == {"agenda"}:
        return list(getattr(filterset.form, "agenda_ids", []))
    if set(active) == {"topic"}:
        return AgendaItem.objects.filter(topic__slug=active["topic"]).values("pk")
    return None


def _items_sql(items: list[int] | QuerySet) -> tuple[str, list]:
    """A FROM item `item(id)` over the agenda items."""
    if isinstance(items, QuerySet):
        sql, params = items.order_by().query.sql_with_params()
        return f"({sql}) AS item(id)", list(params)
    return "unnest(%s::bigint[]) AS item(id)", [list(items)]


def visible_letter_sql(letter_id: str) -> tuple[str, list]:
    """`EXISTS (...)`: the letter whose id is the column `letter_id` is visible
    (archive.search.visible_letters)."""
    # The rule is code and one setting, never data: compiled once per setting value (the ORM
    # took ~0.15 ms for it, two or three times a page), and again when a test changes it.
    show_synthetic = bool(getattr(settings, "ARCHIVE_SHOW_SYNTHETIC", False))
    sql, params = _visible_letter_sql(letter_id, show_synthetic)
    return sql, list(params)


@lru_cache(maxsize=16)
def _visible_letter_sql(letter_id: str, show_synthetic: bool) -> tuple[str, tuple]:
    """`show_synthetic` is the setting visible_letters() reads now: the cache's key."""
    sql, params = (
        visible_letters()
        .filter(pk=RawSQL(letter_id, ()))
        .order_by()
        .values("pk")
        .query.sql_with_params()
    )
    return f"EXISTS ({sql})", tuple(params)


def _visible_link_sql() -> tuple[str, list]:
    """`EXISTS (...)`: the link `la`'s letter is visible."""
    return visible_letter_sql("la.letter_id")


def _count_under_items(items: list[int] | QuerySet, exact: bool) -> tuple[int, bool, int]:
    """Letters under the items, from the index on (agenda_item, letter): the links are read
    (at most COUNT_EXACT_UP_TO + 1, index only), and when they are that few their visible
    letters are counted exactly; else the total is the planner's estimate of the links (the
    visibility check, one probe of archive_letter per link, is paid only for exact counts)."""
    items_sql, items_params = _items_sql(items)
    visible_sql, visible_params = _visible_link_sql()
    links = (
        f"SELECT la.letter_id FROM {items_sql} JOIN archive_letteragendaitem la"
        " ON la.agenda_item_id = item.id"
    )
    bound = "" if exact else f" LIMIT {COUNT_EXACT_UP_TO + 1}"
    with reading_connection().cursor() as cursor:
        # An uncorrelated subquery runs only when used: the visible letters are counted
        # only when the links were few (or an exact count was asked for).
        cursor.execute(
            f"WITH links AS MATERIALIZED ({links}{bound})"
            " SELECT read, CASE WHEN read <= %s THEN (SELECT count(DISTINCT la.letter_id)"
            f" FROM links la WHERE {visible_sql}) END"
            " FROM (SELECT count(*) AS read FROM links) counted",
            [*items_params, 2**62 if exact else COUNT_EXACT_UP_TO, *visible_params],
        )
        read, letters = cursor.fetchone()
        if letters is not None:
            return letters, True, letters
        return max(_plan_rows(cursor, links, items_params), read), False, read


def newest_under_items(
    items: list[int] | QuerySet, *, offset: int, limit: int, excluding: int | None = None
) -> QuerySet:
    """The visible letters under any of `items` (agenda item ids, or a queryset of their
    pks), newest first, `limit` of them from `offset`; `excluding` one letter. One query."""
    if not isinstance(items, QuerySet) and not items:
        return visible_letters().none()
    sql, params = newest_under_items_sql(items, offset=offset, limit=limit, excluding=excluding)
    return newest_first(visible_letters().filter(pk__in=RawSQL(sql, params)))


def newest_under_items_sql(
    items: list[int] | QuerySet, *, offset: int, limit: int, excluding: int | None = None
) -> tuple[str, list]:
    """SQL and parameters selecting the ids of `newest_under_items` (`letter_id`).

    Each item's first offset + limit letters come from the index agenda_item_newest (never
    more than that many entries per item), then the union is ordered: the letters of the
    page are among them, since any letter above one of them under the same item is above it
    in the whole list too.

    Past CHECK_EVERY_ENTRY_UP_TO entries, visibility is checked on the offset + limit letters
    kept, not on every entry read (one probe of archive_letter each: most of the time of a
    topic's page, 80 items). Should one of them be hidden, the same walk with the check
    inside gives the page instead."""
    items_sql, items_params = _items_sql(items)
    visible_sql, visible_params = _visible_link_sql()
    excluding_sql = " AND la.letter_id <> %s" if excluding is not None else ""
    excluding_params = [excluding] if excluding is not None else []

    def newest(condition: str) -> str:
        return (
            "SELECT letter_id, distribution_date FROM ("
            " SELECT per_item.letter_id, max(per_item.distribution_date) AS distribution_date"
            f" FROM {items_sql} CROSS JOIN LATERAL ("
            "  SELECT la.letter_id, la.distribution_date FROM archive_letteragendaitem la"
            f"  WHERE la.agenda_item_id = item.id{condition}{excluding_sql}"
            "  ORDER BY la.distribution_date DESC NULLS LAST, la.letter_id DESC LIMIT %s"
            " ) per_item GROUP BY per_item.letter_id"
            ") merged ORDER BY distribution_date DESC NULLS LAST, letter_id DESC"
        )

    kept = offset + limit
    if not isinstance(items, QuerySet) and len(items) * kept <= CHECK_EVERY_ENTRY_UP_TO:
        # Few entries to read: checking each is cheaper than planning the two walks below.
        sql = f"SELECT letter_id FROM ({newest(' AND ' + visible_sql)} OFFSET %s LIMIT %s) page"
        return sql, [*items_params, *visible_params, *excluding_params, kept, offset, limit]
    sql = (
        f"WITH kept AS MATERIALIZED ({newest('')} LIMIT %s),"
        f" all_visible AS (SELECT coalesce(bool_and({visible_sql}), true) AS yes FROM kept la)"
        " SELECT letter_id FROM (SELECT letter_id FROM kept"
        "  ORDER BY distribution_date DESC NULLS LAST, letter_id DESC OFFSET %s) fast"
        " WHERE (SELECT yes FROM all_visible)"
        " UNION ALL"
        f" SELECT letter_id FROM ({newest(' AND ' + visible_sql)} OFFSET %s LIMIT %s) checked"
        " WHERE NOT (SELECT yes FROM all_visible)"
    )
    params = [
        *items_params,
        *excluding_params,
        kept,
        kept,
        *visible_params,
        offset,
        *items_params,
        *visible_params,
        *excluding_params,
        kept,
        offset,
        limit,
    ]
    return sql, params


def _count(letters: QuerySet, exact: bool) -> tuple[int, bool, int]:
    """(total, exact?, letters counted): exact up to COUNT_EXACT_UP_TO, else estimated."""
    plain = letters.order_by().values("pk")
    if exact:
        total = plain.count()
        return total, True, total
    counted = plain[: COUNT_EXACT_UP_TO + 1].count()
    if counted <= COUNT_EXACT_UP_TO:
        return counted, True, counted
    return max(estimate_rows(plain), counted), False, counted


def _count_all(letters: QuerySet, exact: bool) -> tuple[int, bool, int]:
    """The whole archive: the planner's estimate (from pg_class statistics) is close, so it
    is read first and the letters are counted only when there are few of them."""
    if not exact:
        estimate = estimate_rows(letters.order_by().values("pk"))
        if estimate > 2 * COUNT_EXACT_UP_TO:
            return estimate, False, 0
    return _count(letters, exact)


def estimate_rows(letters: QuerySet) -> int:
    """The planner's row estimate for `letters` (one EXPLAIN, nothing executed)."""
    sql, params = letters.query.sql_with_params()
    with reading_connection().cursor() as cursor:
        return _plan_rows(cursor, sql, list(params))


def _plan_rows(cursor, sql: str, params: list) -> int:
    cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
    plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


@dataclass(frozen=True)
class LetterRow(NamedBySymbols):
    """A letter as a row of a list shows it (archive.labels.letter_row): what the row reads of
    a Letter, with the same meaning (its name and address from NamedBySymbols, as Letter's;
    archive.labels.row_title), read in one statement with its symbols and sender. The lists
    and the letter page's related and citing letters are made of these: building Letter
    instances and prefetching their symbols cost more than the statement itself."""

    pk: int
    symbol_list: list[str]
    distribution_date: date | None
    doc_type: str
    sender_state: str  # its name in the interface language
    sender_state_printed: str
    letter_date: date | None
    sender_role: str
    addressees: list[str]
    row_title_text: str
    row_title_language: str
    is_synthetic: bool


def letter_rows(
    ids_sql: str, params: list, *, limit: int | None = None, keep_order: bool = False
) -> list[LetterRow]:
    """The letters whose ids `ids_sql` selects, as rows with their symbols, sender state and
    title (one statement, no query per letter): newest first, or in the order `ids_sql`
    gives them (`keep_order`, for a page in another order or ranked)."""
    limit_sql = f" LIMIT {int(limit)}" if limit else ""
    language = (get_language() or "en")[:2]
    # The title in the interface language, else English, else any (as with_row_title).
    title_sql = (
        "(SELECT t.{column} FROM archive_lettertext t WHERE t.letter_id = l.id AND t.title <> ''"
        " ORDER BY t.language <> %s, t.language <> 'en', t.language LIMIT 1)"
    )
    if keep_order:
        # ARRAY(subquery) keeps the subquery's order; WITH ORDINALITY numbers it.
        source = (
            f"unnest(ARRAY({ids_sql})) WITH ORDINALITY AS page(id, n)"
            " JOIN archive_letter l ON l.id = page.id"
        )
        where, order = "", "page.n"
    else:
        source = "archive_letter l"
        where = f" WHERE l.id IN ({ids_sql})"
        order = "l.distribution_date DESC NULLS LAST, l.id DESC"
    select_params = [language, language, language]
    with reading_connection().cursor() as cursor:
        cursor.execute(
            "SELECT l.id, coalesce((SELECT array_agg(s.symbol ORDER BY s.position)"
            "  FROM archive_lettersymbol s WHERE s.letter_id = l.id), '{}'),"
            " l.distribution_date, l.doc_type,"
            " coalesce(CASE WHEN %s = 'fr' THEN nullif(m.name_fr, '') END, m.short_en, ''),"
            " l.sender_state_printed, l.letter_date, l.sender_role, l.addressees,"
            f" {title_sql.format(column='title')}, {title_sql.format(column='language')},"
            " l.is_synthetic"
            f" FROM {source} LEFT JOIN archive_memberstate m ON m.id = l.sender_state_id"
            f"{where} ORDER BY {order}{limit_sql}",
            # The ids' parameters come last in both forms (FROM and WHERE follow the select).
            [*select_params, *params],
        )
        return [LetterRow(*row) for row in cursor.fetchall()]
