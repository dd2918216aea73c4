"""`manage.py parse_letter FILE [--json]`: what the parser reads in one file, nothing stored.

Editors and parser developers use it to check a file before importing it. It never opens a
database connection: extraction and parsing are pure Python.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from archive.ingest import IngestError, read_letter_file
from archive.parsing import ParsedLetter, parsed_as_expected_json


def letter_as_json(parsed: ParsedLetter, file_name: str) -> dict:
    """The parsed letter with the keys of expected.jsonl, claims with those of claims.jsonl."""
    record = {"file": file_name, **parsed_as_expected_json(parsed)}
    # claims.jsonl names the file on every claim, as each line stands alone there.
    record["claims"] = [{"file": file_name, **claim} for claim in record["claims"]]
    return record


def letter_summary(parsed: ParsedLetter) -> str:
    """A readable account of what was found, with every field the parser missed marked."""
    missing = "(not found)"

    def show(value) -> str:
        if value is None or value == "" or value == ():
            return missing
        return str(value)

    sender = parsed.sender
    lines = [
        f"Symbols:            {show(' – '.join(parsed.symbols))}",
        f"Document type:      {parsed.doc_type}",
        f"Language:           {parsed.language}",
        f"Original language:  {show(parsed.original_language)}",
        f"Distribution date:  {show(parsed.distribution_date)}",
        f"GA session:         {show(parsed.ga_session)}"
        + (f" ({parsed.ga_session_label})" if parsed.ga_session_label else ""),
        f"SC year:            {show(parsed.sc_year)}"
        + (f" ({parsed.sc_year_label})" if parsed.sc_year_label else ""),
        f"Title:              {show(parsed.title)}",
        f"Letter date:        {show(parsed.letter_date)}",
        f"Sender:             {show(sender.name if sender else None)}",
        f"  role:             {show(sender.role if sender else None)}",
        f"  state:            {show(sender.state if sender else None)}",
        f"Addressees:         {show('; '.join(parsed.addressees))}",
        f"Signatories:        {show('; '.join(parsed.signatories))}",
        f"Agenda items:       {len(parsed.agenda_items) or missing}",
    ]
    for item in parsed.agenda_items:
        label = f"{item.number} ({item.sub_item})" if item.sub_item else str(item.number)
        lines.append(f"  {label}: {item.title or missing}")
    lines.append(f"Annexes:            {len(parsed.annexes)}")
    for annex in parsed.annexes:
        lines.append(f"  {annex.order}. {annex.title or annex.heading or missing}")
    lines.append(f"Incident claims:    {len(parsed.claims)}")
    for claim in parsed.claims:
        where = "body" if claim.section == 0 else f"annex {claim.section}"
        facts = ", ".join(
            f"{name} {value}"
            for name, value in [
                ("killed", claim.killed),
                ("injured", claim.injured),
                ("on", claim.date),
                ("from", claim.period_start),
                ("to", claim.period_end),
                ("at", claim.place),
            ]
            if value is not None
        )
        lines.append(
            f"  - {claim.kind} ({where}, {claim.confidence}), claimed by "
            f"{claim.claimant or missing} against {claim.accused or missing}"
            + (f": {facts}" if facts else "")
        )
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Print what the parser extracts from one file (.pdf, .docx, .txt, .md) "
        "without touching the database."
    )
    # No system or migration checks: they would open a database connection.
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--json",
            dest="as_json",
            action="store_true",
            help="One JSON object with the keys of fixtures/letters/expected.jsonl.",
        )

    def handle(self, *args, file: Path, as_json: bool, **options):
        data = self._read(file)
        try:
            parsed = read_letter_file(data, file.name).parsed
        except IngestError as error:
            raise CommandError(f"{file}: {error.reason}") from error
        if as_json:
            self.stdout.write(
                json.dumps(letter_as_json(parsed, file.name), ensure_ascii=False, indent=2)
            )
        else:
            self.stdout.write(letter_summary(parsed))

    def _read(self, file: Path) -> bytes:
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        # Refuse before reading, so a huge file is never loaded into memory.
        if file.stat().st_size > settings.UPLOAD_MAX_BYTES:
            limit = settings.UPLOAD_MAX_BYTES / (1024 * 1024)
            raise CommandError(f"{file}: the file is larger than the {limit:g} MB limit.")
        try:
            return file.read_bytes()
        except OSError as error:
            raise CommandError(f"{file}: cannot read the file: {error.strerror}.") from error
