"""The one write path: a parsed letter becomes rows, atomically and idempotently.

`import_letters`, the admin upload and the benchmark generator all call `ingest_letter`.
A letter is found again by any of its document symbols, or, while its symbols are unknown,
by a fingerprint of what a corrected text does not change (language, dates, title).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from archive.extract import ExtractionError, extract_text
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
from archive.parsing import ParsedLetter, ParseError, parse_letter
from archive.parsing.states import resolve_state

PARSER_VERSION = "2"  # bump when parsing changes: the next import refreshes every letter
SUPPORTED_SUFFIXES = {".txt", ".md", ".pdf", ".docx"}


class IngestError(ValueError):
    """A file that cannot become a letter; `reason` is shown to the editor as it is."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IngestResult:
    status: str  # "created", "updated" or "unchanged"
    letter: Letter
    letter_text: LetterText


@dataclass(frozen=True)
class LetterFile:
    """One file read and parsed, not stored yet."""

    parsed: ParsedLetter
    sha256: str
    file_format: str
    warnings: tuple[str, ...] = ()  # e.g. "Text produced by OCR; check it."


def read_letter_file(data: bytes, filename: str) -> LetterFile:
    """Extract and parse one file.

    Raises IngestError with a reason fit for the import summary or the upload form.
    """
    try:
        extracted = extract_text(data, filename, max_bytes=settings.UPLOAD_MAX_BYTES)
    except ExtractionError as error:
        raise IngestError(error.reason) from error
    try:
        parsed = parse_letter(extracted.text)
    except ParseError as error:
        raise IngestError(str(error)) from error
    return LetterFile(parsed, extracted.sha256, extracted.format, extracted.warnings)


def ingest_file(path: Path) -> IngestResult:
    """Read, parse and store one file from disk (the `import_letters` path)."""
    data = path.read_bytes()
    letter_file = read_letter_file(data, path.name)
    return ingest_letter(
        letter_file.parsed,
        source_name=path.name,
        source_sha256=letter_file.sha256,
        source_size=len(data),
        source_format=letter_file.file_format,
    )


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
    lookups = [symbol.upper() for symbol in parsed.symbols]
    if lookups:
        letter = Letter.objects.filter(symbols__lookup__in=lookups).first()
        if letter:
            return letter
    return Letter.objects.filter(fingerprint=fingerprint(parsed)).first()


@transaction.atomic
def ingest_letter(
    parsed: ParsedLetter,
    *,
    source_name: str,
    source_sha256: str,
    source_size: int | None = None,
    source_format: str = "txt",
    stored_path: str = "",
    uploaded_by=None,
    synthetic: bool = False,
) -> IngestResult:
    """Store a parsed letter (one language version); return what happened.

    The same file again is `unchanged`; a changed file for a letter already here (same
    symbol, same language) is `updated`; a new language of a known letter is attached to it.
    """
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

    status = "updated" if existing_text else "created"
    if letter is None:
        letter = Letter(is_synthetic=synthetic)
    _fill_letter(letter, parsed)
    letter.save()
    _store_symbols(letter, parsed.symbols)

    letter_text = existing_text or LetterText(letter=letter, language=parsed.language)
    letter_text.title = parsed.title or ""
    letter_text.masthead = parsed.masthead
    letter_text.body = parsed.body
    letter_text.full_text = parsed.text
    letter_text.symbols_text = " ".join(letter.symbol_list)
    letter_text.annexes_text = "\n\n".join(
        "\n".join(filter(None, [a.heading, a.title, a.text])) for a in parsed.annexes
    )
    letter_text.source_name = source_name[:255]
    letter_text.source_sha256 = source_sha256
    letter_text.parser_version = PARSER_VERSION
    letter_text.save()

    annexes = _store_annexes(letter_text, parsed)
    _store_agenda_items(letter, parsed)
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
    return IngestResult(status, letter, letter_text)


def _fill_letter(letter: Letter, parsed: ParsedLetter) -> None:
    """Letter-level facts. A new letter takes them all; a known one only fills its blanks,
    except from a text in the original language, which is authoritative."""
    authoritative = letter.pk is None or parsed.language == (
        parsed.original_language or letter.original_language
    )
    has_ga = bool(parsed.ga_session) or any(s.startswith("A/") for s in parsed.symbols)
    has_sc = bool(parsed.sc_year) or any(s.startswith("S/") for s in parsed.symbols)
    sender = parsed.sender
    state = resolve_member_state(sender.state) if sender and sender.state else None
    values = {
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
    for field, value in values.items():
        # Never blank out a known fact because one text did not show it.
        if value and (authoritative or not getattr(letter, field)):
            setattr(letter, field, value)
    if not parsed.symbols and not letter.fingerprint:
        letter.fingerprint = fingerprint(parsed)


def resolve_member_state(printed: str | None) -> MemberState | None:
    if not printed:
        return None
    state = resolve_state(printed)
    if state is None:
        return None
    return MemberState.objects.filter(iso3=state.iso3).first()


def _store_symbols(letter: Letter, symbols: tuple[str, ...]) -> None:
    if not symbols:
        return
    known = {s.lookup for s in letter.symbols.all()}
    for position, symbol in enumerate(symbols):
        if symbol.upper() not in known:
            LetterSymbol.objects.create(letter=letter, symbol=symbol, position=position)


def _store_annexes(letter_text: LetterText, parsed: ParsedLetter) -> dict[int, Annex]:
    letter_text.annexes.all().delete()
    annexes = {}
    for annex in parsed.annexes:
        annexes[annex.order] = Annex.objects.create(
            letter_text=letter_text,
            order=annex.order,
            heading=annex.heading or "",
            title=annex.title or "",
            letter_date=annex.letter_date,
            author_person=annex.signatory.name if annex.signatory else "",
            author_role=(annex.signatory.role or "") if annex.signatory else "",
            original_language=annex.original_language or "",
            text=annex.text,
        )
    return annexes


def _store_agenda_items(letter: Letter, parsed: ParsedLetter) -> None:
    if not parsed.ga_session or not parsed.agenda_items:
        return  # an item number means nothing without its session
    links = []
    for position, ref in enumerate(parsed.agenda_items):
        item, _ = AgendaItem.objects.get_or_create(
            ga_session=parsed.ga_session, number=ref.number, sub_item=ref.sub_item
        )
        if ref.title and not item.titles.get(parsed.language):
            item.titles[parsed.language] = ref.title
            if parsed.language == "en" and item.topic_id is None:
                item.topic = _topic_for(ref.title)
            item.save()
        links.append(LetterAgendaItem(letter=letter, agenda_item=item, position=position))
    LetterAgendaItem.objects.filter(letter=letter).delete()
    LetterAgendaItem.objects.bulk_create(links)


def _topic_for(english_title: str) -> Topic:
    """Agenda items of different sessions share a topic when their English titles agree."""
    name = re.sub(r"\s+", " ", english_title).strip()
    name = name[0].upper() + name[1:].lower() if name.isupper() else name
    slug = slugify(name)[:200] or "topic"
    topic, _ = Topic.objects.get_or_create(slug=slug, defaults={"name": name[:500]})
    return topic


def _store_signatories(letter: Letter, parsed: ParsedLetter) -> None:
    if not parsed.signatories:
        return
    roles = {}
    if parsed.sender:
        roles[parsed.sender.name] = parsed.sender.role or ""
    annex_of = {}
    for annex in parsed.annexes:
        if annex.signatory:
            roles.setdefault(annex.signatory.name, annex.signatory.role or "")
            annex_of[annex.signatory.name] = annex.order
    letter.signatories.all().delete()
    Signatory.objects.bulk_create(
        Signatory(
            letter=letter,
            name=name[:200],
            role=roles.get(name, "")[:200],
            annex_order=annex_of.get(name, 0),
            position=position,
        )
        for position, name in enumerate(parsed.signatories)
    )


def _store_citations(letter: Letter, parsed: ParsedLetter) -> None:
    own = {s.upper() for s in parsed.symbols}
    cited = [s for s in parsed.cited_symbols if s.upper() not in own]
    known = set(letter.citations.values_list("cited_lookup", flat=True))
    LetterCitation.objects.bulk_create(
        LetterCitation(letter=letter, cited_lookup=s.upper(), cited_symbol=s)
        for s in cited
        if s.upper() not in known
    )


def _store_claims(
    letter: Letter, letter_text: LetterText, annexes: dict[int, Annex], parsed: ParsedLetter
) -> None:
    """Replace the extractor's unreviewed claims; an editor's reviewed ones stay."""
    letter_text.claims.filter(review_status=IncidentClaim.Review.UNREVIEWED).delete()
    reviewed = {(c.quote_start, c.quote_end) for c in letter_text.claims.all()}
    claimant = letter.sender_state
    for claim in parsed.claims:
        if (claim.quote_start, claim.quote_end) in reviewed:
            continue
        accused_state = resolve_member_state(claim.accused)
        IncidentClaim.objects.create(
            letter=letter,
            letter_text=letter_text,
            annex=annexes.get(claim.section) if claim.section else None,
            kind=claim.kind[:100],
            claimant=claimant,
            claimant_name=(claimant.short_en if claimant else claim.claimant or "")[:200],
            accused_name=(claim.accused or "")[:300],
            accused_state=accused_state,
            date=claim.date,
            period_start=claim.period_start,
            period_end=claim.period_end,
            date_precision=claim.date_precision,
            place=(claim.place or "")[:300],
            killed=claim.killed,
            killed_civilians=claim.killed_civilians,
            injured=claim.injured,
            injured_civilians=claim.injured_civilians,
            victims=(claim.victims or "")[:300],
            quote=claim.quote,
            quote_start=claim.quote_start,
            quote_end=claim.quote_end,
            confidence=claim.confidence,
            found_by=claim.found_by[:50],
        )


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
