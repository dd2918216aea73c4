"""The one write path: real letters in, idempotent re-imports, bad files refused whole."""

import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from archive import ingest
from archive.models import (
    Annex,
    IncidentClaim,
    Letter,
    LetterSymbol,
    LetterText,
    Signatory,
)

from .conftest import LETTERS, table_counts

REAL_TEXT_FILES = sorted(LETTERS.glob("*.txt"))
EXPECTED = {
    row["file"]: row
    for row in map(json.loads, (LETTERS / "expected.jsonl").read_text().splitlines())
}


def test_every_real_letter_is_in_the_archive(db):
    assert LetterText.objects.count() == len(REAL_TEXT_FILES)
    for path in REAL_TEXT_FILES:
        text = LetterText.objects.get(source_name=path.name)
        expected = EXPECTED[path.name]
        assert text.letter.symbol_list == (expected["symbols"] or [])
        assert str(text.letter.distribution_date) == expected["distribution_date"]
        # The text is kept verbatim.
        assert text.full_text == path.read_text(encoding="utf-8")


def test_the_french_letter_has_its_masthead_annex_and_signatories(french_letter):
    letter = french_letter
    assert letter.symbol_list == []
    assert letter.ga_session == 75
    assert letter.sc_year == 76
    assert letter.distribution_date == date(2021, 2, 24)
    assert letter.letter_date == date(2021, 2, 23)
    assert letter.original_language == "en"
    assert letter.bodies == "GA_SC"
    items = [link.agenda_item for link in letter.agenda_links.select_related("agenda_item")]
    assert [item.number for item in items] == [34, 35, 40, 63, 64, 68, 72, 86]
    titles = EXPECTED["2021-02-23_Azerbaijan_mines.fr.txt"]["agenda_item_titles"]
    for item in items:
        assert item.ga_session == 75
        assert item.titles["fr"] == titles[str(item.number)]
    annex = Annex.objects.get(letter_text__letter=letter)
    assert annex.letter_date == date(2021, 2, 22)
    assert annex.author_person == "Jeyhun Bayramov"
    assert list(letter.signatories.values_list("name", flat=True)) == [
        "Yashar Aliyev",
        "Jeyhun Bayramov",
    ]
    assert letter.sender_state.iso3 == "AZE"


def test_importing_the_same_files_again_changes_nothing(db, capsys):
    before = table_counts()
    call_command("import_letters", str(LETTERS), quiet_progress=True)
    out = capsys.readouterr().out
    assert f"0 created, 0 updated, {len(REAL_TEXT_FILES)} unchanged, 0 failed" in out
    assert table_counts() == before


def test_a_changed_file_updates_its_letter(db, tmp_path, capsys):
    original = LETTERS / "A_80_500-S_2025_656.en.txt"
    changed = tmp_path / original.name
    text = original.read_text(encoding="utf-8")
    changed.write_text(text.replace("I have the honour to convey", "I have the honor to convey"))
    letters_before = Letter.objects.count()

    call_command("import_letters", str(changed), quiet_progress=True)

    assert "0 created, 1 updated" in capsys.readouterr().out
    assert Letter.objects.count() == letters_before
    letter = Letter.objects.by_symbol("A/80/500").get()
    assert "I have the honor to convey" in letter.texts.get(language="en").body


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("junk.txt", bytes(range(256)) * 40, ""),
        ("nul.txt", b"Distr.: General\n16 October 2025\x00\x00 General Assembly", "NUL"),
        ("prose.txt", b"A short note with no masthead at all.\n" * 5, ""),
        ("fake.pdf", b"this is not a PDF at all", "not a PDF"),
    ],
)
def test_bad_files_fail_with_a_reason_and_save_nothing(db, tmp_path, capsys, name, content, reason):
    bad = tmp_path / name
    bad.write_bytes(content)
    before = table_counts()

    with pytest.raises(CommandError, match="1 of 1 files failed"):
        call_command("import_letters", str(bad), quiet_progress=True)

    out = capsys.readouterr().out
    assert f"failed: {bad}: " in out
    assert reason in out
    assert table_counts() == before


def test_a_failure_midway_through_a_letter_leaves_no_part_of_it(db, monkeypatch, tmp_path):
    source = LETTERS / "A_49_230-S_1994_822.en.txt"
    LetterSymbol.objects.filter(lookup="A/49/230").get().letter.delete()
    before = table_counts()

    def crash(*args, **kwargs):
        raise RuntimeError("simulated crash while writing the claims")

    monkeypatch.setattr(ingest, "_store_claims", crash)
    with pytest.raises(RuntimeError):
        ingest.ingest_file(source)
    assert table_counts() == before
    assert not LetterSymbol.objects.filter(lookup="A/49/230").exists()


def test_a_letter_whose_symbols_are_added_later_keeps_its_identity(french_letter, capsys):
    LetterSymbol.objects.create(letter=french_letter, symbol="A/75/780", position=0)
    call_command("import_letters", str(LETTERS), quiet_progress=True)
    assert "0 created" in capsys.readouterr().out
    assert Letter.objects.filter(sender_state__iso3="AZE").count() == 1


def test_claims_are_stored_unreviewed_and_attributed(french_letter):
    claims = IncidentClaim.objects.filter(letter=french_letter)
    assert claims.exists()
    for claim in claims:
        assert claim.review_status == IncidentClaim.Review.UNREVIEWED
        assert claim.claimant_name == "Azerbaijan"
        section = claim.annex.text if claim.annex else claim.letter_text.body
        assert section[claim.quote_start : claim.quote_end] == claim.quote
    mines = claims.get(killed=15)
    assert (mines.killed_civilians, mines.injured, mines.injured_civilians) == (9, 65, 8)
    assert mines.accused_state.iso3 == "ARM"


def test_signatories_are_rows_not_text(db):
    assert Signatory.objects.filter(name="Héctor Gómez Hernández").exists()


def test_folder_import_skips_readme_and_subfolders():
    files = ingest.iter_letter_files([LETTERS])
    assert {p.name for p in files} == {p.name for p in REAL_TEXT_FILES}
    assert all(isinstance(p, Path) for p in files)
