"""A bulk import SIGKILLed at random points, then rerun: exactly the intended set.

Each round imports the real letters of fixtures/letters into a fresh copy of a migrated,
empty database (CREATE DATABASE ... TEMPLATE), kills the importer with SIGKILL after a random
delay drawn over the span of a whole import (measured first, from its first connection to its
exit), checks that every letter is whole or absent with no orphan row, then reruns the import
to completion and checks the set is exactly the intended one: each letter once, with all its
parts, and no file left behind in MEDIA_ROOT.

`make test` runs KILLS=3 rounds; `make faults` runs 20 and prints the figures.
"""

import os
import random
import signal
import subprocess
import sys
import time
import uuid

from psycopg import sql

from archive.ingest import iter_letter_files

from .conftest import environment_for_database
from .test_crash_safety import (  # noqa: F401 - scratch_database is a fixture
    LETTERS,
    ROOT,
    _connect,
    _counts,
    _letter_states,
    scratch_database,
)

KILLS = int(os.environ.get("KILLS", 3))


def _importer(database: str, media_root) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "import_letters", str(LETTERS), "--quiet-progress"],
        cwd=ROOT,
        env=environment_for_database(database, MEDIA_ROOT=str(media_root)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_until_connected(database: str, importer: subprocess.Popen) -> float:
    """The moment the importer's first connection to `database` shows up."""
    with _connect("postgres", autocommit=True) as watcher:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and importer.poll() is None:
            if watcher.execute(
                "SELECT 1 FROM pg_stat_activity WHERE datname = %s", [database]
            ).fetchone():
                return time.monotonic()
            time.sleep(0.005)
    return time.monotonic()


def _copy_of(template: str) -> str:
    name = f"kill_{uuid.uuid4().hex[:10]}"
    with _connect("postgres", autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    return name


def _drop(name: str) -> None:
    with _connect("postgres", autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def test_an_import_killed_at_random_points_and_rerun_leaves_exactly_the_intended_set(
    scratch_database,  # noqa: F811 - the fixture imported above
    tmp_path,
):
    files = iter_letter_files([LETTERS])
    names = [path.name for path in files]
    media_root = tmp_path / "media"
    rng = random.Random(os.environ.get("KILL_SEED"))

    # How long a whole import takes here, from its first connection to its exit.
    baseline = _copy_of(scratch_database)
    try:
        importer = _importer(baseline, media_root)
        connected = _wait_until_connected(baseline, importer)
        assert importer.wait(timeout=300) == 0
        span = time.monotonic() - connected
        complete_counts = _counts(baseline)
    finally:
        _drop(baseline)
    assert complete_counts["letter"] == len(names)

    kills = lost = duplicated = orphans = partial = 0
    stray_files = []
    for _round in range(KILLS):
        database = _copy_of(scratch_database)
        try:
            importer = _importer(database, media_root)
            _wait_until_connected(database, importer)
            time.sleep(rng.uniform(0, span))
            if importer.poll() is None:
                importer.send_signal(signal.SIGKILL)
                kills += 1
            importer.wait(timeout=60)
            # The killed client's server process rolls its transaction back.
            time.sleep(0.2)
            states = _letter_states(database, files)
            orphans += int(states.pop("letters without text"))
            partial += sum(state not in {"complete", "absent"} for state in states.values())

            rerun = _importer(database, media_root)
            assert rerun.wait(timeout=300) == 0
            states = _letter_states(database, files)
            orphans += int(states.pop("letters without text"))
            lost += sum(state == "absent" for state in states.values())
            duplicated += sum(state == "duplicated" for state in states.values())
            partial += sum(
                state not in {"complete", "absent", "duplicated"} for state in states.values()
            )
            counts = _counts(database)
            duplicated += max(0, counts["letter"] - complete_counts["letter"])
            assert counts == complete_counts
            stray_files += [str(p) for p in media_root.rglob("*")] if media_root.exists() else []
        finally:
            if importer.poll() is None:
                importer.kill()
            _drop(database)
    print(
        f"\nKILLS kills={kills} of rounds={KILLS} letters={len(names)} import_span_s={span:.2f} "
        f"rows_lost={lost} duplicated={duplicated} partial={partial} orphan_rows={orphans} "
        f"stray_files={len(stray_files)}"
    )
    assert (lost, duplicated, partial, orphans, stray_files) == (0, 0, 0, 0, [])
    assert kills >= KILLS // 2  # most rounds killed the importer mid-way, not after it ended
