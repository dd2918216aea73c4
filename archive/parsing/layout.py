"""Page layout of UN documents: which lines are print furniture and which are the letter.

A text layer (pdftotext, OCR, a converted word-processor file) carries, besides the letter,
page footers (``25-16785 (E) 221025 *2516785*``), page counters (``2/5``), running headers
that repeat the symbols (``A/80/434`` / ``S/2025/632`` / ``English`` / ``Page 2``),
continuation marks (``/...``) and masthead footnotes. This module finds them so the parser
can drop them, and reads the symbols they repeat.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .symbols import normalize_symbol, split_symbols
from .vocabulary import LANGUAGE_NAMES

# Lines of a page footer, read from the bottom of a page upwards.
_FOOTER_LINES = [
    re.compile(pattern)
    for pattern in (
        r"^\d{2}-\d{5}\b.*$",  # job number "25-16785", "94-28529 (E)", "90-05282 1299c (E)"
        r"^\d{6}(?:\s+\d{6})*$",  # date stamps "221025", "250221    260221"
        r"^\*\d{6,}\*$",  # barcode "*2516785*"
        r"^\d{1,3}\s*/\s*\d{1,3}$",  # page counter "2/5"
        r"^\(\s*[A-Z]\s*\)$",  # language letter "(E)", "(F)"; OCR "(U)"
        r"^\d{4}[a-z]$",  # job suffix "0356b"
        r"^/\s*(?:\.\s*){2,3}$",  # continuation mark "/...", "/. . .", "/ ..."
        r"^-{3,}$",  # end-of-document rule "-----"
        r"^_{3,}$",
        # the recycling logo's caption on first pages
        r"^(?:Please\s+recycle|Merci\s+de\s+recycler|Se\s+ruega\s+reciclar|Просьба\s+отправить).*$",
    )
]
# A footnote opens with a rule, a lone asterisk, or "* Reissued for technical reasons ...".
_FOOTNOTE_START = re.compile(r"^(?:_{5,}|\*{1,3}|\*{1,3}\s*(?=[A-Z])\S.*)$")
_PAGE_LABEL = re.compile(r"^(?:Page|Pág(?:ina)?\.?|Стр\.?|Страница)\s*\d{1,3}$", re.IGNORECASE)

# A line that is one symbol, or two joined by a dash, as mastheads and running headers print
# them. OCR turns "S" into "$", "8" or "s" and adds junk after the number ("A/45/155J"),
# so the pattern is lenient and says what it had to repair.
_SYMBOL_LINE = re.compile(
    r"^(?P<body>[AS$8s])\s*/\s*(?P<rest>(?:ES-\d+\s*/\s*)?\d{1,6}(?:\s*/\s*\d{1,6})?"
    r"(?:\s*/\s*(?:Add|Corr|Rev|Amend)\s*\.?\s*\d+)*)(?P<junk>[^\s]{0,3})$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SymbolSighting:
    symbol: str  # canonical
    repaired: bool  # OCR damage had to be undone to read it


_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})


def _ocr_digit_repair(text: str) -> str:
    """'A/4O/l23' -> 'A/40/123': letters OCR reads for digits, inside a symbol's numbers only."""
    parts = text.split("/")
    repaired = [parts[0]] + [
        part.translate(_OCR_DIGITS)
        if re.fullmatch(r"[\dOoIl|]+", part) and re.search(r"\d", part)
        else part
        for part in parts[1:]
    ]
    return "/".join(repaired)


def read_symbol_line(line: str) -> list[SymbolSighting]:
    """The symbols a masthead or running-header line prints, repaired; [] if it is no such line."""
    if "/" not in line:
        return []  # every symbol has one (asked of every masthead and header line)
    text = line.strip().strip("*").strip()
    if not text:
        return []
    if re.match(r"^[AS$8s]\s*/", text):
        fixed = _ocr_digit_repair(text)
        if fixed != text:
            return [SymbolSighting(s.symbol, repaired=True) for s in read_symbol_line(fixed)]
    joint = split_symbols(text)
    if joint and "/" in text:
        return [SymbolSighting(symbol, repaired=False) for symbol in joint]
    match = _SYMBOL_LINE.match(line.strip())
    if not match:
        return []
    junk = match["junk"].strip("*")
    body = match["body"]
    repaired = bool(junk) or body.upper() not in "AS"
    if body.upper() not in "AS":
        # "$/25016", "8/25016": only a long number makes this a symbol and not "8/12" (a page).
        if len(re.sub(r"\D", "", match["rest"].split("/")[-1])) < 4:
            return []
        body = "S"
    if junk and not re.fullmatch(r"[A-Za-z.,;:]{1,3}", junk):
        return []
    symbol = normalize_symbol(f"{body}/{match['rest']}")
    return [SymbolSighting(symbol, repaired)] if symbol else []


def is_language_line(line: str) -> bool:
    """'English', 'ENGLISH', 'Français' alone on a line."""
    return line.strip().strip("*").strip().lower() in LANGUAGE_NAMES


@dataclass
class Page:
    first: int  # index of its first line in the document
    end: int  # index after its last line


def split_pages(lines: list[str]) -> list[Page]:
    """Pages by form feed; the form feed itself sits at the start of a page's first line."""
    starts = [0] + [i for i, line in enumerate(lines) if i and "\f" in line]
    ends = [*starts[1:], len(lines)]
    return [Page(start, end) for start, end in zip(starts, ends, strict=True)]


def furniture_lines(lines: list[str], pages: list[Page]) -> set[int]:
    """Indexes of lines that are print furniture: running headers, footers, counters, footnotes.

    The first page's top is the masthead, not a running header, and is left alone.
    """
    drop: set[int] = set()
    for number, page in enumerate(pages):
        if number > 0:
            drop |= _running_header(lines, page)
        drop |= _footer(lines, page, drop)
    return drop


def running_header_symbols(lines: list[str], pages: list[Page]) -> list[SymbolSighting]:
    """The symbols the running headers of pages 2, 3, ... repeat."""
    found: list[SymbolSighting] = []
    for page in pages[1:]:
        for index in sorted(_running_header(lines, page)):
            found.extend(read_symbol_line(lines[index].replace("\f", "")))
    return found


def _running_header(lines: list[str], page: Page) -> set[int]:
    header: set[int] = set()
    for index in range(page.first, min(page.end, page.first + 8)):
        text = lines[index].replace("\f", "").strip()
        if (
            not text
            or read_symbol_line(text)
            or is_language_line(text)
            or _PAGE_LABEL.match(text)
            or any(pattern.match(text) for pattern in _FOOTER_LINES)
        ):
            header.add(index)
            continue
        break
    return header


def _footer(lines: list[str], page: Page, already: set[int]) -> set[int]:
    footer: set[int] = set()
    index = page.end - 1
    while index >= page.first and index not in already:
        text = lines[index].replace("\f", "").strip()
        if text and not any(pattern.match(text) for pattern in _FOOTER_LINES):
            break
        footer.add(index)
        index -= 1
    # A masthead footnote ("* A/49/50/Rev.1.", "** Second reissue for technical reasons.")
    # sits above the footer, after a rule or a lone asterisk: short lines only.
    for start in range(max(page.first, index - 20), index + 1):
        text = lines[start].replace("\f", "").strip()
        if start in already or not _FOOTNOTE_START.match(text):
            continue
        tail = [lines[i].strip() for i in range(start + 1, index + 1)]
        lone_mark = not re.search(r"\w", text)
        if (
            all(len(line) <= 60 for line in tail)
            and sum(1 for line in tail if line) <= (12 if lone_mark else 3)
            and len(text) <= 100
        ):
            footer.update(range(start, index + 1))
            break
    return footer


def vote_symbols(sightings: list[SymbolSighting]) -> tuple[str, ...]:
    """One symbol per organ (GA first, then SC), the best attested: clean sightings count
    double, so a header's 'A/45/155' beats the masthead's OCR-damaged 'A/45/155J'."""
    scores: dict[str, Counter] = {"A": Counter(), "S": Counter()}
    for sighting in sightings:
        scores[sighting.symbol[0]][sighting.symbol] += 1 if sighting.repaired else 2
    chosen = [counter.most_common(1)[0][0] for counter in scores.values() if counter]
    return tuple(chosen)
