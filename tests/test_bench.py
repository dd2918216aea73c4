"""`manage.py bench`: synthetic letters land in their own *_bench database (and search index),
flagged synthetic, never in the archive's or the test database, and the run ends with the
BENCH line, exactness checked."""

import os
import re
import shutil
from io import StringIO
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from archive.management.commands.bench import bench_index_dir
from archive.models import Letter

# One database (and index) per test process: two suites on one server do not collide.
BENCH_DB = f"archive_pytest_{os.getpid()}_bench"
LETTERS = 200


def connect(database: str) -> psycopg.Connection:
    """A connection to another database of the same server as the tests'."""
    if os.environ.get("DATABASE_URL"):
        url = urlsplit(os.environ["DATABASE_URL"])
        return psycopg.connect(urlunsplit(url._replace(path="/" + database)), autocommit=True)
    from archive.embedded_postgresql.base import ensure_server

    socket_dir = ensure_server(settings.EMBEDDED_PGDATA, settings.DATABASES["default"]["NAME"])
    return psycopg.connect(host=socket_dir, user="postgres", dbname=database, autocommit=True)


def synthetic_count_in(database: str) -> int | None:
    """Synthetic letters in `database`, or None when it has no archive tables (or none)."""
    try:
        with connect(database) as conn:
            return conn.execute(
                "SELECT count(*) FROM archive_letter WHERE is_synthetic"
            ).fetchone()[0]
    except psycopg.Error:
        return None


def test_bench_refuses_to_run_in_a_database_not_named_bench():
    # The test database (test_archive) stands in for the archive: the inner command refuses.
    with pytest.raises(CommandError, match="Refusing to benchmark"):
        call_command("bench", "--inside-bench-database", "--letters", "5")
    with pytest.raises(CommandError, match="must end in _bench"):
        call_command("bench", "--bench-database", "archive", "--letters", "5")


@pytest.fixture
def bench_database():
    yield BENCH_DB
    with connect("postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    shutil.rmtree(bench_index_dir(BENCH_DB), ignore_errors=True)


@pytest.mark.django_db
def test_small_run_fills_only_the_bench_database_and_prints_the_bench_line(bench_database):
    real_database = os.environ.get("EMBEDDED_DATABASE", "archive")
    if os.environ.get("DATABASE_URL"):
        real_database = urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")
    real_before = synthetic_count_in(real_database)
    test_letters_before = Letter.objects.count()

    out = StringIO()
    call_command(
        "bench",
        letters=LETTERS,
        regenerate=True,
        runs=1,
        queries=2,
        import_rounds=1,
        bench_database=bench_database,
        stdout=out,
    )
    lines = out.getvalue().strip().splitlines()

    bench = lines[-1]
    assert bench.startswith(f"BENCH N={LETTERS} "), bench
    figures = dict(re.findall(r"(\w+)=([\w.]+)", bench))
    for key in [
        "search_p50_ms",
        "search_p95_ms",
        "list_p95_ms",
        "detail_p95_ms",
        "browse_p95_ms",
        "sql_search_p95_ms",
        "import_letters_per_s",
        "index_build_s",
        "index_mb",
    ]:
        assert float(figures[key]) > 0, f"{key} missing or not a number: {bench}"
    assert figures["exact"] == "1", bench
    assert float(figures["sql_search_p95_ms"]) <= float(figures["search_p95_ms"])
    assert not any(line.strip().startswith("FAILED") for line in lines), out.getvalue()
    # The machine's speed beside the figures, before and after the timings.
    speed = re.fullmatch(
        r"Machine: a fixed Python loop took ([\d.]+) ms .* and ([\d.]+) ms .*", lines[-2]
    )
    assert speed and all(float(ms) > 0 for ms in speed.groups()), lines[-2]

    with connect(bench_database) as conn:
        total, synthetic = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE is_synthetic) FROM archive_letter"
        ).fetchone()
        assert total == synthetic == LETTERS  # imported copies are removed after timing
        marked = conn.execute(
            "SELECT count(*) FROM archive_lettertext WHERE body LIKE '[Synthetic benchmark"
            " letter]%%' AND title LIKE '[Synthetic]%%'"
        ).fetchone()[0]
        assert marked == LETTERS
        languages = dict(
            conn.execute("SELECT language, count(*) FROM archive_lettertext GROUP BY 1").fetchall()
        )
        assert set(languages) == {"en", "fr", "es"} and languages["en"] > languages["fr"]
        per_letter = [
            n
            for (n,) in conn.execute(
                "SELECT count(*) FROM archive_letteragendaitem GROUP BY letter_id"
            ).fetchall()
        ]
        assert per_letter and min(per_letter) >= 1 and max(per_letter) <= 8

    # Nothing synthetic reached the test database or the real archive.
    assert Letter.objects.filter(is_synthetic=True).count() == 0
    assert Letter.objects.count() == test_letters_before
    assert synthetic_count_in(real_database) == real_before
