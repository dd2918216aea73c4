"""Statements planned once. psycopg prepares a statement on the server when asked, and
PostgreSQL then keeps a generic plan for it once that plan costs no more than those it makes
for each run's parameters. Planning took longer than running for several statements of the
letter and results pages (0.2 to 0.8 ms each: ~2 ms of a letter page).

Only for statements whose best plan does not depend on their parameters' values: look-ups by
primary key or by ids given. Django's default, never to prepare, stays for the rest: with
every statement prepared, the generic plan PostgreSQL chose for an agenda item's claims
timeline (over items of 1 to 6 000 letters) made that page twice as slow.
"""

from contextlib import contextmanager


@contextmanager
def prepared_statements(connection):
    """Within the block, the statements run on `connection` (a Django connection) are
    prepared on the server the first time and reused afterwards."""
    connection.ensure_connection()
    raw = connection.connection
    before = raw.prepare_threshold
    raw.prepare_threshold = 0
    try:
        yield
    finally:
        raw.prepare_threshold = before
