"""Editors add letters in the admin: upload -> extract + parse -> review -> save.

Nothing touches the archive tables before the editor saves the review form. In between, the
uploaded bytes wait in ``MEDIA_ROOT/pending/<sha256>.upload`` (a name the server chooses,
never the uploader's), with a small JSON note of who uploaded what and the text extracted at
upload in ``<sha256>.text``: extraction (OCR of a scan takes seconds) runs once per upload,
and the review page parses the stored text (milliseconds), so no parser output is trusted
from the browser. Saving builds a corrected
``ParsedLetter`` and stores it through ``archive.ingest.ingest_letter``, the same write path as
``import_letters``; the original file is kept under ``MEDIA_ROOT/letters/``.

Every upload, refusal, save and discard is logged to the ``archive.upload`` logger.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from archive.extract import safe_filename
from archive.ingest import (
    SOURCE_LABELS,
    IngestError,
    LetterFile,
    find_letter,
    ingest_letter,
    parse_letter_file,
    read_letter_file,
)
from archive.models import LANGUAGES, AgendaItem, Letter, LetterSymbol, SourceFile
from archive.parsing import AgendaItemRef, ParsedLetter, Person
from archive.parsing.symbols import split_symbols

logger = logging.getLogger("archive.upload")

UPLOAD_PERMISSION = "archive.upload_letters"
PENDING_FOLDER = "pending"
STORED_FOLDER = "letters"
_SHA256 = re.compile(r"[0-9a-f]{64}")
# "84", "68 (b)", "68(b): Promotion and protection of the rights of children"
_AGENDA_LINE = re.compile(
    r"^(?P<number>\d{1,4})\s*(?:\(\s*(?P<sub>[a-z]{1,2})\s*\)|(?P<bare_sub>[a-z]))?"
    r"\s*(?:[:.–—-]\s*(?P<title>.*))?$",
    re.IGNORECASE,
)


def can_upload(user) -> bool:
    """Staff who may upload letters (the admin site already requires an active staff user)."""
    return bool(user.is_active and user.is_staff and user.has_perm(UPLOAD_PERMISSION))


def _require_upload_permission(request: HttpRequest) -> None:
    if not can_upload(request.user):
        log_event(
            "forbidden",
            request.user,
            level=logging.WARNING,
            permission=UPLOAD_PERMISSION,
            path=request.path,
        )
        raise PermissionDenied


def log_event(outcome: str, user, *, level: int = logging.INFO, **facts) -> None:
    """One line per event: the outcome, who, when (UTC), then what (file, sha256, ...)."""
    details = " ".join(f"{key}={value!r}" for key, value in facts.items())
    logger.log(
        level,
        "upload %s: user=%s at=%s %s",
        outcome,
        user.get_username(),
        timezone.now().isoformat(timespec="seconds"),
        details,
    )


def _human_size(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


# ----------------------------------------------------------------- pending uploads on disk


@dataclass(frozen=True)
class PendingUpload:
    """An uploaded file waiting for its review; its bytes are in ``data_path``."""

    sha256: str
    original_name: str
    size: int
    file_format: str
    uploaded_by: str
    uploaded_at: str  # ISO 8601
    warnings: tuple[str, ...] = ()  # the extraction's, e.g. "Text produced by OCR; check it."
    by_ocr: bool = False

    @property
    def data_path(self) -> Path:
        return _pending_paths(self.sha256)[0]


def _pending_paths(sha256: str) -> tuple[Path, Path, Path]:
    """Where a pending upload's bytes, note and extracted text live. Only a sha256 names them."""
    if not _SHA256.fullmatch(sha256):
        raise Http404(_("No such upload."))
    folder = Path(settings.MEDIA_ROOT) / PENDING_FOLDER
    return folder / f"{sha256}.upload", folder / f"{sha256}.json", folder / f"{sha256}.text"


def _write_atomically(path: Path, data: bytes) -> None:
    """Write a whole file or nothing: a crash never leaves half a file under its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def keep_pending(data: bytes, pending: PendingUpload, text: str) -> None:
    """Keep an upload's bytes and extracted text server-side until the editor saves or
    discards it. The note is written last: a pending upload is listed only once whole."""
    data_path, note_path, text_path = _pending_paths(pending.sha256)
    _write_atomically(data_path, data)
    _write_atomically(text_path, text.encode("utf-8"))
    _write_atomically(note_path, json.dumps(dataclasses.asdict(pending)).encode())


def _pending_from_note(note: dict) -> PendingUpload:
    note["warnings"] = tuple(note.get("warnings", ()))
    return PendingUpload(**note)


def load_pending(sha256: str) -> tuple[PendingUpload, bytes]:
    """The pending upload named by its sha256, or 404."""
    data_path, note_path, _text_path = _pending_paths(sha256)
    try:
        note = json.loads(note_path.read_text(encoding="utf-8"))
        data = data_path.read_bytes()
    except (OSError, ValueError) as error:
        raise Http404(_("No such upload.")) from error
    pending = _pending_from_note(note)
    if hashlib.sha256(data).hexdigest() != pending.sha256:
        raise Http404(_("The pending upload is damaged; upload the file again."))
    return pending, data


def read_pending(pending: PendingUpload, data: bytes) -> LetterFile:
    """Parse the text extracted at upload (extracting again only if it is missing)."""
    text_path = _pending_paths(pending.sha256)[2]
    try:
        text = text_path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        letter_file = read_letter_file(data, pending.original_name)
        _write_atomically(text_path, letter_file.parsed.text.encode("utf-8"))
        return letter_file
    return parse_letter_file(
        text, pending.sha256, pending.file_format, pending.warnings, pending.by_ocr
    )


def discard_pending(sha256: str) -> None:
    for path in _pending_paths(sha256):
        path.unlink(missing_ok=True)


def list_pending() -> list[PendingUpload]:
    """Uploads waiting for review, oldest first."""
    folder = Path(settings.MEDIA_ROOT) / PENDING_FOLDER
    pending = []
    for note_path in folder.glob("*.json"):
        try:
            pending.append(_pending_from_note(json.loads(note_path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, TypeError):
            continue  # half-written or foreign file: not an upload we can show
    return sorted(pending, key=lambda p: p.uploaded_at)


def store_original(data: bytes, sha256: str, original_name: str) -> tuple[str, bool]:
    """Keep the original file under MEDIA_ROOT; return its relative path and whether it is new.

    The folder is named by the checksum, so two files never collide; the file name is the
    uploader's, sanitized.
    """
    relative = Path(STORED_FOLDER) / sha256[:2] / sha256 / safe_filename(original_name)
    target = Path(settings.MEDIA_ROOT) / relative
    if target.exists():
        return str(relative), False
    _write_atomically(target, data)
    return str(relative), True


def original_file_response(source: SourceFile) -> FileResponse:
    """The stored original of `source` as a download: `Content-Disposition: attachment` and
    `application/octet-stream` (with nosniff, set site-wide), so a browser never renders it in
    the site's origin, whatever it holds. Only a path under MEDIA_ROOT/letters is served."""
    root = (Path(settings.MEDIA_ROOT) / STORED_FOLDER).resolve()
    path = (Path(settings.MEDIA_ROOT) / source.stored_path).resolve()
    if not source.stored_path or not path.is_relative_to(root) or not path.is_file():
        raise Http404(_("The original of this file is not kept."))
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=safe_filename(source.original_name),
        content_type="application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# ------------------------------------------------------------------------------ the upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is checked on its own by the view, not here."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.docx,.txt,.md"}))
        # An empty file gets the extractor's clear per-file message, not a form-wide error.
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_clean = super().clean
        if isinstance(data, list | tuple):
            return [single_clean(item, initial) for item in data]
        return [single_clean(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label=gettext_lazy("Letter files"),
        help_text=gettext_lazy("PDF, Word (.docx), text or Markdown; one or several files."),
    )


@dataclass(frozen=True)
class UploadOutcome:
    """What became of one uploaded file: 'ready' for review, 'duplicate' or 'refused'."""

    name: str
    status: str
    message: str
    sha256: str = ""
    letter: Letter | None = None


def _archived_source(sha256: str) -> SourceFile | None:
    """The archived file with these bytes. One whose letter was deleted no longer counts."""
    return (
        SourceFile.objects.filter(sha256=sha256, letter_text__isnull=False)
        .select_related("letter_text__letter")
        .first()
    )


def receive_file(uploaded, user) -> UploadOutcome:
    """Check, extract and parse one uploaded file; keep it pending if it reads as a letter.

    Nothing is written to the database here.
    """
    name = uploaded.name or ""
    if uploaded.size > settings.UPLOAD_MAX_BYTES:
        # Refused before reading it into memory.
        message = _("The file is larger than the %(limit)s limit.") % {
            "limit": _human_size(settings.UPLOAD_MAX_BYTES)
        }
        log_event("refused", user, file=name, size=uploaded.size, reason=message)
        return UploadOutcome(name, "refused", message)
    data = uploaded.read()
    sha256 = hashlib.sha256(data).hexdigest()
    known = _archived_source(sha256)
    if known is not None:
        letter = known.letter_text.letter
        log_event("duplicate", user, file=name, sha256=sha256, size=len(data), letter=letter.pk)
        return UploadOutcome(
            name,
            "duplicate",
            _("This file is already in the archive (uploaded as %(name)s); nothing was saved.")
            % {"name": known.original_name},
            sha256,
            letter,
        )
    try:
        letter_file = read_letter_file(data, name)
        sha256, file_format = letter_file.sha256, letter_file.file_format
    except IngestError as error:
        log_event("refused", user, file=name, sha256=sha256, size=len(data), reason=error.reason)
        return UploadOutcome(name, "refused", error.reason, sha256)
    keep_pending(
        data,
        PendingUpload(
            sha256=sha256,
            original_name=name[:255],
            size=len(data),
            file_format=file_format,
            uploaded_by=user.get_username(),
            uploaded_at=timezone.now().isoformat(),
            warnings=letter_file.warnings,
            by_ocr=letter_file.by_ocr,
        ),
        letter_file.parsed.text,
    )
    log_event("pending review", user, file=name, sha256=sha256, size=len(data), format=file_format)
    return UploadOutcome(name, "ready", _("Read as a letter; review it before saving."), sha256)


def upload_letters(request: HttpRequest, admin_site) -> HttpResponse:
    """The upload page: a form for one or several files, their outcomes, pending reviews."""
    _require_upload_permission(request)
    outcomes: list[UploadOutcome] = []
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            outcomes = [receive_file(f, request.user) for f in form.cleaned_data["files"]]
            if len(outcomes) == 1 and outcomes[0].status == "ready":
                return redirect("admin:archive_letter_upload_review", outcomes[0].sha256)
    else:
        form = UploadForm()
    return render(
        request,
        "admin/archive/letter/upload.html",
        {
            **admin_site.each_context(request),
            "title": _("Upload letters"),
            "opts": Letter._meta,
            "form": form,
            "outcomes": outcomes,
            "refused": [o for o in outcomes if o.status == "refused"],
            "pending": list_pending(),
            "max_size": _human_size(settings.UPLOAD_MAX_BYTES),
        },
        status=400 if outcomes and all(o.status == "refused" for o in outcomes) else 200,
    )


# ------------------------------------------------------------------------------ the review


def _agenda_line(item: AgendaItemRef) -> str:
    label = f"{item.number} ({item.sub_item})" if item.sub_item else str(item.number)
    return f"{label}: {item.title}" if item.title else label


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# Review form fields -> the Letter fields an editor's correction of them protects.
_EDITED_LETTER_FIELDS = {
    "doc_type": ["doc_type"],
    "original_language": ["original_language"],
    "distribution_date": ["distribution_date"],
    "ga_session": ["ga_session"],
    "sc_year": ["sc_year"],
    "letter_date": ["letter_date"],
    "sender_person": ["sender_person"],
    "sender_role": ["sender_role"],
    "sender_state": ["sender_state", "sender_state_printed"],
    "addressees": ["addressees"],
    "symbols": ["symbols"],
    "agenda_items": ["agenda_items"],
    "signatories": ["signatories"],
}


# Review form fields whose reading (parsing.readings) has another name.
_READING_OF_FIELD: dict[str, str] = {}


def highlighted_text(text: str, readings) -> str:
    """The extracted text, escaped, with each field's span in a <mark id="read-<field>">.

    Spans nest (the letter's date is inside its title); one that would cross another is
    left out rather than break the markup."""
    spans = sorted(
        (r for r in readings if r.start is not None and r.end and r.end > r.start),
        key=lambda r: (r.start, -r.end),
    )
    kept = []
    for reading in spans:
        crosses = any(
            k.start < reading.start < k.end < reading.end
            or reading.start < k.start < reading.end < k.end
            for k in kept
        )
        if not crosses:
            kept.append(reading)
    events = []
    for order, reading in enumerate(kept):
        events.append((reading.start, 1, -(reading.end - reading.start), order, reading))
        events.append((reading.end, 0, -order, order, reading))
    events.sort(key=lambda event: event[:4])
    parts, position = [], 0
    for offset, is_open, _size, _order, reading in events:
        parts.append(conditional_escape(text[position:offset]))
        position = offset
        if is_open:
            parts.append(
                format_html(
                    '<mark id="read-{}" class="reading reading-{}" title="{}">',
                    reading.field,
                    reading.confidence,
                    reading.field.replace("_", " "),
                )
            )
        else:
            parts.append(mark_safe("</mark>"))
    parts.append(conditional_escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above


class ReviewForm(forms.Form):
    """The parser's reading of one letter, for the editor to correct before it is saved."""

    symbols = forms.CharField(
        label=gettext_lazy("Symbols"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("Document symbols separated by spaces, e.g. A/80/434 S/2025/632."),
    )
    doc_type = forms.ChoiceField(label=gettext_lazy("Document type"), choices=Letter.DocType)
    language = forms.ChoiceField(label=gettext_lazy("Language of this text"), choices=LANGUAGES)
    original_language = forms.ChoiceField(
        label=gettext_lazy("Original language"),
        required=False,
        choices=[("", gettext_lazy("not stated")), *LANGUAGES],
    )
    distribution_date = forms.DateField(
        label=gettext_lazy("Distribution date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ga_session = forms.IntegerField(
        label=gettext_lazy("GA session"), required=False, min_value=1, max_value=999
    )
    sc_year = forms.IntegerField(
        label=gettext_lazy("SC year"),
        required=False,
        min_value=1,
        max_value=999,
        help_text=gettext_lazy("The ordinal printed: 80 for “Eightieth year” (2025)."),
    )
    agenda_items = forms.CharField(
        label=gettext_lazy("Agenda items"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("One per line: number, optional sub-item, title: “68 (b): Title”."),
    )
    title = forms.CharField(
        label=gettext_lazy("Title"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    letter_date = forms.DateField(
        label=gettext_lazy("Letter date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    sender_person = forms.CharField(label=gettext_lazy("Sender"), required=False, max_length=200)
    sender_role = forms.CharField(
        label=gettext_lazy("Sender's role"), required=False, max_length=200
    )
    sender_state = forms.CharField(
        label=gettext_lazy("Sender's state (as printed)"), required=False, max_length=200
    )
    addressees = forms.CharField(
        label=gettext_lazy("Addressees"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("One per line."),
    )
    signatories = forms.CharField(
        label=gettext_lazy("Signatories"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One per line: the letter's first, then the annexes'."),
    )

    def __init__(self, *args, parsed: ParsedLetter, better_source: str = "", **kwargs):
        self.parsed = parsed
        kwargs.setdefault("initial", self.initial_from(parsed))
        super().__init__(*args, **kwargs)
        if better_source:
            # A worse source never replaces a better one unless the editor asks, here.
            self.fields["replace_better_source"] = forms.BooleanField(
                label=_("Replace the stored text, which comes from %(source)s, with this file's")
                % {"source": better_source},
                required=False,
                help_text=_("Unticked, the stored text is kept and nothing is saved."),
            )
        for annex in parsed.annexes:
            self.fields[f"annex_{annex.order}_title"] = forms.CharField(
                label=_("Annex %(order)s title") % {"order": annex.order},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        # How sure the parser is of each field, and where it read it (parsing.readings).
        self.readings = {
            name: parsed.reading(_READING_OF_FIELD.get(name, name))
            for name in self.fields
            if parsed.reading(_READING_OF_FIELD.get(name, name)) is not None
        }
        self.uncertain = {
            name for name, reading in self.readings.items() if reading.confidence == "low"
        }
        # What the parser could not fill: highlighted on the review page.
        self.missing = {
            name
            for name in self.fields
            if self.initial.get(name) in (None, "", [], ()) and name != "replace_better_source"
        }

    @staticmethod
    def initial_from(parsed: ParsedLetter) -> dict:
        sender = parsed.sender
        initial = {
            "symbols": " ".join(parsed.symbols),
            "doc_type": parsed.doc_type,
            "language": parsed.language,
            "original_language": parsed.original_language or "",
            "distribution_date": parsed.distribution_date,
            "ga_session": parsed.ga_session,
            "sc_year": parsed.sc_year,
            "agenda_items": "\n".join(_agenda_line(item) for item in parsed.agenda_items),
            "title": parsed.title or "",
            "letter_date": parsed.letter_date,
            "sender_person": sender.name if sender else "",
            "sender_role": (sender.role or "") if sender else "",
            "sender_state": (sender.state or "") if sender else "",
            "addressees": "\n".join(parsed.addressees),
            "signatories": "\n".join(parsed.signatories),
        }
        for annex in parsed.annexes:
            initial[f"annex_{annex.order}_title"] = annex.title or ""
        return initial

    def annex_fields(self):
        return [self[f"annex_{annex.order}_title"] for annex in self.parsed.annexes]

    def letter_fields(self):
        fields = [
            field
            for field in self
            if not field.name.startswith("annex_") and field.name != "replace_better_source"
        ]
        for field in fields:
            # The template shows the confidence and links to the span it was read from.
            field.reading = self.readings.get(field.name)
        return fields

    def corrected_fields(self) -> tuple[str, ...]:
        """The letter fields the editor changed from the parser's reading."""
        changed = set()
        for name in self.changed_data:
            changed.update(_EDITED_LETTER_FIELDS.get(name, ()))
        return tuple(sorted(changed))

    def clean_symbols(self) -> tuple[str, ...]:
        symbols: list[str] = []
        for token in re.split(r"[\s,;]+", self.cleaned_data["symbols"].strip()):
            if not token:
                continue
            parts = split_symbols(token)
            if not parts:
                raise ValidationError(
                    _("“%(token)s” is not a UN document symbol (A/80/434, S/2025/632, S/14938).")
                    % {"token": token}
                )
            symbols.extend(part for part in parts if part not in symbols)
        owners = set(
            LetterSymbol.objects.filter(lookup__in=[s.upper() for s in symbols]).values_list(
                "letter_id", flat=True
            )
        )
        if len(owners) > 1:
            raise ValidationError(
                _("These symbols belong to different letters in the archive; check them.")
            )
        return tuple(symbols)

    def clean_agenda_items(self) -> tuple[AgendaItemRef, ...]:
        items = []
        for line in _lines(self.cleaned_data["agenda_items"]):
            match = _AGENDA_LINE.match(line)
            if not match:
                raise ValidationError(
                    _("“%(line)s”: write an item as its number, then its title.") % {"line": line}
                )
            title = (match["title"] or "").strip() or None
            if title and len(title) > 1000:
                raise ValidationError(_("An agenda item title is too long."))
            sub_item = (match["sub"] or match["bare_sub"] or "").lower()
            items.append(AgendaItemRef(int(match["number"]), sub_item, title))
        return tuple(items)

    def clean_addressees(self) -> tuple[str, ...]:
        return self._short_lines("addressees")

    def clean_signatories(self) -> tuple[str, ...]:
        return self._short_lines("signatories")

    def _short_lines(self, name: str) -> tuple[str, ...]:
        lines = tuple(_lines(self.cleaned_data[name]))
        if any(len(line) > 200 for line in lines):
            raise ValidationError(_("Each line must be at most 200 characters."))
        return lines

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("agenda_items") and not cleaned.get("ga_session"):
            self.add_error(
                "ga_session", _("Agenda items are numbered per session: give the GA session.")
            )
        return cleaned

    def corrected_letter(self) -> ParsedLetter:
        """The parsed letter with the editor's corrections; the text itself is unchanged."""
        data = self.cleaned_data
        parsed = self.parsed
        person, role, state = data["sender_person"], data["sender_role"], data["sender_state"]
        sender = Person(name=person, role=role or None, state=state or None)
        annexes = tuple(
            dataclasses.replace(annex, title=data[f"annex_{annex.order}_title"].strip() or None)
            for annex in parsed.annexes
        )
        return dataclasses.replace(
            parsed,
            symbols=data["symbols"],
            doc_type=data["doc_type"],
            language=data["language"],
            original_language=data["original_language"] or None,
            distribution_date=data["distribution_date"],
            ga_session=data["ga_session"],
            # A label printed for another number would now contradict it.
            ga_session_label=(
                parsed.ga_session_label if data["ga_session"] == parsed.ga_session else None
            ),
            sc_year=data["sc_year"],
            sc_year_label=parsed.sc_year_label if data["sc_year"] == parsed.sc_year else None,
            agenda_items=data["agenda_items"],
            title=data["title"].strip() or None,
            letter_date=data["letter_date"],
            sender=sender if (person or role or state) else None,
            addressees=data["addressees"],
            signatories=data["signatories"],
            annexes=annexes,
        )


def _what_saving_does(parsed: ParsedLetter) -> str:
    """Tell the editor whether saving creates a letter, adds a language, or replaces a text."""
    try:
        letter = find_letter(parsed)
    except IngestError as error:
        # Symbols that name two letters, or another symbol of the same body: the editor
        # corrects the symbols, or saving is refused with this reason.
        return error.reason
    if letter is None:
        return _("Saving creates a new letter.")
    language = dict(LANGUAGES).get(parsed.language, parsed.language)
    if letter.texts.filter(language=parsed.language).exists():
        return _(
            "The archive already has letter %(letter)s in %(language)s: saving replaces that "
            "text with this file's."
        ) % {"letter": letter, "language": language}
    return _("Saving adds this %(language)s text to letter %(letter)s, already in the archive.") % {
        "letter": letter,
        "language": language,
    }


def review_upload(request: HttpRequest, sha256: str, admin_site) -> HttpResponse:
    """Show what the parser read beside the text; on POST save the corrected letter."""
    _require_upload_permission(request)
    pending, data = load_pending(sha256)
    try:
        letter_file = read_pending(pending, data)
    except IngestError as error:
        # Read once at upload; a parser changed since then may refuse it now.
        discard_pending(sha256)
        messages.error(request, f"{pending.original_name}: {error.reason}")
        return redirect("admin:archive_letter_upload")

    parsed = letter_file.parsed
    better_source = _better_source(parsed, letter_file.source_quality)
    if request.method == "POST":
        form = ReviewForm(request.POST, parsed=parsed, better_source=better_source)
        if form.is_valid():
            response = _save(request, pending, data, form, letter_file.source_quality)
            if response is not None:
                return response
    else:
        form = ReviewForm(parsed=parsed, better_source=better_source)
    return render(
        request,
        "admin/archive/letter/upload_review.html",
        {
            **admin_site.each_context(request),
            "title": _("Review %(name)s") % {"name": pending.original_name},
            "opts": Letter._meta,
            "pending": pending,
            "parsed": parsed,
            "highlighted_text": highlighted_text(parsed.text, parsed.readings),
            "extraction_warnings": letter_file.warnings,
            "form": form,
            "what_saving_does": _what_saving_does(parsed),
            "agenda_title_differences": _agenda_title_differences(parsed),
        },
    )


def _better_source(parsed: ParsedLetter, quality: int) -> str:
    """The kind of the stored text of this letter that is better than this file, or ""."""
    try:
        letter = find_letter(parsed)
    except IngestError:
        return ""
    if letter is None:
        return ""
    text = letter.texts.filter(language=parsed.language).first()
    if text is None or text.source_quality <= quality:
        return ""
    return SOURCE_LABELS.get(text.source_quality, _("a better source"))


def _agenda_title_differences(parsed: ParsedLetter) -> list[str]:
    """Agenda items the archive already has under another title: the archive's is kept."""
    if not parsed.ga_session:
        return []
    stored = {
        (item.number, item.sub_item): item
        for item in AgendaItem.objects.filter(
            ga_session=parsed.ga_session, number__in=[ref.number for ref in parsed.agenda_items]
        )
    }
    notes = []
    for ref in parsed.agenda_items:
        item = stored.get((ref.number, ref.sub_item))
        title = item.titles.get(parsed.language) if item else None
        if ref.title and title and _comparable_title(ref.title) != _comparable_title(title):
            notes.append(
                _(
                    "Item %(label)s: the archive's title “%(stored)s” is kept for every letter; "
                    "this letter prints “%(printed)s”. Change the item itself if the archive's "
                    "title is wrong."
                )
                % {"label": item.label, "stored": title, "printed": ref.title}
            )
    return notes


def _comparable_title(title: str) -> str:
    return re.sub(r"\W+", " ", title).strip().casefold()


def _save(
    request: HttpRequest, pending: PendingUpload, data: bytes, form: ReviewForm, quality: int
):
    """Store the reviewed letter; return a redirect, or None with the error on the form."""
    user = request.user
    known = _archived_source(pending.sha256)
    if known is not None:
        # Saved meanwhile (another tab, another editor): never twice.
        discard_pending(pending.sha256)
        log_event("duplicate at save", user, file=pending.original_name, sha256=pending.sha256)
        messages.warning(
            request,
            _("This file is already in the archive (uploaded as %(name)s); nothing was saved.")
            % {"name": known.original_name},
        )
        return redirect("admin:archive_letter_upload")

    stored_path, newly_stored = store_original(data, pending.sha256, pending.original_name)
    try:
        result = ingest_letter(
            form.corrected_letter(),
            source_name=pending.original_name,
            source_sha256=pending.sha256,
            source_size=pending.size,
            source_format=pending.file_format,
            source_quality=quality,
            stored_path=stored_path,
            uploaded_by=user,
            reviewed_by=user,
            edited_fields=form.corrected_fields(),
            replace_better_source=form.cleaned_data.get("replace_better_source", False),
        )
    except IngestError as error:
        if newly_stored:
            (Path(settings.MEDIA_ROOT) / stored_path).unlink(missing_ok=True)
        form.add_error(None, error.reason)
        return None
    except DatabaseError:
        if newly_stored:
            (Path(settings.MEDIA_ROOT) / stored_path).unlink(missing_ok=True)
        logger.exception("upload save failed")
        log_event(
            "save failed",
            user,
            level=logging.ERROR,
            file=pending.original_name,
            sha256=pending.sha256,
        )
        form.add_error(
            None,
            _("The letter could not be saved (the database refused it); nothing was stored."),
        )
        return None
    if result.status == "kept":
        # The stored text comes from a better source and the editor did not ask to replace it.
        if newly_stored:
            (Path(settings.MEDIA_ROOT) / stored_path).unlink(missing_ok=True)
        form.add_error(
            "replace_better_source" if "replace_better_source" in form.fields else None,
            _("Nothing was saved: %(note)s.") % {"note": result.note},
        )
        return None
    discard_pending(pending.sha256)
    letter = result.letter
    log_event(
        f"saved ({result.status})",
        user,
        file=pending.original_name,
        sha256=pending.sha256,
        letter=letter.pk,
        language=result.letter_text.language,
        stored=stored_path,
    )
    outcome = {
        "created": _("Saved a new letter"),
        "updated": _("Replaced the text of"),
        "unchanged": _("Nothing changed in"),
    }[result.status]
    if result.status == "created" and letter.texts.count() > 1:
        outcome = _("Added a language version to")
    messages.success(
        request,
        format_html(
            '{} <a href="{}">{}</a>. {}',
            outcome,
            letter.get_absolute_url(),
            str(letter),
            _("Review its incident claims in the letter's claims list below."),
        ),
    )
    return redirect(reverse("admin:archive_letter_change", args=[letter.pk]))


@require_POST
def discard_upload(request: HttpRequest, sha256: str) -> HttpResponse:
    """Forget a pending upload without saving anything."""
    _require_upload_permission(request)
    data_path = _pending_paths(sha256)[0]
    if data_path.exists():
        discard_pending(sha256)
        log_event("discarded", request.user, sha256=sha256)
        messages.info(request, _("The upload was discarded; nothing was saved."))
    return redirect("admin:archive_letter_upload")
