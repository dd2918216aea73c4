"""A bulk import killed in the middle leaves every letter whole or absent; a rerun completes it.

`manage.py import_letters` runs in a subprocess on a fresh, migrated database of its own
(the test database already holds these letters, so importing them there would change
nothing). The kill lands inside a letter's transaction, after it has written all its rows:
the test holds an uncommitted SourceFile row with that letter's checksum, so the importer's
last insert (the SourceFile, written at the very end of `ingest_letter`) waits on it. Then
the importer is killed with SIGKILL, and the database must show the letters before it
complete and nothing at all of it or of the ones after.
"""

import contextlib
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
from psycopg import sql

from archive.ingest import iter_letter_files, read_letter_file

from .conftest import environment_for_database

ROOT = Path(__file__).resolve().parent.parent
LETTERS = ROOT / "fixtures" / "letters"
# The importer takes files in name order; this one is the fifth of eight.
KILLED_IN = "A_53_568-S_1998_1025.en.txt"
TIMEOUT = 60


def _server_params(database: str) -> dict:
    """psycopg connection parameters for `database` on the server the tests use."""
    if os.environ.get("DATABASE_URL"):
        base, _, _ = os.environ["DATABASE_URL"].rpartition("/")
        return {"conninfo": f"{base}/{database}"}
    from archive.embedded_postgresql.base import ensure_server

    socket_dir = ensure_server(settings.EMBEDDED_PGDATA, settings.DATABASES["default"]["NAME"])
    return {"host": socket_dir, "user": "postgres", "dbname": database}


def _connect(database: str, **kwargs) -> psycopg.Connection:
    params = _server_params(database)
    return psycopg.connect(params.pop("conninfo", ""), **params, **kwargs)


@pytest.fixture
def scratch_database():
    """A new, migrated, empty archive database; dropped afterwards."""
    name = f"crash_test_{uuid.uuid4().hex[:12]}"
    with _connect("postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "--verbosity", "0"],
            cwd=ROOT,
            env=environment_for_database(name),
            check=True,
            timeout=TIMEOUT * 2,
        )
        yield name
    finally:
        with _connect("postgres", autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _import(database: str, folder: Path, *options: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "import_letters", str(folder), "--quiet-progress", *options],
        cwd=ROOT,
        env=environment_for_database(database),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(condition, what: str):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def _state_of(conn: psycopg.Connection, path: Path, parsed, sha256: str) -> str:
    """'complete' when every part of the letter is stored, 'absent' when none is, else what."""
    symbols = [s.upper() for s in parsed.symbols]
    found = conn.execute(
        """
        SELECT t.id, t.letter_id, t.full_text,
          (SELECT count(*) FROM archive_annex a WHERE a.letter_text_id = t.id),
          (SELECT count(*) FROM archive_letteragendaitem l WHERE l.letter_id = t.letter_id),
          (SELECT count(*) FROM archive_signatory s WHERE s.letter_id = t.letter_id),
          (SELECT array_agg(lookup ORDER BY position) FROM archive_lettersymbol s
            WHERE s.letter_id = t.letter_id),
          (SELECT count(*) FROM archive_sourcefile f
            WHERE f.letter_text_id = t.id AND f.sha256 = %s)
        FROM archive_lettertext t WHERE t.source_name = %s
        """,
        [sha256, path.name],
    ).fetchall()
    stray_symbols = conn.execute(
        "SELECT count(*) FROM archive_lettersymbol WHERE lookup = ANY(%s)", [symbols]
    ).fetchone()[0]
    stray_source = conn.execute(
        "SELECT count(*) FROM archive_sourcefile WHERE sha256 = %s", [sha256]
    ).fetchone()[0]
    if not found:
        return "absent" if not stray_symbols and not stray_source else "partial: rows without text"
    if len(found) > 1:
        return "duplicated"
    _id, _letter, text, annexes, agenda, signatories, stored_symbols, sources = found[0]
    expected_agenda = len(parsed.agenda_items) if parsed.ga_session else 0
    complete = (
        text == parsed.text
        and annexes == len(parsed.annexes)
        and agenda == expected_agenda
        and signatories == len(parsed.signatories)
        and (stored_symbols or []) == symbols
        and sources == 1
    )
    return "complete" if complete else "partial"


def _letter_states(database: str, files: list[Path]) -> dict[str, str]:
    with _connect(database, autocommit=True) as conn:
        states = {}
        for path in files:
            letter_file = read_letter_file(path.read_bytes(), path.name)
            parsed, sha256 = letter_file.parsed, letter_file.sha256
            states[path.name] = _state_of(conn, path, parsed, sha256)
        # A letter row without any text would be a half-imported letter of unknown origin.
        orphans = conn.execute(
            "SELECT count(*) FROM archive_letter l WHERE NOT EXISTS "
            "(SELECT 1 FROM archive_lettertext t WHERE t.letter_id = l.id)"
        ).fetchone()[0]
        states["letters without text"] = str(orphans)
        return states


def _counts(database: str) -> dict[str, int]:
    tables = ["letter", "lettersymbol", "lettertext", "annex", "signatory", "sourcefile"]
    with _connect(database, autocommit=True) as conn:
        return {
            table: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(f"archive_{table}"))
            ).fetchone()[0]
            for table in tables
        }


@pytest.mark.parametrize(
    "options, committed",
    [
        ((), "every letter before the one killed"),
        # Batches of three, parsed in two processes: the batch of the letter killed goes whole.
        (("--batch-size=3", "--jobs=2"), "the batches before the one killed"),
    ],
)
def test_a_killed_bulk_import_leaves_letters_whole_or_absent_and_a_rerun_completes_it(
    scratch_database, tmp_path, options, committed
):
    folder = tmp_path / "letters"
    folder.mkdir()
    for path in LETTERS.glob("*.txt"):
        shutil.copy(path, folder / path.name)
    files = iter_letter_files([folder])
    names = [p.name for p in files]
    killed_at = names.index(KILLED_IN)
    assert 0 < killed_at < len(names) - 1  # letters before it and after it

    # An uncommitted SourceFile with the fifth letter's checksum: the importer will write
    # that letter's rows, then wait on this one at its last insert.
    blocked_sha256 = read_letter_file((folder / KILLED_IN).read_bytes(), KILLED_IN).sha256
    blocker = _connect(scratch_database)
    blocker.execute(
        "INSERT INTO archive_sourcefile (sha256, original_name, stored_path, size, file_format,"
        " uploaded_at) VALUES (%s, 'blocker', '', 0, 'txt', now())",
        [blocked_sha256],
    )
    importer = _import(scratch_database, folder, *options)
    try:
        with _connect(scratch_database, autocommit=True) as watcher:
            waiting = _wait_for(
                lambda: watcher.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s"
                    " AND wait_event_type = 'Lock' AND backend_xid IS NOT NULL",
                    [scratch_database],
                ).fetchone(),
                "the importer to reach the fifth letter",
            )
            importer.send_signal(signal.SIGKILL)
            importer.wait(timeout=TIMEOUT)
            blocker.rollback()
            # The killed importer's server process notices the lost client and rolls back.
            _wait_for(
                lambda: (
                    not watcher.execute(
                        "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [waiting[0]]
                    ).fetchone()
                ),
                "the killed importer's transaction to end",
            )
    finally:
        blocker.close()
        if importer.poll() is None:
            importer.kill()
            importer.wait()
    assert importer.returncode == -signal.SIGKILL

    if committed.startswith("the batches"):
        killed_at -= killed_at % 3
    states = _letter_states(scratch_database, files)
    assert states == {
        **dict.fromkeys(names[:killed_at], "complete"),
        **dict.fromkeys(names[killed_at:], "absent"),
        "letters without text": "0",
    }

    # Rerunning completes the set: the letters already in are unchanged, none twice.
    rerun = _import(scratch_database, folder, *options)
    out, err = rerun.communicate(timeout=TIMEOUT * 2)
    assert rerun.returncode == 0, err
    created, unchanged = len(names) - killed_at, killed_at
    assert f"{created} created, 0 updated, {unchanged} unchanged, 0 failed" in out
    assert set(_letter_states(scratch_database, files).values()) == {"complete", "0"}
    counts = _counts(scratch_database)
    assert counts["letter"] == counts["lettertext"] == counts["sourcefile"] == len(names)

    # And once more: nothing changes.
    again = _import(scratch_database, folder, *options)
    out, err = again.communicate(timeout=TIMEOUT * 2)
    assert again.returncode == 0, err
    assert f"0 created, 0 updated, {len(names)} unchanged, 0 failed" in out
    assert _counts(scratch_database) == counts


@pytest.mark.parametrize("options", [(), ("--batch-size=3", "--jobs=2")])
def test_two_imports_of_the_same_folder_at_once_both_finish_and_store_each_letter_once(
    scratch_database, tmp_path, options
):
    folder = tmp_path / "letters"
    folder.mkdir()
    for path in LETTERS.glob("*.txt"):
        shutil.copy(path, folder / path.name)
    files = iter_letter_files([folder])

    first = _import(scratch_database, folder, *options)
    second = _import(scratch_database, folder, *options)
    outputs = [process.communicate(timeout=TIMEOUT * 2) for process in (first, second)]

    for process, (out, err) in zip((first, second), outputs, strict=True):
        assert process.returncode == 0, err
        assert "0 failed" in out
        assert "Traceback" not in err
    created = sum(int(out.split(" created")[0].rsplit(" ", 1)[-1]) for out, _err in outputs)
    assert created == len(files)  # each letter created by one of them, found by the other
    assert set(_letter_states(scratch_database, files).values()) == {"complete", "0"}
    counts = _counts(scratch_database)
    assert counts["letter"] == counts["lettertext"] == counts["sourcefile"] == len(files)


def _parse_processes(importer: subprocess.Popen) -> list[int]:
    """The importer's children that are alive (not zombies), from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == importer.pid and fields[0] != "Z":
                found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return False


def test_a_killed_parallel_import_leaves_no_parse_process_behind(scratch_database, tmp_path):
    folder = tmp_path / "letters"
    folder.mkdir()
    for copy in range(50):
        for path in LETTERS.glob("*.txt"):
            shutil.copy(path, folder / f"{copy}-{path.name}")
    importer = _import(scratch_database, folder, "--jobs=2")
    try:
        children = _wait_for(lambda: _parse_processes(importer), "the parse processes")
    finally:
        importer.send_signal(signal.SIGKILL)
        importer.wait(timeout=TIMEOUT)
    assert children
    # Killed with SIGKILL, the importer could not stop them: they notice it is gone.
    _wait_for(lambda: not any(map(_alive, children)), "the parse processes to end")
