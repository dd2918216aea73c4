"""The index on disk, and how it follows PostgreSQL's change log.

Layout of settings.SEARCH_INDEX_DIR (git-ignored, `.search-index/` by default):

    writer.lock        flock: one writer at a time, across processes
    current -> gen-3   symlink to the generation readers use (replaced atomically on rebuild)
    gen-3/             Tantivy's files, and state.json: what of the change log is applied

The change log is the table archive_searchchange, filled by PostgreSQL triggers on every
table a letter's document is made of (migration 0091), in the transaction that changes the
letter: whoever writes (ingest, the admin, a bulk COPY, psql) logs the change, and it exists
exactly when the change is committed. Each row holds the letter id and the writing
transaction's id.

Applying it: the indexer remembers the PostgreSQL snapshot it last read under
(`pg_current_snapshot()`, in state.json). The changes still to apply are the rows whose
transaction that snapshot did not see (`pg_visible_in_snapshot`), whatever their order of
commit: a change log read by "id greater than the last one" would skip a transaction that
took its id earlier and committed later. For each such letter the indexer reads the letter
as it is now, in one REPEATABLE READ snapshot, deletes its document and adds the new one
(or none if the letter is gone), commits the index, and only then writes state.json
(atomically). Killed at any point, the next run applies again what was pending: applying a
letter twice gives the same document, so nothing is lost and nothing doubles.

Readers (every web worker) open `current` read-only and reload when state.json changes: a
commit is seen at the next request, without a restart.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import tantivy
from django.conf import settings
from django.db import close_old_connections, connection, transaction

from archive.search import documents
from archive.search.schema import (
    SCHEMA_VERSION,
    PairWords,
    frequent_words,
    make_document,
    register_analyzers,
    schema,
)

logger = logging.getLogger("archive.search")

STATE_FILE = "state.json"
UPDATE_HEAP_BYTES = 64_000_000
FETCH_BATCH = 1000
# Letters written by the transaction of this process's connection that were applied before
# it ended (the tests write and search in one transaction, then roll it back): applied again
# once that transaction is over.
_own_changes: set[int] = set()
_own_txid: int | None = None
_own_applied_up_to = 0  # change ids of that transaction already applied


class IndexUnavailable(RuntimeError):
    """No usable index yet (being built); the page says so instead of failing."""


@dataclass
class IndexState:
    """What the index holds, written beside it after each commit."""

    schema_version: int = SCHEMA_VERSION
    database: str = ""
    # pg_current_snapshot() the last applied changes were read under.
    snapshot: str = ""
    last_change_id: int = 0
    letters: int = 0
    built_at: float = 0.0
    updated_at: float = 0.0
    build_seconds: float = 0.0
    extra: dict = field(default_factory=dict)


def index_root() -> Path:
    return Path(settings.SEARCH_INDEX_DIR)


def current_dir() -> Path | None:
    link = index_root() / "current"
    try:
        return index_root() / os.readlink(link)
    except OSError:
        return None


def read_state(directory: Path) -> IndexState | None:
    try:
        data = json.loads((directory / STATE_FILE).read_text())
        return IndexState(**data)
    except (OSError, ValueError, TypeError):
        return None


def _write_state(directory: Path, state: IndexState) -> None:
    """Atomically, and durably: the index is committed before this is written."""
    temporary = directory / (STATE_FILE + ".tmp")
    with open(temporary, "w") as handle:
        json.dump(asdict(state), handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, directory / STATE_FILE)
    _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def database_identity(cursor) -> str:
    """Which database the index is derived from: an index made from another database (the
    tests', the benchmark's) is never used for this one."""
    cursor.execute("SELECT current_database(), (SELECT system_identifier FROM pg_control_system())")
    name, system = cursor.fetchone()
    return f"{system}/{name}"


def open_index(directory: Path) -> tantivy.Index:
    index = tantivy.Index.open(str(directory))
    register_analyzers(index)
    return index


@contextlib.contextmanager
def writer_lock(wait: bool = True):
    """One writer at a time; yields False when `wait` is off and another process writes."""
    root = index_root()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "writer.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def usable(directory: Path | None, identity: str) -> IndexState | None:
    """The state of the index in `directory` if it can serve this database, else None."""
    if directory is None or not directory.is_dir():
        return None
    state = read_state(directory)
    if state is None or state.schema_version != SCHEMA_VERSION or state.database != identity:
        return None
    try:
        open_index(directory)
    except (ValueError, OSError):
        return None
    return state


# --- rebuild --------------------------------------------------------------------------------


def rebuild(*, reason: str = "", progress=None, choose_pair_words: bool = False) -> IndexState:
    """Build a new generation from every letter in PostgreSQL, then switch `current` to it.

    Reads in one REPEATABLE READ snapshot, which becomes the index's position in the change
    log: what committed after it is applied by the next update."""
    with writer_lock():
        return _rebuild_locked(
            reason=reason, progress=progress, choose_pair_words=choose_pair_words
        )


def _rebuild_locked(
    *, reason: str = "", progress=None, choose_pair_words: bool = False
) -> IndexState:
    if reason:
        logger.warning("Rebuilding the search index from PostgreSQL: %s", reason)
    began = time.monotonic()
    root = index_root()
    root.mkdir(parents=True, exist_ok=True)
    number = 1 + max(
        (int(p.name[4:]) for p in root.glob("gen-*") if p.name[4:].isdigit()), default=0
    )
    directory = root / f"gen-{number}"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir()
    pair_words = chosen_pair_words(choose_again=choose_pair_words)
    index = tantivy.Index(schema(), path=str(directory), reuse=False)
    register_analyzers(index)
    # One writer thread with a large budget: few segments (settings.SEARCH_REBUILD_MEMORY_MB),
    # and no slower than two, as making the documents here is what takes the time.
    budget = min(settings.SEARCH_REBUILD_MEMORY_MB, 4000) * 1_000_000
    writer = index.writer(heap_size=budget, num_threads=1)
    letters = 0
    with _snapshot_transaction() as cursor:
        identity = database_identity(cursor)
        snapshot, _own = _snapshot(cursor)
        cursor.execute("SELECT coalesce(max(id), 0) FROM archive_searchchange")
        last_change = cursor.fetchone()[0]
        for row in documents.all_letter_rows(cursor):
            writer.add_document(make_document(row, pair_words))
            letters += 1
            if progress and letters % 10_000 == 0:
                progress(letters)
    _stop_here_for_tests("rebuild-documents-added")
    writer.commit()
    writer.wait_merging_threads()
    now = time.time()
    state = IndexState(
        database=identity,
        snapshot=snapshot,
        last_change_id=last_change,
        letters=letters,
        built_at=now,
        updated_at=now,
        build_seconds=time.monotonic() - began,
        extra={"pair_words": pair_words.as_lists()},
    )
    _write_state(directory, state)
    _switch_current(directory)
    _own_changes.clear()
    return state


def _switch_current(directory: Path) -> None:
    root = index_root()
    temporary = root / "current.tmp"
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    os.symlink(directory.name, temporary)
    os.replace(temporary, root / "current")
    _fsync_dir(root)
    # Readers still mapping an older generation keep their open files (POSIX).
    for old in root.glob("gen-*"):
        if old != directory:
            shutil.rmtree(old, ignore_errors=True)


# --- update ---------------------------------------------------------------------------------


@dataclass
class UpdateResult:
    applied: int = 0  # letters re-indexed or removed
    changes: int = 0  # change-log rows read
    rebuilt: bool = False
    skipped: bool = False  # another process held the writer lock
    state: IndexState | None = None


def update(*, wait: bool = True, rebuild_if_unusable: bool = True) -> UpdateResult:
    """Apply every pending change of the change log; rebuild first when the index is
    missing, of another schema or database, or unreadable (with a logged reason)."""
    with writer_lock(wait) as locked:
        if not locked:
            return UpdateResult(skipped=True)
        with _cursor() as cursor:
            identity = database_identity(cursor)
            kept = stored_pair_words(cursor)
        directory = current_dir()
        state = usable(directory, identity)
        if state is not None and kept is not None and kept != state.extra.get("pair_words"):
            return UpdateResult(
                rebuilt=True,
                state=_rebuild_locked(reason="the frequent words of phrases were chosen again"),
            )
        if state is None:
            if not rebuild_if_unusable:
                raise IndexUnavailable("The search index is missing or unusable.")
            reason = _unusable_reason(directory, identity)
            return UpdateResult(rebuilt=True, state=_rebuild_locked(reason=reason))
        return _apply_pending(directory, state)


def _unusable_reason(directory: Path | None, identity: str) -> str:
    if directory is None or not directory.is_dir():
        return f"no index in {index_root()}"
    state = read_state(directory)
    if state is None:
        return f"{directory} has no readable {STATE_FILE}"
    if state.schema_version != SCHEMA_VERSION:
        return f"index schema {state.schema_version}, this code needs {SCHEMA_VERSION}"
    if state.database != identity:
        return f"index made from database {state.database}, this is {identity}"
    return f"{directory} cannot be opened (corrupt?)"


def _apply_pending(directory: Path, state: IndexState) -> UpdateResult:
    global _own_txid, _own_applied_up_to
    with _snapshot_transaction() as cursor:
        snapshot, own = _snapshot(cursor)
        # This transaction's own changes (the tests' read-your-writes mode) come by the second
        # condition only, those not applied yet: a snapshot taken in it ends at its own id
        # when no later transaction has ended (its xmax is the latest ended + 1), so they
        # count as not visible in it, and the first condition took them all again at every
        # update (~9 s each for 4 000 letters when nothing else ran on the server).
        cursor.execute(
            "SELECT c.id, c.letter_id, c.txid FROM archive_searchchange c"
            " WHERE (c.txid >= pg_snapshot_xmin(%(previous)s::pg_snapshot)::text::bigint"
            "  AND NOT pg_visible_in_snapshot(c.txid::text::xid8, %(previous)s::pg_snapshot)"
            "  AND c.txid <> %(own)s)"
            " OR (c.txid = %(own)s AND c.id > %(own_after)s) ORDER BY c.id",
            {
                "previous": state.snapshot,
                "own": own if own is not None else -1,
                "own_after": _own_applied_up_to if own == _own_txid else 0,
            },
        )
        changes = cursor.fetchall()
        letter_ids = {letter_id for _, letter_id, _ in changes}
        if _own_changes and own != _own_txid:
            # An earlier transaction of this connection wrote them and has ended (rolled
            # back, in the tests): put them back as they are now.
            letter_ids |= _own_changes
            _own_changes.clear()
        if own is not None:
            if own != _own_txid:
                _own_txid, _own_applied_up_to = own, 0
            mine = [(c, letter_id) for c, letter_id, txid in changes if txid == own]
            _own_changes.update(letter_id for _, letter_id in mine)
            _own_applied_up_to = max([_own_applied_up_to, *(c for c, _ in mine)])
        letter_ids = sorted(letter_ids)
        rows = []
        for start in range(0, len(letter_ids), FETCH_BATCH):
            rows += documents.letter_rows(cursor, letter_ids[start : start + FETCH_BATCH])
    _stop_here_for_tests("documents-read")
    if letter_ids:
        _write_documents(directory, letter_ids, rows, pair_words(state))
    _stop_here_for_tests("index-committed")
    if not changes and not letter_ids:
        # Nothing new: state.json stays as it is. Rewriting it every second made every web
        # worker reopen its searcher every second; the next changes are found from the
        # older snapshot all the same.
        return UpdateResult(applied=0, changes=0, state=state)
    state.snapshot = snapshot
    state.last_change_id = max([state.last_change_id, *(c for c, _, _ in changes)])
    state.updated_at = time.time()
    _write_state(directory, state)
    return UpdateResult(applied=len(letter_ids), changes=len(changes), state=state)


# pg_advisory_xact_lock's key while the frequent words are chosen: one chooser at a time.
PAIR_WORDS_LOCK = 7_201_104


def chosen_pair_words(*, choose_again: bool = False) -> PairWords:
    """The frequent words whose pairs the index holds (models.SearchPairWords): those kept
    in PostgreSQL, else chosen now from a sample of the letters, and kept when the archive
    has SEARCH_PAIR_WORDS_MIN_LETTERS or more (a small archive's would fit it only). Kept
    words are chosen again when asked, or when the archive has grown
    SEARCH_PAIR_WORDS_REGROWTH times since they were chosen."""
    with transaction.atomic(), _cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PAIR_WORDS_LOCK])
        kept = None if choose_again else stored_pair_words(cursor)
        if kept is not None and not _outgrown(cursor):
            return PairWords.from_lists(kept)
        cursor.execute("DELETE FROM archive_searchpairwords")
        texts, letters = documents.sample_texts(cursor)
        chosen = frequent_words(texts)
        if letters >= settings.SEARCH_PAIR_WORDS_MIN_LETTERS:
            for language, words in chosen.as_lists().items():
                cursor.execute(
                    "INSERT INTO archive_searchpairwords (language, words, letters)"
                    " VALUES (%s, %s::jsonb, %s)",
                    [language, json.dumps(words), letters],
                )
        return chosen


def _outgrown(cursor) -> bool:
    """Whether the archive has grown SEARCH_PAIR_WORDS_REGROWTH times since the kept words
    were chosen (never when that size was not recorded)."""
    cursor.execute("SELECT min(letters) FROM archive_searchpairwords")
    chosen_at = cursor.fetchone()[0] or 0
    if not chosen_at:
        return False
    cursor.execute("SELECT count(*) FROM archive_letter")
    letters = cursor.fetchone()[0]
    if letters < chosen_at * settings.SEARCH_PAIR_WORDS_REGROWTH:
        return False
    logger.warning(
        "The archive has %s letters, its frequent words were chosen at %s: choosing again.",
        letters,
        chosen_at,
    )
    return True


def stored_pair_words(cursor) -> dict[str, list[str]] | None:
    """The frequent words kept in PostgreSQL, by language (sorted), or None."""
    # As text: Django's connections load jsonb as text (JSONField decodes it), others not.
    cursor.execute("SELECT language, words::text FROM archive_searchpairwords ORDER BY language")
    rows = cursor.fetchall()
    if not rows:
        return None
    return {language: sorted(json.loads(words)) for language, words in rows}


def pair_words(state: IndexState) -> PairWords:
    """The frequent words whose pairs this index holds, chosen when it was built: every
    letter of a generation is indexed with the same."""
    return PairWords.from_lists(state.extra.get("pair_words", {}))


def _write_documents(
    directory: Path, letter_ids: list[int], rows: list[dict], frequent: PairWords
) -> None:
    index = open_index(directory)
    writer = index.writer(heap_size=UPDATE_HEAP_BYTES, num_threads=1)
    try:
        # By query: delete_documents_by_term takes a Python int for an i64 term, which a
        # u64 field never holds (tantivy-py 0.27).
        writer.delete_documents_by_query(
            tantivy.Query.term_set_query(schema(), "letter_id", letter_ids)
        )
        for row in rows:
            writer.add_document(make_document(row, frequent))
        writer.commit()
        writer.wait_merging_threads()
    except BaseException:
        writer.rollback()
        raise


def _stop_here_for_tests(point: str) -> None:
    """Where the tests SIGKILL the indexer (tests/test_search_index.py): with
    SEARCH_INDEX_STOP_AT=<point> in its environment it says so and waits there."""
    if os.environ.get("SEARCH_INDEX_STOP_AT") == point:
        sys.stderr.write(f"search index stopped at {point}\n")
        sys.stderr.flush()
        time.sleep(600)


def _cursor():
    """A cursor of the default connection that the page query counts do not see (the raw
    driver's): the indexer's reads are its own work, not a page's, even when the tests
    make a search apply the change log first (SEARCH_READ_YOUR_WRITES)."""
    connection.ensure_connection()
    return connection.connection.cursor()


@contextlib.contextmanager
def _snapshot_transaction():
    """A cursor seeing one snapshot for all it reads. Inside a transaction already (a test,
    or a request that wrote), that transaction's own view is used."""
    if connection.in_atomic_block:
        with _cursor() as cursor:
            yield cursor
        return
    with transaction.atomic(), _cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield cursor


def _snapshot(cursor) -> tuple[str, int | None]:
    """The current snapshot, and this transaction's id if it has written (its own rows
    are pending until it commits or rolls back)."""
    cursor.execute("SELECT pg_current_snapshot()::text, pg_current_xact_id_if_assigned()::text")
    snapshot, own = cursor.fetchone()
    return snapshot, int(own) if own is not None else None


# --- status ---------------------------------------------------------------------------------


@dataclass
class Status:
    directory: Path | None
    state: IndexState | None
    documents: int
    pending_changes: int
    oldest_pending_seconds: float | None
    last_change_id: int  # in the change log
    size_bytes: int


def status() -> Status:
    with _cursor() as cursor:
        identity = database_identity(cursor)
        directory = current_dir()
        state = usable(directory, identity)
        cursor.execute("SELECT coalesce(max(id), 0) FROM archive_searchchange")
        last_change = cursor.fetchone()[0]
        pending, oldest = pending_changes(cursor, state) if state is not None else (0, None)
    count = 0
    if state is not None:
        index = open_index(directory)
        count = index.searcher().num_docs
    size = sum(p.stat().st_size for p in directory.rglob("*") if p.is_file()) if directory else 0
    return Status(
        directory=directory,
        state=state,
        documents=count,
        pending_changes=pending,
        oldest_pending_seconds=float(oldest) if oldest is not None else None,
        last_change_id=last_change,
        size_bytes=size,
    )


def pending_changes(cursor, state: IndexState) -> tuple[int, float | None]:
    """(committed changes the index has not applied, age in seconds of the oldest of them).
    The age is measured on the clock, not from now(), which is when the reading transaction
    began."""
    cursor.execute(
        "SELECT count(*), extract(epoch FROM clock_timestamp() - min(c.changed_at))"
        " FROM archive_searchchange c"
        " WHERE c.txid >= pg_snapshot_xmin(%(previous)s::pg_snapshot)::text::bigint"
        " AND NOT pg_visible_in_snapshot(c.txid::text::xid8, %(previous)s::pg_snapshot)",
        {"previous": state.snapshot},
    )
    count, oldest = cursor.fetchone()
    return count, float(oldest) if oldest is not None else None


# --- the follower: keeps this machine's index current --------------------------------------

_follower: threading.Thread | None = None
_follower_lock = threading.Lock()


def start_follower() -> None:
    """A daemon thread per web process applying the change log every SEARCH_FOLLOW_SECONDS
    (the first process to take the writer lock applies; the others find nothing to do or
    skip). A letter saved in the admin is searchable within about that delay."""
    global _follower
    interval = float(getattr(settings, "SEARCH_FOLLOW_SECONDS", 0) or 0)
    if interval <= 0 or (_follower is not None and _follower.is_alive()):
        return
    with _follower_lock:
        if _follower is not None and _follower.is_alive():
            return
        _follower = threading.Thread(
            target=_follow, args=(interval,), name="search-index-follower", daemon=True
        )
        _follower.start()


def _follow(interval: float) -> None:
    while True:
        try:
            close_old_connections()
            update(wait=False)
        except Exception:  # keep following; the next round retries
            logger.exception("Search index update failed")
            with contextlib.suppress(Exception):
                connection.close()
        time.sleep(interval)
