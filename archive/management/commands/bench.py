"""`manage.py bench --letters N`: how fast the pages answer over N synthetic letters.

The benchmark never touches the archive's database. This command picks a database whose name
ends in `_bench` (`archive_bench` with the embedded server, `<name>_bench` from DATABASE_URL),
and runs itself again in a subprocess whose environment points at it; the subprocess refuses
to work in any database whose name does not end in `_bench`. There it migrates, generates the
synthetic corpus (archive.synthetic; reused when it already holds N letters), then times:

- the search page `/search/?q=...` (20 ranked results, snippets, facets, total) over 40 fixed
  queries in five classes, through Django's test Client, so template rendering counts;
- the SQL of the same requests alone (the time spent in the database cursor);
- filtered list pages (agenda item, topic, state, date range) and letter detail pages;
- import throughput: the real fixture letters parsed and stored through the one write path.

The pages hide synthetic letters (they are never part of the archive): every page takes its
letters from archive.search.visible_letters(), which shows them only when
settings.ARCHIVE_SHOW_SYNTHETIC is True, as this process sets it.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import subprocess
import sys
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings

BENCH_SUFFIX = "_bench"
INSIDE_FLAG = "--inside-bench-database"
FIXTURE_LETTERS = Path(settings.BASE_DIR) / "fixtures" / "letters"
IMPORT_SOURCE_PREFIX = "bench-import-"
# A link to a letter's permalink: the page lists at least one letter.
RESULT_LINK = re.compile(rb'href="/[AS]/\d')
SYNTHETIC_BODY = re.compile(re.escape(b"[Synthetic benchmark letter]"))
BROWSE_LINK = re.compile(rb'href="/(?:agenda|topics|states|[AS])/')

# The fixed query set. Rare terms come from the tail of wordfreq's 30 000-word lists, so each
# matches a few dozen letters at 100 000; common terms match most letters.
RARE_TERMS = [
    "subtlety",
    "unicorns",
    "verifying",
    "chimpanzees",
    "codified",
    "deceitful",
    "cambrian",
    "syllabe",
    "rédigées",
    "autodidacta",
]
COMMON_TERMS = [
    "security",
    "international",
    "united",
    "nations",
    "council",
    "government",
    "assembly",
    "representative",
    "peace",
    "people",
]
MULTI_TERMS = [
    "human rights",
    "territorial integrity violation",
    "ceasefire civilians",
    "nuclear weapons disarmament",
    "refugees displaced",
    "armed forces attack",
    "humanitarian assistance",
    "sanctions resolution",
    "mine explosion civilians",
    "peace negotiations delegation",
]
PHRASES = [
    '"security council"',
    '"united nations"',
    '"territorial integrity"',
    '"human rights"',
    '"permanent representative"',
]


@dataclass
class Measure:
    """Timings of one class of requests, in milliseconds."""

    label: str
    requests: list[float] = field(default_factory=list)
    sql: list[float] = field(default_factory=list)
    api: list[float] = field(default_factory=list)  # archive.search.search_letters alone
    by_url: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: list[str] = field(default_factory=list)
    empty: int = 0


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the value below which `share` of the values lie."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class SqlObserver:
    """Times every statement the pages send.

    Installed with `connection.execute_wrapper` in the benchmark process only."""

    def __init__(self):
        self.seconds = 0.0
        self.statements: list[tuple[str, object, float]] = []

    def reset(self) -> None:
        self.seconds = 0.0
        self.statements = []

    def __call__(self, execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - began
            self.seconds += elapsed
            self.statements.append((sql, params, elapsed))


def bench_database_name(explicit: str | None, letters: int = 100_000) -> str:
    """`archive_bench` for the default 100 000 letters, `archive_1000000_bench` for others:
    each corpus size keeps its own database, so a big corpus is made once."""
    if explicit:
        return explicit
    if os.environ.get("DATABASE_URL"):
        name = urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/") or "archive"
    else:
        name = os.environ.get("EMBEDDED_DATABASE", "archive")
    name = name.removesuffix(BENCH_SUFFIX)
    if letters != 100_000:
        name = f"{name}_{letters}"
    return name + BENCH_SUFFIX


class Command(BaseCommand):
    help = (
        "Benchmark search, list, detail and import over N synthetic letters, in a separate "
        "database whose name ends in _bench (never the archive)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--letters", type=int, default=100_000, help="Corpus size N.")
        parser.add_argument(
            "--regenerate", action="store_true", help="Rebuild the corpus even if one exists."
        )
        parser.add_argument(
            "--explain",
            action="store_true",
            help="Print EXPLAIN (ANALYZE, BUFFERS) of the slowest search query's statements.",
        )
        parser.add_argument("--runs", type=int, default=3, help="Timed runs per URL.")
        parser.add_argument(
            "--queries",
            type=int,
            default=0,
            help="Use only the first K queries of each class (0: all); for quick checks.",
        )
        parser.add_argument(
            "--import-rounds",
            type=int,
            default=125,
            help="Times the fixture letters are imported for the throughput figure (0: skip).",
        )
        parser.add_argument(
            "--import-only",
            action="store_true",
            help="Measure the import throughput only (no search, list or detail pages).",
        )
        parser.add_argument(
            "--bench-database",
            help="Name of the benchmark database (must end in _bench; default derived).",
        )
        parser.add_argument(
            "--generate-only",
            action="store_true",
            help="Make (or reuse) the corpus and stop: for big corpora made ahead of the run.",
        )
        parser.add_argument(
            "--rebuild-index",
            action="store_true",
            help="Rebuild the search index even if one for this corpus exists.",
        )
        parser.add_argument(
            "--serve",
            action="store_true",
            help="Serve the corpus (synthetic letters shown) with gunicorn instead of timing.",
        )
        parser.add_argument("--port", type=int, default=8000, help="With --serve.")
        parser.add_argument("--seed", type=int, default=20250101)
        parser.add_argument(INSIDE_FLAG, action="store_true", help="(internal)")

    def handle(self, *args, **options):
        if options["letters"] < 1:
            raise CommandError("--letters must be at least 1.")
        if options["inside_bench_database"]:
            self._refuse_unless_bench_database()
            return self._run(options)
        return self._relaunch(options)

    # ---- the parent: pick the bench database, run the benchmark there ------------------

    def _relaunch(self, options) -> None:
        name = bench_database_name(options["bench_database"], options["letters"])
        if not name.endswith(BENCH_SUFFIX) or not re.fullmatch(r"\w+", name):
            raise CommandError(f"The benchmark database name must end in {BENCH_SUFFIX}: {name}")
        env = dict(os.environ)
        if env.get("DATABASE_URL"):
            parts = urlsplit(env["DATABASE_URL"])
            if parts.path.lstrip("/") == name:
                raise CommandError("DATABASE_URL already names the benchmark database.")
            env["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + name))
            _create_database(os.environ["DATABASE_URL"], name)
        else:
            env["EMBEDDED_DATABASE"] = name  # the embedded backend creates it on connection
        # The benchmark corpus has its own search index (never the archive's), written only
        # by the benchmark itself.
        env["SEARCH_INDEX_DIR"] = str(bench_index_dir(name))
        env["SEARCH_FOLLOW_SECONDS"] = "0"
        argv = [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "bench",
            INSIDE_FLAG,
            f"--letters={options['letters']}",
            f"--runs={options['runs']}",
            f"--queries={options['queries']}",
            f"--import-rounds={options['import_rounds']}",
            f"--seed={options['seed']}",
        ]
        argv += ["--rebuild-index"] * options["rebuild_index"]
        argv += ["--serve", f"--port={options['port']}"] * options["serve"]
        argv += ["--regenerate"] * options["regenerate"] + ["--explain"] * options["explain"]
        argv += ["--generate-only"] * options["generate_only"]
        argv += ["--import-only"] * options["import_only"]
        self.stdout.write(f"Benchmark database: {name}")
        with subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            argv, env=env, stdout=subprocess.PIPE, text=True, bufsize=1
        ) as child:
            for line in child.stdout:
                self.stdout.write(line.rstrip("\n"))
        if child.returncode:
            raise CommandError(f"The benchmark failed (exit status {child.returncode}).")

    # ---- the child: everything below runs in the bench database -------------------------

    def _refuse_unless_bench_database(self) -> None:
        name = connection.settings_dict["NAME"]
        if not str(name).endswith(BENCH_SUFFIX):
            raise CommandError(
                f"Refusing to benchmark in the database {name!r}: the benchmark writes synthetic "
                f"letters and runs only in a database whose name ends in {BENCH_SUFFIX}."
            )

    def _run(self, options) -> None:
        wanted = options["letters"]
        call_command("migrate", verbosity=0, interactive=False)
        corpus = self._corpus(wanted, options["regenerate"], options["seed"])
        if options["generate_only"]:
            return
        if options["import_only"]:
            return self._report_import(self._measure_import(options["import_rounds"]))
        index = self._index(options["rebuild_index"] or options["regenerate"])
        if options["serve"]:
            return self._serve(options["port"])
        # WhiteNoise warns once about the missing staticfiles/ (collectstatic is not needed).
        warnings.filterwarnings("ignore", message="No directory at")
        observer = SqlObserver()
        with (
            connection.execute_wrapper(observer),
            override_settings(
                # Every page shows synthetic letters when this is set (visible_letters()).
                ARCHIVE_SHOW_SYNTHETIC=True,
                ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
                # No manifest needed: collectstatic is not part of `make bench`.
                STORAGES={
                    **settings.STORAGES,
                    "staticfiles": {
                        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
                    },
                },
            ),
        ):
            client = Client(raise_request_exception=False)
            plan = _plan(options["queries"])
            speed_before = cpu_reference_ms()
            search = self._measure_search(client, observer, plan, options["runs"])
            lists = self._measure_pages(
                client, observer, "list pages", _list_urls(), options, RESULT_LINK
            )
            details = self._measure_pages(
                client, observer, "detail pages", _detail_urls(), options, SYNTHETIC_BODY
            )
            browse = self._measure_pages(
                client, observer, "browse pages", BROWSE_URLS, options, BROWSE_LINK
            )
            speed = (speed_before, cpu_reference_ms())
            if options["explain"]:
                self._explain_slowest(client, observer, search)
            exact = self._check_exact(plan)
        imported = self._measure_import(options["import_rounds"])
        self._report(corpus, search, (lists, details, browse), imported, index, exact, speed)

    def _corpus(self, wanted: int, regenerate: bool, seed: int) -> int:
        from archive import synthetic

        have = synthetic.synthetic_letter_count()
        if have >= wanted and not regenerate:
            self.stdout.write(
                f"Reusing the corpus of {have} synthetic letters (--regenerate to rebuild)."
            )
            return have
        self.stdout.write(f"Generating {wanted} synthetic letters...")
        report = synthetic.generate_corpus(wanted, seed=seed, progress=_progress)
        sys.stderr.write("\n")
        copy = ", ".join(f"{k} {v:.1f}" for k, v in report.copy_seconds.items())
        self.stdout.write(
            f"Generated {report.letters} letters in {report.seconds:.1f} s "
            f"(Python rows {report.python_seconds:.1f} s; COPY seconds by table: {copy})"
        )
        return report.letters

    def _serve(self, port: int) -> None:
        """Replace this process by gunicorn on the benchmark database, showing its synthetic
        letters (their titles and bodies say they are synthetic)."""
        self.stdout.write(f"Serving the benchmark corpus on http://127.0.0.1:{port}/")
        self.stdout.flush()
        os.environ["ARCHIVE_SHOW_SYNTHETIC"] = "1"
        os.environ["SEARCH_FOLLOW_SECONDS"] = "1"
        argv = [sys.executable, "-m", "gunicorn", "archive.wsgi", "--bind", f"127.0.0.1:{port}"]
        argv += ["--workers", "2", "--access-logfile", "-"]
        os.execv(sys.executable, argv)  # noqa: S606 - our own interpreter and gunicorn

    def _index(self, rebuild: bool) -> dict:
        """The corpus's search index: built from the tables (timed) unless a current one
        exists; then brought up to date with the change log."""
        from archive.search import indexer

        if rebuild:
            indexer.rebuild(reason="benchmark (--rebuild-index)")
        result = indexer.update()
        state = result.state or indexer.read_state(indexer.current_dir())
        status = indexer.status()
        self.stdout.write(
            f"Search index: {status.documents} letters, {status.size_bytes / 1e6:.0f} MB, "
            f"built in {state.build_seconds:.1f} s ({status.directory})"
        )
        return {"build_s": state.build_seconds, "mb": status.size_bytes / 1e6}

    def _check_exact(self, plan) -> list[str]:
        """Exactness on the benchmark corpus, as a reader can check it through the API:
        every query's matches, listed whole, are `total` distinct letters; facet counts sum
        to the total (years, types) and equal the total of their filter (the top agenda
        items and states); filter-only totals equal PostgreSQL's counts. Returns what failed
        (empty: exact=1)."""
        from archive.models import LetterAgendaItem
        from archive.search import matching_letter_ids, search_letters

        problems = []
        for cases in plan.values():
            for params in cases:
                filters = {k: v for k, v in params.items() if k != "q"}
                page = search_letters(params["q"], filters)
                ids = matching_letter_ids(params["q"], filters)
                if len(ids) != page.total or len(set(ids)) != len(ids):
                    problems.append(f"{params}: total {page.total}, listed {len(ids)}")
                facets = {f.param: f for f in page.facets}
                for name in ("year", "type"):
                    counted = sum(v.count for v in facets[name].values)
                    if counted != page.total:
                        problems.append(f"{params}: {name} facet sums to {counted}")
                for name in ("agenda", "state"):
                    if name in filters:
                        continue  # repeated values mean "any of": no URL ANDs them
                    for value in facets[name].values[:2]:
                        narrowed = search_letters(
                            params["q"], {**filters, name: value.value}, facets=False
                        )
                        if narrowed.total != value.count:
                            problems.append(
                                f"{params}: {name}={value.value} facet {value.count}, "
                                f"filtered total {narrowed.total}"
                            )
        problems += _phrase_pairs_exact()
        item = _busiest_agenda_item(75)
        if item:
            filters = {"agenda": f"{item.ga_session}-{item.number}{item.sub_item}"}
            engine = search_letters("", filters, facets=False).total
            database = LetterAgendaItem.objects.filter(agenda_item=item).count()
            if engine != database:
                problems.append(f"{filters}: engine {engine}, PostgreSQL {database}")
        for problem in problems:
            self.stdout.write(f"  NOT EXACT {problem}")
        return problems

    def _measure_search(self, client, observer, plan, runs) -> dict[str, Measure]:
        try:
            from archive.search import search_letters
        except ImportError:  # the page is still timed through its URL
            search_letters = None
        measures = {}
        for label, cases in plan.items():
            measure = measures[label] = Measure(label)
            for params in cases:
                url = "/search/?" + urlencode(params)
                self._time_url(client, observer, measure, url, runs)
                if search_letters is None:
                    continue
                filters = {k: v for k, v in params.items() if k != "q"}
                for _ in range(runs):
                    began = time.perf_counter()
                    search_letters(params["q"], filters)
                    measure.api.append((time.perf_counter() - began) * 1000)
        return measures

    def _measure_pages(self, client, observer, label, urls, options, shows) -> Measure:
        measure = Measure(label)
        for url in urls:
            self._time_url(client, observer, measure, url, options["runs"], shows)
        return measure

    def _time_url(
        self, client, observer, measure: Measure, url: str, runs: int, shows=RESULT_LINK
    ) -> None:
        client.get(url)  # warm-up: caches, prepared plans, template loading
        for _ in range(runs):
            observer.reset()
            began = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - began) * 1000
            if response.status_code != 200:
                error = getattr(response, "exc_info", None)
                reason = f" ({error[0].__name__}: {error[1]})" if error else ""
                measure.failures.append(f"{url} -> {response.status_code}{reason}"[:300])
                return
            measure.requests.append(elapsed)
            measure.sql.append(observer.seconds * 1000)
            measure.by_url[url].append(elapsed)
        if not shows.search(response.content):
            measure.empty += 1  # no letter shown (a rare term may match none)

    def _explain_slowest(self, client, observer, search: dict[str, Measure]) -> None:
        slowest_url, slowest = None, -1.0
        for measure in search.values():
            for url, times in measure.by_url.items():
                if percentile(times, 0.5) > slowest:
                    slowest_url, slowest = url, percentile(times, 0.5)
        if slowest_url is None:
            return
        observer.reset()
        client.get(slowest_url)
        statements = list(observer.statements)
        self.stdout.write(f"\nEXPLAIN of {slowest_url} (median {slowest:.0f} ms):")
        ranked = sorted(range(len(statements)), key=lambda i: -statements[i][2])[:3]
        for index in sorted(ranked):
            sql, params, seconds = statements[index]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            self.stdout.write(f"\n-- statement {index + 1}, {seconds * 1000:.1f} ms:\n{sql}\n")
            with transaction.atomic(), connection.cursor() as cursor:
                # Replay the session settings the page set before this statement.
                for earlier, earlier_params, _ in statements[:index]:
                    if earlier.lstrip().upper().startswith("SET") or "set_config(" in earlier:
                        cursor.execute(earlier, earlier_params)
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                for (line,) in cursor.fetchall():
                    self.stdout.write(line)

    def _measure_import(self, rounds: int) -> dict | None:
        """Parse and store the fixture letters `rounds` times as `import_letters` does
        (parsing in one process per core, storing in batches in this one), each copy under
        fresh synthetic symbols and checksum so every one is a new letter."""
        if rounds < 1:
            return None
        from archive.ingest import (
            ImportEntry,
            import_in_batches,
            iter_letter_files,
            read_letter_bytes,
        )
        from archive.management.commands.import_letters import BATCH_SIZE
        from archive.models import Letter

        _delete_imported()
        files = [(p, p.read_bytes()) for p in iter_letter_files([FIXTURE_LETTERS])]
        copies = [(path, data) for _ in range(rounds) for path, data in files]
        created, failed = 0, 0
        began = time.perf_counter()
        jobs = min(4, os.cpu_count() or 1)
        read = read_letter_bytes([(data, path.name) for path, data in copies], jobs=jobs)
        entries = (
            _fresh_entry(ImportEntry, serial, path, data, letter_file)
            for serial, ((path, data), letter_file) in enumerate(
                zip(copies, read, strict=True), start=1
            )
        )
        for entry, result in import_in_batches(entries, BATCH_SIZE):
            if not hasattr(result, "status"):  # a parser gap is reported, not fatal here
                failed += 1
                self.stdout.write(f"  import failed: {entry.source_name}: {result}")
            created += getattr(result, "status", "") == "created"
        seconds = time.perf_counter() - began
        imported = Letter.objects.filter(texts__source_name__startswith=IMPORT_SOURCE_PREFIX)
        flagged = imported.filter(is_synthetic=True).count()
        _delete_imported()
        return {
            "files": len(files),
            "letters": created,
            "failed": failed,
            "seconds": seconds,
            "per_second": created / seconds if seconds else math.nan,
            "all_synthetic": flagged == created,
        }

    def _report_import(self, imported: dict | None) -> None:
        if imported:
            self.stdout.write(_import_row(imported))
            self.stdout.write(f"BENCH import_letters_per_s={imported['per_second']:.1f}")

    def _report(self, corpus, search, pages, imported, index, exact, speed) -> None:
        lists, details, browse = pages
        out = self.stdout.write
        out("")
        out(
            f"{'class':<28}{'urls':>5}{'runs':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
            f"{'sql p50':>9}{'sql p95':>9}{'api p95':>9}  notes"
        )
        all_search = Measure("search: all")
        for measure in search.values():
            out(_row(measure))
            all_search.requests += measure.requests
            all_search.sql += measure.sql
            all_search.api += measure.api
            all_search.by_url.update(measure.by_url)
            all_search.failures += measure.failures
            all_search.empty += measure.empty
        out(_row(all_search))
        for measure in pages:
            out(_row(measure))
        for measure in [*search.values(), *pages]:
            for failure in measure.failures:
                out(f"  FAILED {failure}")
        for measure in pages:
            worst = sorted(measure.by_url.items(), key=lambda item: -percentile(item[1], 0.5))
            if worst:
                out(
                    f"Slowest {measure.label} (median ms): "
                    + "; ".join(f"{url} {percentile(times, 0.5):.0f}" for url, times in worst[:3])
                )
        if search:
            worst = sorted(all_search.by_url.items(), key=lambda item: -percentile(item[1], 0.5))[
                :5
            ]
            out(
                "Slowest search URLs (median ms): "
                + "; ".join(f"{url} {percentile(times, 0.5):.0f}" for url, times in worst)
            )
        line = (
            f"BENCH N={corpus} "
            f"search_p50_ms={_fmt(percentile(all_search.requests, 0.5))} "
            f"search_p95_ms={_fmt(percentile(all_search.requests, 0.95))} "
            f"list_p95_ms={_fmt(percentile(lists.requests, 0.95))} "
            f"detail_p95_ms={_fmt(percentile(details.requests, 0.95))} "
            f"browse_p95_ms={_fmt(percentile(browse.requests, 0.95))} "
            f"sql_search_p95_ms={_fmt(percentile(all_search.sql, 0.95))} "
            f"index_build_s={index['build_s']:.1f} index_mb={index['mb']:.0f} "
            f"exact={0 if exact else 1}"
        )
        if imported:
            out(_import_row(imported))
            line += f" import_letters_per_s={imported['per_second']:.1f}"
        out(
            f"Machine: a fixed Python loop took {speed[0]:.1f} ms before the pages were timed and "
            f"{speed[1]:.1f} ms after (a shared machine's speed drifts: compare runs whose loop "
            "took alike)."
        )
        out(line)
        failures = sum(len(m.failures) for m in [all_search, *pages])
        if exact:
            raise CommandError(f"{len(exact)} exactness checks failed; see NOT EXACT above.")
        if failures:
            # Figures from error pages mean nothing: fail loudly rather than report them.
            raise CommandError(f"{failures} benchmark requests failed; see FAILED above.")


def cpu_reference_ms(rounds: int = 9) -> float:
    """The machine's speed as the pages feel it: the median time of a fixed pure-Python loop
    (1.5 million additions), the same on every run and every machine."""
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        total = 0
        for number in range(1_500_000):
            total += number
        times.append((time.perf_counter() - began) * 1000)
    return percentile(times, 0.5)


def _row(measure: Measure) -> str:
    notes = []
    if measure.failures:
        notes.append(f"{len(measure.failures)} failed")
    if measure.empty:
        notes.append(f"{measure.empty} without results")
    return (
        f"{measure.label:<28}{len(measure.by_url):>5}{len(measure.requests):>6}"
        f"{_fmt(percentile(measure.requests, 0.5)):>9}"
        f"{_fmt(percentile(measure.requests, 0.95)):>9}"
        f"{_fmt(max(measure.requests, default=math.nan)):>9}"
        f"{_fmt(percentile(measure.sql, 0.5)):>9}{_fmt(percentile(measure.sql, 0.95)):>9}"
        f"{_fmt(percentile(measure.api, 0.95)) if measure.api else '':>9}"
        f"  {', '.join(notes)}"
    )


def _phrase_pairs_exact() -> list[str]:
    """Each phrase matches as many letters by its pair (schema.PairWords) as by positions."""
    from archive.search import engine
    from archive.search.query import Filters, combined, text_query

    found, _, pair_words = engine._searcher()
    every_letter = Filters(include_synthetic=True)
    problems = []
    for phrase in PHRASES:
        by_pairs, by_positions = (
            found.search(combined(words, every_letter), 1, count=True).count
            for words in (text_query(phrase, found, pair_words), text_query(phrase, found))
        )
        if by_pairs != by_positions:
            problems.append(f"{phrase}: {by_pairs} letters by pairs, {by_positions} by positions")
    return problems


def _fmt(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.1f}"


def _progress(done: int, total: int) -> None:
    width = 30
    filled = width * done // total
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    sys.stderr.flush()


def bench_index_dir(database: str) -> Path:
    """The benchmark corpus's search index folder (git-ignored: .search-index-*)."""
    return Path(settings.BASE_DIR) / f".search-index-{database}"


def _create_database(url: str, name: str) -> None:
    """With DATABASE_URL, create the benchmark database beside the archive's if missing."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _plan(limit: int) -> dict[str, list[dict[str, str]]]:
    """The 40 search cases, by class; filters use values the corpus certainly holds."""

    def first(cases):
        return cases[:limit] if limit else cases

    popular = _busiest_agenda_item(75)
    busiest_state = _busiest_state()
    state = busiest_state.iso3 if busiest_state else ""
    agenda = f"{popular.ga_session}-{popular.number}{popular.sub_item}" if popular else ""
    filtered = [
        {"q": "security", "agenda": agenda},
        {"q": "human rights", "state": state},
        {"q": "ceasefire", "date_after": "2000-01-01", "date_before": "2010-12-31"},
        {"q": "nations", "session": "75"},
        {"q": "attack", "state": state, "date_after": "1990-01-01"},
    ]
    return {
        "search: rare terms": first([{"q": q} for q in RARE_TERMS]),
        "search: common terms": first([{"q": q} for q in COMMON_TERMS]),
        "search: 2-3 terms": first([{"q": q} for q in MULTI_TERMS]),
        "search: phrases": first([{"q": q} for q in PHRASES]),
        "search: with filters": first(filtered),
    }


def _busiest_agenda_item(session: int):
    from django.db.models import Count

    from archive.models import AgendaItem

    return (
        AgendaItem.objects.filter(ga_session=session)
        .annotate(letters=Count("letter_links"))
        .order_by("-letters", "pk")
        .first()
    )


def _busiest_state():
    from django.db.models import Count

    from archive.models import MemberState

    return (
        MemberState.objects.filter(letters_sent__is_synthetic=True)
        .annotate(letters=Count("letters_sent"))
        .order_by("-letters", "iso3")
        .first()
    )


def _list_urls() -> list[str]:
    """Filtered lists: the home list with filters (agenda item, state, date range; the list
    page is `/`, the same filters as the search page without its facets), and the
    agenda-item, topic and state pages."""
    from django.db.models import Count

    from archive.models import AgendaItem

    busiest = _busiest_agenda_item(75)
    quiet = (
        AgendaItem.objects.filter(ga_session=40)
        .annotate(letters=Count("letter_links"))
        .filter(letters__gt=0)
        .order_by("letters", "pk")
        .first()
    )
    state = _busiest_state()
    urls = ["/", "/?page=3"]
    for item in filter(None, [busiest, quiet]):
        urls.append(item.get_absolute_url())
        urls.append(
            "/?" + urlencode({"agenda": f"{item.ga_session}-{item.label}", "sort": "newest"})
        )
    if busiest and busiest.topic:
        urls.append(busiest.topic.get_absolute_url())
    if state:
        urls.append(state.get_absolute_url())
        urls.append(
            "/?"
            + urlencode(
                {"state": state.iso3, "date_after": "2000-01-01", "date_before": "2015-12-31"}
            )
        )
    urls.append("/?" + urlencode({"date_after": "1990-01-01", "date_before": "1990-12-31"}))
    return urls


# The pages between the lists and the letters (sessions, a session's agenda items, topics,
# states) and the orders of the list no search class times: each counts or orders over the
# whole archive, where a query that does not use an index shows first (a session's page took
# over a minute at a million letters before its counts were read from the links' index).
BROWSE_URLS = ["/agenda/", "/agenda/75/", "/topics/", "/states/", "/?sort=oldest", "/?sort=symbol"]


def _detail_urls(count: int = 20) -> list[str]:
    """Letters spread over the corpus, the largest (with an annex or a claim) among them."""
    from archive.models import Letter

    ids = list(Letter.objects.filter(is_synthetic=True).order_by("pk").values_list("pk", flat=True))
    if not ids:
        return []
    step = max(1, len(ids) // count)
    picked = ids[::step][:count]
    return [
        letter.get_absolute_url()
        for letter in Letter.objects.filter(pk__in=picked).prefetch_related("symbols")
    ]


def _import_row(imported: dict) -> str:
    return (
        f"{'import (parse + store)':<28}{imported['files']:>5} files, "
        f"{imported['letters']} letters created, {imported['failed']} failed, "
        f"{imported['seconds']:.2f} s: {imported['per_second']:.1f} letters/s"
    )


def _fresh_entry(entry_class, serial: int, path: Path, data: bytes, letter_file):
    """A fixture letter as a new synthetic letter: fresh symbols and checksum."""
    name = f"{IMPORT_SOURCE_PREFIX}{serial}-{path.name}"
    if not hasattr(letter_file, "parsed"):
        return entry_class(name, letter_file, len(data), synthetic=True)
    parsed = replace(letter_file.parsed, symbols=_fresh_symbols(letter_file.parsed, serial))
    sha256 = hashlib.sha256(data + str(serial).encode()).hexdigest()
    fresh = replace(letter_file, parsed=parsed, sha256=sha256)
    return entry_class(name, fresh, len(data), synthetic=True)


def _fresh_symbols(parsed, serial: int) -> tuple[str, ...]:
    """The letter's symbols with a number no real or synthetic letter uses."""
    number = str(900_000 + serial)
    if not parsed.symbols:
        return (f"A/{parsed.ga_session or 80}/{number}",)
    return tuple(re.sub(r"\d+$", number, s) for s in parsed.symbols)


def _delete_imported() -> None:
    """Remove the letters the import measurement (or make loadtest's import) stored, then
    vacuum and analyze: thousands of rows written and deleted otherwise leave the corpus
    slower for the next run (dead rows, stale statistics: letter pages 9.1 -> 10.5 ms)."""
    from django.db import connection

    from archive.models import Letter, SourceFile

    deleted, _ = Letter.objects.filter(texts__source_name__startswith=IMPORT_SOURCE_PREFIX).delete()
    SourceFile.objects.filter(original_name__startswith=IMPORT_SOURCE_PREFIX).delete()
    if deleted and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
