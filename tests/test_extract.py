"""Tests for archive/extract.py: real UN PDFs end to end, a built .docx, hostile uploads.

Run with: .venv/bin/pytest tests/test_extract.py -q -p no:django

Every expectation about a real PDF is also checked against the pdftotext-made .txt of the
same letter, so a test never asserts a line that the official text layer does not have.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import re
import shutil
import struct
import subprocess
import zipfile
from collections import Counter
from functools import cache
from pathlib import Path

import docx
import pytest
from lxml import etree
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject

from archive import extract
from archive.extract import (
    MAX_PDF_PAGES,
    OCR_WARNING,
    ExtractedText,
    ExtractionError,
    extract_text,
    ocr_available,
    safe_filename,
)
from archive.parsing import parse_letter, parsed_as_expected_json

LETTERS = Path(__file__).resolve().parent.parent / "fixtures" / "letters"
PDF_DIR = LETTERS / "pdf"
IMAGE_ONLY_PDF = "A_47_843-S_25016.en.pdf"

# Per PDF with a text layer: lines that must come out as whole lines (masthead fields, the
# symbols, the date, the title's first line) and phrases of the body that must be there.
KEY_LINES = {
    "A_45_155-S_21174.en.pdf": {
        "lines": [
            "Distr.",
            "GENERAL",
            "S/21174",
            "28 February 1990",
            "Forty-fifth session",
            "SECURITY COUNCIL",
            "Forty-fifth year",
            "QUESTION OF PALESTINE",
        ],
        "phrases": [
            "Letter dated 27 February 1990 from the Pgrmanr~nt. Observer",
            "For the past few weeks, the Gaoa district and, in particular, the Rafah",
            "resulting in the wounding oi 52 unarmed Palestinian",
        ],
    },
    "A_49_230-S_1994_822.en.pdf": {
        "lines": [
            "Distr.",
            "GENERAL",
            "A/49/230",
            "S/1994/822",
            "14 July 1994",
            "GENERAL ASSEMBLY",
            "Forty-ninth session",
            "Item 38 of the preliminary list*",
            "SECURITY COUNCIL",
            "Forty-ninth year",
            "Letter dated 12 July 1994 from the Permanent Representative of",
        ],
        "phrases": [
            "On behalf of the European Union I have the honour to transmit to you",
            "Declaration by the European Union on the visit by Chairman Arafat",
        ],
    },
    "A_53_568-S_1998_1025.en.pdf": {
        "lines": [
            "Distr.",
            "A/53/568",
            "S/1998/1025",
            "2 November 1998",
            "Fifty-third session",
            "Agenda items 39, 40 and 84",
            "SECURITY COUNCIL",
            "Fifty-third year",
            "Letter dated 2 November 1998 from the Permanent Observer of Palestine",
        ],
        "phrases": [
            "criminal attempt to bomb an Israeli bus in Gaza on 29 October 1998",
            "Sunday, 1 November 1998, in Ras al-Amud, Occupied East Jerusalem",
        ],
    },
    "A_80_434-S_2025_632.en.pdf": {
        "lines": [
            "A/80/434-S/2025/632",
            "Distr.: General",
            "16 October 2025",
            "Original: English",
            "Eightieth session",
            "Agenda item 26",
            "Advancement of women",
            "Eightieth year",
            "Letter dated 3 October 2025 from the Permanent Representative",
            "*2516785*",
            "S/2025/632",
        ],
        "phrases": [
            "(Signed) Héctor Gómez Hernández",
            "A total of 23 delegations participated in the retreat",
        ],
    },
    "A_80_500-S_2025_656.en.pdf": {
        "lines": [
            "A/80/500-S/2025/656",
            "Distr.: General",
            "17 October 2025",
            "Original: English",
            "Eightieth session",
            "Agenda item 84",
            "The rule of law at the national and international levels",
            "Eightieth year",
            "Letter dated 17 October 2025 from the Chargé d’affaires a.i. of the",
            "*2517062*",
        ],
        "phrases": [
            "(Signed) Dmitry Polyanskiy",
            "The ten-year period established by Resolution 2231 following the adoption of",
        ],
    },
    "S_14938.en.pdf": {
        # pdftotext scrambled this letter-spaced 1982 scan, so only short pieces are shared.
        "lines": ["Distr.", "GENERAL", "s/14938**", "Page 2", "English", "Ambassador"],
        "phrases": [
            "LETTER DATED 31 MARCH 1982 FROM THE CHARGE D'AFFAIRES",
            "dated 17 March 1982 (A/37/118-5/14910),",
            "The purpose and the pattern of these criminal",
        ],
    },
}

# The masthead fields of the 2025 letters, in pdftotext's order: the General Assembly
# column, then the Security Council column.
MASTHEAD_COLUMNS = {
    "A_80_434-S_2025_632.en.pdf": [
        "General Assembly",
        "Eightieth session",
        "Agenda item 26",
        "Advancement of women",
        "",
        "Security Council",
        "Eightieth year",
    ],
    "A_80_500-S_2025_656.en.pdf": [
        "General Assembly",
        "Eightieth session",
        "Agenda item 84",
        "The rule of law at the national and international levels",
        "",
        "Security Council",
        "Eightieth year",
    ],
}


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def lines_of(text: str) -> list[str]:
    return [collapse(line) for line in text.replace("\f", "\n").split("\n")]


def reference_text(pdf_name: str) -> str:
    return (LETTERS / f"{pdf_name.removesuffix('.pdf')}.txt").read_text("utf-8")


def read_pdf(name: str) -> bytes:
    return (PDF_DIR / name).read_bytes()


def reason_of(data: bytes, filename: str, **kwargs: int) -> str:
    with pytest.raises(ExtractionError) as caught:
        extract_text(data, filename, **kwargs)
    return caught.value.reason


# ---------------------------------------------------------------------------- real PDFs


def test_every_fixture_pdf_is_covered() -> None:
    on_disk = {path.name for path in PDF_DIR.glob("*.pdf")}
    assert on_disk == set(KEY_LINES) | {IMAGE_ONLY_PDF}


@pytest.mark.parametrize("pdf_name", sorted(KEY_LINES))
def test_real_pdf_key_lines(pdf_name: str) -> None:
    result = extract_text(read_pdf(pdf_name), pdf_name)
    reference = reference_text(pdf_name)
    expected = KEY_LINES[pdf_name]

    extracted_lines = set(lines_of(result.text))
    for line in expected["lines"]:
        assert line in lines_of(reference), f"test expectation not in the .txt: {line!r}"
        assert line in extracted_lines, f"{line!r} is not a line of the extracted text"
    for phrase in expected["phrases"]:
        assert phrase in collapse(reference), f"test expectation not in the .txt: {phrase!r}"
        assert phrase in collapse(result.text)


@pytest.mark.parametrize("pdf_name", sorted(KEY_LINES))
def test_real_pdf_words_and_pages_match_pdftotext(pdf_name: str) -> None:
    data = read_pdf(pdf_name)
    result = extract_text(data, pdf_name)
    reference = reference_text(pdf_name)

    assert result.format == "pdf"
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    # pdftotext ends every page with a form feed; we separate pages with one.
    assert result.pages == reference.count("\f")
    assert len(result.text.split("\f")) == result.pages
    # Nearly every word of the official text layer comes out (differences: pdftotext joins
    # words hyphenated at a line end, pypdf doubles overprinted masthead words).
    reference_words = Counter(reference.split())
    shared = sum((reference_words & Counter(result.text.split())).values())
    assert shared / sum(reference_words.values()) > 0.98


@pytest.mark.parametrize("pdf_name", sorted(MASTHEAD_COLUMNS))
def test_masthead_columns_are_read_one_after_the_other(pdf_name: str) -> None:
    expected = MASTHEAD_COLUMNS[pdf_name]
    reference = [line for line in lines_of(reference_text(pdf_name)) if line]
    extracted = [line for line in lines_of(extract_text(read_pdf(pdf_name), pdf_name).text) if line]
    run = [line for line in expected if line]

    def has_run(lines: list[str]) -> bool:
        return any(lines[i : i + len(run)] == run for i in range(len(lines)))

    assert has_run(reference)
    assert has_run(extracted)


# ------------------------------------------------------------------ OCR of scanned pages

# OCR tests fail loudly, never skip, where the tools are missing: .ci/run installs them.
needs_ocr = pytest.mark.usefixtures("ocr_tools")
NO_OCR_TOOLS = "OCR is not available on this server"


def word_share(reference: str, text: str) -> float:
    """The share of the reference's words (with repeats) that the text has too."""
    reference_words = Counter(reference.split())
    return sum((reference_words & Counter(text.split())).values()) / sum(reference_words.values())


@cache
def ocr_of_image_only_pdf() -> ExtractedText:
    return extract_text(read_pdf(IMAGE_ONLY_PDF), IMAGE_ONLY_PDF)


@needs_ocr
def test_image_only_pdf_is_read_by_ocr() -> None:
    result = ocr_of_image_only_pdf()
    assert result.format == "pdf"
    assert result.pages == 2
    assert len(result.text.split("\f")) == 2
    assert result.warnings == (OCR_WARNING,)
    # The fixture is what tesseract made of this scan at 300 dpi.
    assert word_share(reference_text(IMAGE_ONLY_PDF), result.text) > 0.9
    for line in ("A/47/843", "24 December 1992", "ORIGINAL: ENGLISH", "GENERAL"):
        assert line in lines_of(result.text)


@needs_ocr
def test_ocr_text_of_image_only_pdf_parses_as_a_careful_reader_reads_it() -> None:
    expected = next(
        record
        for record in map(json.loads, (LETTERS / "expected.jsonl").read_text().splitlines())
        if record["file"] == reference_text_name(IMAGE_ONLY_PDF)
    )
    parsed = parsed_as_expected_json(parse_letter(ocr_of_image_only_pdf().text, claims=False))
    assert parsed["symbols"] == ["A/47/843", "S/25016"]  # the scan reads '$/25016', '8/25016'
    assert parsed["agenda_items"] == [30, 35, 73, 74]
    assert parsed["sender"]["person"] == "Nasser AL-KIDWA"
    for field in sorted(set(expected) - {"file", "notes", "text_quality", "truncated"}):
        assert parsed[field] == expected[field], field


def reference_text_name(pdf_name: str) -> str:
    return f"{pdf_name.removesuffix('.pdf')}.txt"


@pytest.fixture
def without_ocr_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server without tesseract and pdftoppm on its PATH."""
    real_which = shutil.which

    def which(name: str, *args: object, **kwargs: object) -> str | None:
        if name in {"tesseract", "pdftoppm"}:
            return None
        return real_which(name, *args, **kwargs)

    monkeypatch.setattr(shutil, "which", which)


@pytest.mark.usefixtures("without_ocr_tools")
def test_image_only_pdf_without_ocr_tools_is_refused_clearly() -> None:
    assert not ocr_available()
    reason = reason_of(read_pdf(IMAGE_ONLY_PDF), IMAGE_ONLY_PDF)
    assert reason == (
        "The PDF has no text layer (a scanned image), and OCR is not available on this "
        "server; run OCR on it first."
    )


def _pgm_of_page(pdf: bytes, page_number: int, dpi: int, workdir: Path) -> tuple[int, int, bytes]:
    """Render one page as pdftoppm's grey PGM; return (width, height, pixels)."""
    source = workdir / "source.pdf"
    source.write_bytes(pdf)
    page = str(page_number)
    subprocess.run(
        [
            *("pdftoppm", "-r", str(dpi), "-gray", "-singlefile", "-f", page, "-l", page),
            *(str(source), str(workdir / "page")),
        ],
        check=True,
        timeout=60,
    )
    data = (workdir / "page.pgm").read_bytes()
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+255\s", data)
    assert header, "pdftoppm wrote an unexpected PGM header"
    return int(header[1]), int(header[2]), data[header.end() :]


def _add_image_page(writer: PdfWriter, width: float, height: float, pgm: tuple) -> None:
    """Add a page that is only a grey image covering it, as a scanner makes."""
    pixels_wide, pixels_high, pixels = pgm
    image = DecodedStreamObject()
    image.set_data(pixels)
    image.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(pixels_wide),
            NameObject("/Height"): NumberObject(pixels_high),
            NameObject("/ColorSpace"): NameObject("/DeviceGray"),
            NameObject("/BitsPerComponent"): NumberObject(8),
        }
    )
    page = writer.add_blank_page(width=width, height=height)
    page[NameObject("/Resources")] = DictionaryObject(
        {
            NameObject("/XObject"): DictionaryObject(
                {NameObject("/Scan"): writer._add_object(image.flate_encode())}
            )
        }
    )
    drawing = DecodedStreamObject()
    drawing.set_data(f"q {width} 0 0 {height} 0 0 cm /Scan Do Q".encode())
    page[NameObject("/Contents")] = writer._add_object(drawing)


def _with_page_scanned(pdf: bytes, scanned_page: int, workdir: Path) -> bytes:
    """Copy a PDF with one page replaced by a 200 dpi image of it (no text layer)."""
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter()
    for number, page in enumerate(reader.pages, start=1):
        if number == scanned_page:
            size = (float(page.mediabox.width), float(page.mediabox.height))
            _add_image_page(writer, *size, _pgm_of_page(pdf, number, 200, workdir))
        else:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@needs_ocr
def test_scanned_page_among_text_pages_is_read_by_ocr(tmp_path: Path) -> None:
    name = "A_80_434-S_2025_632.en.pdf"
    mixed = _with_page_scanned(read_pdf(name), 2, tmp_path)
    reference_pages = reference_text(name).split("\f")
    result = extract_text(mixed, "mixed.pdf")
    pages = result.text.split("\f")
    assert len(pages) == len(reference_pages) - 1  # pdftotext ends the last page with \f too
    assert result.warnings == ("Text of pages 2 produced by OCR; check it.",)
    assert word_share(reference_pages[1], pages[1]) > 0.9
    # The other pages keep their text layer, word for word.
    assert pages[0] == extract_text(read_pdf(name), name).text.split("\f")[0]


@pytest.mark.usefixtures("without_ocr_tools")
def test_scanned_page_among_text_pages_without_ocr_tools(tmp_path: Path) -> None:
    name = "A_80_434-S_2025_632.en.pdf"
    blanked = PdfWriter(clone_from=io.BytesIO(read_pdf(name)))
    # Page 2 as a scanner without text recognition would leave it: nothing to read.
    blanked.pages[1][NameObject("/Contents")] = blanked._add_object(DecodedStreamObject())
    out = io.BytesIO()
    blanked.write(out)
    result = extract_text(out.getvalue(), "letter.pdf")
    assert result.warnings == (
        f"Pages with little or no text (scanned images?): 2; {NO_OCR_TOOLS}.",
    )
    assert "Distr.: General" in lines_of(result.text)


def _synthetic_pdf(lines: list[str]) -> bytes:
    """A SYNTHETIC one-page PDF (not a real letter) with lines of Helvetica text."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    shown = " ".join(f"({line}) Tj 0 -22 Td" for line in lines)
    drawing = DecodedStreamObject()
    drawing.set_data(f"BT /F1 13 Tf 60 780 Td {shown} ET".encode("cp1252"))
    page[NameObject("/Contents")] = writer._add_object(drawing)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


SYNTHETIC_FRENCH_LINES = [
    "Assemblée générale          Conseil de sécurité",
    "Lettre datée du 3 février 2099, adressée au Secrétaire général",
    "par le Représentant permanent de la Ruritanie (lettre fictive)",
    "J'ai l'honneur de vous faire tenir ci-joint le texte de la déclaration",
    "publiée le 2 février par le Ministère des affaires étrangères sur les",
    "événements survenus dans la région et qui sont décrits dans l'annexe.",
    "Je vous serais reconnaissant de bien vouloir faire distribuer le texte",
    "de la présente lettre et de son annexe comme document de l'Assemblée",
    "générale et du Conseil de sécurité, au titre des points de l'ordre du jour.",
]


@needs_ocr
def test_french_scan_is_read_in_french_keeping_accents(tmp_path: Path) -> None:
    assert "fra" in extract._ocr_tools().languages, "apt-get install tesseract-ocr-fra"
    scan = PdfWriter()
    _add_image_page(
        scan, 595, 842, _pgm_of_page(_synthetic_pdf(SYNTHETIC_FRENCH_LINES), 1, 300, tmp_path)
    )
    out = io.BytesIO()
    scan.write(out)
    result = extract_text(out.getvalue(), "lettre.pdf")
    assert result.warnings == (OCR_WARNING,)
    assert word_share("\n".join(SYNTHETIC_FRENCH_LINES), result.text) > 0.9
    # Read in English, these come out as "I'honneur", "Ministére", "étrangéres".
    for word in ("l'honneur", "Ministère", "étrangères", "l'Assemblée", "générale", "sécurité"):
        assert word in result.text


@needs_ocr
def test_ocr_that_times_out_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract, "OCR_STEP_TIMEOUT_SECONDS", 0.01)
    reason = reason_of(read_pdf(IMAGE_ONLY_PDF), IMAGE_ONLY_PDF)
    assert reason == (
        "The PDF has no text layer (a scanned image), and OCR failed on it "
        "(it took too long or stopped with an error; each page may take 0.01 s and 768 MB)."
    )


@needs_ocr
def test_ocr_that_needs_too_much_memory_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tesseract needs far more than 30 MB for a page at 300 dpi: it is stopped, not swapped.
    monkeypatch.setattr(extract, "OCR_MEMORY_BYTES", 30 * 1024 * 1024)
    reason = reason_of(read_pdf(IMAGE_ONLY_PDF), IMAGE_ONLY_PDF)
    assert reason.startswith("The PDF has no text layer (a scanned image), and OCR failed on it")
    assert "30 MB" in reason


@needs_ocr
def test_ocr_stops_at_its_time_limit_per_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract, "OCR_TOTAL_SECONDS", 0)
    reason = reason_of(read_pdf(IMAGE_ONLY_PDF), IMAGE_ONLY_PDF)
    assert reason == (
        "The PDF has no text layer (a scanned image), and OCR could not read it "
        "within its time limit (0 s per file)."
    )


@needs_ocr
def test_ocr_reads_at_most_the_page_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract, "OCR_MAX_PAGES", 1)
    result = extract_text(read_pdf(IMAGE_ONLY_PDF), IMAGE_ONLY_PDF)
    first_page, second_page = result.text.split("\f")
    assert "24 December 1992" in first_page
    assert second_page.strip() == ""
    assert result.warnings == (
        "Text of pages 1 produced by OCR; check it.",
        "OCR reads at most 1 pages; pages 2 were not read.",
        "Pages with little or no text (scanned images?): 2.",
    )


@needs_ocr
def test_ocr_leaves_no_files_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(extract.tempfile, "tempdir", None)  # re-read TMPDIR
    with pytest.raises(ExtractionError):
        extract_text(_blank_pdf(1), "blank.pdf")
    assert list(tmp_path.iterdir()) == []


def test_letter_spaced_scan_keeps_title_lines_whole() -> None:
    # S/14938 puts 5 to 20 spaces between words; they must not be read as column gutters.
    text = extract_text(read_pdf("S_14938.en.pdf"), "S_14938.en.pdf").text
    assert "LETTER DATED 31 MARCH 1982 FROM THE CHARGE D'AFFAIRES A.I. OF THE" in lines_of(text)
    assert "They are deliberately and cold-bloodedly aimed at frustrating as far as possible" in (
        lines_of(text)
    )


def test_result_is_frozen() -> None:
    result = extract_text(b"hello\n", "note.txt")
    assert isinstance(result, ExtractedText)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.text = "changed"  # type: ignore[misc]


# -------------------------------------------------------------------------- hostile PDFs


def test_pdf_that_is_text() -> None:
    reason = reason_of(b"Letter dated 3 October 2025\n", "letter.pdf")
    assert reason == "This .pdf file is not a PDF."


def test_truncated_real_pdf() -> None:
    data = read_pdf("A_80_434-S_2025_632.en.pdf")
    assert reason_of(data[: len(data) // 2], "letter.pdf") == "The PDF is damaged or truncated."


def _encrypted_copy(**encrypt_args: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(read_pdf("A_80_500-S_2025_656.en.pdf")))
    writer.encrypt(**encrypt_args)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_encrypted_pdf() -> None:
    reason = reason_of(_encrypted_copy(user_password="secret"), "letter.pdf")
    assert reason == "The PDF is encrypted; upload an unprotected copy."


def test_pdf_encrypted_with_empty_user_password_is_read_with_a_warning() -> None:
    result = extract_text(
        _encrypted_copy(user_password="", owner_password="owner-only"), "letter.pdf"
    )
    assert "Distr.: General" in lines_of(result.text)
    assert any("restrictions" in warning for warning in result.warnings)


def _blank_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@needs_ocr
def test_pdf_without_any_text() -> None:
    reason = reason_of(_blank_pdf(2), "scan.pdf")
    assert reason == "The PDF has no text layer, and OCR found no text on its pages."


@pytest.mark.usefixtures("without_ocr_tools")
def test_pdf_without_any_text_and_no_ocr_tools() -> None:
    reason = reason_of(_blank_pdf(2), "scan.pdf")
    assert reason.startswith("The PDF has no text layer (a scanned image)")
    assert NO_OCR_TOOLS in reason


def test_pdf_with_too_many_pages() -> None:
    reason = reason_of(_blank_pdf(MAX_PDF_PAGES + 1), "huge.pdf")
    assert reason == f"The PDF has {MAX_PDF_PAGES + 1} pages; the limit is {MAX_PDF_PAGES}."


# ---------------------------------------------------------------------------------- DOCX


def _docx_bytes(document: docx.document.Document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _masthead_docx() -> bytes:
    """A synthetic letter (not a real one) laid out like a UN masthead table."""
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "RUNNING HEADER (must not appear)"
    document.sections[0].footer.paragraphs[0].text = "RUNNING FOOTER (must not appear)"
    document.add_paragraph("A/99/999-S/2099/999")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "General Assembly\nSecurity Council"
    table.cell(0, 1).text = "Distr.: General"
    table.cell(0, 1).add_paragraph("1 January 2099")
    table.cell(0, 1).add_paragraph("Original: English")
    left = table.cell(1, 0)
    left.paragraphs[0].text = "General Assembly"
    for field in ("Ninety-ninth session", "Agenda item 1", "Synthetic test item"):
        left.add_paragraph(field)
    right = table.cell(1, 1)
    right.paragraphs[0].text = "Security Council"
    right.add_paragraph("Ninety-ninth year")
    document.add_paragraph("Letter dated 1 January 2099 from a synthetic test fixture")
    document.add_paragraph("This body paragraph comes after the masthead table.")
    return _docx_bytes(document)


def test_docx_masthead_table_cells_on_their_own_lines_in_order() -> None:
    data = _masthead_docx()
    result = extract_text(data, "letter.docx")
    lines = [line for line in result.text.split("\n") if line.strip()]
    assert lines == [
        "A/99/999-S/2099/999",
        "General Assembly",
        "Security Council",
        "Distr.: General",
        "1 January 2099",
        "Original: English",
        "General Assembly",
        "Ninety-ninth session",
        "Agenda item 1",
        "Synthetic test item",
        "Security Council",
        "Ninety-ninth year",
        "Letter dated 1 January 2099 from a synthetic test fixture",
        "This body paragraph comes after the masthead table.",
    ]
    assert result.format == "docx"
    assert result.pages is None
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def _rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    """Copy a .docx, swapping the content of some members."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            target.writestr(member.filename, replace.get(member.filename, source.read(member)))
    return out.getvalue()


def _zeros_zip(member_name: str, megabytes: int) -> bytes:
    """A zip with one member of zeros, written in 1 MB chunks so memory stays small."""
    out = io.BytesIO()
    chunk = bytes(1024 * 1024)
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open(member_name, "w", force_zip64=True) as member,
    ):
        for _ in range(megabytes):
            member.write(chunk)
    return out.getvalue()


def test_docx_zip_bomb_by_total_size() -> None:
    bomb = _zeros_zip("word/document.xml", 300)
    assert len(bomb) < 2 * 1024 * 1024  # it is a bomb: small on the wire
    reason = reason_of(bomb, "bomb.docx")
    assert reason == "The .docx file expands to more than 200 MB; refused as a possible zip bomb."


def test_docx_zip_bomb_by_compression_ratio() -> None:
    reason = reason_of(_zeros_zip("word/media/image1.png", 20), "bomb.docx")
    assert "compressed more than 100 to 1" in reason
    assert "zip bomb" in reason


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_docx_with_doctype_entities(encoding: str) -> None:
    billion_laughs = (
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>"
    ).encode(encoding)
    hostile = _rezip(_masthead_docx(), {"word/document.xml": billion_laughs})
    reason = reason_of(hostile, "letter.docx")
    assert "document type declaration" in reason


def test_docx_that_is_not_a_zip() -> None:
    reason = reason_of(b"Just some text in a file named .docx\n", "letter.docx")
    assert reason == "The .docx file is not a valid Word document."


def test_docx_zip_without_document_xml() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not a Word document")
    assert (
        reason_of(out.getvalue(), "letter.docx") == "The .docx file is not a valid Word document."
    )


def test_docx_that_is_an_old_word_file() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    assert "Word 97-2003" in reason_of(ole, "letter.docx")


def test_docx_that_is_password_protected() -> None:
    # Synthetic: Word wraps a protected .docx in an OLE file with an EncryptedPackage stream.
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptedPackage".encode("utf-16-le")
    assert reason_of(ole, "letter.docx") == (
        "The .docx file is password-protected; upload an unprotected copy."
    )


def test_docx_that_understates_its_uncompressed_size() -> None:
    # A bomb could declare small sizes to pass the checks; zipfile then stops at the
    # declared size and fails the CRC check, and the upload is refused.
    document = docx.Document()
    document.add_paragraph("Synthetic paragraph. " * 500)
    data = bytearray(_docx_bytes(document))
    member = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("word/document.xml")
    assert member.file_size > 100
    struct.pack_into("<I", data, member.header_offset + 22, 100)  # local header
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_length] == b"word/document.xml":
            struct.pack_into("<I", data, central + 24, 100)  # central directory
        central = data.find(b"PK\x01\x02", central + 4)
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("word/document.xml").file_size == 100
    assert reason_of(bytes(data), "letter.docx") == "The .docx file is not a valid Word document."


def test_docx_with_corrupt_document_xml() -> None:
    hostile = _rezip(_masthead_docx(), {"word/document.xml": b"<w:document><unclosed>"})
    assert reason_of(hostile, "letter.docx") == "The .docx file is not a valid Word document."


# ---------------------------------------------------------------------------------- text


def test_text_with_bom_and_crlf() -> None:
    data = "\ufeffDistr.: General\r\n16 October 2025\r\nÉté\r\n".encode()
    result = extract_text(data, "letter.txt")
    assert result.text == "Distr.: General\n16 October 2025\nÉté\n"
    assert result.format == "txt"
    assert result.pages is None


def test_markdown_is_text() -> None:
    result = extract_text(b"# Letter\n\n**Distr.: General**\n", "letter.MD")
    assert result.format == "md"
    assert result.text == "# Letter\n\n**Distr.: General**\n"


def test_binary_junk_named_txt() -> None:
    # 64 KB of random bytes contain a NUL byte with certainty (chance of none: e^-256).
    reason = reason_of(os.urandom(64 * 1024), "letter.txt")
    assert reason == "The file contains NUL bytes; it is not a text file."


def test_nul_bytes_in_text() -> None:
    reason = reason_of(b"Distr.: General\x00\x00\n", "letter.txt")
    assert reason == "The file contains NUL bytes; it is not a text file."


def test_invalid_utf8() -> None:
    reason = reason_of("Lettre datée du 3 octobre".encode("latin-1"), "lettre.txt")
    assert reason == "The file is not UTF-8 text."


def test_mostly_control_characters() -> None:
    junk = bytes(range(1, 32)) * 20 + b"some words"
    assert reason_of(junk, "letter.txt") == (
        "The file is mostly control characters; it is not a text file."
    )


def test_utf16_text_gets_a_useful_reason() -> None:
    reason = reason_of("Distr.: General\n".encode("utf-16"), "letter.txt")
    assert reason == "The file is UTF-16 text; save it as UTF-8 and upload again."


def test_pdf_named_txt() -> None:
    assert ".pdf" in reason_of(read_pdf("A_80_500-S_2025_656.en.pdf"), "letter.txt")


# ------------------------------------------------------------------- size, name, type


def test_empty_file() -> None:
    assert reason_of(b"", "letter.pdf") == "The file is empty."


def test_file_over_max_bytes() -> None:
    assert reason_of(b"x" * 101, "letter.txt", max_bytes=100) == (
        "The file is larger than the 100-byte limit."
    )
    assert extract_text(b"x" * 100, "letter.txt", max_bytes=100).text == "x" * 100


def test_default_limit_is_20_mb() -> None:
    data = b"x" * (20 * 1024 * 1024 + 1)
    assert reason_of(data, "letter.txt") == "The file is larger than the 20 MB limit."


def test_unsupported_extension() -> None:
    reason = reason_of(b"MZ\x90\x00", "setup.exe")
    assert reason == "Unsupported file type '.exe'; upload .pdf, .docx, .txt or .md."


def test_no_extension() -> None:
    assert "no extension" in reason_of(b"hello", "README")


def test_extension_is_case_insensitive() -> None:
    result = extract_text(read_pdf("A_80_500-S_2025_656.en.pdf"), "LETTER.PDF")
    assert result.format == "pdf"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..hidden.pdf", "hidden.pdf"),
        ("lettre été.docx", "lettre_ete.docx"),
        ("C:\\Users\\clerk\\Desktop\\letter.pdf", "letter.pdf"),
        ("文件.pdf", "file.pdf"),
        ("", "file"),
        ("...", "file"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_safe_filename_long_name_keeps_extension() -> None:
    name = "Letter dated 3 October 2025 " * 11 + ".docx"
    assert len(name) > 300
    safe = safe_filename(name)
    assert len(safe) <= 100
    assert safe.endswith(".docx")
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", safe)


_BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>"
)


def _with_main_part_renamed(data: bytes, new_name: str, content: bytes) -> bytes:
    """The package's relationships point at `new_name`; a harmless word/document.xml stays
    behind as a decoy, so only a scan that ignores names finds the real main part."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        rels = source.read("_rels/.rels").replace(b"word/document.xml", new_name.encode())
        types = source.read("[Content_Types].xml").replace(
            b"/word/document.xml", b"/" + new_name.encode()
        )
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            replaced = {"_rels/.rels": rels, "[Content_Types].xml": types}
            target.writestr(member.filename, replaced.get(member.filename, source.read(member)))
        target.writestr(new_name, content)
    return out.getvalue()


def test_docx_whose_main_part_is_renamed_is_still_checked_for_a_dtd() -> None:
    hostile = _with_main_part_renamed(
        _masthead_docx(), "word/main.dat", _BILLION_LAUGHS.encode("utf-8")
    )
    assert "document type declaration" in reason_of(hostile, "letter.docx")


def test_docx_with_a_renamed_main_part_without_a_dtd_still_reads() -> None:
    # The scan reads every part; a renamed but harmless main part is not refused for it.
    with zipfile.ZipFile(io.BytesIO(_masthead_docx())) as source:
        main = source.read("word/document.xml")
    renamed = _with_main_part_renamed(_masthead_docx(), "word/main.xml", main)
    assert (
        "This body paragraph comes after the masthead table."
        in extract_text(renamed, "letter.docx").text
    )


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-le", "utf-32-be"])
def test_docx_with_a_utf32_main_part_is_refused(encoding: str) -> None:
    hostile = _rezip(_masthead_docx(), {"word/document.xml": _BILLION_LAUGHS.encode(encoding)})
    reason = reason_of(hostile, "letter.docx")
    assert "not UTF-8 or UTF-16 XML" in reason or "document type declaration" in reason


def test_docx_with_a_utf32_part_without_a_dtd_is_refused_too() -> None:
    with zipfile.ZipFile(io.BytesIO(_masthead_docx())) as source:
        main = source.read("word/document.xml").decode("utf-8")
    main = main.replace('encoding="UTF-8"', 'encoding="UTF-32"')
    hostile = _rezip(_masthead_docx(), {"word/document.xml": main.encode("utf-32")})
    assert "not UTF-8 or UTF-16 XML" in reason_of(hostile, "letter.docx")


@pytest.mark.parametrize("declared", ["UTF-7", "ISO-8859-1", "EBCDIC-CP-US"])
def test_docx_with_a_part_declared_in_another_encoding_is_refused(declared: str) -> None:
    part = f'<?xml version="1.0" encoding="{declared}"?>\n<w:document/>'.encode("ascii")
    hostile = _rezip(_masthead_docx(), {"word/document.xml": part})
    assert "not UTF-8 or UTF-16 XML" in reason_of(hostile, "letter.docx")


def test_the_docx_parser_never_expands_entities() -> None:
    # Second wall behind the scan: python-docx's own parser leaves entities unexpanded
    # (resolve_entities=False). A new python-docx that changed this would fail here.
    from docx.oxml.parser import parse_xml

    element = parse_xml(b'<!DOCTYPE a [<!ENTITY e "EXPANDED">]><a>&e;</a>')
    assert "EXPANDED" not in etree.tostring(element).decode()
