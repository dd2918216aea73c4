"""A bulk import SIGKILLed at random points, then rerun: exactly the intended set.

Each round imports the real letters of fixtures/letters into a fresh copy of a migrated,
empty database (CREATE DATABASE ... TEMPLATE), kills the importer with SIGKILL after a random
delay drawn over the span of a whole import (measured first, from its first connection to its
exit), checks that every letter is whole or absent with no orphan row, then reruns the import
to completion and checks the set is exactly the intended one: each letter once, with all its
parts, and no file left behind in MEDIA_ROOT.

The search index is killed with it: a follower (`search_index update --follow`, what every web
process runs) applies the change log into a folder of the round while the import runs, and is
SIGKILLed at the same moment. After the rerun, `search_index update` must bring the lag to 0
with the index holding exactly the database's letters, each findable by its symbol and by a
phrase of its text; a letter then deleted must be findable no more after the next update.

`make test` runs KILLS=3 rounds; `make faults` runs 20 and prints the figures.
"""

import os
import random
import signal
import subprocess
import sys
import threading
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


def _follower(database: str, folder) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "search_index", "update", "--follow", "0.1"],
        cwd=ROOT,
        env=environment_for_database(
            database, SEARCH_INDEX_DIR=str(folder), SEARCH_FOLLOW_SECONDS="0"
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# Run in the round's database after the rerun: the index brought up to date, compared with
# the letters, then one letter deleted (through the ORM, as the admin deletes) and the index
# updated again. Prints one JSON line of findings.
INDEX_CHECK = r"""
import json, re
import tantivy
from django.core.management import call_command
from archive.models import Letter
from archive.search import indexer, search_letters
from archive.search.schema import schema

def index_ids():
    searcher = indexer.open_index(indexer.current_dir()).searcher()
    hits = searcher.search(tantivy.Query.all_query(), limit=100_000).hits
    return sorted(searcher.fast_field_values("letter_id", [a for _, a in hits]))

def phrase(letter):
    # Four consecutive words from the middle of its first language version's body.
    words = re.findall(r"\w+", letter.texts.order_by("language")[0].body)
    middle = max(0, len(words) // 2 - 2)
    return '"' + " ".join(words[middle : middle + 4]) + '"'

def findable(letter):
    # By each of its symbols (a letter may have none) and by a phrase of its text.
    queries = [*letter.symbol_list, phrase(letter)]
    pages = [search_letters(q, per_page=100, facets=False) for q in queries]
    return all(letter.pk in [hit.letter.pk for hit in page.hits] for page in pages)

call_command("search_index", "update", verbosity=0)
status = indexer.status()
letters = list(Letter.objects.order_by("pk").prefetch_related("symbols"))
ids = [letter.pk for letter in letters]
found = {
    "pending": status.pending_changes,
    "last_change_applied": status.state.last_change_id,
    "last_change": status.last_change_id,
    "missing": sorted(set(ids) - set(index_ids())),
    "extra": sorted(set(index_ids()) - set(ids)),
    "doubled": len(index_ids()) - len(set(index_ids())),
    "not_findable": [l.pk for l in letters if not findable(l)],
}
gone = next(letter for letter in letters if letter.symbol_list)
symbol, words = gone.symbol_list[0], phrase(gone)
gone_pk = gone.pk
gone.delete()
call_command("search_index", "update", verbosity=0)
found["deleted_in_index"] = gone_pk in index_ids()
found["deleted_findable"] = any(
    gone_pk in [hit.letter.pk for hit in search_letters(q, per_page=100, facets=False).hits]
    for q in (symbol, words)
)
found["pending_after_delete"] = indexer.status().pending_changes
print("INDEXCHECK " + json.dumps(found))
"""


def _check_index(database: str, folder) -> dict:
    import json

    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", INDEX_CHECK],
        cwd=ROOT,
        env=environment_for_database(
            database, SEARCH_INDEX_DIR=str(folder), SEARCH_FOLLOW_SECONDS="0"
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    line = next((r for r in result.stdout.splitlines() if r.startswith("INDEXCHECK ")), None)
    assert line, result.stdout + result.stderr
    return json.loads(line.removeprefix("INDEXCHECK "))


def _applied(folder) -> int:
    """The last change the index in `folder` had applied (0: none yet)."""
    import json

    return json.loads((folder / "current" / "state.json").read_text())["last_change_id"]


def _wait_for_index(folder, follower: subprocess.Popen) -> None:
    """Until the follower has built the (empty) index and is following."""
    deadline = time.monotonic() + 60
    while not (folder / "current" / "state.json").exists():
        assert follower.poll() is None and time.monotonic() < deadline, "no follower"
        time.sleep(0.05)


def _commit_window(database: str, importer: subprocess.Popen) -> tuple[float, float]:
    """The moments the import's first and last letters were committed (watched until it
    exits)."""
    first = last = None
    seen = 0
    with _connect(database, autocommit=True) as watcher:
        while importer.poll() is None:
            count = watcher.execute("SELECT count(*) FROM archive_letter").fetchone()[0]
            if count > seen:
                seen, last = count, time.monotonic()
                first = first or last
            time.sleep(0.002)
    ended = time.monotonic()
    return first or ended, last or ended


def _wait_until_connected(
    database: str, importer: subprocess.Popen, others: set[int] = frozenset()
) -> float:
    """The moment the importer's first connection to `database` shows up (`others`: the
    server pids of connections already there, the follower's)."""
    with _connect("postgres", autocommit=True) as watcher:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and importer.poll() is None:
            if set(_backends(watcher, database)) - set(others):
                return time.monotonic()
            time.sleep(0.005)
    return time.monotonic()


def _backends(watcher, database: str) -> list[int]:
    rows = watcher.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [database])
    return [pid for (pid,) in rows.fetchall()]


def _connected(database: str) -> set[int]:
    with _connect("postgres", autocommit=True) as watcher:
        return set(_backends(watcher, database))


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
        first_commit, last_commit = (t - connected for t in _commit_window(baseline, importer))
        assert importer.wait(timeout=300) == 0
        span = time.monotonic() - connected
        complete_counts = _counts(baseline)
    finally:
        _drop(baseline)
    assert complete_counts["letter"] == len(names)

    kills = lost = duplicated = orphans = partial = 0
    index_problems: list[str] = []
    applied_before_kill = 0  # rounds whose follower had applied changes when killed
    cut_midway = 0
    stray_files = []
    for number in range(KILLS):
        database = _copy_of(scratch_database)
        index_folder = tmp_path / f"index-{number}"
        follower = None
        try:
            # The follower first, so that it is applying the change log while the import
            # commits, as the web processes would be.
            follower = _follower(database, index_folder)
            _wait_for_index(index_folder, follower)
            follower_connections = _connected(database)
            importer = _importer(database, media_root)
            _wait_until_connected(database, importer, follower_connections)
            # The follower is killed at a random point of its own, up to twice the import's
            # span: before, while or after it applies what the import committed.
            follower_killer = threading.Timer(
                rng.uniform(0, 2 * span), follower.send_signal, [signal.SIGKILL]
            )
            follower_killer.start()
            # Every other round, a point while the import writes (between its first and last
            # commit, as measured): starting, reading files and exiting take most of the span.
            time.sleep(
                rng.uniform(first_commit, last_commit) if number % 2 else rng.uniform(0, span)
            )
            if importer.poll() is None:
                importer.send_signal(signal.SIGKILL)
                kills += 1
            importer.wait(timeout=60)
            follower_killer.join()
            follower.wait(timeout=60)
            applied_before_kill += _applied(index_folder) > 0
            # The killed client's server process rolls its transaction back.
            time.sleep(0.2)
            states = _letter_states(database, files)
            orphans += int(states.pop("letters without text"))
            partial += sum(state not in {"complete", "absent"} for state in states.values())
            # Rounds killed with part of the import committed (and the rest to do).
            cut_midway += 0 < sum(state == "complete" for state in states.values()) < len(names)

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
            index_problems += _index_problems(_check_index(database, index_folder), number)
        finally:
            for process in (importer, follower):
                if process is not None and process.poll() is None:
                    process.kill()
            _drop(database)
    print(
        f"\nKILLS kills={kills} of rounds={KILLS} letters={len(names)} import_span_s={span:.2f} "
        f"commits_s={first_commit:.2f}-{last_commit:.2f} "
        f"rows_lost={lost} duplicated={duplicated} partial={partial} orphan_rows={orphans} "
        f"stray_files={len(stray_files)} index_out_of_step={len(index_problems)} "
        f"killed_with_part_committed={cut_midway} index_killed_after_applying={applied_before_kill}"
    )
    assert (lost, duplicated, partial, orphans, stray_files) == (0, 0, 0, 0, [])
    assert index_problems == []
    assert kills >= KILLS // 2  # most rounds killed the importer mid-way, not after it ended


def _index_problems(found: dict, number: int) -> list[str]:
    """What was out of step in round `number`'s index, one line each (none when in step)."""
    expected = {
        "pending": 0,
        "missing": [],
        "extra": [],
        "doubled": 0,
        "not_findable": [],
        "deleted_in_index": False,
        "deleted_findable": False,
        "pending_after_delete": 0,
    }
    problems = [
        f"round {number}: {key}={found[key]!r}, expected {value!r}"
        for key, value in expected.items()
        if found[key] != value
    ]
    if found["last_change_applied"] != found["last_change"]:
        problems.append(f"round {number}: last change applied {found['last_change_applied']}")
    return problems
