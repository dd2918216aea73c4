"""`/healthz` reports the database and this machine's search index: 200 when both are up,
503 with the failing part's state and a message when the index is missing, corrupt (a copy
of the real index, damaged on disk) or behind the change log by more than the bound.

The database going down under a running server is in tests/test_faults.py (it needs a
PostgreSQL of its own to stop)."""

import json
import os
import shutil
import time

import pytest
from django.core.management import call_command
from django.db import connections

from archive.models import Letter, SearchChange
from archive.search import indexer


@pytest.fixture
def index_copy(db, tmp_path, settings):
    """A copy of the tests' real index, brought up to date, that this test may damage."""
    copy = tmp_path / "index"
    shutil.copytree(settings.SEARCH_INDEX_DIR, copy, symlinks=True)
    settings.SEARCH_INDEX_DIR = copy
    indexer.update()
    return copy


def _health(client) -> tuple[int, dict]:
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, json.loads(response.content)


def test_database_and_index_up_answer_200_with_each_part_state(client, index_copy):
    status, body = _health(client)
    assert status == 200, body
    assert (body["status"], body["database"]) == ("ok", "ok")
    index = body["search_index"]
    assert (index["state"], index["present"]) == ("ok", True)
    assert index["letters"] == Letter.objects.count() > 0
    last_change = SearchChange.objects.order_by("-id").values_list("id", flat=True).first()
    # Applied up to the log's end (beyond it in this suite: changes of earlier tests'
    # transactions were applied, then rolled back; their ids are gone from the log).
    assert index["last_change_applied"] >= index["last_change"] == last_change
    assert (index["pending_changes"], index["lag_seconds"]) == (0, 0)
    assert index["max_lag_seconds"] == 60
    assert "message" not in body


def test_a_missing_index_answers_503_saying_so(client, db, tmp_path, settings):
    settings.SEARCH_INDEX_DIR = tmp_path / "no-index-here"
    status, body = _health(client)
    assert status == 503
    assert (body["status"], body["database"]) == ("unavailable", "ok")
    assert (body["search_index"]["state"], body["search_index"]["present"]) == ("missing", False)
    assert "No search index in" in body["message"]


def _one_segment_file(folder, suffix: str):
    return sorted((folder / "current").glob(f"*.{suffix}"))[0]


def _truncate_terms(folder):
    os.truncate(_one_segment_file(folder, "term"), 10)


def _garbage_meta(folder):
    (folder / "current" / "meta.json").write_text("{not json")


def _remove_store(folder):
    _one_segment_file(folder, "store").unlink()


def _garbage_state(folder):
    (folder / "current" / indexer.STATE_FILE).write_bytes(b"\x00\xff")


@pytest.mark.parametrize(
    "damage",
    [_truncate_terms, _garbage_meta, _remove_store, _garbage_state],
    ids=lambda f: f.__name__,
)
def test_a_corrupt_index_answers_503_until_update_rebuilds_it(client, index_copy, damage):
    damage(index_copy)
    status, body = _health(client)
    assert status == 503
    assert body["database"] == "ok"
    assert body["search_index"]["state"] == "corrupt"
    assert body["message"].startswith("Search index corrupt: ")

    call_command("search_index", "update")  # what the image's start and the follower run
    status, body = _health(client)
    assert status == 200, body
    assert body["search_index"]["letters"] == Letter.objects.count()


def _undo(editor, sql: str, params: list) -> None:
    with editor.cursor() as cursor:
        cursor.execute(sql, params)
    editor.close()


def test_an_index_behind_the_change_log_by_more_than_the_bound_answers_503(
    client, index_copy, settings, request
):
    # Committed by another connection, as an editor's save would be (a change of the test's
    # own transaction stays "in progress" for every snapshot it takes); undone at the end.
    letter = Letter.objects.order_by("pk").first()
    editor = connections.create_connection("default")
    editor.set_autocommit(True)
    sql = "UPDATE archive_letter SET sender_role = %s WHERE id = %s"
    with editor.cursor() as cursor:
        cursor.execute(sql, [letter.sender_role + " (amended)", letter.pk])
    request.addfinalizer(lambda: _undo(editor, sql, [letter.sender_role, letter.pk]))

    # Pending but within the bound: still serving.
    status, body = _health(client)
    assert status == 200, body
    assert body["search_index"]["pending_changes"] == 1

    # Time passes with no update applied; a bound shorter than that is exceeded.
    settings.SEARCH_INDEX_MAX_LAG_SECONDS = 0.2
    time.sleep(0.5)
    status, body = _health(client)
    assert status == 503
    index = body["search_index"]
    assert (index["state"], index["pending_changes"]) == ("behind", 1)
    assert index["lag_seconds"] >= 0.5
    assert index["last_change_applied"] < index["last_change"]
    assert "behind the change log (1 changes pending)" in body["message"]

    indexer.update()
    status, body = _health(client)
    assert status == 200, body
    assert body["search_index"]["pending_changes"] == 0


def test_an_index_made_from_another_database_is_not_healthy(client, index_copy):
    state = indexer.read_state(index_copy / "current")
    state.database = "0/another_archive"
    indexer._write_state(index_copy / "current", state)
    status, body = _health(client)
    assert status == 503
    assert body["search_index"]["state"] == "foreign"


def test_a_kept_connection_is_checked_without_a_query_and_a_dropped_one_is_found(db):
    """Each request checks its kept connection (CONN_HEALTH_CHECKS): by polling the socket,
    not by a `SELECT 1` round trip; a connection the server has dropped is found unusable,
    so the request opens a new one instead of failing (archive/postgresql)."""
    kept = connections.create_connection("default")
    try:
        with kept.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()

        def last_statement():
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
                return cursor.fetchone()[0]

        assert kept.is_usable()
        assert last_statement() == "SELECT pg_backend_pid()"  # no SELECT 1 was sent
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 5
        while kept.is_usable() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not kept.is_usable()
    finally:
        kept.close()
