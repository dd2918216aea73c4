"""Letters like this one ("more like this"), for the letter page.

The letter's own title and body (already read for the page) are analyzed as the index
analyzes them; the terms that distinguish it most (tf-idf, at most MAX_QUERY_TERMS) make a
BM25 query over the letters under the same agenda items, the letter itself left out. One
index call; no text is read again from PostgreSQL.
"""

from __future__ import annotations

import tantivy
from django.conf import settings

from archive.models import Letter
from archive.search.engine import SearchUnavailable, searcher
from archive.search.query import Filters
from archive.search.schema import index_language, schema, text_field

MAX_QUERY_TERMS = 20
# Terms in fewer letters than this are typos or names of this letter alone; terms in more
# than MAX_DOC_SHARE of the letters say nothing about it.
MIN_DOC_FREQUENCY = 2
MAX_DOC_SHARE = 0.2
# The opening of the body says what a letter is about; each more kilobyte analyzed and looked up
# cost ~0.15 ms of every letter page (6 000 characters: ~2 ms for the call).
BODY_CHARS = 3_000


def related_letter_ids(letter: Letter, agenda_item_ids: list[int], limit: int) -> list[int]:
    """Ids of up to `limit` letters under the same agenda items, most alike first."""
    if not agenda_item_ids:
        return []
    fields: dict[str, list[str]] = {}
    for text in letter.texts.all():
        language = index_language(text.language)
        if text.title:
            fields.setdefault(text_field("title", language), []).append(text.title)
        if text.body:
            fields.setdefault(text_field("body", language), []).append(text.body[:BODY_CHARS])
    if not fields:
        return []
    try:
        found = searcher()
    except SearchUnavailable:
        return []
    alike = tantivy.Query.more_like_this_document_fields_query(
        schema(),
        fields,
        min_doc_frequency=MIN_DOC_FREQUENCY,
        max_doc_frequency=max(MIN_DOC_FREQUENCY + 1, int(found.num_docs * MAX_DOC_SHARE)),
        min_term_frequency=1,
        max_query_terms=MAX_QUERY_TERMS,
        min_word_length=3,
    )
    filters = Filters(
        agenda_ids=agenda_item_ids,
        include_synthetic=bool(getattr(settings, "ARCHIVE_SHOW_SYNTHETIC", False)),
    )
    itself = tantivy.Query.term_query(schema(), "letter_id", letter.pk)
    query = tantivy.Query.boolean_query(
        [*filters.clauses(), (tantivy.Occur.Must, alike), (tantivy.Occur.MustNot, itself)]
    )
    result = found.search(query, limit, count=False)
    return [int(v) for v in found.fast_field_values("letter_id", [a for _, a in result.hits])]
