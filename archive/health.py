"""What a load balancer and an operator ask of the site: is it up, and if not, what is down.

`/healthz` answers 200 only when every part a page needs answers: the database (and each read
replica), and this machine's search index. Each part's state is in the JSON body, so a
monitor tells "database down" from "index corrupt" from "site down". The index is healthy when
it is present, opens (Tantivy checks every segment file's footer on open: a truncated, emptied
or missing file fails), was made from this database, and is not behind the change log by more
than SEARCH_INDEX_MAX_LAG_SECONDS. `server_error` is the 500 handler: when the failure was
the database not answering (PostgreSQL restarting, a failover, the network), the reader gets
a 503 saying so and when to retry, not a bare "server error"; the next request reconnects by
itself (CONN_HEALTH_CHECKS), so nothing needs a restart.
"""

import logging
import sys
import time

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, connections
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from archive.replicas import replica_aliases
from archive.search import indexer
from archive.search.schema import SCHEMA_VERSION

logger = logging.getLogger("archive.health")

# How long a reader (and a crawler) is asked to wait: a PostgreSQL restart takes seconds.
RETRY_AFTER_SECONDS = 30
# The default bound on the index's lag (settings.SEARCH_INDEX_MAX_LAG_SECONDS overrides it):
# the follower applies the change log every second, so a minute behind means it is stuck or
# swamped, and this machine's searches would miss what editors saved.
MAX_LAG_SECONDS = 60.0


def database_state(alias: str = "default") -> str:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("health: database %s unavailable: %s", alias, error)
        return "unavailable"
    return "ok"


def max_lag_seconds() -> float:
    return float(getattr(settings, "SEARCH_INDEX_MAX_LAG_SECONDS", MAX_LAG_SECONDS))


def search_index_state(database_up: bool = True) -> dict:
    """This machine's index: {"state": "ok" | "missing" | "corrupt" | "outdated" | "foreign"
    | "behind" | "unknown", "message": ..., and what is known of it}."""
    directory = indexer.current_dir()
    if directory is None or not directory.is_dir():
        return _index("missing", f"No search index in {indexer.index_root()}.")
    state = indexer.read_state(directory)
    if state is None:
        return _index("corrupt", f"{directory} has no readable {indexer.STATE_FILE}.")
    if state.schema_version != SCHEMA_VERSION:
        message = f"The index has schema {state.schema_version}; this code needs {SCHEMA_VERSION}."
        return _index("outdated", message)
    try:
        letters = indexer.open_index(directory).searcher().num_docs
    except (ValueError, OSError) as error:
        logger.warning("health: search index %s unusable: %s", directory, error)
        return _index("corrupt", f"The index in {directory} cannot be opened: {error}")
    known = {"present": True, "letters": letters, "last_change_applied": state.last_change_id}
    if not database_up:
        return _index(
            "unknown", "The database is not answering: the lag cannot be measured.", known
        )
    try:
        with connection.cursor() as cursor:
            if state.database != indexer.database_identity(cursor):
                return _index("foreign", "The index was made from another database.", known)
            cursor.execute("SELECT coalesce(max(id), 0) FROM archive_searchchange")
            known["last_change"] = cursor.fetchone()[0]
            pending, oldest = indexer.pending_changes(cursor, state)
    except DatabaseError as error:  # the database went away since it was checked
        logger.warning("health: index lag not measured: %s", error)
        return _index(
            "unknown", "The database is not answering: the lag cannot be measured.", known
        )
    lag = _lag_seconds(pending, oldest, state)
    known.update(pending_changes=pending, lag_seconds=round(lag, 1))
    if lag > max_lag_seconds():
        message = (
            f"The index is {lag:.0f} s behind the change log ({pending} changes pending); "
            f"the bound is {max_lag_seconds():.0f} s."
        )
        return _index("behind", message, known)
    return _index("ok", "", known)


def _lag_seconds(pending: int, oldest: float | None, state: indexer.IndexState) -> float:
    """How long the index has been missing committed changes: 0 with none pending; else the
    shorter of the oldest pending change's age and the time since the index was last brought
    up to date. A change is stamped when its transaction began, so a long import that just
    committed is not "behind" while the follower (which stamps updated_at every round) keeps
    up; a follower stuck or swamped lets both grow."""
    if not pending:
        return 0.0
    since_update = max(0.0, time.time() - state.updated_at)
    return min(since_update, oldest if oldest is not None else since_update)


def _index(state: str, message: str, known: dict | None = None) -> dict:
    result = {"state": state, "present": False, **(known or {})}
    result["max_lag_seconds"] = max_lag_seconds()
    if message:
        result["message"] = message
    return result


@never_cache
def healthz(request):
    """200 {"status": "ok", "database": "ok", "search_index": {"state": "ok", ...}} when every
    part answers, else 503 with each failing part's state and a message."""
    # The follower keeps this machine's index current; a machine that serves no search yet
    # (just started, taken out of the balancer) must still catch up to be let back in.
    indexer.start_follower()
    states = {"database": database_state()}
    # Each read replica (archive/replicas.py): a page routed to one that is down would fail.
    states.update({alias: database_state(alias) for alias in replica_aliases()})
    search_index = search_index_state(database_up=states["database"] == "ok")
    healthy = all(state == "ok" for state in states.values()) and search_index["state"] == "ok"
    body = {"status": "ok" if healthy else "unavailable", **states, "search_index": search_index}
    if not healthy:
        body["message"] = " ".join(_problems(states, search_index))
    return JsonResponse(body, status=200 if healthy else 503)


def _problems(states: dict[str, str], search_index: dict) -> list[str]:
    """One sentence per failing part, for whoever reads the 503 (a person, a monitor's log)."""
    problems = [
        f"The database {'' if alias == 'database' else alias + ' '}is not answering."
        for alias, state in states.items()
        if state != "ok"
    ]
    if search_index["state"] != "ok":
        problems.append(f"Search index {search_index['state']}: {search_index['message']}")
    return problems


def database_unavailable(error: BaseException | None) -> bool:
    """A connection-level failure (server down, restarting, unreachable), not a bad query."""
    return isinstance(error, OperationalError | InterfaceError)


def server_error(request):
    """The 500 handler: a 503 with an explanation when the database is what failed."""
    error = sys.exc_info()[1]
    if database_unavailable(error):
        # Drop the broken connection now so that the next request opens a new one.
        connection.close_if_unusable_or_obsolete()
        response = render(
            request,
            "archive/unavailable.html",
            # The base template shows flash messages; reading them could need the database.
            {"messages": ()},
            status=503,
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return render(request, "archive/server_error.html", {"messages": ()}, status=500)
