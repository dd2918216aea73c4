"""The whole archive as JSON Lines, and back: `manage.py dump_archive DIR` and
`manage.py load_archive DIR` (archive/management/commands/).

`DIR/archive.jsonl` holds one row a line, `{"model": "archive.letter", "fields": {…}}`, every
stored field of every table of the archive app, primary keys included, parents before
children (so the file loads top to bottom). Editors' work travels with it: reviews,
corrections, provenance, the import differences kept for them. A reference to a user (who
reviewed, who uploaded) is written as the username, the one thing about a person the archive
keeps. Columns PostgreSQL computes (the search vectors) are left out: it computes them again.
`DIR/codebook.md` and `DIR/codebook.json` explain every field.

Loading needs an empty archive and is one transaction: all rows or none.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction

BATCH = 2000
FORMAT_VERSION = 1


class LoadError(RuntimeError):
    pass


class _Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder, but datetimes to the microsecond (it rounds to milliseconds, and a
    restore must give back every value)."""

    def default(self, o):
        if isinstance(o, datetime):
            return o.isoformat()
        return super().default(o)


def archive_models() -> list[type[models.Model]]:
    """The archive app's models, each after every model it references. The search index's
    change log is not archive content: it is derived, and loading writes its own."""
    pending = [
        model
        for model in apps.get_app_config("archive").get_models()
        if model._meta.model_name != "searchchange"
    ]
    ordered: list[type[models.Model]] = []
    while pending:
        for model in pending:
            parents = {
                field.related_model
                for field in model._meta.concrete_fields
                if field.is_relation and field.related_model is not model
            }
            if all(p in ordered or p._meta.app_label != "archive" for p in parents):
                ordered.append(model)
                pending.remove(model)
                break
        else:
            raise RuntimeError("circular references between archive models")
    return ordered


def stored_fields(model) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if not isinstance(field, models.GeneratedField)
    ]


def _is_user(field) -> bool:
    return field.is_relation and field.related_model is get_user_model()


def dump_rows(model) -> Iterator[dict]:
    fields = stored_fields(model)
    users = dict(get_user_model().objects.values_list("pk", "username"))
    names = [field.attname for field in fields]
    for row in model.objects.order_by("pk").values(*names).iterator(chunk_size=BATCH):
        for field in fields:
            if _is_user(field):
                row[field.name] = users.get(row.pop(field.attname))
        yield row


def dump_archive(directory: Path) -> dict[str, int]:
    """Write archive.jsonl and the codebook into `directory`; rows written per model."""
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    with (directory / "archive.jsonl").open("w", encoding="utf-8") as out:
        header = {"format": "un-letters-archive", "version": FORMAT_VERSION}
        out.write(json.dumps(header) + "\n")
        for model in archive_models():
            label = model._meta.label_lower
            counts[label] = 0
            for row in dump_rows(model):
                out.write(
                    json.dumps({"model": label, "fields": row}, cls=_Encoder, ensure_ascii=False)
                    + "\n"
                )
                counts[label] += 1
    book = codebook()
    (directory / "codebook.json").write_text(
        json.dumps(book, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    (directory / "codebook.md").write_text(codebook_markdown(book), encoding="utf-8")
    return counts


@contextmanager
def _keeping_timestamps(model_list):
    """auto_now fields would stamp the time of loading; a restore keeps the dumped times."""
    changed = []
    for model in model_list:
        for field in model._meta.concrete_fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                changed.append((field, field.auto_now, field.auto_now_add))
                field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in changed:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def load_archive(directory: Path) -> dict[str, int]:
    """Restore a dump into an empty archive, in one transaction; rows loaded per model."""
    path = directory / "archive.jsonl"
    model_list = archive_models()
    by_label = {model._meta.label_lower: model for model in model_list}
    with transaction.atomic():
        for model in model_list:
            if model.objects.exists():
                raise LoadError(
                    f"The archive is not empty ({model._meta.label_lower} has rows): "
                    "load_archive restores into an empty database only."
                )
        counts = dict.fromkeys(by_label, 0)
        User = get_user_model()
        users: dict[str, int] = {}
        batch: list[models.Model] = []
        current = None
        with path.open(encoding="utf-8") as lines, _keeping_timestamps(model_list):
            header = json.loads(next(lines))
            if header.get("format") != "un-letters-archive":
                raise LoadError(f"{path} is not an archive dump.")
            for number, line in enumerate(lines, start=2):
                record = json.loads(line)
                model = by_label.get(record["model"])
                if model is None:
                    raise LoadError(f"line {number}: unknown table {record['model']}")
                if model is not current and batch:
                    current.objects.bulk_create(batch, batch_size=BATCH)
                    batch = []
                current = model
                values = {}
                for field in stored_fields(model):
                    if _is_user(field):
                        username = record["fields"].get(field.name)
                        if username and username not in users:
                            user, _ = User.objects.get_or_create(
                                username=username, defaults={"is_active": False}
                            )
                            users[username] = user.pk
                        values[field.attname] = users.get(username) if username else None
                    elif field.attname in record["fields"]:
                        raw = record["fields"][field.attname]
                        values[field.attname] = raw if raw is None else field.to_python(raw)
                batch.append(model(**values))
                counts[record["model"]] += 1
                if len(batch) >= BATCH:
                    model.objects.bulk_create(batch, batch_size=BATCH)
                    batch = []
            if batch:
                current.objects.bulk_create(batch, batch_size=BATCH)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), model_list):
                cursor.execute(sql)
    return counts


# What each field means, where the model's own verbose name and help text do not say it.
FIELD_NOTES = {
    "archive.memberstate": {
        "iso3": "ISO 3166-1 alpha-3 code, the state's key (AZE).",
        "aliases": "Other names the letters use for the state.",
        "un_status": "member, observer or other.",
    },
    "archive.topic": {"slug": "The topic's address: /topics/<slug>/."},
    "archive.agendaitem": {
        "sub_item": "Letter of a sub-item (68 (b) is number 68, sub_item b), or empty.",
        "titles": "The item's title per language code, as printed in the letters.",
        "topic": "The topic (same item across sessions), or null.",
    },
    "archive.letter": {
        "doc_type": "letter, identical_letters or note_verbale.",
        "bodies": "GA, SC or GA_SC (a joint letter circulated to both).",
        "distribution_date": "Date the UN circulated the document (printed on the masthead).",
        "letter_date": "Date the letter itself bears.",
        "original_language": "Language code of the original.",
        "sender_person": "Who signed the letter, as printed.",
        "sender_role": "The signatory's function, as printed.",
        "sender_state": "The sending state (memberstate id), or null if not resolved.",
        "sender_state_printed": "The sending state as printed.",
        "addressees": "To whom the letter is addressed, as printed.",
        "fingerprint": "Identity of a letter whose symbols are unknown (hash); null otherwise.",
        "is_synthetic": "True for generated benchmark letters: never part of the real archive.",
        "reviewed_by": "Username of the editor who reviewed the metadata, or null.",
        "edited_fields": "Fields an editor entered or corrected: imports never change them.",
        "field_readings": "Per field: the parser's confidence and the span it was read from.",
    },
    "archive.lettersymbol": {
        "symbol": "A document symbol as printed (A/75/780).",
        "lookup": "The symbol in capitals: the key of look-ups.",
        "position": "Order of the symbols of a joint letter.",
    },
    "archive.letteragendaitem": {
        "position": "Order of the items on the masthead.",
        "distribution_date": "Copy of the letter's distribution date kept by a trigger.",
    },
    "archive.lettertext": {
        "language": "Language code of this version.",
        "full_text": "The file's text, verbatim.",
        "symbols_text": "The symbols, denormalised for search.",
        "annexes_text": "The annexes' text, denormalised for search.",
        "source_sha256": "SHA-256 of the source file.",
        "source_quality": "Rank of the source (PDF text layer above plain text above OCR).",
        "parser_version": "Version of the parser that read the text.",
    },
    "archive.incidentclaim": {
        "kind": "The kind of incident as the letter claims it (the extractor's vocabulary).",
        "claimant": "The state making the claim (memberstate id).",
        "accused_name": "Who the letter attributes the incident to, as written.",
        "accused_state": "That state, resolved (memberstate id), or null.",
        "quote": "The sentence the claim comes from, verbatim.",
        "quote_start": "Character offset of the quote in the text (body or annex).",
        "quote_end": "Character offset where the quote ends.",
        "review_status": "unreviewed, confirmed, corrected or rejected by an editor.",
        "found_by": "Which extractor (and version) found the claim.",
    },
}


def codebook() -> dict:
    book = {}
    for model in archive_models():
        label = model._meta.label_lower
        notes = FIELD_NOTES.get(label, {})
        fields = []
        for field in stored_fields(model):
            kind = "username" if _is_user(field) else field.get_internal_type()
            if field.is_relation and not _is_user(field):
                kind = f"id of {field.related_model._meta.label_lower}"
            explanation = (
                notes.get(field.name)
                or str(field.help_text or "")
                or ("Row id." if field.primary_key else str(field.verbose_name).capitalize() + ".")
            )
            entry = {
                "name": field.attname if field.is_relation and not _is_user(field) else field.name,
                "type": kind,
                "null": field.null,
                "explanation": explanation,
            }
            if field.choices:
                entry["choices"] = {str(value): str(label) for value, label in field.choices}
            fields.append(entry)
        book[label] = {
            "description": (model.__doc__ or "").strip().splitlines()[0],
            "fields": fields,
        }
    return book


def codebook_markdown(book: dict) -> str:
    lines = [
        "# Codebook of the UN Letters Archive dump",
        "",
        "`archive.jsonl`: a header line, then one row a line: "
        '`{"model": "<table>", "fields": {…}}`, tables in the order below.',
        "",
    ]
    for label, table in book.items():
        lines += [f"## {label}", "", table["description"], "", "| field | type | null | meaning |"]
        lines.append("|---|---|---|---|")
        for field in table["fields"]:
            meaning = field["explanation"]
            if "choices" in field:
                meaning += " Values: " + ", ".join(f"`{v}`" for v in field["choices"]) + "."
            lines.append(
                f"| `{field['name']}` | {field['type']} | {'yes' if field['null'] else 'no'} "
                f"| {meaning} |"
            )
        lines.append("")
    return "\n".join(lines)
