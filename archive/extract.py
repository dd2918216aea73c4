"""Turn an uploaded file (.pdf, .docx, .txt, .md) into plain text, refusing hostile input.

Pure Python, no Django. The one entry point is :func:`extract_text`; every refusal is an
:class:`ExtractionError` whose ``reason`` is a sentence that can be shown to the uploader.

The format is decided by the file name's extension AND its content: a ``.pdf`` must start
with ``%PDF-``, a ``.docx`` must be a zip holding ``word/document.xml``, and text files must
be UTF-8 without NUL bytes or binary junk. A file whose content contradicts its extension is
refused rather than guessed at.

PDF text and how it compares with ``pdftotext``
-----------------------------------------------
The letter parser is tuned on ``fixtures/letters/*.en.txt``, which ``pdftotext`` made (reading
order, ``\\f`` between pages). pypdf offers two modes; on the fixture PDFs:

* default ("plain") mode follows the content stream. Lines come out whole, but text drawn on
  the same baseline in different columns is glued into one line: the masthead gives
  ``General Assembly  Security Council`` and ``Eightieth session`` / ``Eightieth year`` on
  one line (``Forty-ninth session Forty-ninth year`` in the 1990s PDFs), ``Security Council
  Distr.``, ``ORIGINAL: ENGLISH``; page footers come out as ``25-16785 (E)    221025``; in the
  2025 Word PDFs the footer and barcode of page 1 are drawn *before* the masthead fields.
* ``extraction_mode="layout"`` places every glyph on a character grid, so the masthead
  columns stay apart (separated by long runs of spaces) and the reading order is top to
  bottom; but justified lines carry runs of two or more spaces between words, and the
  letter-spaced 1982 scan (S/14938) has runs of 5 to 20 spaces between ordinary words.

This module uses layout mode and then rebuilds ``pdftotext``-like lines: a page is cut
into blocks at vertical gaps of two or more empty grid lines; inside a block, a run of blank
grid columns (a gutter) that no line crosses splits the block into a left part and a right
part, emitted one after the other (as ``pdftotext`` emits its text blocks). A gutter must be
at least :data:`_MIN_GUTTER` columns and three times the block's median gap between words
wide (so the letter-spaced scan is not cut into columns), with text on both sides on one
line and text to its right on two. Runs of spaces inside a line then collapse to one space,
lines are stripped, blocks are separated by one blank line, and every page ends with a
newline before the ``\f``. Words are kept verbatim: hyphenated line ends are NOT joined and
OCR noise in old scans is left alone. Measured on the six PDFs with a text layer, 99.4-100 %
of the ``.txt`` words come out, and more ``.txt`` lines are found whole than with the plain
mode (e.g. 18 of the first 18 masthead lines of A/80/500 instead of 16). What still differs:

* overprinted (fake-bold) masthead words are doubled by pypdf in the 1990s PDFs
  (``UNITEDUNITED`` / ``NATIONSNATIONS AS``), where ``pdftotext`` drops the overprint;
* ``ORIGINAL: ENGLISH`` stays on one line (``pdftotext`` gives ``ORIGINAL:`` and puts
  ``ENGLISH`` after the General Assembly agenda block); ``(Signed) Detlev GRAF ZU RANTZAU``
  is one line, not two;
* in the 2025 PDFs the masthead symbol comes after ``United Nations`` / ``General Assembly``
  / ``Security Council`` instead of first; the footer is ``25-16785 (E) 221025`` and the page
  counter ``2/5 25-16785`` on one line each (pdftotext: separate lines, and on even pages
  the counter comes before the running header); paragraph numbers stay on the line of
  their paragraph (``1. From the outset ...``, pdftotext: ``1.`` alone on a line);
* ``pdftotext`` joined words hyphenated at a line end (``decisionmaking``,
  ``Secretary General``, ``conflictrelated``); here the hyphen and the line break stay
  (``decision-`` / ``making``); ``pdftotext`` also split ``Chair ’s`` and ``comm anders``,
  which come out whole here;
* blank lines do not fall exactly where ``pdftotext`` puts them;
* the 1982 scan (S/14938) comes out in proper line order, which ``pdftotext`` scrambled;
* A/47/843 is an image-only scan (no text layer at all): it is read by OCR (below).

Scanned pages: OCR
------------------
A page with fewer than 25 letters and digits in its text layer is rendered with
``pdftoppm -r 300 -gray -png`` and read with ``tesseract`` (Debian's poppler-utils and
tesseract-ocr), each run with a timeout, at most :data:`OCR_MAX_PAGES` pages per PDF, in a
temporary directory removed afterwards. The first page is read in English, and a letter whose
words are mostly French or Spanish is read again in that language (English OCR turns
``Ministère`` into ``Ministére``). The result carries the warning :data:`OCR_WARNING` (or
names the pages OCR read) and its format is still ``'pdf'``. On A/47/843 the OCR text has
the words of the fixture's tesseract text exactly (only blank lines differ). Without the two
programs, an image-only PDF is refused with a reason that says OCR is not available here.

Encryption: an encrypted PDF is refused, EXCEPT one that opens with the empty user password
(a PDF that only restricts printing or copying, which any viewer opens without asking):
its text is extracted and a warning says so.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import shutil
import struct
import subprocess
import tempfile
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

# pypdf and python-docx are imported where a PDF or a Word file is read: a process that
# reads text files only (the import's parse processes, mostly) starts without them, a
# tenth of a second sooner.
if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.oxml.xmlchemy import BaseOxmlElement
    from pypdf import PageObject

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_PDF_PAGES = 500
# A letter is a few pages; 5 million characters is a thousand pages of text.
MAX_TEXT_CHARS = 5_000_000
DOCX_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
DOCX_MAX_COMPRESSION_RATIO = 100
DOCX_MAX_MEMBERS = 2000
# Members this small cannot be a bomb, and tiny XML parts legitimately compress by more than
# 100 to 1, so the ratio test only applies above this size.
_RATIO_CHECK_MIN_BYTES = 1024 * 1024


@cache
def _pypdf_failures() -> tuple[type[BaseException], ...]:
    """What pypdf raises on a damaged file, besides its own errors (broken xref, truncated
    stream, limits reached): it trips over values of the wrong type or size."""
    from pypdf.errors import PyPdfError

    return (
        PyPdfError,
        ValueError,
        KeyError,
        IndexError,
        TypeError,
        AttributeError,
        struct.error,
        zlib.error,
        RecursionError,  # deeply nested or self-referencing objects
    )


SUPPORTED_EXTENSIONS = (".pdf", ".docx", ".txt", ".md")
_TEXT_EXTENSIONS = {".txt": "txt", ".md": "md"}

# A page with fewer letters or digits than this is treated as having no text layer.
_MIN_TEXT_CHARS_PER_PAGE = 25
# A text file where more than this share of characters are control characters is binary.
_MAX_CONTROL_CHAR_SHARE = 0.10
# Narrowest run of blank grid columns taken as a gutter between two text columns.
_MIN_GUTTER = 4
# ... and at least this many times the block's median gap between words.
_GUTTER_TO_WORD_GAP = 3

_PDF_MAGIC = b"%PDF-"
# The PDF specification lets readers accept a header anywhere in the first 1024 bytes.
_PDF_HEADER_WINDOW = 1024
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .xls: Word 97-2003 files
# The name of the stream holding an encrypted Office document, as OLE stores names.
_OLE_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_DTD_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    # Every encoding libxml2 detects from the first bytes, so a declaration cannot hide in
    # another byte order; XML in any other encoding is refused by _check_xml_encoding.
    for encoding in ("ascii", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)
# OOXML parts are UTF-8 or UTF-16 (ECMA-376 Part 2, 8.1.4). Anything else (UTF-32, EBCDIC,
# UTF-7 and the other encodings libxml2 converts through iconv) could spell a document type
# declaration in bytes no scan anticipates, so such a part is refused.
_XML_ENCODINGS = {"utf-8", "utf8", "utf-16", "utf16"}
_XML_DECLARED_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_UTF32_SIGNATURES = (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\x00<", b"<\x00\x00\x00")


class ExtractionError(ValueError):
    """The upload cannot be turned into text; ``reason`` says why, for the uploader."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ExtractedText:
    """The plain text of an upload and facts about it."""

    text: str
    format: str  # 'pdf', 'docx', 'txt' or 'md'
    pages: int | None  # PDF page count; None for other formats
    sha256: str  # hex digest of the uploaded bytes
    warnings: tuple[str, ...] = ()
    by_ocr: bool = False  # some of the text was read by OCR (a worse source than a text layer)


def extract_text(
    data: bytes, filename: str, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> ExtractedText:
    """Return the plain text of an uploaded file, or raise ExtractionError.

    ``filename`` gives the extension (.pdf, .docx, .txt, .md); the content must agree with it.
    Line ends are ``\\n``; PDF pages are separated by ``\\f`` as ``pdftotext`` does.
    """
    if not data:
        raise ExtractionError("The file is empty.")
    if len(data) > max_bytes:
        raise ExtractionError(f"The file is larger than the {_human_size(max_bytes)} limit.")
    extension = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    digest = hashlib.sha256(data).hexdigest()
    if extension == ".pdf":
        text, pages, warnings = _extract_pdf(data)
        by_ocr = any(_OCR_MARK in warning for warning in warnings)
        return ExtractedText(text, "pdf", pages, digest, warnings, by_ocr)
    if extension == ".docx":
        text, warnings = _extract_docx(data)
        return ExtractedText(text, "docx", None, digest, warnings)
    if extension in _TEXT_EXTENSIONS:
        text = _decode_text(data, extension)
        return ExtractedText(text, _TEXT_EXTENSIONS[extension], None, digest, ())
    if not extension:
        raise ExtractionError("The file name has no extension; upload .pdf, .docx, .txt or .md.")
    raise ExtractionError(f"Unsupported file type '{extension}'; upload .pdf, .docx, .txt or .md.")


def safe_filename(name: str) -> str:
    """Return a file name safe to store: no directories, no leading dot, only [A-Za-z0-9._-].

    Accents are transliterated (``été`` becomes ``ete``), other characters become ``_``,
    the result is at most 100 characters and keeps the extension; it is never empty.
    """
    max_length = 100
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lstrip(".")
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = base, ""
    # Cleaned apart so that a stem made only of non-Latin letters still keeps its extension.
    stem = _ascii_name_part(stem).strip("._-") or "file"
    extension = _ascii_name_part(extension).strip("._-")[:10]
    suffix = f".{extension}" if extension else ""
    return (stem[: max_length - len(suffix)].rstrip("._-") or "file") + suffix


def _ascii_name_part(part: str) -> str:
    """Transliterate accents away and replace every run of other characters with '_'."""
    ascii_part = unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_part)


# ----------------------------------------------------------------------------------- PDF


def _extract_pdf(data: bytes) -> tuple[str, int, tuple[str, ...]]:
    """Return (text, page count, warnings) of a PDF, pages joined with form feeds."""
    if _PDF_MAGIC not in data[:_PDF_HEADER_WINDOW]:
        raise ExtractionError("This .pdf file is not a PDF.")
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    warnings: list[str] = []
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # An empty user password means any viewer opens the file without asking.
            if not reader.decrypt(""):
                raise ExtractionError("The PDF is encrypted; upload an unprotected copy.")
            warnings.append("The PDF carries copy or print restrictions; its text was read.")
        page_count = len(reader.pages)
        if page_count > MAX_PDF_PAGES:
            raise ExtractionError(f"The PDF has {page_count} pages; the limit is {MAX_PDF_PAGES}.")
        page_texts: list[str] = []
        # Width and height in points, as pdftoppm renders them (the crop box).
        page_sizes: list[tuple[float, float]] = []
        total_chars = 0
        for page in reader.pages:
            page_sizes.append((abs(float(page.cropbox.width)), abs(float(page.cropbox.height))))
            page_text = _pdf_page_lines(_page_layout_text(page))
            total_chars += len(page_text)
            if total_chars > MAX_TEXT_CHARS:
                raise ExtractionError(
                    f"The PDF holds more than {MAX_TEXT_CHARS:,} characters of text; "
                    "refused as too large for a letter."
                )
            page_texts.append(page_text)
    except ExtractionError:
        raise
    except (FileNotDecryptedError, DependencyError) as error:
        # DependencyError: AES encryption needs the 'cryptography' package to decrypt.
        raise ExtractionError("The PDF is encrypted; upload an unprotected copy.") from error
    except _pypdf_failures() as error:
        raise ExtractionError("The PDF is damaged or truncated.") from error

    empty_pages = [
        number
        for number, page_text in enumerate(page_texts, start=1)
        if _count_word_chars(page_text) < _MIN_TEXT_CHARS_PER_PAGE
    ]
    if empty_pages:
        warnings.extend(_fill_empty_pages_by_ocr(data, page_texts, page_sizes, empty_pages))
    # Like pdftotext: every page ends with a newline, pages are separated by a form feed.
    return "\f".join(f"{text}\n" for text in page_texts), page_count, tuple(warnings)


def _fill_empty_pages_by_ocr(
    data: bytes,
    page_texts: list[str],
    page_sizes: list[tuple[float, float]],
    empty_pages: list[int],
) -> list[str]:
    """OCR the pages with (nearly) no text layer, in place; return the warnings to show.

    Raises ExtractionError when no page has any text in the end.
    """
    every_page_empty = len(empty_pages) == len(page_texts)
    tools = _ocr_tools()
    if tools is None:
        if every_page_empty:
            raise ExtractionError(
                "The PDF has no text layer (a scanned image), and OCR is not available "
                "on this server; run OCR on it first."
            )
        listed = _page_list(empty_pages)
        return [
            f"Pages with little or no text (scanned images?): {listed}; "
            "OCR is not available on this server."
        ]

    to_read = empty_pages[:OCR_MAX_PAGES]
    ocr = _ocr_pdf_pages(data, {number: page_sizes[number - 1] for number in to_read}, tools)
    read_by_ocr = []
    for number, text in ocr.texts.items():
        # A page whose thin text layer says more than the OCR keeps its text layer.
        if _count_word_chars(text) > _count_word_chars(page_texts[number - 1]):
            page_texts[number - 1] = text
            read_by_ocr.append(number)
    still_empty = [
        number
        for number in empty_pages
        if _count_word_chars(page_texts[number - 1]) < _MIN_TEXT_CHARS_PER_PAGE
    ]

    if every_page_empty and not read_by_ocr:
        if ocr.out_of_time:
            raise ExtractionError(
                "The PDF has no text layer (a scanned image), and OCR could not read it "
                f"within its time limit ({OCR_TOTAL_SECONDS} s per file)."
            )
        if ocr.failed:
            raise ExtractionError(
                "The PDF has no text layer (a scanned image), and OCR failed on it "
                "(it took too long or stopped with an error; each page may take "
                f"{OCR_STEP_TIMEOUT_SECONDS} s and {OCR_MEMORY_BYTES // (1024 * 1024)} MB)."
            )
        raise ExtractionError("The PDF has no text layer, and OCR found no text on its pages.")
    warnings = []
    if read_by_ocr:
        if every_page_empty and len(read_by_ocr) == len(page_texts):
            warnings.append(OCR_WARNING)
        else:
            warnings.append(
                f"Text of pages {_page_list(sorted(read_by_ocr))} produced by OCR; check it."
            )
    if ocr.out_of_time:
        warnings.append(
            f"OCR stopped at its time limit ({OCR_TOTAL_SECONDS} s per file): pages "
            f"{_page_list(ocr.out_of_time)} were not read."
        )
    failed = [number for number in ocr.failed if number not in ocr.out_of_time]
    if failed:
        warnings.append(
            f"OCR failed on pages {_page_list(failed)} (a page too large or too slow to read)."
        )
    if len(empty_pages) > OCR_MAX_PAGES:
        warnings.append(
            f"OCR reads at most {OCR_MAX_PAGES} pages; pages "
            f"{_page_list(empty_pages[OCR_MAX_PAGES:])} were not read."
        )
    if still_empty:
        warnings.append(
            f"Pages with little or no text (scanned images?): {_page_list(still_empty)}."
        )
    return warnings


def _page_list(numbers: list[int]) -> str:
    return ", ".join(str(number) for number in numbers)


def _page_layout_text(page: PageObject) -> str:
    """Return the layout-mode text of a page, or its plain text if layout mode fails.

    Layout mode needs font metrics that some odd fonts do not give; the plain mode copes.
    """
    try:
        return page.extract_text(extraction_mode="layout")
    except _pypdf_failures():
        return page.extract_text()


def _count_word_chars(text: str) -> int:
    return sum(1 for char in text if char.isalnum())


def _pdf_page_lines(layout_text: str) -> str:
    """Rebuild pdftotext-like lines from one page of pypdf layout-mode text.

    Blocks are separated by vertical gaps; each block is split at gutters into columns
    read one after the other; runs of spaces collapse to one.
    """
    out_blocks = []
    for block in _vertical_blocks(layout_text.split("\n")):
        lines = [_collapse_spaces(line) for line in _read_columns(block)]
        lines = [line for line in lines if line]
        if lines:
            out_blocks.append("\n".join(lines))
    return "\n\n".join(out_blocks)


def _vertical_blocks(grid_lines: list[str]) -> Iterator[list[str]]:
    """Group grid lines into blocks separated by two or more empty lines.

    A single empty line is ordinary line spacing (between the date and 'Original: English'
    in a masthead, for instance) and does not end a block.
    """
    block: list[str] = []
    empty_run = 0
    for line in grid_lines:
        if line.strip():
            if empty_run >= 2 and block:
                yield block
                block = []
            block.append(line.rstrip())
            empty_run = 0
        else:
            empty_run += 1
    if block:
        yield block


def _read_columns(block: list[str]) -> list[str]:
    """Return the lines of a block in reading order: left column first, then the right one."""
    gutter = _find_gutter(block)
    if gutter is None:
        return block
    start, end = gutter
    left = [line[:start] for line in block]
    right = [line[end:] for line in block]
    return [*_read_columns(left), *_read_columns(right)]


def _find_gutter(block: list[str]) -> tuple[int, int] | None:
    """Find the widest run of grid columns that is blank on every line of the block.

    It counts as a gutter only if it has text on both sides on at least one line and text to
    its right on at least two lines: a justified paragraph has gaps too, but they do not
    line up from one line to the next.
    """
    text_lines = [line for line in block if line.strip()]
    if len(text_lines) < 2:
        return None
    # Letter-spaced scans put wide gaps between ordinary words; a gutter must be much
    # wider than the block's usual gap between words.
    word_gaps = sorted(
        len(gap) for line in text_lines for gap in re.findall(r"(?<=\S) +(?=\S)", line)
    )
    typical_gap = word_gaps[len(word_gaps) // 2] if word_gaps else 1
    min_gutter = max(_MIN_GUTTER, _GUTTER_TO_WORD_GAP * typical_gap)
    width = max(len(line) for line in text_lines)
    occupied = [False] * width
    for line in text_lines:
        for column, char in enumerate(line):
            if not char.isspace():
                occupied[column] = True
    # Where each line's text begins and ends, so that each candidate costs one pass.
    extents = [(len(line) - len(line.lstrip()), len(line.rstrip()) - 1) for line in text_lines]
    best: tuple[int, int] | None = None
    column = 0
    while column < width:
        if occupied[column]:
            column += 1
            continue
        start = column
        while column < width and not occupied[column]:
            column += 1
        # start == 0 is left indentation, not a gutter; column == width cannot happen.
        if start == 0 or column - start < min_gutter:
            continue
        both_sides = sum(1 for first, last in extents if first < start and last >= column)
        right_side = sum(1 for _, last in extents if last >= column)
        if (
            both_sides >= 1
            and right_side >= 2
            and (best is None or column - start > best[1] - best[0])
        ):
            best = (start, column)
    return best


def _collapse_spaces(line: str) -> str:
    return re.sub(r"[ \t\u00a0]+", " ", line).strip()


# ----------------------------------------------------------------------------------- OCR

OCR_WARNING = "Text produced by OCR; check it."
# Every warning that says some text came from OCR contains this.
_OCR_MARK = "produced by OCR"
# At most this many pages of one PDF are OCR'd (a letter is a few pages; each takes seconds).
OCR_MAX_PAGES = 30
# The resolution the fixture's tesseract text was made at; lower gives worse words.
OCR_DPI = 300
# Each pdftoppm or tesseract run is stopped after this many seconds ...
OCR_STEP_TIMEOUT_SECONDS = 60
# ... and pages not begun this long after the OCR of a PDF started are not read. A letter's
# scanned pages take about 3.7 s each here (two at a time): 90 s reads some 40 pages, and a
# crafted PDF holds an upload worker no longer than that.
OCR_TOTAL_SECONDS = 90
# Each pdftoppm or tesseract run may use this much address space; a crafted page that needs
# more fails alone (a 300 dpi A4 page needs about 150 MB in tesseract).
OCR_MEMORY_BYTES = 768 * 1024 * 1024
# A huge page (a poster, or a hostile 200-inch crop box) is rendered at a lower resolution so
# that its image stays under this many pixels (A3 at 300 dpi is 17 million).
_OCR_MAX_PIXELS = 40_000_000
# Pages are OCR'd in parallel, one tesseract thread each: on a two-core machine tesseract's
# own threads made a page 5 times slower (18.8 s instead of 3.7 s for A/47/843's page 1).
_OCR_WORKERS = max(1, min(2, os.cpu_count() or 1))
_OCR_ENVIRONMENT = {**os.environ, "OMP_THREAD_LIMIT": "1"}
# English OCR reads A/47/843 word for word as the fixture; eng+fra+spa lost 2 % of its words
# and took a third longer. So the first page is read in English, its language is guessed
# from common words, and a French or Spanish letter is read again in its language.
_OCR_FIRST_LANGUAGE = "eng"
_OCR_LANGUAGE_WORDS = {
    "eng": {"the", "of", "and", "to", "in", "is", "that", "for", "on", "by", "with", "from"},
    "fra": {"le", "les", "des", "et", "du", "est", "une", "qui", "au", "aux", "sur", "pour"},
    "spa": {"el", "los", "las", "y", "del", "que", "por", "con", "una", "es", "para", "al"},
}
# A guess needs this many more common words of its language than of English.
_OCR_LANGUAGE_MARGIN = 5


@dataclass(frozen=True)
class _OcrTools:
    # Each run through `prlimit --as=OCR_MEMORY_BYTES --` (util-linux): a crafted page that
    # needs more memory fails alone instead of swapping the server.
    pdftoppm: tuple[str, ...]
    tesseract: tuple[str, ...]
    languages: frozenset[str]


@dataclass
class _OcrResult:
    texts: dict[int, str]  # page number -> text, for the pages OCR read
    failed: list[int]  # pages where a tool timed out or failed, or time ran out
    out_of_time: list[int] = field(default_factory=list)  # of those, the ones never begun


def ocr_available() -> bool:
    """Whether this server can OCR scanned PDF pages (pdftoppm and tesseract are installed)."""
    return _ocr_tools() is not None


def _ocr_tools() -> _OcrTools | None:
    """Find pdftoppm and tesseract with an English language pack, or None."""
    pdftoppm = shutil.which("pdftoppm")
    tesseract = shutil.which("tesseract")
    prlimit = shutil.which("prlimit")
    if pdftoppm is None or tesseract is None or prlimit is None:
        return None
    languages = _tesseract_languages(tesseract)
    if _OCR_FIRST_LANGUAGE not in languages:
        return None
    limit = [prlimit, f"--as={OCR_MEMORY_BYTES}", "--"]
    return _OcrTools((*limit, pdftoppm), (*limit, tesseract), languages)


@cache
def _tesseract_languages(tesseract: str) -> frozenset[str]:
    """The language packs installed for this tesseract (asked once per process)."""
    try:
        listing = _run_tool([tesseract, "--list-langs"], OCR_STEP_TIMEOUT_SECONDS)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    # The first line is 'List of available languages in "..." (4):'.
    return frozenset(line.strip() for line in listing.splitlines()[1:] if line.strip())


def _ocr_pdf_pages(
    data: bytes, page_sizes: dict[int, tuple[float, float]], tools: _OcrTools
) -> _OcrResult:
    """OCR the given pages of a PDF (number -> size in points) in a temporary directory."""
    deadline = time.monotonic() + OCR_TOTAL_SECONDS
    result = _OcrResult(texts={}, failed=[])
    with tempfile.TemporaryDirectory(prefix="archive-ocr-") as workdir:
        pdf_path = Path(workdir) / "upload.pdf"
        pdf_path.write_bytes(data)

        def read(number: int, language: str) -> str | None:
            dpi = _ocr_resolution(*page_sizes[number])
            return _ocr_page(tools, pdf_path, number, dpi, language, deadline)

        numbers = sorted(page_sizes)
        first, rest = numbers[0], numbers[1:]
        language = _OCR_FIRST_LANGUAGE
        first_text = read(first, language)
        if first_text is not None:
            guessed = _guess_language(first_text)
            if guessed != language and guessed in tools.languages:
                language = guessed
                first_text = read(first, language) or first_text
        with ThreadPoolExecutor(max_workers=_OCR_WORKERS) as pool:
            rest_texts = list(pool.map(lambda number: read(number, language), rest))
        for number, text in zip(numbers, [first_text, *rest_texts], strict=True):
            if text is None:
                result.failed.append(number)
                if time.monotonic() >= deadline:
                    result.out_of_time.append(number)
            else:
                result.texts[number] = text
    return result


def _ocr_resolution(width_points: float, height_points: float) -> int:
    """OCR_DPI, or less for a page so large that its image would pass _OCR_MAX_PIXELS."""
    square_inches = (width_points / 72) * (height_points / 72)
    if square_inches <= 0:
        return OCR_DPI
    return max(1, min(OCR_DPI, math.floor(math.sqrt(_OCR_MAX_PIXELS / square_inches))))


def _ocr_page(
    tools: _OcrTools, pdf_path: Path, number: int, dpi: int, language: str, deadline: float
) -> str | None:
    """Render one page to a grey PNG and OCR it; None if a tool failed or time ran out.

    PNG, not pdftoppm's default PGM: the PNG carries the resolution, and tesseract then reads
    A/47/843 exactly as the fixture (from the PGM it guessed the resolution and read a line of
    noise into the text).
    """
    prefix = pdf_path.parent / f"page-{number}-{language}"
    image = prefix.with_suffix(".png")
    try:
        _run_tool(
            [
                *tools.pdftoppm,
                "-r", str(dpi), "-gray", "-png", "-singlefile",
                "-f", str(number), "-l", str(number),
                str(pdf_path), str(prefix),
            ],
            _step_timeout(deadline),
        )  # fmt: skip
        output = _run_tool(
            [*tools.tesseract, str(image), "stdout", "-l", language], _step_timeout(deadline)
        )
    except (OSError, subprocess.SubprocessError, _OutOfTime):
        return None
    finally:
        image.unlink(missing_ok=True)
    # tesseract ends each page with a form feed; pages are joined with one by the caller.
    return output.replace("\f", "").strip("\n").rstrip()


class _OutOfTime(Exception):
    """The OCR of this PDF has used up OCR_TOTAL_SECONDS."""


def _step_timeout(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _OutOfTime
    return min(OCR_STEP_TIMEOUT_SECONDS, remaining)


def _run_tool(arguments: list[str], timeout: float) -> str:
    """Run a program (no shell) and return its standard output; raise if it fails or hangs."""
    completed = subprocess.run(  # noqa: S603 - fixed programs, our own file names
        arguments,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
        check=True,
        env=_OCR_ENVIRONMENT,
    )
    return completed.stdout.decode("utf-8", errors="replace")


def _guess_language(text: str) -> str:
    """Guess the tesseract language of OCR text from its common words (eng, fra or spa)."""
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    counts = {
        language: sum(1 for word in words if word in common)
        for language, common in _OCR_LANGUAGE_WORDS.items()
    }
    best = max(counts, key=lambda language: counts[language])
    if best != "eng" and counts[best] >= counts["eng"] + _OCR_LANGUAGE_MARGIN:
        return best
    return "eng"


# ---------------------------------------------------------------------------------- DOCX


def _extract_docx(data: bytes) -> tuple[str, tuple[str, ...]]:
    """Return (text, warnings) of a .docx: body paragraphs and table cells in order."""
    if data.startswith(_OLE_MAGIC):
        # Word saves a password-protected .docx inside an OLE container, like a Word 97 file.
        if _OLE_ENCRYPTED_PACKAGE in data:
            raise ExtractionError(
                "The .docx file is password-protected; upload an unprotected copy."
            )
        raise ExtractionError(
            "The .docx file is an old Word 97-2003 document; save it as .docx and upload again."
        )
    if not data.startswith(_ZIP_MAGIC):
        raise ExtractionError("The .docx file is not a valid Word document.")
    _check_docx_zip(data)
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    try:
        document = docx.Document(io.BytesIO(data))
        lines = list(_docx_block_lines(document.element.body, document))
    except (
        PackageNotFoundError,
        zipfile.BadZipFile,  # also raised when a member fails its CRC check
        etree.XMLSyntaxError,
        KeyError,  # a relationship points at a part that is not there
        ValueError,
        zlib.error,
        EOFError,
    ) as error:
        raise ExtractionError("The .docx file is not a valid Word document.") from error
    text = _squeeze_blank_lines("\n".join(lines))
    if len(text) > MAX_TEXT_CHARS:
        raise ExtractionError(
            f"The .docx file holds more than {MAX_TEXT_CHARS:,} characters of text; "
            "refused as too large for a letter."
        )
    warnings = () if text.strip() else ("The Word document contains no text.",)
    return text, warnings


def _check_docx_zip(data: bytes) -> None:
    """Refuse zip bombs, member floods and XML with a DTD before python-docx parses anything.

    The sizes checked are the ones the zip declares; zipfile stops reading a member at its
    declared size and then fails the CRC check, so a zip that lies about them is refused
    when python-docx reads it.
    """
    bomb = (
        f"The .docx file expands to more than {_human_size(DOCX_MAX_UNCOMPRESSED_BYTES)}; "
        "refused as a possible zip bomb."
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > DOCX_MAX_MEMBERS:
                raise ExtractionError(
                    f"The .docx file has more than {DOCX_MAX_MEMBERS} parts; refused."
                )
            if sum(member.file_size for member in members) > DOCX_MAX_UNCOMPRESSED_BYTES:
                raise ExtractionError(bomb)
            for member in members:
                if (
                    member.file_size > _RATIO_CHECK_MIN_BYTES
                    and member.file_size > DOCX_MAX_COMPRESSION_RATIO * member.compress_size
                ):
                    raise ExtractionError(
                        f"The .docx file has a part compressed more than "
                        f"{DOCX_MAX_COMPRESSION_RATIO} to 1; refused as a possible zip bomb."
                    )
            names = {member.filename for member in members}
            if "word/document.xml" not in names:
                raise ExtractionError("The .docx file is not a valid Word document.")
            # Every part, whatever its name: the main part can be renamed (the package's
            # relationships say where it is), so a name says nothing about what is XML.
            for member in members:
                _check_xml_encoding(archive, member)
                if _has_dtd(archive, member):
                    raise ExtractionError(
                        "The .docx file contains an XML document type declaration "
                        "(possible entity expansion attack); refused."
                    )
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as error:
        # NotImplementedError: a compression method zipfile does not know;
        # RuntimeError: a member encrypted with a zip password.
        raise ExtractionError("The .docx file is not a valid Word document.") from error


def _check_xml_encoding(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """Refuse a part that is XML in an encoding other than UTF-8 or UTF-16."""
    with archive.open(member) as stream:
        head = stream.read(256)
    refused = ExtractionError(
        "The .docx file has a part that is not UTF-8 or UTF-16 XML, as Word writes it; refused."
    )
    if head.startswith(_UTF32_SIGNATURES) or head.startswith(b"\x4c\x6f\xa7\x94"):  # EBCDIC
        raise refused
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16-le" if head.startswith(b"\xff\xfe") else "utf-16-be"
        head = head[2:].decode(encoding, "replace").encode("ascii", "replace")
    elif head.startswith((b"<\x00", b"\x00<")):
        head = head.decode("utf-16-le" if head[0] else "utf-16-be", "replace").encode(
            "ascii", "replace"
        )
    head = head.removeprefix(b"\xef\xbb\xbf")
    if head.startswith(b"<?xml"):
        declaration = head.split(b"?>", 1)[0]
        declared = _XML_DECLARED_ENCODING.search(declaration)
        if declared and declared.group(1).decode().lower() not in _XML_ENCODINGS:
            raise refused
    elif head.startswith(b"+ADw"):  # "<" in UTF-7
        raise refused


def _has_dtd(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Scan one zip member in chunks for <!DOCTYPE or <!ENTITY, without loading it whole."""
    overlap = max(len(marker) for marker in _DTD_MARKERS)
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(1024 * 1024):
            window = tail + chunk
            if any(marker in window for marker in _DTD_MARKERS):
                return True
            tail = window[-overlap:]
    return False


def _docx_block_lines(container: BaseOxmlElement, document: DocxDocument) -> Iterator[str]:
    """Yield the lines of a body or table cell: one per paragraph, one per table cell line.

    Tables are read row by row, cell by cell, each cell's paragraphs on their own lines, so
    that every field of a UN masthead table lands on its own line. Content controls
    (w:sdt) are opened; headers, footers, footnotes and text boxes are not read.
    """
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    for child in container.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, document).text
        elif child.tag == qn("w:tbl"):
            yield ""
            for row in child.iterchildren(qn("w:tr")):
                for cell in row.iterchildren(qn("w:tc")):
                    for line in _docx_block_lines(cell, document):
                        if line.strip():
                            yield line
            yield ""
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _docx_block_lines(content, document)


def _squeeze_blank_lines(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


# ---------------------------------------------------------------------------------- text


def _decode_text(data: bytes, extension: str) -> str:
    """Decode a .txt or .md upload as UTF-8 and normalise its line ends to '\\n'."""
    if data.startswith(_PDF_MAGIC):
        raise ExtractionError(f"This {extension} file is a PDF; upload it with a .pdf name.")
    if data.startswith(_ZIP_MAGIC):
        raise ExtractionError(
            f"This {extension} file is a zip archive (a .docx?), not a text file."
        )
    if data.startswith(_UTF16_BOMS):
        raise ExtractionError("The file is UTF-16 text; save it as UTF-8 and upload again.")
    if b"\x00" in data:
        raise ExtractionError("The file contains NUL bytes; it is not a text file.")
    try:
        text = data.decode("utf-8-sig")  # -sig strips a byte-order mark if there is one
    except UnicodeDecodeError as error:
        raise ExtractionError("The file is not UTF-8 text.") from error
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    control_chars = len(_CONTROL_CHARS.findall(text))
    if control_chars > _MAX_CONTROL_CHAR_SHARE * len(text):
        raise ExtractionError("The file is mostly control characters; it is not a text file.")
    return text


# The control characters (Unicode category Cc: U+0000-U+001F, U+007F-U+009F) but line feed,
# tab and form feed; one regex pass, not a Python loop over every character.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0d-\x1f\x7f-\x9f]")


def _human_size(size: int) -> str:
    mebibyte = 1024 * 1024
    if size >= mebibyte:
        return f"{size / mebibyte:g} MB"
    if size >= 1024:
        return f"{size / 1024:g} KB"
    return f"{size}-byte"
