"""An import never merges different letters, and one file's failure is that file's alone.

Tried as an attacker would: files that share a symbol-less letter's fingerprint but carry their
own symbols, files whose symbols name two letters, and a file the database refuses.
"""

import contextlib
import random
import string

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from archive.models import Letter, LetterSymbol, LetterText

from .conftest import LETTERS, table_counts

FRENCH = LETTERS / "2021-02-23_Azerbaijan_mines.fr.txt"


def _import(*paths, capsys) -> str:
    with contextlib.suppress(CommandError):
        call_command("import_letters", *map(str, paths), quiet_progress=True)
    return capsys.readouterr().out


def test_files_with_their_own_symbols_never_merge_into_a_symbol_less_letter(
    french_letter, tmp_path, capsys
):
    french_text = FRENCH.read_text(encoding="utf-8")
    first = tmp_path / "first.fr.txt"
    first.write_text("A/49/1111\n" + french_text, encoding="utf-8")
    # Same language, dates, title and sender as the symbol-less letter, another body.
    second = tmp_path / "second.fr.txt"
    second.write_text(
        "A/49/2222\n" + french_text.replace("J'ai l'honneur", "J'ai le grand honneur", 1),
        encoding="utf-8",
    )
    french_body = french_letter.texts.get().body

    out = _import(first, second, capsys=capsys)

    assert "2 created, 0 updated, 0 unchanged, 0 failed" in out
    french_letter.refresh_from_db()
    assert french_letter.symbol_list == []
    assert french_letter.texts.get().body == french_body
    one = Letter.objects.by_symbol("A/49/1111").get()
    two = Letter.objects.by_symbol("A/49/2222").get()
    assert len({one.pk, two.pk, french_letter.pk}) == 3
    assert one.symbol_list == ["A/49/1111"]
    assert "le grand honneur" in two.texts.get().body
    assert "le grand honneur" not in one.texts.get().body


def test_symbols_that_name_two_letters_are_a_conflict_reported_and_not_applied(
    db, tmp_path, capsys
):
    text = (LETTERS / "A_80_434-S_2025_632.en.txt").read_text(encoding="utf-8")
    # The GA symbol of one letter with the SC symbol of another.
    crossed = tmp_path / "crossed.en.txt"
    crossed.write_text(text.replace("S/2025/632", "S/2025/656"), encoding="utf-8")
    before = table_counts()

    out = _import(crossed, capsys=capsys)

    assert "1 failed" in out
    assert f"failed: {crossed}: Conflict" in out
    assert "belong to different letters" in out
    assert table_counts() == before
    assert Letter.objects.by_symbol("A/80/434").get().symbol_list == ["A/80/434", "S/2025/632"]


def test_a_second_symbol_of_the_same_body_is_a_conflict(db, tmp_path, capsys):
    text = (LETTERS / "A_80_434-S_2025_632.en.txt").read_text(encoding="utf-8")
    other = tmp_path / "other.en.txt"
    other.write_text(text.replace("S/2025/632", "S/2025/999"), encoding="utf-8")
    before = table_counts()

    out = _import(other, capsys=capsys)

    assert "already has the symbol S/2025/632" in out
    assert table_counts() == before
    assert not LetterSymbol.objects.filter(lookup="S/2025/999").exists()


def _words(count: int) -> str:
    rng = random.Random(8)
    return " ".join(
        "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(6, 12)))
        for _ in range(count)
    )


def test_a_file_the_database_refuses_fails_alone_and_the_run_goes_on(db, tmp_path, capsys):
    # The database refuses the first letter (a trigger standing for any refusal: full disk,
    # a constraint, a size limit), inside the test's transaction.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse_symbol() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN RAISE EXCEPTION 'refused for the test'; END $$;"
            " CREATE TRIGGER test_refuse_symbol BEFORE INSERT ON archive_lettersymbol"
            " FOR EACH ROW WHEN (NEW.lookup = 'A/49/7777') EXECUTE FUNCTION test_refuse_symbol()"
        )
    text = (LETTERS / "A_49_230-S_1994_822.en.txt").read_text(encoding="utf-8")
    huge = tmp_path / "a_huge.en.txt"
    huge.write_text(
        text.replace("A/49/230", "A/49/7777").replace("S/1994/822", "S/1994/7777")
        + "\n\n"
        + _words(280_000),
        encoding="utf-8",
    )
    assert huge.stat().st_size > 2_500_000
    fine = tmp_path / "b_fine.en.txt"
    fine.write_text(
        text.replace("A/49/230", "A/49/8888").replace("S/1994/822", "S/1994/8888"),
        encoding="utf-8",
    )

    with pytest.raises(CommandError, match="1 of 2 files failed"):
        call_command("import_letters", str(huge), str(fine), quiet_progress=True)

    out = capsys.readouterr().out
    assert "1 created, 0 updated, 0 unchanged, 1 failed" in out
    assert f"failed: {huge}: The database refused this letter" in out
    assert not LetterSymbol.objects.filter(lookup="A/49/7777").exists()
    assert Letter.objects.by_symbol("A/49/8888").exists()
    assert LetterText.objects.filter(source_name="b_fine.en.txt").exists()
