"""`make loadtest`: the site under load, with a bulk import running, on the bench corpus.

gunicorn with production settings (PRODUCTION=1, DEBUG off, the gunicorn.conf.py worker) serves
the benchmark database that `make bench` fills (N synthetic letters; synthetic letters are
shown, as in the benchmark, because they are all that database holds). This process is the
client, on loopback: CLIENTS threads with one keep-alive connection each send a realistic mix
for SECONDS (after a short warm-up that is not counted):

    search 50 %  (the benchmark's rare, common, multi-word and phrase queries; 1 in 5 filtered)
    list   20 %  (the filtered list, a state's page, an agenda item's page)
    letter 25 %  (random letter pages)
    export  5 %  (CSV of one agenda item's letters)

Meanwhile a second process imports the real fixture letters through the one write path over
and over, each copy under fresh symbols and flagged synthetic (what `make bench` times), and
deletes them at the end; at the CPU priority `manage.py import_letters` takes (below the web
workers': archive.ingest.yield_to_the_web). Ends with

    LOAD requests=N errors=N p50_ms=.. p95_ms=.. p99_ms=..

An error is a status >= 400, a refused or reset connection, or a timeout (30 s).
"""

import argparse
import http.client
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")

IMPORT_LOOP = r"""
import hashlib, os, time
from dataclasses import replace
from django.db import InterfaceError, OperationalError, connection
from archive.ingest import ingest_letter, iter_letter_files, read_letter_file, yield_to_the_web
from archive.management.commands.bench import (
    FIXTURE_LETTERS, IMPORT_SOURCE_PREFIX, _delete_imported, _fresh_symbols,
)
yield_to_the_web()  # as manage.py import_letters does
deadline = time.monotonic() + float(os.environ["LOAD_IMPORT_SECONDS"])
files = [(p, p.read_bytes()) for p in iter_letter_files([FIXTURE_LETTERS])]
_delete_imported()
created = serial = interrupted = 0
while time.monotonic() < deadline:
    for path, data in files:
        serial += 1
        letter_file = read_letter_file(data, path.name)
        parsed = replace(letter_file.parsed, symbols=_fresh_symbols(letter_file.parsed, serial))
        try:
            result = ingest_letter(
                parsed,
                source_name=f"{IMPORT_SOURCE_PREFIX}load-{serial}-{path.name}",
                source_sha256=hashlib.sha256(data + f"load-{serial}".encode()).hexdigest(),
                source_size=len(data),
                source_format=letter_file.file_format,
                synthetic=True,
            )
        except (OperationalError, InterfaceError):  # the database restarting (--restart-db)
            interrupted += 1
            connection.close()
            time.sleep(0.5)
            continue
        created += result.status == "created"
_delete_imported()
print(f"IMPORTED letters={created} interrupted_by_restart={interrupted}", flush=True)
"""


def bench_environment(letters: int) -> dict[str, str]:
    """The environment that points Django at the benchmark database of `letters` letters
    and at its own search index (never the archive's .search-index/)."""
    import django

    django.setup()
    from archive.management.commands.bench import bench_database_name, bench_index_dir

    name = bench_database_name(None, letters)
    env = dict(os.environ)
    if env.get("DATABASE_URL"):
        parts = urllib.parse.urlsplit(env["DATABASE_URL"])
        env["DATABASE_URL"] = urllib.parse.urlunsplit(parts._replace(path="/" + name))
    else:
        env["EMBEDDED_DATABASE"] = name
    env["SEARCH_INDEX_DIR"] = str(bench_index_dir(name))
    env.pop("SEARCH_FOLLOW_SECONDS", None)  # the servers follow the change log, as deployed
    env.pop("DEBUG", None)
    return env


def targets(env: dict[str, str], letters_wanted: int) -> dict[str, list[str]]:
    """URLs of each class, drawn from the benchmark database."""
    script = (
        "import json, random\n"
        "from archive.models import AgendaItem, Letter, LetterSymbol, MemberState\n"
        "rng = random.Random(7)\n"
        "count = Letter.objects.filter(is_synthetic=True).count()\n"
        "top = Letter.objects.order_by('-pk').values_list('pk', flat=True).first() or 0\n"
        "pks = rng.sample(range(1, top + 1), min(top, 4000))\n"
        "letters = list(LetterSymbol.objects.filter(letter_id__in=pks, position=0)"
        ".values_list('symbol', flat=True)[:2000])\n"
        "items = [(i.ga_session, i.label) for i in AgendaItem.objects.order_by('?')[:200]]\n"
        "states = list(MemberState.objects.filter(letters_sent__isnull=False).distinct()"
        ".values_list('iso3', flat=True)[:100])\n"
        "print('TARGETS ' + json.dumps({'count': count, 'letters': letters, 'items': items,"
        " 'states': states}))\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    line = next(r for r in result.stdout.splitlines() if r.startswith("TARGETS "))
    found = json.loads(line.removeprefix("TARGETS "))
    if found["count"] < letters_wanted:
        sys.exit(
            f"The benchmark database holds {found['count']} synthetic letters, fewer than "
            f"{letters_wanted}: run `manage.py bench --letters {letters_wanted} --generate-only`"
            " first."
        )
    from archive.management.commands import bench

    queries = bench.RARE_TERMS + bench.COMMON_TERMS + bench.MULTI_TERMS + bench.PHRASES
    search = []
    for q in queries:
        search.append("/search/?" + urllib.parse.urlencode({"q": q}))
        year = random.Random(q).randint(1950, 2024)
        search.append("/search/?" + urllib.parse.urlencode({"q": q, "year": year}))
    search = search[: len(queries)] + search  # filtered about 1 in 5 of the time overall
    listing = [f"/?page={page}" for page in range(1, 20)]
    listing += [f"/states/{iso3}/" for iso3 in found["states"]]
    listing += [f"/agenda/{session}/{label}/" for session, label in found["items"][:100]]
    listing += ["/?" + urllib.parse.urlencode({"state": iso3}) for iso3 in found["states"]]
    letter = ["/" + symbol.strip("/") + "/" for symbol in found["letters"]]
    export = [
        "/export/letters.csv?" + urllib.parse.urlencode({"agenda": f"{session}-{label}"})
        for session, label in found["items"]
    ]
    return {"search": search, "list": listing, "letter": letter, "export": export}


# Well below gunicorn.conf.py's keepalive (5 s): a loaded machine can delay a send by seconds.
IDLE_RECONNECT_SECONDS = 2.0
MIX = {"search": 50, "list": 20, "letter": 25, "export": 5}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(connection: http.client.HTTPConnection, path: str) -> int:
    connection.request("GET", path, headers={"Host": "127.0.0.1"})
    response = connection.getresponse()
    body = response.read()
    if response.status == 503 and not _explained(path, response, body):
        return 599  # a 503 without the explanation is an error like any other
    return response.status


def _explained(path: str, response: http.client.HTTPResponse, body: bytes) -> bool:
    """A 503 that tells the reader what is down: the page saying so with Retry-After, or
    /healthz naming the failing part."""
    if path == "/healthz":
        return b'"message"' in body
    return bool(response.getheader("Retry-After")) and b"temporarily unavailable" in body


def load(
    port: int,
    urls: dict[str, list[str]],
    clients: int,
    seconds: float,
    seed: int,
    think: float = 0.0,
    outage_expected: bool = False,
):
    """(latencies ms per class, errors per class, error samples, [clean 503s, time of the
    last one]) of `seconds` of load. With `outage_expected` (`--restart-db`) a 503 carrying
    its message is counted apart: the site saying that the database is not answering.
    Otherwise every 503 is an error. So is a response cut short, except, in that mode, a
    streamed export the outage cut mid-way (counted apart too): its status was sent before
    the database went away, so breaking off the transfer is all the server can do, and the
    client sees an incomplete transfer, never a complete-looking file."""
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    samples: list[str] = []
    unavailable = [0, 0.0, 0]  # 503s, monotonic time of the last one, exports cut
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    classes, weights = list(MIX), list(MIX.values())

    def client(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        last_used = time.monotonic()
        while time.monotonic() < deadline:
            kind = rng.choices(classes, weights)[0]
            path = rng.choice(urls[kind])
            if time.monotonic() - last_used > IDLE_RECONNECT_SECONDS:
                # The server closes a kept-alive connection idle for its keepalive (5 s):
                # like a browser, open a new one rather than write into a closed one.
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            began = time.perf_counter()
            status = 0  # none received
            try:
                status = get(connection, path)
                failed = status >= 400 and not (outage_expected and status == 503)
                what = f"{status} {path}"
            except (OSError, http.client.HTTPException) as error:
                failed, what = True, f"{type(error).__name__} {path}"
                cut = isinstance(error, http.client.IncompleteRead) and kind == "export"
                if outage_expected and cut:
                    failed, status = False, None
                    with lock:
                        unavailable[2] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = (time.perf_counter() - began) * 1000
            last_used = time.monotonic()
            if think:  # a reader reads the page before the next click
                time.sleep(min(rng.expovariate(1 / think), 10 * think))
            with lock:
                if status is None:  # an export cut by the outage, counted above
                    continue
                if not failed and status == 503:
                    unavailable[0] += 1
                    unavailable[1] = time.monotonic()
                    continue
                latencies[kind].append(elapsed)
                if failed:
                    errors[kind] += 1
                    if len(samples) < 10:
                        samples.append(what)
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, samples, unavailable


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


RESTART_DOWN_SECONDS = 5


def restart_database(after: float, outage: dict[str, float]) -> None:
    """Stop the embedded server `after` seconds from now, start it RESTART_DOWN_SECONDS later."""
    time.sleep(after)
    command = [sys.executable, "-m", "archive.embedded_postgresql"]
    subprocess.run([*command, "stop"], cwd=ROOT, check=True, capture_output=True)
    time.sleep(RESTART_DOWN_SECONDS)
    subprocess.run([*command, "start"], cwd=ROOT, check=True, capture_output=True)
    outage["started"] = time.monotonic()


def other_load() -> str:
    """What else the machine was doing: load average and the busiest processes not ours."""
    load1, load5, _ = os.getloadavg()
    ps = subprocess.run(
        ["ps", "-eo", "pcpu,args", "--sort=-pcpu"], capture_output=True, text=True, check=False
    ).stdout.splitlines()[1:6]
    busy = "; ".join(" ".join(line.split()[:3])[:80] for line in ps)
    return f"load average {load1:.2f} (5 min {load5:.2f}), busiest: {busy}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="Mean seconds each client waits between pages (exponential); 0: none, every "
        "client sends its next request as soon as the last one is answered (the worst case).",
    )
    parser.add_argument("--no-import", action="store_true")
    parser.add_argument(
        "--restart-db",
        type=float,
        metavar="SECONDS",
        help="Stop the embedded PostgreSQL this far into the run, start it 5 s later: "
        "requests must then fail cleanly (503 with a message) and the site recover by itself.",
    )
    args = parser.parse_args()

    env = bench_environment(args.letters)
    urls = targets(env, args.letters)
    static_root = tempfile.mkdtemp(prefix="loadtest-static-")
    server_env = {
        **env,
        "PRODUCTION": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",  # loopback has no TLS; the proxy does it in production
        "ARCHIVE_SHOW_SYNTHETIC": "1",  # the benchmark database holds only synthetic letters
        "STATIC_ROOT": static_root,
        "PORT": str(free_port()),
    }
    server_env.pop("GUNICORN_ACCESS_LOG", None)
    if args.restart_db is not None:
        if env.get("DATABASE_URL"):
            sys.exit("--restart-db restarts the embedded server; DATABASE_URL is set.")
        # Through DATABASE_URL the web workers do not start the server themselves, as with a
        # real PostgreSQL: the outage lasts until this script starts it again.
        from django.conf import settings

        from archive.embedded_postgresql.base import ensure_server

        socket_dir = ensure_server(settings.EMBEDDED_PGDATA, env["EMBEDDED_DATABASE"])
        server_env["DATABASE_URL"] = (
            f"postgresql://postgres@{urllib.parse.quote(socket_dir, safe='')}/"
            + env["EMBEDDED_DATABASE"]
        )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=ROOT,
        env=server_env,
        check=True,
    )
    # What the image's start does before serving: bring the index up to date (built from
    # PostgreSQL when missing: the benchmark's own folder, .search-index-<database>).
    subprocess.run(
        [sys.executable, "manage.py", "search_index", "update"],
        cwd=ROOT,
        env=server_env,
        check=True,
    )
    port = int(server_env["PORT"])
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "archive.wsgi", "--config", "gunicorn.conf.py"],
        cwd=ROOT,
        env=server_env,
    )
    importer = None
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "/healthz") == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                print("gunicorn did not start", file=sys.stderr)
                return 1
            time.sleep(0.3)
        print(f"gunicorn on 127.0.0.1:{port}: production settings, gunicorn.conf.py", flush=True)
        load(port, urls, args.clients, args.warmup, args.seed + 1)  # warm caches, not counted
        if not args.no_import:
            importer = subprocess.Popen(
                [sys.executable, "manage.py", "shell", "-c", IMPORT_LOOP],
                cwd=ROOT,
                env={
                    **env,
                    "LOAD_IMPORT_SECONDS": str(args.seconds),
                    **(
                        {"DATABASE_URL": server_env["DATABASE_URL"]}
                        if "DATABASE_URL" in server_env
                        else {}
                    ),
                },
                stdout=subprocess.PIPE,
                text=True,
            )
        before = other_load()
        began = time.monotonic()
        restarter = None
        outage: dict[str, float] = {}
        if args.restart_db is not None:
            restarter = threading.Thread(target=restart_database, args=(args.restart_db, outage))
            restarter.start()
        latencies, errors, samples, unavailable = load(
            port,
            urls,
            args.clients,
            args.seconds,
            args.seed,
            args.think,
            outage_expected=args.restart_db is not None,
        )
        took = time.monotonic() - began
        if restarter:
            restarter.join()
        # Recovered by itself: the same gunicorn, never restarted, says every part is up.
        health_after = get(http.client.HTTPConnection("127.0.0.1", port, timeout=30), "/healthz")
        after = other_load()
        imported = "no import"
        if importer:
            out, _ = importer.communicate(timeout=120)
            imported = next((r for r in out.splitlines() if r.startswith("IMPORTED")), "IMPORTED ?")
            if importer.returncode:
                print("the concurrent import failed", file=sys.stderr)
                return 1
    finally:
        if importer and importer.poll() is None:
            importer.kill()
        server.terminate()
        server.wait(timeout=30)

    every = [ms for values in latencies.values() for ms in values]
    total_errors = sum(errors.values())
    print(
        f"{args.clients} clients (think time {args.think:g} s), {took:.1f} s, "
        f"{len(every) / took:.1f} requests/s; {imported}"
    )
    print(f"machine before: {before}")
    print(f"machine after:  {after}")
    for kind in MIX:
        values = latencies[kind]
        print(
            f"  {kind:7} n={len(values):6} errors={errors[kind]:4} "
            f"p50={percentile(values, 0.5):7.1f} p95={percentile(values, 0.95):7.1f} "
            f"p99={percentile(values, 0.99):7.1f} ms"
        )
    for sample in samples:
        print(f"  error: {sample}")
    if args.restart_db is not None:
        started = outage.get("started", began)
        recovered = max(0.0, unavailable[1] - started)
        print(
            f"RESTART database down {started - RESTART_DOWN_SECONDS - began:.1f}-"
            f"{started - began:.1f} s into the run: "
            f"{unavailable[0]} requests answered 503 with a message, "
            f"{unavailable[2]} streamed exports cut mid-way, "
            f"last 503 {recovered:.1f} s after it started again, errors={total_errors}, "
            f"/healthz after the run {health_after}"
        )
    print(
        f"LOAD requests={len(every)} errors={total_errors} p50_ms={percentile(every, 0.5):.0f} "
        f"p95_ms={percentile(every, 0.95):.0f} p99_ms={percentile(every, 0.99):.0f}"
    )
    return 1 if total_errors or health_after != 200 else 0


if __name__ == "__main__":
    sys.exit(main())
