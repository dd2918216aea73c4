"""Reads from PostgreSQL streaming replicas, writes and the admin on the primary.

With DATABASE_REPLICA_URLS set, settings define one database alias per replica
(`replica_0`, `replica_1`, ...) and install `PrimaryReplicaRouter`. Everything reads from the
primary unless `ReplicaReadsMiddleware` lets a request read from a replica, which it does only
for what a replica can answer correctly:

- a GET or HEAD to a public page (never the admin, whose pages read what was just written),
- from a client that has not written anything in the last REPLICA_PIN_SECONDS: after a POST
  the client gets a short-lived cookie that keeps its reads on the primary, so an editor who
  saves a letter and opens its page sees it, whatever the replica's lag.

Management commands (imports, index rebuilds), the shell and the tests never pass through
the middleware, so they read and write the primary only: an import that read a lagging
replica could insert a letter twice.

A reader of a public page on a replica sees the archive as it was when the replica last
replayed the primary's WAL: typically under a second behind on a LAN, more while the replica
catches up after a bulk import. tests/test_replicas.py shows both: a change invisible on a
paused replica, visible once replay resumes.
"""

import contextvars
import random
import time

from django.conf import settings
from django.db import connections

_reads_from_replica = contextvars.ContextVar("reads_from_replica", default=False)

PIN_COOKIE = "primary_until"


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


def reading_alias() -> str:
    """The database alias this request reads from (for raw SQL, which no router sees)."""
    replicas = replica_aliases()
    if replicas and _reads_from_replica.get():
        return random.choice(replicas)  # noqa: S311 - load spreading, not security
    return "default"


def reading_connection():
    """The connection raw read-only SQL should use: a replica when the request may."""
    return connections[reading_alias()]


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        return reading_alias()

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every alias holds the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"  # replicas replay the primary's migrations


class ReplicaReadsMiddleware:
    """Lets safe requests to public pages read from a replica (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        pinned = _pinned(request)
        use_replica = (
            request.method in {"GET", "HEAD"}
            and not request.path.startswith("/admin/")
            and not pinned
            and bool(replica_aliases())
        )
        token = _reads_from_replica.set(use_replica)
        try:
            response = self.get_response(request)
        finally:
            _reads_from_replica.reset(token)
        if request.method not in {"GET", "HEAD", "OPTIONS"} and replica_aliases():
            response.set_cookie(
                PIN_COOKIE,
                str(int(time.time() + settings.REPLICA_PIN_SECONDS)),
                max_age=settings.REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


def _pinned(request) -> bool:
    try:
        return int(request.COOKIES.get(PIN_COOKIE, "0")) > time.time()
    except ValueError:
        return False
