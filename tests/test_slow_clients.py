"""Slow and half-open connections cannot stall the site (gunicorn.conf.py's worker).

A real gunicorn on the test database, one worker with two threads so that the point is
sharp: 40 clients that send half a request head and stop, 20 that connect and send nothing,
one that sends a head and then stalls its body. Pages must keep answering. The same attack
on gunicorn's stock threaded worker stalls it: the control shows the test can fail.
"""

import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from django.db import connection

from .conftest import environment_for_database

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(collected_static, *extra: str):
    port = _free_port()
    env = environment_for_database(
        connection.settings_dict["NAME"], STATIC_ROOT=str(collected_static)
    )
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
            "--threads",
            "2",
            "--log-level",
            "error",
            *extra,
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/healthz", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("gunicorn did not start")
                time.sleep(0.2)
        yield port, url
    finally:
        server.terminate()
        server.wait(timeout=15)


def _hold_slow_clients(stack: ExitStack, port: int) -> None:
    def connect() -> socket.socket:
        sock = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=5))
        return sock

    for _ in range(40):
        connect().sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    for _ in range(20):
        connect()
    connect().sendall(
        b"POST /i18n/setlang/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nlang"
    )
    time.sleep(1)  # let the server take them all in


def _answers(url: str, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def test_pages_keep_answering_while_slow_clients_hold_connections(db, collected_static):
    with gunicorn(collected_static) as (port, url), ExitStack() as stack:
        _hold_slow_clients(stack, port)
        started = time.monotonic()
        answered = [
            _answers(url + page, timeout=5) for page in ["/healthz", "/", "/search/?q=mines"] * 4
        ]
        elapsed = time.monotonic() - started
    print(f"SLOW clients=61 pages_answered={sum(answered)}/{len(answered)} in {elapsed:.1f}s")
    assert all(answered)


def test_control_the_stock_threaded_worker_is_stalled_by_the_same_clients(db, collected_static):
    with (
        gunicorn(collected_static, "--worker-class", "gthread") as (port, url),
        ExitStack() as stack,
    ):
        _hold_slow_clients(stack, port)
        assert not _answers(url + "/healthz", timeout=3)
