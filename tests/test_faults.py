"""Faults survived: PostgreSQL stopped under a running site, the embedded server restarted by
the backend, `dbshell` on the right server.

Each test runs against a scratch embedded server of its own (a new PGDATA in a temporary
folder), so stopping it never touches the server the rest of the suite uses.
"""

import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from .conftest import environment_for_database
from .test_slow_clients import _free_port

ROOT = Path(__file__).resolve().parent.parent


def _run(env, *args, check=True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    if check:
        assert result.returncode == 0, f"{args}: {result.stdout}{result.stderr}"
    return result


@pytest.fixture(scope="module")
def scratch_server():
    """(environment, pgdata, socket_dir) of a scratch embedded server; stopped afterwards."""
    # Not under pytest's tmp_path: its folders are private to root, and the server runs as
    # its own user when we are root. A short path, too: Unix socket paths are limited.
    folder = Path(tempfile.mkdtemp(prefix="faults-"))
    folder.chmod(0o755)
    pgdata = folder / "pg"
    env = {**environment_for_database("postgres"), "EMBEDDED_PGDATA": str(pgdata)}
    env.pop("DATABASE_URL", None)
    try:
        started = _run(env, "-m", "archive.embedded_postgresql", "start")
        socket_dir = started.stdout.split("(socket ", 1)[1].split(")", 1)[0]
        yield env, pgdata, socket_dir
    finally:
        _run(env, "-m", "archive.embedded_postgresql", "stop", check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _stop(env) -> None:
    _run(env, "-m", "archive.embedded_postgresql", "stop")


def test_the_backend_starts_the_embedded_server_again_when_it_was_stopped(scratch_server):
    env, _pgdata, _socket = scratch_server
    script = (
        "import subprocess, sys\n"
        "from django.db import connection\n"
        "def started():\n"
        "    with connection.cursor() as cursor:\n"
        "        cursor.execute('SELECT pg_postmaster_start_time()')\n"
        "        return cursor.fetchone()[0]\n"
        "first = started()\n"
        "subprocess.run([sys.executable, '-m', 'archive.embedded_postgresql', 'stop'], check=True)\n"
        "connection.close()\n"
        "second = started()\n"
        "print('RESTARTED' if second > first else 'SAME', first, second)\n"
    )
    result = _run(env, "manage.py", "shell", "-c", script)
    assert "RESTARTED" in result.stdout, result.stdout + result.stderr


def test_dbshell_connects_to_the_embedded_server(scratch_server):
    env, pgdata, _socket = scratch_server
    result = _run(env, "manage.py", "dbshell", "--", "-At", "-c", "SHOW data_directory")
    assert result.stdout.strip() == str(pgdata.resolve())


def _get(url: str) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def test_database_down_gives_a_503_with_a_message_and_the_site_recovers_by_itself(
    scratch_server, collected_static
):
    env, _pgdata, socket_dir = scratch_server
    # DATABASE_URL: the backend must not restart this server itself, as a real one would not.
    url_env = {
        **env,
        "DATABASE_URL": f"postgresql://postgres@{urllib.parse.quote(socket_dir, safe='')}/postgres",
        "STATIC_ROOT": str(collected_static),
    }
    _run(env, "-m", "archive.embedded_postgresql", "start")
    # What the image's start does (Dockerfile): migrate, bring the index up to date.
    url_env["SEARCH_INDEX_DIR"] = str(Path(tempfile.mkdtemp(prefix="faults-index-")))
    _run(url_env, "manage.py", "migrate", "--no-input", "--verbosity", "0")
    _run(url_env, "manage.py", "search_index", "update")
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "archive.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--log-level",
            "critical",
        ],
        cwd=ROOT,
        env=url_env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while _get_or_none(base + "/healthz") is None:
            assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        status, body, _ = _get(base + "/healthz")
        health = json.loads(body)
        assert (status, health["status"], health["database"]) == (200, "ok", "ok")
        assert health["search_index"]["state"] == "ok"

        _stop(env)
        status, body, headers = _get(base + "/")
        assert status == 503
        assert "The archive is temporarily unavailable" in body
        assert "database is not answering" in body
        assert headers["Retry-After"] == "30"
        # A streamed export too: its first query runs before the response starts.
        for export in ("/export/letters.csv", "/export/letters.jsonl", "/export/claims.csv"):
            status, body, _ = _get(base + export)
            assert (status, "database is not answering" in body) == (503, True), export
        status, body, _ = _get(base + "/healthz")
        assert status == 503
        health = json.loads(body)
        assert health["database"] == "unavailable"
        assert health["message"].startswith("The database is not answering.")
        # The index is still on disk; only its lag needs the database.
        assert (health["search_index"]["state"], health["search_index"]["present"]) == (
            "unknown",
            True,
        )

        _run(env, "-m", "archive.embedded_postgresql", "start")
        status, body, _ = _get(base + "/healthz")  # the same server process, not restarted
        assert status == 200
        assert server.poll() is None
    finally:
        server.terminate()
        server.wait(timeout=15)
        shutil.rmtree(url_env["SEARCH_INDEX_DIR"], ignore_errors=True)


def _get_or_none(url):
    try:
        return _get(url)
    except OSError:
        return None


def test_many_threads_opening_their_first_connection_at_once_all_connect(scratch_server):
    # gunicorn's threaded workers open their connections together at start: each thread must
    # get the running server, not a handle still being set up (a 500 on the first requests).
    env, _pgdata, _socket = scratch_server
    script = (
        "import threading\n"
        "from django.db import connection\n"
        "barrier, failures = threading.Barrier(16), []\n"
        "def first_query():\n"
        "    barrier.wait()\n"
        "    try:\n"
        "        with connection.cursor() as cursor:\n"
        "            cursor.execute('SELECT 1')\n"
        "    except Exception as error:\n"
        "        failures.append(repr(error))\n"
        "    finally:\n"
        "        connection.close()\n"
        "threads = [threading.Thread(target=first_query) for _ in range(16)]\n"
        "[t.start() for t in threads]\n"
        "[t.join() for t in threads]\n"
        "print('FAILURES', len(failures), failures[:2])\n"
    )
    for _attempt in range(3):
        result = _run(env, "manage.py", "shell", "-c", script)
        assert "FAILURES 0 []" in result.stdout, result.stdout + result.stderr
