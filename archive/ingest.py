"""The one write path: a parsed letter becomes rows, atomically and idempotently.

`import_letters`, the admin upload and the benchmark generator all call `ingest_letter`.

Identity. A file that carries document symbols is that letter, and only that letter: it is
found by its symbols, never by a fingerprint, and when its symbols name two letters, or a
letter that already has another symbol of the same body, the file is refused as a conflict
(reported, nothing applied). Only a file without symbols is found by a fingerprint of what a
corrected text does not change (language, dates, title, sender).

An editor's work is never undone by an import:
- a letter an editor reviewed is not changed by an import: what the file would change is
  reported (``IngestResult.differences``, kept on the letter for the editor), not applied;
- claims are matched by their quote, not recreated: ids and review status stay, an editor's
  reviewed claims are never touched; annexes are updated in place;
- a text from a better source (an official PDF's text layer) is never replaced by one from a
  worse source (a plain .txt, OCR) unless the editor asks (``replace_better_source``).

Concurrent imports of the same files: each letter's keys (symbols, fingerprint, checksum)
are locked for the transaction (PostgreSQL advisory locks), so a second importer waits for the
first and then finds the letter it stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from archive import letter_files
from archive.labels import readable_caps
from archive.letter_files import SOURCE_QUALITY, IngestError, LetterFile
from archive.letter_files import parse_letter_file as parse_letter_file  # for archive.upload
from archive.models import (
    AgendaItem,
    Annex,
    IncidentClaim,
    Letter,
    LetterAgendaItem,
    LetterCitation,
    LetterSymbol,
    LetterText,
    MemberState,
    Signatory,
    SourceFile,
    Topic,
)
from archive.parsing import ParsedLetter
from archive.parsing.readings import uncertain_fields
from archive.parsing.states import resolve_state

PARSER_VERSION = "7"  # bump when parsing changes: the next import refreshes every letter
SUPPORTED_SUFFIXES = {".txt", ".md", ".pdf", ".docx"}
SOURCE_LABELS = {
    1: "a scan read by OCR",
    2: "a plain-text file",
    3: "a Word file",
    4: "the text layer of a PDF",
}
# A letter's symbols, joined, must fit LetterText.symbols_text.
_MAX_SYMBOLS_TEXT = 200
# Tries of one letter when a concurrent import made the transaction fail (a deadlock, a row
# inserted meanwhile): the next try finds the other import's rows.
_ATTEMPTS = 3


@dataclass(frozen=True)
class IngestResult:
    # "created", "updated", "unchanged", or "kept": the letter was reviewed by an editor, or
    # has a text from a better source; what the file would change is in `differences`.
    status: str
    letter: Letter
    letter_text: LetterText
    differences: tuple[str, ...] = ()  # what was not applied, in words for the editor
    note: str = ""  # why ("kept as stored (the letter was reviewed by an editor)")


def read_letter_file(data: bytes, filename: str) -> LetterFile:
    """Extract and parse one file (see archive.letter_files)."""
    return letter_files.read_letter_file(data, filename, max_bytes=settings.UPLOAD_MAX_BYTES)


def read_letter_bytes(
    items: list[tuple[bytes, str]], *, jobs: int = 1
) -> Iterator[LetterFile | IngestError]:
    """(bytes, file name) pairs read and parsed, in order, in ``jobs`` processes."""
    return letter_files.read_letter_bytes(items, jobs=jobs, max_bytes=settings.UPLOAD_MAX_BYTES)


def read_letter_files(
    paths: list[Path], *, jobs: int = 1
) -> Iterator[tuple[Path, LetterFile | IngestError, int]]:
    """Files read and parsed, in order, in ``jobs`` processes (see archive.letter_files)."""
    return letter_files.read_letter_files(paths, jobs=jobs, max_bytes=settings.UPLOAD_MAX_BYTES)


def ingest_file(path: Path) -> IngestResult:
    """Read, parse and store one file from disk (the `import_letters` path)."""
    data = path.read_bytes()
    return store_letter_file(read_letter_file(data, path.name), path.name, len(data))


def store_letter_file(
    letter_file: LetterFile, name: str, size: int, *, synthetic: bool = False
) -> IngestResult:
    """Store one read file in its own transaction, retrying when a concurrent import got in
    the way.

    Raises IngestError for every failure, database errors included, with its reason."""
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            return _ingest_file(letter_file, name, size, synthetic)
        except (IntegrityError, OperationalError) as error:
            if attempt == _ATTEMPTS:
                raise IngestError(_database_reason(error)) from error
        except DatabaseError as error:
            raise IngestError(_database_reason(error)) from error
    raise AssertionError("unreachable")


def _ingest_file(letter_file: LetterFile, name: str, size: int, synthetic: bool) -> IngestResult:
    return ingest_letter(
        letter_file.parsed,
        source_name=name,
        source_sha256=letter_file.sha256,
        source_size=size,
        source_format=letter_file.file_format,
        source_quality=letter_file.source_quality,
        synthetic=synthetic,
    )


def _database_reason(error: DatabaseError) -> str:
    first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return f"The database refused this letter ({first_line[:300]}); nothing of it was saved."


# ---- Bulk imports: many letters a transaction ------------------------------------------
#
# `import_letters` stores letters in batches: one transaction for a batch, each letter in it
# atomic on its own. The letters that are new (no stored symbol, fingerprint or checksum of
# theirs, none shared with an earlier file of the batch) are stored together, a few INSERTs
# per table for all of them, with the same values as ingest_letter gives (the same _fill_*
# helpers); every other file (an update, a conflict, a second language) goes through
# ingest_letter in a savepoint. When the database refuses a group of new letters, the group
# is stored again letter by letter, so that a failure is one file's. A batch commits whole or
# not at all: a kill leaves whole letters, never a part of one.


@dataclass(frozen=True)
class ImportEntry:
    """One file of a bulk import: read and parsed, or why not."""

    source_name: str
    read: LetterFile | IngestError
    size: int
    synthetic: bool = False


# A bulk import runs below the web workers' CPU priority (os.nice): on a machine that also
# serves pages it takes every idle cycle, and readers keep their response times (make loadtest).
BULK_IMPORT_NICENESS = 10


def yield_to_the_web(niceness: int = BULK_IMPORT_NICENESS) -> None:
    """Lower this process's CPU priority (and its parse processes', which inherit it)."""
    if niceness > 0 and hasattr(os, "nice"):
        # Where it is not permitted, the import runs at the priority it has.
        with contextlib.suppress(OSError):
            os.nice(niceness)


def import_in_batches(
    entries: Iterable[ImportEntry], batch_size: int
) -> Iterator[tuple[ImportEntry, IngestResult | IngestError]]:
    """Store the entries, ``batch_size`` a transaction; yield each with what happened.

    A batch of one is ingest_letter in a transaction of its own (with its retries)."""
    if batch_size <= 1:
        for entry in entries:
            yield entry, _store_alone(entry)
        return
    batch: list[ImportEntry] = []
    for entry in entries:
        batch.append(entry)
        if len(batch) >= batch_size:
            yield from zip(batch, store_batch(batch), strict=True)
            batch = []
    if batch:
        yield from zip(batch, store_batch(batch), strict=True)


def store_batch(entries: list[ImportEntry]) -> list[IngestResult | IngestError]:
    """Store entries in one transaction, each letter atomically; never raises for a file."""
    try:
        with transaction.atomic():
            results, retry = _store_batch(entries)
    except DatabaseError:
        # The batch itself failed (a deadlock with a concurrent import, a refused lookup):
        # letter by letter, each with its own reason if it fails.
        return [_store_alone(entry) for entry in entries]
    for index in retry:  # a concurrent import got in the way of these letters: now, alone
        results[index] = _store_alone(entries[index])
    return results


def _store_alone(entry: ImportEntry) -> IngestResult | IngestError:
    if isinstance(entry.read, IngestError):
        return entry.read
    try:
        return store_letter_file(
            entry.read, entry.source_name, entry.size, synthetic=entry.synthetic
        )
    except IngestError as error:
        return error


def _store_batch(entries: list[ImportEntry]) -> tuple[list, list[int]]:
    results: list[IngestResult | IngestError | None] = [None] * len(entries)
    retry: list[int] = []
    ready = [(i, e) for i, e in enumerate(entries) if isinstance(e.read, LetterFile)]
    for index, entry in enumerate(entries):
        if isinstance(entry.read, IngestError):
            results[index] = entry.read
    keys = {i: _identity_keys(e.read.parsed, e.read.sha256) for i, e in ready}
    # Agenda items are shared between letters: locked too, so that two importers never
    # wait on each other's new item rows.
    items = {f"agenda:{k}" for _, e in ready for k in _agenda_keys(e.read.parsed)}
    _lock_keys(set().union(items, *keys.values()))
    taken = _stored_keys(set().union(*keys.values()))
    group: list[tuple[int, ImportEntry]] = []
    for index, entry in ready:
        if _symbols_fit(entry.read.parsed) and not keys[index] & taken:
            group.append((index, entry))
            taken |= keys[index]
            continue
        _store_group(group, results, retry)
        group = []
        taken |= keys[index]
        results[index] = _store_in_batch(entry)
        if results[index] is None:
            retry.append(index)
    _store_group(group, results, retry)
    return results, retry


def _stored_keys(keys: set[str]) -> set[str]:
    """Those of these identity keys that the archive already has."""
    values = defaultdict(list)
    for key in keys:
        kind, _, value = key.partition(":")
        values[kind].append(value)
    stored = LetterSymbol.objects.filter(lookup__in=values["symbol"]).values_list(
        "lookup", flat=True
    )
    found = {f"symbol:{v}" for v in stored}
    stored = Letter.objects.filter(fingerprint__in=values["fingerprint"])
    found |= {f"fingerprint:{v}" for v in stored.values_list("fingerprint", flat=True)}
    stored = SourceFile.objects.filter(sha256__in=values["source"])
    found |= {f"source:{v}" for v in stored.values_list("sha256", flat=True)}
    return found


def _store_in_batch(entry: ImportEntry) -> IngestResult | IngestError | None:
    """One letter through ingest_letter, in a savepoint; None: retry it after the batch."""
    try:
        return _ingest_file(entry.read, entry.source_name, entry.size, entry.synthetic)
    except IngestError as error:
        return error
    except (IntegrityError, OperationalError):
        return None
    except DatabaseError as error:
        return IngestError(_database_reason(error))


def _store_group(group: list[tuple[int, ImportEntry]], results: list, retry: list[int]) -> None:
    if not group:
        return
    try:
        with transaction.atomic():
            created = _create_letters([entry for _, entry in group])
    except DatabaseError:
        # Which letter the database refused is not known: each one again, on its own.
        for index, entry in group:
            results[index] = _store_in_batch(entry)
            if results[index] is None:
                retry.append(index)
        return
    for (index, _), result in zip(group, created, strict=True):
        results[index] = result


def _create_letters(entries: list[ImportEntry]) -> list[IngestResult]:
    """New letters, with the rows ingest_letter would write for them, a few INSERTs in all."""
    readings = [entry.read.parsed for entry in entries]
    states = _member_states(
        {p.sender.state for p in readings if p.sender}
        | {claim.accused_state for p in readings for claim in p.claims}
    )
    letters = []
    for entry, parsed in zip(entries, readings, strict=True):
        letter = Letter(is_synthetic=entry.synthetic)
        _fill_letter(letter, parsed, states=states)
        letters.append(letter)
    Letter.objects.bulk_create(letters)
    LetterSymbol.objects.bulk_create(
        row
        for letter, parsed in zip(letters, readings, strict=True)
        for row in _symbol_rows(letter, parsed.symbols, set())
    )
    texts = []
    for letter, parsed, entry in zip(letters, readings, entries, strict=True):
        text = LetterText(letter=letter, language=parsed.language)
        read = entry.read
        _fill_text(
            text,
            parsed,
            list(parsed.symbols),
            entry.source_name,
            read.sha256,
            read.file_format,
            read.source_quality,
        )
        texts.append(text)
    LetterText.objects.bulk_create(texts)
    annexes = [
        {annex.order: Annex(letter_text=text, order=annex.order) for annex in parsed.annexes}
        for text, parsed in zip(texts, readings, strict=True)
    ]
    for rows, parsed in zip(annexes, readings, strict=True):
        for annex in parsed.annexes:
            _fill_annex(rows[annex.order], annex)
    Annex.objects.bulk_create(row for rows in annexes for row in rows.values())
    differences = _link_new_letters_to_agenda_items(letters, readings)
    Signatory.objects.bulk_create(
        row
        for letter, parsed in zip(letters, readings, strict=True)
        for row in _signatory_rows(letter, parsed)
    )
    LetterCitation.objects.bulk_create(
        row
        for letter, parsed in zip(letters, readings, strict=True)
        for row in _citation_rows(letter, parsed, set())
    )
    IncidentClaim.objects.bulk_create(
        row
        for letter, text, rows, parsed in zip(letters, texts, annexes, readings, strict=True)
        for row in _new_claim_rows(letter, text, rows, parsed, states)
    )
    SourceFile.objects.bulk_create(
        SourceFile(
            sha256=entry.read.sha256,
            original_name=entry.source_name[:255],
            size=entry.size,
            file_format=entry.read.file_format,
            letter_text=text,
        )
        for entry, text in zip(entries, texts, strict=True)
    )
    return [
        IngestResult("created", letter, text, tuple(found))
        for letter, text, found in zip(letters, texts, differences, strict=True)
    ]


def _link_new_letters_to_agenda_items(letters: list[Letter], readings: list) -> list[list[str]]:
    """_store_agenda_items for new letters, in file order: the first letter to print an
    item's title gives it. Returns each letter's differences."""
    keys = {key for parsed in readings for key in _agenda_keys(parsed)}
    items = {}
    if keys:
        wanted = Q()
        for session, number, sub_item in keys:
            wanted |= Q(ga_session=session, number=number, sub_item=sub_item)
        items = {(i.ga_session, i.number, i.sub_item): i for i in AgendaItem.objects.filter(wanted)}
    new_items = {
        key: AgendaItem(ga_session=key[0], number=key[1], sub_item=key[2])
        for key in keys
        if key not in items
    }
    items |= new_items
    links, differences, changed = [], [], {}
    for letter, parsed in zip(letters, readings, strict=True):
        if not _agenda_keys(parsed):
            differences.append([])
            continue
        found = _link_agenda_items(letter, parsed, items)
        links += found[0]
        differences.append(found[1])
        changed |= {id(item): item for item in found[2] if item.pk is not None}
    AgendaItem.objects.bulk_create(sorted(new_items.values(), key=_agenda_order))
    AgendaItem.objects.bulk_update(changed.values(), ["titles", "topic"])
    LetterAgendaItem.objects.bulk_create(links)
    return differences


def _agenda_order(item: AgendaItem) -> tuple:
    return item.ga_session, item.number, item.sub_item


def fingerprint(parsed: ParsedLetter) -> str:
    """What identifies a letter whose symbols are unknown, stable under text corrections."""
    title = re.sub(r"\W+", " ", (parsed.title or "").lower()).strip()
    key = "|".join(
        [
            parsed.language,
            str(parsed.letter_date),
            str(parsed.distribution_date),
            title,
            parsed.sender.name if parsed.sender else "",
        ]
    )
    return hashlib.sha256(key.encode()).hexdigest()


def find_letter(parsed: ParsedLetter) -> Letter | None:
    """The letter this reading is a text of, or None for a new letter.

    A reading with symbols is found by its symbols only; one without, by its fingerprint.
    Raises IngestError when the symbols conflict with the archive (see the module's doc)."""
    lookups = [symbol.upper() for symbol in parsed.symbols]
    if not lookups:
        return Letter.objects.filter(fingerprint=fingerprint(parsed)).first()
    owners = {
        s.letter_id: s.letter
        for s in LetterSymbol.objects.filter(lookup__in=lookups).select_related("letter")
    }
    if len(owners) > 1:
        named = ", ".join(sorted(str(letter) for letter in owners.values()))
        raise IngestError(
            f"Conflict: the symbols {' '.join(parsed.symbols)} belong to different letters "
            f"in the archive ({named}); nothing was changed."
        )
    if not owners:
        return None
    letter = next(iter(owners.values()))
    for stored in letter.symbols.all():
        body = stored.lookup.split("/")[0]
        same_body = [lookup for lookup in lookups if lookup.split("/")[0] == body]
        if same_body and stored.lookup not in same_body:
            raise IngestError(
                f"Conflict: letter {letter} already has the symbol {stored.symbol}, and this "
                f"file says {' '.join(parsed.symbols)}; nothing was changed."
            )
    return letter


def _symbols_fit(parsed: ParsedLetter) -> bool:
    return len(" ".join(parsed.symbols)) <= _MAX_SYMBOLS_TEXT and all(
        len(s) <= 60 for s in parsed.symbols
    )


def _identity_keys(parsed: ParsedLetter, source_sha256: str) -> set[str]:
    """What identifies a letter's file: its symbols (else its fingerprint), its checksum."""
    return (
        {f"symbol:{s.upper()}" for s in parsed.symbols}
        | ({f"fingerprint:{fingerprint(parsed)}"} if not parsed.symbols else set())
        | {f"source:{source_sha256}"}
    )


def _lock_identity(parsed: ParsedLetter, source_sha256: str) -> None:
    """Serialize concurrent imports of one letter until this transaction ends."""
    _lock_keys(_identity_keys(parsed, source_sha256))


def _lock_keys(keys: set[str]) -> None:
    keys = sorted(keys)
    with connection.cursor() as cursor:
        # One statement, the keys in sorted order (two importers never lock in opposite orders).
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(key, 0)) "
            "FROM unnest(%s::text[]) WITH ORDINALITY AS k(key, n) ORDER BY n",
            [keys],
        )


@transaction.atomic
def ingest_letter(
    parsed: ParsedLetter,
    *,
    source_name: str,
    source_sha256: str,
    source_size: int | None = None,
    source_format: str = "txt",
    source_quality: int | None = None,
    stored_path: str = "",
    uploaded_by=None,
    reviewed_by=None,
    edited_fields: tuple[str, ...] = (),
    replace_better_source: bool = False,
    synthetic: bool = False,
) -> IngestResult:
    """Store a parsed letter (one language version); return what happened.

    The same file again is `unchanged`; a changed file for a letter already here (same
    symbol, same language) is `updated`; a new language of a known letter is attached to it.
    A letter an editor reviewed, or whose text comes from a better source, is `kept`, with
    what the file would change in `differences`. ``reviewed_by`` is the editor who reviewed
    this reading (the upload review): their reading is applied, and the letter is marked
    reviewed, with ``edited_fields`` the fields they corrected.
    """
    if source_quality is None:
        source_quality = SOURCE_QUALITY.get(source_format, 0)
    if not _symbols_fit(parsed):
        raise IngestError("The document symbols are too long to be UN symbols.")
    _lock_identity(parsed, source_sha256)
    letter = find_letter(parsed)
    existing_text = (
        LetterText.objects.filter(letter=letter, language=parsed.language).first()
        if letter
        else None
    )
    if (
        existing_text
        and existing_text.source_sha256 == source_sha256
        and existing_text.parser_version == PARSER_VERSION
    ):
        return IngestResult("unchanged", letter, existing_text)

    reasons = []
    if letter is not None and reviewed_by is None and letter.is_reviewed:
        reasons.append("the letter was reviewed by an editor")
    if (
        existing_text
        and existing_text.source_quality > source_quality
        and not replace_better_source
    ):
        better = SOURCE_LABELS.get(existing_text.source_quality, "a better source")
        reasons.append(f"its text comes from {better}")
    if reasons:
        differences = tuple(_differences(letter, existing_text, parsed, source_sha256))
        note = f"kept as stored ({'; '.join(reasons)})"
        letter.import_differences = [
            {"source": source_name[:255], "note": note, "differences": list(differences)}
        ]
        Letter.objects.filter(pk=letter.pk).update(import_differences=letter.import_differences)
        return IngestResult("kept", letter, existing_text, differences, note)

    status = "updated" if existing_text else "created"
    if letter is None:
        letter = Letter(is_synthetic=synthetic)
    _fill_letter(letter, parsed, editor=reviewed_by is not None)
    if reviewed_by is not None:
        letter.reviewed_by = reviewed_by
        letter.reviewed_at = timezone.now()
        letter.edited_fields = sorted(set(letter.edited_fields) | set(edited_fields))
        letter.import_differences = []
    new_letter = letter.pk is None
    letter.save()
    symbols = _store_symbols(letter, parsed.symbols, new=new_letter)

    letter_text = existing_text or LetterText(letter=letter, language=parsed.language)
    _fill_text(
        letter_text, parsed, symbols, source_name, source_sha256, source_format, source_quality
    )
    letter_text.save()

    annexes = _store_annexes(letter_text, parsed)
    differences = _store_agenda_items(letter, parsed)
    _store_signatories(letter, parsed)
    _store_citations(letter, parsed)
    _store_claims(letter, letter_text, annexes, parsed)
    SourceFile.objects.update_or_create(
        sha256=source_sha256,
        defaults={
            "original_name": source_name[:255],
            "stored_path": stored_path,
            "size": source_size if source_size is not None else len(parsed.text.encode()),
            "file_format": source_format,
            "letter_text": letter_text,
            "uploaded_by": uploaded_by,
        },
    )
    return IngestResult(status, letter, letter_text, tuple(differences))


def _fill_text(
    letter_text: LetterText,
    parsed: ParsedLetter,
    symbols: list[str],
    source_name: str,
    source_sha256: str,
    source_format: str,
    source_quality: int,
) -> None:
    letter_text.title = parsed.title or ""
    letter_text.masthead = parsed.masthead
    letter_text.body = parsed.body
    letter_text.full_text = parsed.text
    letter_text.symbols_text = " ".join(symbols)[:_MAX_SYMBOLS_TEXT]
    letter_text.annexes_text = "\n\n".join(
        "\n".join(filter(None, [a.heading, a.title, a.text])) for a in parsed.annexes
    )
    letter_text.source_name = source_name[:255]
    letter_text.source_sha256 = source_sha256
    letter_text.source_format = source_format[:5]
    letter_text.source_quality = source_quality
    letter_text.parser_version = PARSER_VERSION


def _differences(
    letter: Letter, text: LetterText | None, parsed: ParsedLetter, source_sha256: str
) -> list[str]:
    """What storing this reading would change on the letter, in words for the editor."""
    found = []
    stored = {field: getattr(letter, field) for field in _LETTER_FIELDS}
    stored["sender_state"] = letter.sender_state_id
    new = _letter_values(parsed)
    new["sender_state"] = new["sender_state"].pk if new["sender_state"] else None
    for field, value in new.items():
        if value and value != stored[field]:
            found.append(f"{field}: {stored[field] or '(empty)'} -> {value}")
    symbols = {s.upper() for s in letter.symbol_list}
    added = [s for s in parsed.symbols if s.upper() not in symbols]
    if added:
        found.append(f"symbols: add {' '.join(added)}")
    if parsed.ga_session and parsed.agenda_items:
        stored_items = [
            (link.agenda_item.ga_session, link.agenda_item.number, link.agenda_item.sub_item)
            for link in letter.agenda_links.select_related("agenda_item")
        ]
        items = [(parsed.ga_session, ref.number, ref.sub_item) for ref in parsed.agenda_items]
        if items != stored_items:
            found.append(
                "agenda items: "
                + (", ".join(f"{n}{sub}" for _s, n, sub in stored_items) or "(none)")
                + " -> "
                + ", ".join(f"{n}{sub}" for _s, n, sub in items)
            )
    if text is not None and text.source_sha256 != source_sha256:
        found.append(f"text ({parsed.language}): {text.source_name} -> this file")
    return found


_LETTER_FIELDS = (
    "doc_type",
    "bodies",
    "ga_session",
    "sc_year",
    "distribution_date",
    "letter_date",
    "original_language",
    "sender_person",
    "sender_role",
    "sender_state",
    "sender_state_printed",
    "addressees",
)


def _fill_letter(
    letter: Letter, parsed: ParsedLetter, *, editor: bool = False, states: dict | None = None
) -> None:
    """Letter-level facts. A new letter takes them all; a known one only fills its blanks,
    except from a text in the original language, which is authoritative, or an editor's
    reading. Fields an editor entered are never changed by an import."""
    authoritative = (
        editor
        or letter.pk is None
        or parsed.language == (parsed.original_language or letter.original_language)
    )
    for field, value in _letter_values(parsed, states).items():
        if field in letter.edited_fields and not editor:
            continue
        # Never blank out a known fact because one text did not show it.
        if value and (authoritative or not getattr(letter, field)):
            setattr(letter, field, value)
    if authoritative:
        # What the parser was unsure of puts the letter in the editors' review queue; an
        # editor's reading has been reviewed field by field.
        letter.field_readings = {r.field: r.as_json() for r in parsed.readings}
        letter.uncertain_fields = [] if editor else uncertain_fields(parsed.readings)
        letter.needs_review = bool(letter.uncertain_fields)
    if not parsed.symbols and not letter.fingerprint:
        letter.fingerprint = fingerprint(parsed)


def _letter_values(parsed: ParsedLetter, states: dict | None = None) -> dict:
    """The letter's fields from a reading; ``states`` (printed name -> MemberState, from
    _member_states) saves a query per letter in a batch."""
    has_ga = bool(parsed.ga_session) or any(s.startswith("A/") for s in parsed.symbols)
    has_sc = bool(parsed.sc_year) or any(s.startswith("S/") for s in parsed.symbols)
    sender = parsed.sender
    if states is not None:
        state = states.get(sender.state) if sender and sender.state else None
    else:
        state = resolve_member_state(sender.state) if sender and sender.state else None
    return {
        "doc_type": parsed.doc_type,
        "bodies": "GA_SC" if has_ga and has_sc else ("GA" if has_ga else "SC"),
        "ga_session": parsed.ga_session,
        "sc_year": parsed.sc_year,
        "distribution_date": parsed.distribution_date,
        "letter_date": parsed.letter_date,
        "original_language": parsed.original_language or "",
        "sender_person": sender.name if sender else "",
        "sender_role": (sender.role or "") if sender else "",
        "sender_state": state,
        "sender_state_printed": (sender.state or "") if sender else "",
        "addressees": list(parsed.addressees),
    }


def _member_states(printed: set[str | None]) -> dict[str, MemberState]:
    """printed name -> MemberState for several names, in one query."""
    resolved = {name: resolve_state(name) for name in printed if name}
    codes = {state.iso3 for state in resolved.values() if state}
    rows = {row.iso3: row for row in MemberState.objects.filter(iso3__in=codes)} if codes else {}
    return {
        name: rows[state.iso3] for name, state in resolved.items() if state and state.iso3 in rows
    }


def resolve_member_state(printed: str | None) -> MemberState | None:
    if not printed:
        return None
    state = resolve_state(printed)
    if state is None:
        return None
    return MemberState.objects.filter(iso3=state.iso3).first()


def _store_symbols(letter: Letter, symbols: tuple[str, ...], *, new: bool) -> list[str]:
    """Add the symbols the letter lacks; return all its symbols in order."""
    stored = [] if new else list(letter.symbols.all())
    added = _symbol_rows(letter, symbols, {s.lookup for s in stored})
    LetterSymbol.objects.bulk_create(added)
    return [s.symbol for s in sorted([*stored, *added], key=lambda s: s.position)]


def _symbol_rows(letter: Letter, symbols: tuple[str, ...], known: set[str]) -> list:
    return [
        LetterSymbol(letter=letter, symbol=symbol, lookup=symbol.upper(), position=position)
        for position, symbol in enumerate(symbols)
        if symbol.upper() not in known
    ]


def _store_annexes(letter_text: LetterText, parsed: ParsedLetter) -> dict[int, Annex]:
    """Update the annexes in place (their ids, and the claims linked to them, stay).

    An annex the new text no longer has goes, unless an editor reviewed a claim in it."""
    stored = {annex.order: annex for annex in letter_text.annexes.all()}
    annexes = {}
    for annex in parsed.annexes:
        row = stored.pop(annex.order, None) or Annex(letter_text=letter_text, order=annex.order)
        _fill_annex(row, annex)
        row.save()
        annexes[annex.order] = row
    reviewed = IncidentClaim.objects.exclude(review_status=IncidentClaim.Review.UNREVIEWED)
    for gone in stored.values():
        if not reviewed.filter(annex=gone).exists():
            gone.delete()
    return annexes


def _fill_annex(row: Annex, annex) -> None:
    row.heading = annex.heading or ""
    row.title = annex.title or ""
    row.letter_date = annex.letter_date
    row.author_person = (annex.signatory.name if annex.signatory else "")[:200]
    row.author_role = ((annex.signatory.role or "") if annex.signatory else "")[:200]
    row.original_language = annex.original_language or ""
    row.text = annex.text


def _store_agenda_items(letter: Letter, parsed: ParsedLetter) -> list[str]:
    """Link the letter to its agenda items; return the titles it prints differently.

    Agenda items are shared by every letter of their session: an import never rewrites
    one's title (or its topic). A title printed differently is returned for the editor."""
    if not parsed.ga_session or not parsed.agenda_items:
        return []  # an item number means nothing without its session
    items = {}
    for key in _agenda_keys(parsed):
        items[key], _ = AgendaItem.objects.get_or_create(
            ga_session=key[0], number=key[1], sub_item=key[2]
        )
    links, differences, changed = _link_agenda_items(letter, parsed, items)
    for item in changed:
        item.save()
    LetterAgendaItem.objects.filter(letter=letter).delete()
    LetterAgendaItem.objects.bulk_create(links)
    return differences


def _agenda_keys(parsed: ParsedLetter) -> list[tuple[int, int, str]]:
    if not parsed.ga_session:
        return []  # an item number means nothing without its session
    return [(parsed.ga_session, ref.number, ref.sub_item) for ref in parsed.agenda_items]


def _link_agenda_items(letter: Letter, parsed: ParsedLetter, items: dict) -> tuple:
    """The letter's links to its agenda items (``items``: key -> AgendaItem, stored or not),
    the titles it prints differently, and the items it gave a first title (to save)."""
    links, differences, changed = [], [], []
    for position, (key, ref) in enumerate(
        zip(_agenda_keys(parsed), parsed.agenda_items, strict=True)
    ):
        item = items[key]
        stored_title = item.titles.get(parsed.language)
        if ref.title and not stored_title:
            item.titles[parsed.language] = ref.title
            if parsed.language == "en" and item.topic_id is None:
                item.topic = _topic_for(ref.title)
            changed.append(item)
        elif ref.title and _comparable(ref.title) != _comparable(stored_title):
            differences.append(
                f"agenda item {item.label} of session {item.ga_session}: the archive's title "
                f"“{stored_title}” is kept; this letter prints “{ref.title}”"
            )
        links.append(LetterAgendaItem(letter=letter, agenda_item=item, position=position))
    return links, differences, changed


def _comparable(title: str) -> str:
    return re.sub(r"\W+", " ", title).strip().casefold()


def _topic_for(english_title: str) -> Topic:
    """Agenda items of different sessions share a topic when their English titles agree."""
    # A title printed in capitals gets the pages' readable form, which keeps proper nouns
    # capitalised ("Question of Palestine", never "Question of palestine").
    name = readable_caps(re.sub(r"\s+", " ", english_title).strip())
    slug = slugify(name)[:200] or "topic"
    topic, _ = Topic.objects.get_or_create(slug=slug, defaults={"name": name[:500]})
    return topic


def _store_signatories(letter: Letter, parsed: ParsedLetter) -> None:
    if not parsed.signatories:
        return
    letter.signatories.all().delete()
    Signatory.objects.bulk_create(_signatory_rows(letter, parsed))


def _signatory_rows(letter: Letter, parsed: ParsedLetter) -> list:
    roles = {}
    if parsed.sender:
        roles[parsed.sender.name] = parsed.sender.role or ""
    annex_of = {}
    for annex in parsed.annexes:
        if annex.signatory:
            roles.setdefault(annex.signatory.name, annex.signatory.role or "")
            annex_of[annex.signatory.name] = annex.order
    return [
        Signatory(
            letter=letter,
            name=name[:200],
            role=roles.get(name, "")[:200],
            annex_order=annex_of.get(name, 0),
            position=position,
        )
        for position, name in enumerate(parsed.signatories)
    ]


def _store_citations(letter: Letter, parsed: ParsedLetter) -> None:
    known = set(letter.citations.values_list("cited_lookup", flat=True))
    LetterCitation.objects.bulk_create(_citation_rows(letter, parsed, known))


def _citation_rows(letter: Letter, parsed: ParsedLetter, known: set[str]) -> list:
    own = {s.upper() for s in parsed.symbols}
    return [
        LetterCitation(letter=letter, cited_lookup=s.upper(), cited_symbol=s)
        for s in parsed.cited_symbols
        if s.upper() not in own and s.upper() not in known
    ]


def _claim_key(section: int, quote: str) -> tuple[int, str]:
    return section, " ".join(quote.split())


def _store_claims(
    letter: Letter, letter_text: LetterText, annexes: dict[int, Annex], parsed: ParsedLetter
) -> None:
    """Match the extracted claims with the stored ones by section and quote.

    A matched claim keeps its id; an unreviewed one takes the new reading, an editor's
    reviewed one is left as the editor left it (only its quote's offsets follow the text).
    Unreviewed claims the new reading no longer finds go; reviewed ones always stay."""
    annex_orders = {annex.pk: order for order, annex in annexes.items()}
    stored = {}
    for claim in letter_text.claims.all():
        section = annex_orders.get(claim.annex_id, 0) if claim.annex_id else 0
        stored.setdefault(_claim_key(section, claim.quote), claim)
    claimant = letter.sender_state
    states = _member_states({claim.accused_state for claim in parsed.claims})
    seen = set()
    new_rows = []
    for claim in parsed.claims:
        key = _claim_key(claim.section, claim.quote)
        if key in seen:
            continue
        seen.add(key)
        row = stored.pop(key, None)
        annex = annexes.get(claim.section) if claim.section else None
        if row is not None and row.review_status != IncidentClaim.Review.UNREVIEWED:
            row.quote, row.quote_start, row.quote_end = (
                claim.quote,
                claim.quote_start,
                claim.quote_end,
            )
            row.annex = annex
            row.save(update_fields=["quote", "quote_start", "quote_end", "annex"])
            continue
        if row is None:
            row = IncidentClaim(letter=letter, letter_text=letter_text)
            new_rows.append(row)
        _fill_claim(row, claim, annex, claimant, states)
        if row.pk is not None:
            row.save()
    IncidentClaim.objects.bulk_create(new_rows)
    unreviewed_gone = [
        claim.pk
        for claim in stored.values()
        if claim.review_status == IncidentClaim.Review.UNREVIEWED
    ]
    IncidentClaim.objects.filter(pk__in=unreviewed_gone).delete()


def _new_claim_rows(letter, letter_text, annexes: dict, parsed: ParsedLetter, states: dict):
    """The claims of a new letter (what _store_claims stores when nothing is stored yet)."""
    seen, rows = set(), []
    for claim in parsed.claims:
        key = _claim_key(claim.section, claim.quote)
        if key in seen:
            continue
        seen.add(key)
        row = IncidentClaim(letter=letter, letter_text=letter_text)
        annex = annexes.get(claim.section) if claim.section else None
        _fill_claim(row, claim, annex, letter.sender_state, states)
        rows.append(row)
    return rows


def _fill_claim(row: IncidentClaim, claim, annex, claimant, states: dict) -> None:
    accused_state = states.get(claim.accused_state)
    row.annex = annex
    row.kind = claim.kind[:100]
    row.claimant = claimant
    row.claimant_name = (claimant.short_en if claimant else claim.claimant or "")[:200]
    row.accused_name = (claim.accused or "")[:300]
    row.accused_state = accused_state
    row.date = claim.date
    row.period_start = claim.period_start
    row.period_end = claim.period_end
    row.date_precision = claim.date_precision
    row.place = (claim.place or "")[:300]
    row.killed = claim.killed
    row.killed_civilians = claim.killed_civilians
    row.injured = claim.injured
    row.injured_civilians = claim.injured_civilians
    row.victims = (claim.victims or "")[:300]
    row.quote = claim.quote
    row.quote_start = claim.quote_start
    row.quote_end = claim.quote_end
    row.confidence = claim.confidence
    row.found_by = claim.found_by[:50]


def iter_letter_files(paths: list[Path]) -> list[Path]:
    """The files named, and the supported files directly inside the folders named, sorted.

    Not recursive: fixtures/letters/pdf/ holds the same letters as PDFs, and importing both
    would make each import flip the stored text between the two."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.is_file()
                    and p.suffix.lower() in SUPPORTED_SUFFIXES
                    and p.name.lower() != "readme.md"
                )
            )
        else:
            files.append(path)
    return files
