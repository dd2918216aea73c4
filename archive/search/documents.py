"""Letters as the index sees them, read from PostgreSQL in batches (one statement per batch)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from archive.models import IncidentClaim

LETTER_ROWS_SQL = """
SELECT l.id, l.is_synthetic, l.doc_type, l.bodies, l.ga_session, l.sc_year,
    l.distribution_date, l.letter_date, l.sender_state_id,
    ARRAY(SELECT s.symbol FROM archive_lettersymbol s WHERE s.letter_id = l.id
          ORDER BY s.position, s.id) AS symbols,
    ARRAY(SELECT la.agenda_item_id FROM archive_letteragendaitem la
          WHERE la.letter_id = l.id) AS agenda,
    array_remove(l.sender_person || ARRAY(SELECT g.name FROM archive_signatory g
          WHERE g.letter_id = l.id), '') AS names,
    EXISTS (SELECT 1 FROM archive_incidentclaim c WHERE c.letter_id = l.id
          AND c.review_status <> %(rejected)s) AS has_claims,
    (SELECT json_agg(json_build_object(
        'language', t.language, 'title', t.title, 'body', t.body,
        'annex', (SELECT string_agg(concat_ws(E'\\n', a.heading, a.title, a.author_person,
                                              a.text), E'\\n\\n' ORDER BY a."order")
                  FROM archive_annex a WHERE a.letter_text_id = t.id)) ORDER BY t.language)
     FROM archive_lettertext t WHERE t.letter_id = l.id) AS texts
FROM archive_letter l
"""
COLUMNS = [
    "id",
    "is_synthetic",
    "doc_type",
    "bodies",
    "ga_session",
    "sc_year",
    "distribution_date",
    "letter_date",
    "sender_state_id",
    "symbols",
    "agenda",
    "names",
    "has_claims",
    "texts",
]


def _row(values) -> dict:
    row = dict(zip(COLUMNS, values, strict=True))
    if isinstance(row["texts"], str):
        row["texts"] = json.loads(row["texts"])
    return row


# Texts read to choose the frequent words whose pairs the index holds (schema.PairWords).
PAIR_WORDS_SAMPLE = 10_000


def sample_texts(cursor, wanted: int = PAIR_WORDS_SAMPLE) -> tuple[list[tuple[str, str]], int]:
    """(language, title and body) of the texts of about `wanted` letters spread over the
    archive (every n-th id: the same letters for the same database), and how many letters
    the archive has."""
    cursor.execute("SELECT count(*) FROM archive_letter")
    letters = cursor.fetchone()[0]
    cursor.execute(
        "SELECT language, title || E'\\n' || body FROM archive_lettertext"
        " WHERE letter_id %% %(every)s = 0",
        {"every": max(1, letters // wanted)},
    )
    return cursor.fetchall(), letters


def letter_rows(cursor, letter_ids: list[int]) -> list[dict]:
    """The rows of these letters (those that still exist)."""
    if not letter_ids:
        return []
    cursor.execute(
        LETTER_ROWS_SQL + " WHERE l.id = ANY(%(ids)s)",
        {"ids": list(letter_ids), "rejected": IncidentClaim.Review.REJECTED},
    )
    return [_row(values) for values in cursor.fetchall()]


def all_letter_rows(cursor, batch: int = 1000) -> Iterator[dict]:
    """Every letter in id order, a batch per statement (keyset pagination)."""
    last = 0
    while True:
        cursor.execute(
            LETTER_ROWS_SQL + " WHERE l.id > %(last)s ORDER BY l.id LIMIT %(batch)s",
            {"last": last, "batch": batch, "rejected": IncidentClaim.Review.REJECTED},
        )
        rows = cursor.fetchall()
        if not rows:
            return
        for values in rows:
            yield _row(values)
        last = rows[-1][0]
