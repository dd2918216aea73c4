"""Dates written in words, as UN documents print them, in English, French, Spanish and Russian.

"16 October 2025", "24 février 2021", "1er mars 2021", "3 de octubre de 2025",
"3 октября 2025 года", and the American "October 18, 2025" some annexes use.
"""

from __future__ import annotations

import re
from datetime import date

MONTHS: dict[str, int] = {
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    # French
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
    # Spanish
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11,
    "diciembre": 12,
    # Russian (genitive, as dates print them)
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6, "июля": 7,
    "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
}  # fmt: skip

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
# Day month year: "16 October 2025", "1er mars 2021", "3 de octubre de 2025", "3 октября 2025 года".
_DAY_FIRST = (
    r"(?P<day>\d{1,2})(?:er|º|°)?\s+(?:de\s+)?(?P<month>" + _MONTH + r")\s+(?:de\s+|del\s+)?"
    r"(?P<year>\d{4})(?:\s*(?:года|г\.))?"
)
# Month day, year: "October 18, 2025".
_MONTH_FIRST = r"(?P<month2>" + _MONTH + r")\s+(?P<day2>\d{1,2}),\s*(?P<year2>\d{4})"
DATE_PATTERN = re.compile(
    r"(?<![\w])(?:" + _DAY_FIRST + r"|" + _MONTH_FIRST + r")(?![\w])", re.IGNORECASE
)


def _to_date(match: re.Match) -> date | None:
    day, month, year = (
        (match["day"], match["month"], match["year"])
        if match["day"]
        else (match["day2"], match["month2"], match["year2"])
    )
    try:
        return date(int(year), MONTHS[month.lower()], int(day))
    except ValueError:
        return None  # "31 February": a misprint or OCR damage, not a date


def find_date(text: str) -> tuple[date, re.Match] | None:
    """The first well-formed date in ``text`` (runs of whitespace allowed inside), with its match.

    OCR reads digits as letters ("1O March l985"); a date found only once they are read back
    as digits is found too (the repair keeps every offset)."""
    for candidate in (text, _ocr_digits(text)):
        for match in DATE_PATTERN.finditer(candidate):
            found = _to_date(match)
            if found:
                return found, match
    # A month hyphenated at a line end: "3 Octo-\nber 2025" (offsets no longer hold).
    joined = re.sub(r"(?<=[^\W\d])-\s*\n\s*(?=[^\W\d])", "", text)
    if joined != text:
        for match in DATE_PATTERN.finditer(joined):
            found = _to_date(match)
            if found:
                return found, match
    return None


_OCR_DIGIT = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})


def _ocr_digits(text: str) -> str:
    """Letters next to digits read as the digits they resemble, one character for one."""
    return re.sub(
        r"(?<![A-Za-z])[\dOolI|]*\d[\dOolI|]*(?![A-Za-z])|(?<![A-Za-z])[OolI|]\d+",
        lambda match: match.group(0).translate(_OCR_DIGIT),
        text,
    )


def parse_date(text: str) -> date | None:
    """A text that is one date and nothing else ("17 October 2025") as a date, else None.

    >>> parse_date("24 février 2021")
    datetime.date(2021, 2, 24)
    >>> parse_date("3 de octubre de 2025")
    datetime.date(2025, 10, 3)
    """
    match = DATE_PATTERN.fullmatch(text.strip().strip("*").strip())
    return _to_date(match) if match else None
