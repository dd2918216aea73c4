from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.dump import LoadError, load_archive


class Command(BaseCommand):
    help = "Restore a dump_archive directory into an empty archive (one transaction)."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, directory, **options):
        if not (directory / "archive.jsonl").is_file():
            raise CommandError(f"No archive.jsonl in {directory}.")
        try:
            counts = load_archive(directory)
        except LoadError as error:
            raise CommandError(str(error)) from error
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count}")
