"""dump_archive and load_archive: the whole archive out as JSON Lines with a codebook, and
back into an empty database with every row equal, editors' work included."""

import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from archive.dump import archive_models, stored_fields
from archive.models import IncidentClaim, Letter


def snapshot() -> dict[str, list[tuple]]:
    """Every stored value of every archive row, by table, in primary-key order."""
    rows = {}
    for model in archive_models():
        names = [field.attname for field in stored_fields(model)]
        rows[model._meta.label_lower] = list(model.objects.order_by("pk").values_list(*names))
    return rows


def test_dump_and_load_round_trip_every_row(db, tmp_path):
    editor = User.objects.create_user("editor-dump", password="x")
    letter = Letter.objects.filter(symbols__isnull=False).first()
    Letter.objects.filter(pk=letter.pk).update(
        reviewed_by=editor,
        reviewed_at=timezone.now(),
        edited_fields=["sender_person"],
        import_differences=[{"field": "sender_person", "imported": "X"}],
    )
    claim = IncidentClaim.objects.first()
    IncidentClaim.objects.filter(pk=claim.pk).update(
        review_status=IncidentClaim.Review.CORRECTED, reviewed_by=editor, place="Corrected"
    )
    before = snapshot()
    assert sum(len(rows) for rows in before.values()) > 100

    call_command("dump_archive", str(tmp_path), stdout=io.StringIO())
    lines = (tmp_path / "archive.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["format"] == "un-letters-archive"
    assert len(lines) - 1 == sum(len(rows) for rows in before.values())
    codebook = json.loads((tmp_path / "codebook.json").read_text(encoding="utf-8"))
    for model in archive_models():
        documented = codebook[model._meta.label_lower]["fields"]
        assert len(documented) == len(stored_fields(model))
        assert all(field["explanation"].strip(". ") for field in documented)
    assert "## archive.letter" in (tmp_path / "codebook.md").read_text(encoding="utf-8")

    with pytest.raises(CommandError, match="not empty"):
        call_command("load_archive", str(tmp_path))

    tables = ", ".join(model._meta.db_table for model in archive_models())
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the updates' deferred checks first
        cursor.execute(f"TRUNCATE {tables} CASCADE")
    editor.delete()  # the reviewer comes back from the dump, by username
    assert not Letter.objects.exists()

    call_command("load_archive", str(tmp_path), stdout=io.StringIO())
    restored_editor = User.objects.get(username="editor-dump")
    after = snapshot()
    # The editor's id changed (users are not archive rows); compare through the username.
    for label in ("archive.letter", "archive.incidentclaim"):
        model = {m._meta.label_lower: m for m in archive_models()}[label]
        index = [f.attname for f in stored_fields(model)].index("reviewed_by_id")
        for rows in (before[label], after[label]):
            rows[:] = [
                (*row[:index], "editor" if row[index] is not None else None, *row[index + 1 :])
                for row in rows
            ]
    for label in before:
        for old, new in zip(before[label], after[label], strict=True):
            assert old == new, (label, [(a, b) for a, b in zip(old, new, strict=True) if a != b])
    reviewed = Letter.objects.get(pk=letter.pk)
    assert reviewed.reviewed_by == restored_editor and reviewed.edited_fields == ["sender_person"]
    # The load logged every letter for the search index, which finds them again; new rows
    # get fresh ids.
    from archive.search import search_letters

    assert search_letters("mines").total >= 1
    new = Letter.objects.create(bodies="GA")
    assert new.pk > max(row[0] for row in before["archive.letter"])
