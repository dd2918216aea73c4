import os
import sys
import time
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.ingest import (
    BULK_IMPORT_NICENESS,
    ImportEntry,
    IngestError,
    import_in_batches,
    iter_letter_files,
    read_letter_files,
    yield_to_the_web,
)

# Below this many files the parse processes cost more to start than they save, and each
# letter is committed on its own (a kill loses at most the letter being stored).
PARALLEL_FROM = 40
# Letters a transaction in a big import: fewer round trips and commits; a kill loses at most
# the batch being stored (whole letters, never a part of one).
BATCH_SIZE = 100


class Command(BaseCommand):
    help = (
        "Import letters from files or folders (.txt, .md, .pdf, .docx); each one atomically. "
        "A file that fails is reported with its reason and the run goes on."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--quiet-progress", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--jobs",
            type=int,
            default=None,
            help="Processes that read and parse files (default: one per core for big imports).",
        )
        parser.add_argument(
            "--niceness",
            type=int,
            default=None,
            help="Lower the import's CPU priority by this much, so that web workers on the "
            f"same machine keep their speed (default: {BULK_IMPORT_NICENESS} for big imports, "
            "else 0).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help=f"Letters stored a transaction (default: {BATCH_SIZE} for big imports, else 1).",
        )

    def handle(self, *args, paths, quiet_progress, jobs, batch_size, niceness, **options):
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(f"No such file or folder: {', '.join(missing)}")
        files = iter_letter_files(paths)
        big = len(files) >= PARALLEL_FROM
        yield_to_the_web(niceness if niceness is not None else BULK_IMPORT_NICENESS * big)
        if jobs is None:
            jobs = min(4, os.cpu_count() or 1) if big else 1
        if batch_size is None:
            batch_size = BATCH_SIZE if big else 1
        counts: Counter[str] = Counter()
        failures: list[tuple[Path, str]] = []
        reported: list[tuple[Path, str, tuple[str, ...]]] = []
        started = time.monotonic()
        read = (
            ImportEntry(path.name, letter_file, size)
            for path, letter_file, size in read_letter_files(files, jobs=jobs)
        )
        stored = import_in_batches(read, max(1, batch_size))
        for done, (path, (_entry, result)) in enumerate(zip(files, stored, strict=True), start=1):
            if isinstance(result, IngestError):
                counts["failed"] += 1
                failures.append((path, result.reason))
            else:
                counts[result.status] += 1
                if result.differences or result.note:
                    reported.append((path, result.note, result.differences))
            if not quiet_progress:
                self._progress(done, len(files))
        if files and not quiet_progress:
            sys.stderr.write("\n")

        seconds = time.monotonic() - started
        summary = (
            f"{len(files)} files in {seconds:.1f} s: "
            f"{counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged, {counts['failed']} failed"
        )
        if counts["kept"]:
            summary += f", {counts['kept']} kept as an editor or a better source left them"
        self.stdout.write(summary)
        for path, note, differences in reported:
            self.stdout.write(f"  {note or 'for the editor'}: {path}")
            for difference in differences:
                self.stdout.write(f"    not applied: {difference}")
        for path, reason in failures:
            self.stdout.write(f"  failed: {path}: {reason}")
        if failures:
            raise CommandError(
                f"{len(failures)} of {len(files)} files failed; nothing of them was saved."
            )

    def _progress(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // total
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        sys.stderr.flush()
