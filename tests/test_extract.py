"""Tests for archive/extract.py: real UN PDFs end to end, a built .docx, hostile uploads.

Run with: .venv/bin/pytest tests/test_extract.py -q -p no:django

Every expectation about a real PDF is also checked against the pdftotext-made .txt of the
same letter, so a test never asserts a line that the official text layer does not have.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import re
import struct
import zipfile
from collections import Counter
from pathlib import Path

import docx
import pytest
from pypdf import PdfWriter

from archive.extract import (
    MAX_PDF_PAGES,
    ExtractedText,
    ExtractionError,
    extract_text,
    safe_filename,
)

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


def test_image_only_pdf_has_no_text_layer() -> None:
    reason = reason_of(read_pdf(IMAGE_ONLY_PDF), IMAGE_ONLY_PDF)
    assert reason == "The PDF has no text layer (a scanned image); run OCR first."


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


def test_pdf_without_any_text() -> None:
    reason = reason_of(_blank_pdf(2), "scan.pdf")
    assert reason == "The PDF has no text layer (a scanned image); run OCR first."


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
