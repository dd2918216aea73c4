import sys
import time
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.ingest import IngestError, ingest_file, iter_letter_files


class Command(BaseCommand):
    help = "Import letters from files or folders (.txt, .md, .pdf, .docx); each one atomically."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--quiet-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, paths, quiet_progress, **options):
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(f"No such file or folder: {', '.join(missing)}")
        files = iter_letter_files(paths)
        counts: Counter[str] = Counter()
        failures: list[tuple[Path, str]] = []
        started = time.monotonic()
        for done, path in enumerate(files, start=1):
            try:
                result = ingest_file(path)
            except IngestError as error:
                counts["failed"] += 1
                failures.append((path, error.reason))
            except OSError as error:
                counts["failed"] += 1
                failures.append((path, f"Cannot read the file: {error.strerror}."))
            else:
                counts[result.status] += 1
            if not quiet_progress:
                self._progress(done, len(files))
        if files and not quiet_progress:
            sys.stderr.write("\n")

        seconds = time.monotonic() - started
        self.stdout.write(
            f"{len(files)} files in {seconds:.1f} s: "
            f"{counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged, {counts['failed']} failed"
        )
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
