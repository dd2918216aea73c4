"""What a load balancer and an operator ask of the site: is it up, and if not, what is down.

`/healthz` answers 200 only when every part a page needs answers; each part's state is in the
JSON body, so a monitor tells "database down" from "site down". `server_error` is the 500
handler: when the failure was the database not answering (PostgreSQL restarting, a failover,
the network), the reader gets a 503 saying so and when to retry, not a bare "server error";
the next request reconnects by itself (CONN_HEALTH_CHECKS), so nothing needs a restart.
"""

import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection, connections
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from archive.replicas import replica_aliases

logger = logging.getLogger("archive.health")

# How long a reader (and a crawler) is asked to wait: a PostgreSQL restart takes seconds.
RETRY_AFTER_SECONDS = 30


def database_state(alias: str = "default") -> str:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("health: database %s unavailable: %s", alias, error)
        return "unavailable"
    return "ok"


@never_cache
def healthz(request):
    """200 {"database": "ok", ...} when every part answers, else 503 with the failing part."""
    states = {"database": database_state()}
    # Each read replica (archive/replicas.py): a page routed to one that is down would fail.
    states.update({alias: database_state(alias) for alias in replica_aliases()})
    healthy = all(state == "ok" for state in states.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **states}, status=200 if healthy else 503
    )


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
