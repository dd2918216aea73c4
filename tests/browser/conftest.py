"""Browser journeys: Debian's Chromium driven by Playwright against a real gunicorn server
that serves the test database (with the real letters imported once per session)."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from ..conftest import environment_for_database

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between page actions are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does).")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_url(django_db_setup, django_db_blocker, tmp_path_factory):
    """A gunicorn server on the test database; yields its base URL."""
    with django_db_blocker.unblock():
        database_name = connection.settings_dict["NAME"]
    env = environment_for_database(
        database_name, STATIC_ROOT=str(tmp_path_factory.mktemp("static"))
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
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
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("the test server did not start")
            time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="session")
def base_url(live_url):
    return live_url


def wait_until_searchable(live_url: str, query: str, seconds: float = 15) -> None:
    """The server's workers follow the search index's change log about once a second: wait
    until a letter just committed is found (as a reader would, by searching again)."""
    import json

    deadline = time.monotonic() + seconds
    while True:
        with urllib.request.urlopen(f"{live_url}/api/search/?q={query}") as response:
            if json.load(response)["total"] > 0:
                return
        if time.monotonic() > deadline:
            pytest.fail(f"{query!r} not searchable {seconds} s after its commit")
        time.sleep(0.2)
