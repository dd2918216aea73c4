"""Every test runs on real PostgreSQL (embedded unless DATABASE_URL is set), with the real
letters of fixtures/letters/ imported once per session through the one write path, and a
search index of their own (a temporary folder, never the developer's .search-index/)."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import setup_databases, teardown_databases

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LETTERS = FIXTURES / "letters"


@pytest.fixture(scope="session", autouse=True)
def _search_index_of_the_tests(tmp_path_factory):
    """This process searches a temporary index and applies the change log before each
    search, so a test sees the letters it has just written (in its own transaction);
    servers and commands the tests start use another temporary folder."""
    from django.conf import settings

    settings.SEARCH_INDEX_DIR = tmp_path_factory.mktemp("search-index")
    settings.SEARCH_FOLLOW_SECONDS = 0
    settings.SEARCH_READ_YOUR_WRITES = True
    os.environ["SEARCH_INDEX_DIR"] = str(tmp_path_factory.mktemp("search-index-subprocesses"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, _search_index_of_the_tests):
    created = None
    with django_db_blocker.unblock():
        if not connection.settings_dict["NAME"].startswith("test_"):
            # pytest-django makes a test database only when some collected test asks for
            # `db`; browser tests alone do not. Never let them run on the real archive.
            created = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        assert connection.settings_dict["NAME"].startswith("test_")
        call_command("import_letters", str(LETTERS), quiet_progress=True)
        call_command("search_index", "rebuild")
    yield
    if created:
        with django_db_blocker.unblock():
            teardown_databases(created, verbosity=0)


def environment_for_database(database: str, **extra: str) -> dict[str, str]:
    """The environment of a subprocess (server, importer) that must use `database`."""
    env = {**os.environ, "DEBUG": "", "PRODUCTION": "", **extra}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # only the Playwright test process needs it
    if os.environ.get("DATABASE_URL"):
        base, _, _ = os.environ["DATABASE_URL"].rpartition("/")
        env["DATABASE_URL"] = f"{base}/{database}"
    else:
        env["EMBEDDED_DATABASE"] = database
    return env


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """A STATIC_ROOT with collectstatic's manifest: a server on production settings needs it."""
    import subprocess
    import sys

    root = tmp_path_factory.mktemp("static")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=FIXTURES.parent,
        env={**environment_for_database("unused"), "STATIC_ROOT": str(root)},
        check=True,
    )
    return root


def table_counts() -> dict[str, int]:
    """Rows in every archive table: equal before and after means nothing was saved."""
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            if table.startswith("archive_"):
                cursor.execute(f'SELECT count(*) FROM "{table}"')
                counts[table] = cursor.fetchone()[0]
        return counts


@pytest.fixture
def french_letter(db):
    from archive.models import Letter

    return Letter.objects.get(texts__source_name="2021-02-23_Azerbaijan_mines.fr.txt")


@pytest.fixture(autouse=True)
def _static_files_without_manifest(settings):
    """Tests render templates without running collectstatic first; the browser tests'
    server runs collectstatic and uses the production manifest storage."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def ocr_tools():
    """Tests of scanned PDFs need Debian's tesseract and poppler: fail, never skip, without."""
    from archive.extract import ocr_available

    if not ocr_available():
        pytest.fail(
            "OCR tools missing: apt-get install tesseract-ocr tesseract-ocr-eng "
            "tesseract-ocr-fra tesseract-ocr-spa poppler-utils (.ci/run installs them)"
        )
