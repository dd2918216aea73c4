"""Bulk imports: parsed in parallel processes and stored in batches, with the same result as
importing the files one by one, and each file's failure still that file's alone."""

import contextlib

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from archive.ingest import read_letter_file
from archive.models import (
    AgendaItem,
    Letter,
    LetterSymbol,
    LetterText,
    SearchChange,
    SourceFile,
    Topic,
)

from .conftest import LETTERS

FIXTURE_FILES = sorted(LETTERS.glob("*.txt"))
# What a stored row is, apart from its id, its parents' ids and its timestamps.
SKIPPED = {
    "id",
    "letter_id",
    "letter_text_id",
    "annex_id",
    "created_at",
    "updated_at",
    "uploaded_at",
}


def _renumbered(path, number: int) -> str:
    """The letter's text under new symbols: another letter for the archive."""
    text = path.read_text(encoding="utf-8")
    for symbol in read_letter_file(path.read_bytes(), path.name).parsed.symbols:
        text = text.replace(symbol, symbol.rsplit("/", 1)[0] + f"/{number}")
    return text


def _import_folder(tmp_path):
    """New letters, a copy of a letter already stored (unchanged), a second file of a new
    letter (an update in the same batch), a symbol conflict and an unreadable file."""
    folder = tmp_path / "letters"
    folder.mkdir()
    number = 7000
    for copy in range(3):
        for path in FIXTURE_FILES:
            number += 1
            name = f"{copy}-{path.name}"
            if path.name.startswith("2021"):  # the symbol-less letter: already stored
                (folder / name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
            else:
                (folder / name).write_text(_renumbered(path, number), encoding="utf-8")
    changed = (folder / "0-A_49_230-S_1994_822.en.txt").read_text(encoding="utf-8")
    (folder / "0-A_49_230-S_1994_822.en.z.txt").write_text(
        changed.replace("I have the honour", "I have the great honour", 1), encoding="utf-8"
    )
    crossed = (LETTERS / "A_80_434-S_2025_632.en.txt").read_text(encoding="utf-8")
    (folder / "1-crossed.en.txt").write_text(
        crossed.replace("S/2025/632", "S/2025/656"), encoding="utf-8"
    )
    (folder / "1-latin1.en.txt").write_bytes("Lettre datée du 3 mai".encode("latin-1"))
    return folder


def _row(obj) -> dict:
    return {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if field.attname not in SKIPPED
    }


def _stored(before: set[int]) -> dict:
    """Every letter stored since `before`, with all its rows, and the shared rows."""
    letters = {}
    for letter in Letter.objects.exclude(pk__in=before):
        texts = letter.texts.order_by("language")
        key = tuple(text.source_name for text in texts)
        letters[key] = {
            "letter": _row(letter),
            "symbols": [_row(s) for s in letter.symbols.order_by("position")],
            "texts": [
                {
                    "text": _row(text),
                    "annexes": [_row(a) for a in text.annexes.order_by("order")],
                    "claims": sorted(
                        (
                            {**_row(c), "annex": c.annex.order if c.annex else None}
                            for c in text.claims.select_related("annex")
                        ),
                        key=lambda claim: (claim["quote_start"], claim["quote"]),
                    ),
                    "sources": [_row(s) for s in text.sources.order_by("sha256")],
                }
                for text in texts
            ],
            "agenda": [
                (link.agenda_item.ga_session, link.agenda_item.label, link.position)
                for link in letter.agenda_links.select_related("agenda_item").order_by("position")
            ],
            "signatories": [_row(s) for s in letter.signatories.order_by("position")],
            "citations": sorted(_row(c)["cited_lookup"] for c in letter.citations.all()),
        }
    logged = set(SearchChange.objects.values_list("letter_id", flat=True))
    return {
        "letters": letters,
        "agenda_items": sorted(
            (
                (_row(item) | {"topic": item.topic.slug if item.topic else None})
                for item in AgendaItem.objects.select_related("topic")
            ),
            key=repr,
        ),
        "topics": sorted(Topic.objects.values_list("slug", "name")),
        "logged for the search index": all(
            letter.pk in logged for letter in Letter.objects.exclude(pk__in=before)
        ),
        "sources without text": SourceFile.objects.filter(letter_text=None).count(),
    }


class _Undo(Exception):
    pass


def _import_then_undo(folder, capsys, **options) -> tuple[dict, str]:
    """What an import stores, and its summary; then the database as it was before."""
    before = set(Letter.objects.values_list("pk", flat=True))
    with contextlib.suppress(_Undo), transaction.atomic():
        with contextlib.suppress(CommandError):  # the bad files fail the command
            call_command("import_letters", str(folder), quiet_progress=True, **options)
        stored = _stored(before)
        raise _Undo
    return stored, capsys.readouterr().out


def test_a_batched_parallel_import_stores_exactly_what_one_by_one_stores(db, tmp_path, capsys):
    folder = _import_folder(tmp_path)

    one_by_one, out_one = _import_then_undo(folder, capsys, jobs=1, batch_size=1)
    batched, out_batched = _import_then_undo(folder, capsys, jobs=2, batch_size=7)

    def summary(out):
        return out.splitlines()[0].split(" s: ")[1], sorted(out.splitlines()[1:])

    assert summary(out_batched) == summary(out_one)
    counts, reported = summary(out_one)
    assert counts == "15 created, 1 updated, 6 unchanged, 5 failed"
    assert sum("failed: " in line for line in reported) == 5
    assert "1-latin1.en.txt: The file is not UTF-8 text." in "\n".join(reported)
    assert len(one_by_one["letters"]) == 15
    assert one_by_one["logged for the search index"] is True
    assert one_by_one["sources without text"] == 0
    assert batched["agenda_items"] == one_by_one["agenda_items"]
    assert batched["topics"] == one_by_one["topics"]
    assert batched == one_by_one


def test_a_file_the_database_refuses_in_the_middle_of_a_batch_fails_alone(db, tmp_path, capsys):
    # The database refuses one letter (a trigger standing for any refusal), and one file
    # cannot be read: both in the middle of one batch of new letters.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse_symbol() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN RAISE EXCEPTION 'refused for the test'; END $$;"
            " CREATE TRIGGER test_refuse_symbol BEFORE INSERT ON archive_lettersymbol"
            " FOR EACH ROW WHEN (NEW.lookup = 'A/49/8003') EXECUTE FUNCTION test_refuse_symbol()"
        )
    folder = tmp_path / "letters"
    folder.mkdir()
    source = LETTERS / "A_49_230-S_1994_822.en.txt"
    for number in range(8001, 8007):
        (folder / f"{number}.en.txt").write_text(_renumbered(source, number), encoding="utf-8")
    (folder / "8004b.en.txt").write_bytes("Lettre datée du 3 mai".encode("latin-1"))

    with pytest.raises(CommandError, match="2 of 7 files failed"):
        call_command("import_letters", str(folder), quiet_progress=True, batch_size=10)

    out = capsys.readouterr().out
    assert "5 created, 0 updated, 0 unchanged, 2 failed" in out
    assert f"failed: {folder / '8003.en.txt'}: The database refused this letter" in out
    assert f"failed: {folder / '8004b.en.txt'}: The file is not UTF-8 text." in out
    assert not LetterSymbol.objects.filter(lookup__in=["A/49/8003", "S/1994/8003"]).exists()
    assert not LetterText.objects.filter(source_name__in=["8003.en.txt", "8004b.en.txt"]).exists()
    for number in (8001, 8002, 8004, 8005, 8006):
        letter = Letter.objects.by_symbol(f"A/49/{number}").get()
        assert letter.symbol_list == [f"A/49/{number}", f"S/1994/{number}"]
        text = letter.texts.get()
        assert text.source_name == f"{number}.en.txt"
        assert text.full_text == _renumbered(source, number)
        assert text.sources.count() == 1


def test_a_batched_import_of_the_same_files_again_changes_nothing(db, tmp_path, capsys):
    folder = tmp_path / "letters"
    folder.mkdir()
    for number in range(9001, 9011):
        path = LETTERS / (
            "A_49_230-S_1994_822.en.txt" if number % 2 else "A_80_434-S_2025_632.en.txt"
        )
        (folder / f"{number}.en.txt").write_text(_renumbered(path, number), encoding="utf-8")
    call_command("import_letters", str(folder), quiet_progress=True, batch_size=4, jobs=2)
    assert "10 created, 0 updated, 0 unchanged, 0 failed" in capsys.readouterr().out
    letters = Letter.objects.count()

    call_command("import_letters", str(folder), quiet_progress=True, batch_size=4, jobs=2)

    out = capsys.readouterr().out
    assert "0 created, 0 updated, 10 unchanged, 0 failed" in out
    assert Letter.objects.count() == letters


@pytest.mark.parametrize(
    ("files", "niceness", "expected"), [(40, None, 10), (8, None, 0), (40, 0, 0)]
)
def test_a_big_import_yields_the_cpu_to_the_web_workers(tmp_path, files, niceness, expected):
    """A bulk import lowers its CPU priority (web workers on the same machine keep their
    response times: make loadtest); a small one, and one told --niceness 0, keep theirs.
    Run in a process of its own (a process cannot raise its priority again), stopped once
    the files are about to be read."""
    import subprocess
    import sys

    from django.conf import settings

    for number in range(files):
        (tmp_path / f"letter-{number}.txt").write_bytes(FIXTURE_FILES[0].read_bytes())
    options = [] if niceness is None else ["--niceness", str(niceness)]
    script = (
        "import os, django; django.setup()\n"
        "from django.core.management import call_command\n"
        "from archive.management.commands import import_letters\n"
        "class Stop(Exception): pass\n"
        "def stop(*args, **kwargs): raise Stop\n"
        "import_letters.read_letter_files = stop\n"
        "before = os.nice(0)\n"
        "try:\n"
        f"    call_command('import_letters', {str(tmp_path)!r}, *{options!r})\n"
        "except Stop:\n"
        "    pass\n"
        "print('NICENESS', os.nice(0) - before)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert f"NICENESS {expected}" in result.stdout, result.stderr
