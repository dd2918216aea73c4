"""The archive's tables carry no index another index already gives: each one is written on
every import and kept on disk (at a million letters, the repeated ones were ~250 MB and a
write more per letter, per version, per agenda link)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

# An index is repeated when another index of the same table begins with the same columns,
# in the same order, operator classes, sort options and collations: any look-up the first
# serves, the second serves too. Unique indexes enforce a rule and are never repeated ones;
# partial and expression indexes are left out (comparing them needs more than columns).
REPEATED_INDEXES_SQL = """
WITH indexes AS (
    SELECT t.relname AS table_name, i.relname AS index_name, x.indisunique AS is_unique,
           string_to_array(x.indkey::text, ' ') AS columns,
           string_to_array(x.indclass::text, ' ') AS classes,
           string_to_array(x.indoption::text, ' ') AS options,
           string_to_array(x.indcollation::text, ' ') AS collations,
           x.indpred IS NULL AND x.indexprs IS NULL AS plain, a.amname AS method
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_am a ON a.oid = i.relam
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = current_schema() AND t.relname LIKE 'archive\\_%%'
)
SELECT narrow.table_name, narrow.index_name, wide.index_name
FROM indexes narrow JOIN indexes wide
  ON wide.table_name = narrow.table_name AND wide.index_name <> narrow.index_name
WHERE NOT narrow.is_unique AND narrow.plain AND wide.plain
  AND narrow.method = 'btree' AND wide.method = 'btree'
  AND cardinality(narrow.columns) <= cardinality(wide.columns)
  AND wide.columns[1:cardinality(narrow.columns)] = narrow.columns
  AND wide.classes[1:cardinality(narrow.columns)] = narrow.classes
  AND wide.options[1:cardinality(narrow.columns)] = narrow.options
  AND wide.collations[1:cardinality(narrow.columns)] = narrow.collations
ORDER BY 1, 2, 3
"""


def _repeated() -> list[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(REPEATED_INDEXES_SQL)
        return cursor.fetchall()


def test_no_index_repeats_another():
    assert _repeated() == []


def test_a_repeated_index_would_be_found():
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE INDEX test_repeats_one_text_per_language ON archive_lettertext (letter_id)"
        )
    assert _repeated() == [
        ("archive_lettertext", "test_repeats_one_text_per_language", "one_text_per_language")
    ]
