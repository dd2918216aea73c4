"""The search index follows PostgreSQL's change log: every writer logs, a killed indexer loses
nothing, index copies converge, a missing or corrupt index is rebuilt, and a change is
searchable within seconds.

The indexer runs as `manage.py search_index` subprocesses on a scratch database of its own
(committed data, as in production); the tests read the index folders directly with Tantivy.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.test import Client
from psycopg import sql

from archive.models import Letter, SearchChange
from archive.search import indexer
from archive.search.engine import _ranked
from archive.search.query import Filters, combined, text_query
from archive.search.schema import PairWords, analyzer

from .conftest import environment_for_database

ROOT = Path(__file__).resolve().parent.parent
LETTERS = ROOT / "fixtures" / "letters"
TIMEOUT = 120


def _connect(database: str, **kwargs) -> psycopg.Connection:
    if os.environ.get("DATABASE_URL"):
        base, _, _ = os.environ["DATABASE_URL"].rpartition("/")
        return psycopg.connect(f"{base}/{database}", **kwargs)
    from archive.embedded_postgresql.base import ensure_server

    socket_dir = ensure_server(settings.EMBEDDED_PGDATA, settings.DATABASES["default"]["NAME"])
    return psycopg.connect(host=socket_dir, user="postgres", dbname=database, **kwargs)


@pytest.fixture(scope="module")
def scratch(django_db_setup):
    """A migrated database holding the real letters, committed; dropped afterwards."""
    name = f"search_test_{uuid.uuid4().hex[:12]}"
    with _connect("postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        for command in (["migrate", "--no-input"], ["import_letters", str(LETTERS)]):
            subprocess.run(
                [sys.executable, "manage.py", *command, "--verbosity", "0"],
                cwd=ROOT,
                env=environment_for_database(name),
                check=True,
                timeout=TIMEOUT,
                capture_output=True,
            )
        yield name
    finally:
        with _connect("postgres", autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _command(database: str, folder: Path, *args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "search_index", *args],
        cwd=ROOT,
        env=environment_for_database(
            database, SEARCH_INDEX_DIR=str(folder), SEARCH_FOLLOW_SECONDS="0", **env
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run(database: str, folder: Path, *args: str) -> str:
    process = _command(database, folder, *args)
    out, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, err
    return out + err


def _kill_at(database: str, folder: Path, point: str, *args: str) -> None:
    """Start the indexer, SIGKILL it when it reaches `point`."""
    process = _command(database, folder, *args, SEARCH_INDEX_STOP_AT=point)
    try:
        line = ""
        deadline = time.monotonic() + TIMEOUT
        while f"stopped at {point}" not in line and time.monotonic() < deadline:
            line = process.stderr.readline()
            assert line or process.poll() is None, f"indexer ended before {point}"
        assert f"stopped at {point}" in line
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=TIMEOUT)


class Folder:
    """An index folder read directly, as a web worker reads it."""

    def __init__(self, path: Path):
        self.path = path

    def searcher(self):
        link = self.path / "current"
        return indexer.open_index(self.path / os.readlink(link)).searcher()

    def letters_with(self, word: str) -> list[int]:
        query = combined(text_query(word), Filters(include_synthetic=True))
        found = self.searcher()
        result = found.search(query, 1000, order_by_field="oldest_key")
        return sorted(
            int(v) for v in found.fast_field_values("letter_id", [a for _, a in result.hits])
        )

    def pair_words(self) -> dict:
        return indexer.read_state(self.path / os.readlink(self.path / "current")).extra[
            "pair_words"
        ]

    def answer(self, words: str) -> tuple:
        """Everything a results page shows, as the engine computes it (phrases of two
        frequent words by their pairs, with this index's frequent words)."""
        found = self.searcher()
        pair_words = PairWords.from_lists(self.pair_words())
        query = combined(text_query(words, found, pair_words), Filters(include_synthetic=True))
        total, ranked = _ranked(found, query, 0, 50)
        newest = found.search(query, 50, order_by_field="newest_key")
        facets = found.aggregate(query, {"agenda": {"terms": {"field": "agenda", "size": 1000}}})

        def ids(result):
            addresses = [a for _, a in result.hits]
            return [int(v) for v in found.fast_field_values("letter_id", addresses)]

        # Relevance: the same letters; their order may differ between copies for close
        # scores, as Tantivy's BM25 statistics follow each copy's segments (see README).
        return total, sorted(letter_id for _, letter_id in ranked), ids(newest), facets

    @property
    def documents(self) -> int:
        return self.searcher().num_docs


def _rename_title(database: str, letter_id: int, word: str) -> None:
    with _connect(database) as conn:
        conn.execute(
            "UPDATE archive_lettertext SET title = title || ' ' || %s WHERE letter_id = %s",
            [word, letter_id],
        )


def _letter_ids(database: str) -> list[int]:
    with _connect(database) as conn:
        return [r[0] for r in conn.execute("SELECT id FROM archive_letter ORDER BY id")]


def test_every_writer_logs_its_change_in_its_own_transaction(db):
    letter = Letter.objects.filter(texts__language="en").first()
    before = SearchChange.objects.count()
    text = letter.texts.first()
    text.title += " (corrected)"
    text.save()
    claims = letter.claims.all()
    claims.update(review_status="rejected")
    logged = set(SearchChange.objects.filter(id__gt=0).values_list("letter_id", flat=True))
    assert letter.pk in logged and SearchChange.objects.count() > before
    letter_id = letter.pk
    letter.delete()
    assert SearchChange.objects.filter(letter_id=letter_id).count() >= 2
    assert not Letter.objects.filter(pk=letter_id).exists()


@pytest.mark.parametrize("point", ["documents-read", "index-committed"])
def test_an_indexer_killed_anywhere_loses_nothing(scratch, tmp_path, point):
    folder = Folder(tmp_path / "index")
    _run(scratch, folder.path, "update")  # builds it
    letters = _letter_ids(scratch)
    word = f"quokka{point.replace('-', '')}"
    _rename_title(scratch, letters[0], word)
    _kill_at(scratch, folder.path, point, "update")
    # Killed before its state was written: the change is still pending, and applied now.
    assert "1 letters" in _run(scratch, folder.path, "update")
    assert folder.letters_with(word) == [letters[0]]
    assert folder.documents == len(letters)  # applied twice, present once
    assert "Lag: none" in _run(scratch, folder.path, "status")


def test_a_rebuild_killed_midway_leaves_the_index_serving(scratch, tmp_path):
    folder = Folder(tmp_path / "index")
    _run(scratch, folder.path, "update")
    letters = _letter_ids(scratch)
    _rename_title(scratch, letters[1], "quokkarebuild")
    _kill_at(scratch, folder.path, "rebuild-documents-added", "rebuild")
    assert folder.documents == len(letters)  # readers still see the last good generation
    _run(scratch, folder.path, "update")
    assert folder.letters_with("quokkarebuild") == [letters[1]]
    assert folder.documents == len(letters)


def test_two_index_folders_following_one_database_converge(scratch, tmp_path):
    eager, late = Folder(tmp_path / "eager"), Folder(tmp_path / "late")
    _run(scratch, eager.path, "update")
    _run(scratch, late.path, "update")
    letters = _letter_ids(scratch)
    for number, letter_id in enumerate(letters[:3]):
        _rename_title(scratch, letter_id, f"wombat{'x' * number}")
        _run(scratch, eager.path, "update")  # follows every change
    subprocess.run(  # the ORM deletes a letter with its rows, as the admin does
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            f"from archive.models import Letter; Letter.objects.get(pk={letters[-1]}).delete()",
        ],
        cwd=ROOT,
        env=environment_for_database(scratch),
        check=True,
        timeout=TIMEOUT,
        capture_output=True,
    )
    _run(scratch, eager.path, "update")
    _run(scratch, late.path, "update")  # catches up in one go
    assert eager.documents == late.documents == len(letters) - 1
    for words in ["wombat", "security council", '"united nations"', "mines OR israeli"]:
        assert eager.answer(words) == late.answer(words), words


def test_index_copies_built_at_any_time_hold_the_same_phrase_pairs(scratch, tmp_path):
    """The frequent words whose pairs the index holds are chosen once and kept in PostgreSQL:
    a copy built later uses them, not a new choice from the letters as they are then, and a
    copy holding others rebuilds with them, so both rank a phrase alike."""
    first, later = Folder(tmp_path / "first"), Folder(tmp_path / "later")
    keep_from_one_letter = {"SEARCH_PAIR_WORDS_MIN_LETTERS": "1"}
    try:
        _command(scratch, first.path, "rebuild", **keep_from_one_letter).communicate(
            timeout=TIMEOUT
        )
        chosen = first.pair_words()
        assert {"unit", "nation"} <= set(chosen["en"])
        with _connect(scratch, autocommit=True) as conn:
            kept = dict(conn.execute("SELECT language, words FROM archive_searchpairwords"))
            assert {language: sorted(words) for language, words in kept.items()} == chosen
            # As if chosen elsewhere, from other letters: the copies must follow.
            conn.execute(
                "UPDATE archive_searchpairwords SET words = %s::jsonb WHERE language = 'en'",
                ['["nation", "secur", "unit"]'],
            )
        _run(scratch, later.path, "update")
        assert later.pair_words()["en"] == ["nation", "secur", "unit"]
        assert "rebuild" in _run(scratch, first.path, "update").lower()
        assert first.pair_words() == later.pair_words()
        assert "unit_nation" in repr(
            text_query('"united nations"', None, PairWords.from_lists(later.pair_words()))
        )
        for words in ['"united nations"', '"security council"', "security"]:
            assert first.answer(words) == later.answer(words), words
    finally:
        with _connect(scratch, autocommit=True) as conn:
            conn.execute("DELETE FROM archive_searchpairwords")


def test_frequent_words_are_chosen_again_once_the_archive_has_outgrown_them(scratch, tmp_path):
    """Words chosen when the archive was small are kept while it grows, then chosen again
    from the letters by the first rebuild after it has grown SEARCH_PAIR_WORDS_REGROWTH
    times (here 2); words whose archive size was never recorded are kept."""
    folder = Folder(tmp_path / "index")
    letters = len(_letter_ids(scratch))
    settings_now = {"SEARCH_PAIR_WORDS_MIN_LETTERS": "1", "SEARCH_PAIR_WORDS_REGROWTH": "2"}

    def rebuild_with_words_chosen_at(size: int) -> str:
        with _connect(scratch, autocommit=True) as conn:
            conn.execute("DELETE FROM archive_searchpairwords")
            conn.execute(
                "INSERT INTO archive_searchpairwords (language, words, letters)"
                " VALUES ('en', '[\"secur\", \"unit\"]', %s)",
                [size],
            )
        process = _command(scratch, folder.path, "rebuild", **settings_now)
        out, err = process.communicate(timeout=TIMEOUT)
        assert process.returncode == 0, err
        return out + err

    try:
        for kept_at in (letters // 2 + 1, 0):
            output = rebuild_with_words_chosen_at(kept_at)
            assert folder.pair_words() == {"en": ["secur", "unit"]}, kept_at
            assert "choosing again" not in output
        output = rebuild_with_words_chosen_at(letters // 2)
        assert "choosing again" in output
        chosen = folder.pair_words()
        assert {"unit", "nation"} <= set(chosen["en"]) and "fr" in chosen
        with _connect(scratch) as conn:
            kept = dict(conn.execute("SELECT language, letters FROM archive_searchpairwords"))
        assert set(kept) == set(chosen) and set(kept.values()) == {letters}
    finally:
        with _connect(scratch, autocommit=True) as conn:
            conn.execute("DELETE FROM archive_searchpairwords")


def test_a_change_is_searchable_within_seconds_of_its_commit(scratch, tmp_path):
    folder = Folder(tmp_path / "index")
    _run(scratch, folder.path, "update")
    follower = _command(scratch, folder.path, "update", "--follow", "0.5")
    try:
        letter_id = _letter_ids(scratch)[2]
        _rename_title(scratch, letter_id, "platypusword")
        committed = time.monotonic()
        while not folder.letters_with("platypusword"):
            assert time.monotonic() - committed < 10, "not searchable after 10 s"
            time.sleep(0.1)
        assert time.monotonic() - committed < 5
    finally:
        follower.send_signal(signal.SIGKILL)
        follower.wait(timeout=TIMEOUT)


def test_a_missing_or_corrupt_index_is_rebuilt_never_a_500(db, french_letter, caplog):
    for damage in ("corrupt", "missing"):
        current = indexer.current_dir()
        if damage == "corrupt":
            (current / "meta.json").write_text("{not json")
        else:
            shutil.rmtree(current)
        with caplog.at_level("WARNING", logger="archive.search"):
            response = Client().get("/search/", {"q": "mines"})
        assert response.status_code == 200
        assert french_letter.get_absolute_url() in response.content.decode()
        assert "Rebuilding the search index from PostgreSQL" in caplog.text
        caplog.clear()


def test_the_index_of_another_database_is_never_used(scratch, tmp_path, db):
    folder = tmp_path / "index"
    _run(scratch, folder, "update")
    shutil.rmtree(settings.SEARCH_INDEX_DIR)
    shutil.copytree(folder, settings.SEARCH_INDEX_DIR, symlinks=True)
    result = indexer.update()  # the tests' database, not the scratch one
    assert result.rebuilt
    assert indexer.status().documents == Letter.objects.count()


def test_analyzers_fold_accents_and_stem_each_language():
    assert analyzer("fr").analyze("Azerbaïdjan mines") == ["azerbaidjan", "min"]
    assert analyzer("en").analyze("settlements") == ["settlement"]
    assert analyzer("ru").analyze("Совета") == ["совет"]
    assert analyzer("zh").analyze("安全理事会") == ["安", "全", "理", "事", "会"]
