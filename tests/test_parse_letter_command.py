"""`manage.py parse_letter FILE [--json]`: what the parser reads, from any format, no database.

These tests request no `db` fixture, so pytest-django refuses any database query: a command
that touched the database would fail here. The parser's own golden tests check every field;
here a few key fields show that the command passes the parser's reading through.
"""

import json
import os
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parent.parent
LETTERS = ROOT / "fixtures" / "letters"
EXPECTED = {
    row["file"]: row
    for row in map(json.loads, (LETTERS / "expected.jsonl").read_text().splitlines())
}
CLAIM_KEYS = set(json.loads((LETTERS / "claims.jsonl").read_text().splitlines()[0]))
LETTER_KEYS = {
    "symbols",
    "doc_type",
    "distribution_date",
    "language",
    "original_language",
    "ga_session",
    "sc_year",
    "agenda_items",
    "title",
    "sender",
    "addressees",
    "letter_date",
    "annex_count",
    "signatories",
    "claims",
}
KEY_FIELDS = ["symbols", "distribution_date", "ga_session", "sc_year", "agenda_items"]
# A/47/843's PDF is an image-only scan: read by OCR, which takes seconds (tested once below).
SCANNED_PDF = "A_47_843-S_25016.en.pdf"
REAL_FILES = sorted(LETTERS.glob("*.txt")) + sorted(
    p for p in (LETTERS / "pdf").glob("*.pdf") if p.name != SCANNED_PDF
)


def parse_letter(*args: str) -> str:
    out = StringIO()
    call_command("parse_letter", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("path", REAL_FILES, ids=[p.name for p in REAL_FILES])
def test_json_of_every_real_letter_has_the_expected_keys_and_key_values(path):
    record = json.loads(parse_letter(str(path), "--json"))
    expected = EXPECTED[path.stem + ".txt"]
    assert record.keys() >= LETTER_KEYS
    assert set(record["sender"]) == {"person", "role", "state"}
    for field in KEY_FIELDS:
        assert record[field] == expected[field], field
    assert record["sender"]["person"] == expected["sender"]["person"]
    assert record["annex_count"] == expected["annex_count"]
    for claim in record["claims"]:
        assert set(claim) == CLAIM_KEYS
        assert claim["file"] == path.name


def test_json_of_the_french_letter_carries_its_mine_claim():
    record = json.loads(parse_letter(str(LETTERS / "2021-02-23_Azerbaijan_mines.fr.txt"), "--json"))
    assert record["symbols"] is None  # the symbols line was lost in conversion
    mines = [c for c in record["claims"] if c["killed"] == 15]
    assert len(mines) == 1
    claim = mines[0]
    assert (claim["claimant"], claim["accused"]) == ("Azerbaijan", "Armenia")
    assert (claim["killed_civilians"], claim["injured"], claim["injured_civilians"]) == (9, 65, 8)
    assert claim["quote"].startswith("Depuis le 10 novembre 2020")


def test_summary_names_what_was_found_and_what_was_not():
    summary = parse_letter(str(LETTERS / "pdf" / "S_14938.en.pdf"))
    assert "Symbols:            S/14938" in summary
    assert "Aryeh LEVIN" in summary
    # A Security Council letter of 1982 has no General Assembly session.
    assert "GA session:         (not found)" in summary
    french = parse_letter(str(LETTERS / "2021-02-23_Azerbaijan_mines.fr.txt"))
    assert "Symbols:            (not found)" in french
    assert "34: Prévention des conflits armés" in french
    assert "claimed by Azerbaijan against Armenia" in french


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "The file is empty."),
        ("letter.pdf", b"not a pdf at all", "This .pdf file is not a PDF."),
        ("letter.txt", b"Distr.: General\x00\n", "NUL bytes"),
        ("notes.txt", b"Shopping list: bread, milk.\n", "no UN masthead"),
        ("letter.odt", b"whatever", "Unsupported file type"),
    ],
)
def test_bad_input_is_a_clear_error(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match=reason) as error:
        parse_letter(str(path))
    assert str(path) in str(error.value)


@pytest.mark.usefixtures("ocr_tools")
def test_scanned_pdf_is_read_by_ocr():
    record = json.loads(parse_letter(str(LETTERS / "pdf" / SCANNED_PDF), "--json"))
    expected = EXPECTED[SCANNED_PDF.removesuffix(".pdf") + ".txt"]
    for field in KEY_FIELDS:
        assert record[field] == expected[field], field
    assert record["sender"]["person"] == expected["sender"]["person"]


def test_scanned_pdf_without_ocr_tools_is_a_clear_error(monkeypatch):
    real_which = shutil.which
    monkeypatch.setattr(
        shutil, "which", lambda name, *a, **k: None if name == "tesseract" else real_which(name)
    )
    with pytest.raises(CommandError, match=r"no text layer.*OCR is not available on this server"):
        parse_letter(str(LETTERS / "pdf" / SCANNED_PDF), "--json")


def test_missing_file_and_file_over_the_limit(tmp_path, settings):
    with pytest.raises(CommandError, match="no such file"):
        parse_letter(str(tmp_path / "nowhere.pdf"))
    settings.UPLOAD_MAX_BYTES = 1000
    with pytest.raises(CommandError, match="larger than"):
        parse_letter(str(LETTERS / "A_80_434-S_2025_632.en.txt"))


def test_the_command_exits_non_zero_and_needs_no_database(tmp_path):
    # A database URL nobody listens on: any connection attempt would fail the command.
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/nothing"}
    ok = subprocess.run(
        [sys.executable, "manage.py", "parse_letter", str(LETTERS / "pdf" / "S_14938.en.pdf")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert "S/14938" in ok.stdout

    bad = tmp_path / "letter.pdf"
    bad.write_bytes(b"%PDF-1.7\n truncated")
    failed = subprocess.run(
        [sys.executable, "manage.py", "parse_letter", str(bad), "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert failed.returncode != 0
    assert failed.stdout == ""
    assert "The PDF is damaged or truncated." in failed.stderr
