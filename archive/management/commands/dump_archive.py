from pathlib import Path

from django.core.management.base import BaseCommand

from archive.dump import dump_archive


class Command(BaseCommand):
    help = "Write the whole archive as JSON Lines (archive.jsonl) plus a codebook into DIR."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, directory, **options):
        counts = dump_archive(directory)
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count}")
        self.stdout.write(f"Written to {directory}/archive.jsonl and codebook.md")
