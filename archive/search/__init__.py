"""Full-text search: an embedded Tantivy index derived from PostgreSQL.

PostgreSQL is the system of record; the index is a projection of it that can be thrown
away and rebuilt at any time (`manage.py search_index rebuild`). Every total, facet count
and order the search page shows is exact over the whole match set: Tantivy ranks top-k with
BM25 inside its index and counts with fast fields, which PostgreSQL's full-text search
cannot (see ../README.md, "Search engine", for the measured reasons and figures).

How a letter travels from the write path into the index
--------------------------------------------------------
1. An editor saves a letter (archive.ingest, the admin, a claim review, a delete, a bulk
   COPY: any writer). PostgreSQL triggers on the letter's tables (migration 0091) add a row
   to the change log `archive_searchchange` (letter id, transaction id) in the same
   transaction: committed together, or not at all.
2. The indexer (`indexer.update`: the `search_index update` command, and a follower thread
   in every web process, once a second) reads the changes its last snapshot had not seen,
   reads those letters as they are now, replaces their documents, commits the index, then
   records the snapshot in state.json. Killed anywhere, it re-applies on the next run:
   applying is idempotent, so nothing is lost or doubled. A file lock keeps one writer.
3. Readers (every gunicorn worker) reload the index when state.json changes: the letter is
   searchable about a second after the editor's commit, with no restart.
4. Several machines: each keeps its own index folder following the same change log (one
   PostgreSQL primary); two folders that applied the same log answer identically.

Modules: `schema` (fields and analyzers per language), `documents` (a letter's document
read from PostgreSQL), `indexer` (the index on disk, change log, rebuild, follower), `query`
(web-search syntax and filters to Tantivy queries), `engine` (`search_letters`: hits,
snippets, facets), `related` (more like this).
"""

from archive.search.engine import (
    PER_PAGE,
    AnnexRef,
    Facet,
    FacetValue,
    Hit,
    InvalidSearch,
    SearchPage,
    SearchTooBroad,
    SearchUnavailable,
    build_filterset,
    matching_letter_ids,
    matching_years,
    search_letters,
    sorted_letter_ids,
    visible_letters,
)

__all__ = [
    "PER_PAGE",
    "AnnexRef",
    "Facet",
    "FacetValue",
    "Hit",
    "InvalidSearch",
    "SearchPage",
    "SearchTooBroad",
    "SearchUnavailable",
    "build_filterset",
    "matching_letter_ids",
    "matching_years",
    "search_letters",
    "sorted_letter_ids",
    "visible_letters",
]
