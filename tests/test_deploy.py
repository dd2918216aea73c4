"""Production-safe defaults, checked the way an operator would: by running manage.py."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # An operator's shell: none of the test process's own switches (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE for Playwright, which check --deploy rightly flags).
    unset = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        PRODUCTION="1",
        SECRET_KEY="a-production-secret-that-is-long-and-random-enough-0123456789abcdef",
        ALLOWED_HOSTS="archive.example.org",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_debug_is_off_unless_set():
    result = run_manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)")
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", PRODUCTION="1")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def _dockerfile_start() -> tuple[dict[str, str], str]:
    """The image's ENV settings and its start command (the shell string of its CMD)."""
    import json

    text = _dockerfile()
    env_block = re.search(r"^ENV (.+?)(?=^\S)", text, re.M | re.S).group(1)
    env = dict(re.findall(r"(\w+)=(\S+)", env_block.replace("\\\n", " ")))
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))
    assert cmd[:2] == ["sh", "-c"]
    return env, cmd[2]


def test_the_image_start_command_serves_with_production_settings(db, collected_static, tmp_path):
    """No Docker engine here (the docker client is installed, no daemon can run): the CMD of
    the Dockerfile runs as it would in the image (same ENV, same command, from the project
    folder, which is the image's /app), on the test database, with an empty folder standing
    for the image's new index volume. It must build the index, then serve pages and a
    /healthz that finds the database and the index up."""
    import json
    import socket
    import time
    import urllib.request

    from django.db import connection

    from archive.models import Letter

    from .conftest import environment_for_database

    image_env, command = _dockerfile_start()
    assert image_env["PRODUCTION"] == "1"
    # The index lives on a volume of the image, brought up to date before gunicorn starts.
    assert "SEARCH_INDEX_DIR" in image_env
    assert re.search(r'^VOLUME \[.*"' + image_env["SEARCH_INDEX_DIR"] + '"', _dockerfile(), re.M)
    steps = [step.strip() for step in command.split("&&")]
    assert steps == [
        "python manage.py migrate --no-input",
        "python manage.py search_index update",
        "exec gunicorn archive.wsgi --config gunicorn.conf.py",
    ]
    volume = tmp_path / "search-index-volume"
    volume.mkdir()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **environment_for_database(connection.settings_dict["NAME"]),
        **image_env,
        "GUNICORN_HOST": "127.0.0.1",  # the image listens on every interface; tests on loopback
        "PORT": str(port),
        "SECRET_KEY": "image-start-test-secret-that-is-long-and-random-0123456789abcdef",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(collected_static),
        "GUNICORN_ACCESS_LOG": "",
        # The volumes' mount points stand in tmp_path here.
        "SEARCH_INDEX_DIR": str(volume),
        "MEDIA_ROOT": str(tmp_path / "media"),
        # `python` and `gunicorn` of the image are this environment's.
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    server = subprocess.Popen(["sh", "-c", command], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                # The load balancer's health check comes over plain HTTP: never redirected.
                with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                    assert response.status == 200
                    health = json.load(response)
                    break
            except OSError:
                assert server.poll() is None, "the start command exited"
                assert time.monotonic() < deadline, "the start command did not serve"
                time.sleep(0.5)
        index = health["search_index"]
        assert (index["state"], index["pending_changes"]) == ("ok", 0)
        assert index["letters"] == Letter.objects.count() > 0
        assert (volume / "current" / "state.json").is_file()  # built on the volume
        # A page over plain HTTP is redirected to HTTPS; through the proxy it is served.
        request = urllib.request.Request(base + "/", headers={"X-Forwarded-Proto": "https"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            assert "Strict-Transport-Security" in response.headers
            assert "Content-Security-Policy" in response.headers

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        try:
            urllib.request.build_opener(NoRedirect).open(base + "/", timeout=10)
            raise AssertionError("plain HTTP was served")
        except urllib.error.HTTPError as error:
            assert error.code == 301
            assert error.headers["Location"].startswith("https://")
    finally:
        server.terminate()
        server.wait(timeout=30)
