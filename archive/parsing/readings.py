"""How sure the parser is of each field, and where in the text it read it.

Every field of a :class:`ParsedLetter` gets a :class:`FieldReading`: a confidence (``high``:
printed where the format puts it and read as printed; ``medium``: read through OCR damage
or from a weaker cue; ``low``: not found, or contradicted by another part of the letter) and
the span of ``ParsedLetter.text`` it was read from. The review page highlights the span and
marks low-confidence fields; the importer puts letters with low-confidence fields in the
editors' "needs review" queue.

The checks are the letter's own redundancy, not a model: a GA symbol names its session
(A/49/230 is of the forty-ninth session), an SC symbol its year (S/2025/632: eightieth year),
the body asks for circulation "under agenda items 34, 35 and 40", the date of the letter is
in its title. A field that such a cross-check contradicts is set to ``None`` by the parser
(:func:`withhold_contradicted`): never a guess presented as a reading.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from . import vocabulary as vocab
from .dates import DATE_PATTERN
from .layout import read_symbol_line
from .prefilter import any_of, finds_any
from .types import ParsedLetter

HIGH, MEDIUM, LOW = "high", "medium", "low"
_HEAD_CHARS = 6000  # the masthead and title of any letter fit in this many characters


@dataclass(frozen=True)
class FieldReading:
    field: str
    confidence: str  # "high", "medium" or "low"
    start: int | None = None  # span of ParsedLetter.text it was read from
    end: int | None = None
    note: str = ""  # why it is not "high", for the editor

    def as_json(self) -> dict:
        return {
            "confidence": self.confidence,
            "start": self.start,
            "end": self.end,
            "note": self.note,
        }


# "under agenda items 34, 35, 40 and 63", "au titre des points 34, 35 et 40 de l'ordre du jour",
# "en relación con el tema 84 del programa".
BODY_ITEMS = re.compile(
    r"(?:agenda\s+items?|items?(?=\s+[\d\s,()a-z]+\s+of\s+the\s+(?:preliminary|provisional))"
    r"|points?(?=\s+[\d\s,()a-z]+\s+de\s+l[a'’]\s*(?:ordre|liste))"
    r"|temas?(?=\s+[\d\s,()a-z]+\s+(?:del\s+programa|de\s+la\s+lista)))"
    r"\s+(?P<nums>\d{1,3}(?:\s*\([a-z]\))?(?:\s*(?:,|and|et|y)\s*\d{1,3}(?:\s*\([a-z]\))?)*)",
    re.IGNORECASE,
)


def assess(parsed: ParsedLetter) -> tuple[FieldReading, ...]:
    """A reading per field of ``parsed``: confidence and span (see the module's doc)."""
    text = parsed.text
    head = text[:_HEAD_CHARS]
    title = _title_span(parsed, text)  # the title, its date and its addressees
    readings = [
        _symbols(parsed, head),
        _distribution_date(parsed, head),
        _original_language(parsed, head),
        _ga_session(parsed, head),
        _sc_year(parsed, head),
        _agenda_items(parsed, head),
        _title(parsed, title),
        _letter_date(parsed, text, title),
        _addressees(parsed, text, title),
        *_sender(parsed, text),
    ]
    return tuple(readings)


def uncertain_fields(readings: tuple[FieldReading, ...]) -> list[str]:
    return [reading.field for reading in readings if reading.confidence == LOW]


def withhold_contradicted(parsed: ParsedLetter) -> ParsedLetter:
    """The letter with every field its own text contradicts set to None, and its readings."""
    readings = assess(parsed)
    contradicted = {
        r.field: dataclasses.replace(r, note=r.note.lstrip("! ") + " Left empty.")
        for r in readings
        if r.confidence == LOW and r.note.startswith("!")
    }
    changes: dict = {}
    if "ga_session" in contradicted:
        changes.update(ga_session=None, ga_session_label=None)
    if "sc_year" in contradicted:
        changes.update(sc_year=None, sc_year_label=None)
    if changes:
        parsed = dataclasses.replace(parsed, **changes)
        readings = assess(parsed)
    readings = tuple(contradicted.get(r.field, r) for r in readings)
    return dataclasses.replace(parsed, readings=readings)


# ----------------------------------------------------------------------------- helpers


def _lines_with_offsets(text: str):
    offset = 0
    for line in text.split("\n"):
        yield offset, line
        offset += len(line) + 1


def _find(pattern: str, text: str, start: int = 0, flags=re.IGNORECASE) -> re.Match | None:
    return re.compile(pattern, flags).search(text, start)


def _loose(printed: str) -> str:
    """A pattern for a phrase as printed, across line breaks and bold markers."""
    words = [re.escape(word) for word in printed.split()]
    return r"[\s*]+".join(words)


def _span_of(printed: str | None, text: str, start: int = 0) -> tuple[int, int] | None:
    if not printed:
        return None
    match = _find(_loose(printed), text, start)
    return (match.start(), match.end()) if match else None


def _reading(field: str, span, confidence: str = HIGH, note: str = "") -> FieldReading:
    start, end = span if span else (None, None)
    return FieldReading(field, confidence, start, end, note)


# ----------------------------------------------------------------------------- fields


def _symbols(parsed: ParsedLetter, head: str) -> FieldReading:
    if not parsed.symbols:
        return _reading("symbols", None, LOW, "No document symbol found in the masthead.")
    first_span, repaired = None, False
    for offset, line in _lines_with_offsets(head):
        sightings = read_symbol_line(line.replace("\f", ""))
        mine = [s for s in sightings if s.symbol in parsed.symbols]
        if mine:
            first_span = first_span or (offset, offset + len(line))
            if all(s.repaired for s in mine):
                repaired = True
            else:
                repaired = False
                break
    if first_span is None:
        return _reading("symbols", None, MEDIUM, "Read from the running headers only.")
    if repaired:
        return _reading("symbols", first_span, MEDIUM, "Read through OCR damage; check it.")
    return _reading("symbols", first_span)


def _distribution_date(parsed: ParsedLetter, head: str) -> FieldReading:
    distr = _find(r"^\W*Distr\b", head, flags=re.IGNORECASE | re.MULTILINE)
    if parsed.distribution_date is None:
        return _reading("distribution_date", None, LOW, "No distribution date found.")
    if distr:
        match = DATE_PATTERN.search(head, distr.end(), distr.end() + 200)
        if match:
            return _reading("distribution_date", (match.start(), match.end()))
    return _reading("distribution_date", None, MEDIUM, "Not printed under “Distr.”.")


def _original_language(parsed: ParsedLetter, head: str) -> FieldReading:
    label = _find(r"^\W*original\b[^\n]*", head, flags=re.IGNORECASE | re.MULTILINE)
    if parsed.original_language is None:
        return _reading("original_language", None, MEDIUM, "No “Original:” line found.")
    if not label:
        return _reading("original_language", None, MEDIUM)
    return _reading("original_language", (label.start(), label.end()))


def _ga_session(parsed: ParsedLetter, head: str) -> FieldReading:
    sessions = {int(s.split("/")[1]) for s in parsed.symbols if re.match(r"A/\d+/", s)}
    span = _span_of(parsed.ga_session_label, head)
    if parsed.ga_session is None:
        if sessions:
            return _reading(
                "ga_session", None, LOW, f"The symbol names session {min(sessions)}; not read."
            )
        return _reading("ga_session", None)
    if sessions and parsed.ga_session not in sessions:
        return _reading(
            "ga_session",
            span,
            LOW,
            f"! “{parsed.ga_session_label}” contradicts the symbol (session {min(sessions)}).",
        )
    return _reading("ga_session", span, HIGH if span else MEDIUM)


def _sc_year(parsed: ParsedLetter, head: str) -> FieldReading:
    years = {int(s.split("/")[1]) - 1945 for s in parsed.symbols if re.match(r"S/\d{4}/", s)}
    span = _span_of(parsed.sc_year_label, head)
    if parsed.sc_year is None:
        printed = re.search(r"\b(?:year|ann[ée]e|año)\b", head[: len(parsed.masthead) + 200])
        if years and printed:
            return _reading("sc_year", None, LOW, "The Security Council year was not read.")
        return _reading("sc_year", None)
    if years and parsed.sc_year not in years:
        return _reading(
            "sc_year",
            span,
            LOW,
            f"! “{parsed.sc_year_label}” contradicts the symbol (year {min(years)}).",
        )
    return _reading("sc_year", span, HIGH if span else MEDIUM)


def _item_numbers(text: str) -> list[tuple[int, str]]:
    return [(int(n), sub) for n, sub in vocab.AGENDA_NUMBER.findall(text)]


# The agenda lines of vocab.AGENDA_LINES as they stand in the whole text (a line of it, bold
# markers allowed at its end), compiled once; and all of them at once: a head without an
# agenda line (a Security Council letter) is scanned once, not once per pattern.
_AGENDA_LINES_IN_TEXT = [
    re.compile(pattern.pattern.replace(r"\s*\**$", r"[\s*]*$"), pattern.flags | re.MULTILINE)
    for pattern, _kind in vocab.AGENDA_LINES
]
_ANY_AGENDA_LINE_IN_TEXT = any_of(_AGENDA_LINES_IN_TEXT)


def _agenda_items(parsed: ParsedLetter, head: str) -> FieldReading:
    read = [(item.number, item.sub_item) for item in parsed.agenda_items]
    span = None
    for pattern in _AGENDA_LINES_IN_TEXT if finds_any(_ANY_AGENDA_LINE_IN_TEXT, head) else ():
        match = pattern.search(head)
        if match:
            span = (match.start(), match.end())
            break
    cited = []
    for match in BODY_ITEMS.finditer(parsed.body):
        cited.extend(number for number, _sub in _item_numbers(match["nums"]))
    numbers = [number for number, _sub in read]
    missing = [number for number in dict.fromkeys(cited) if number not in numbers]
    if missing and parsed.ga_session:
        listed = ", ".join(map(str, missing))
        return _reading(
            "agenda_items",
            span,
            LOW,
            f"The letter cites items {listed}; the masthead reading does not have them.",
        )
    if not read:
        if parsed.ga_session and cited:
            return _reading("agenda_items", None, LOW, "No agenda item read from the masthead.")
        return _reading("agenda_items", span)
    return _reading("agenda_items", span, HIGH if span else MEDIUM)


def _title_span(parsed: ParsedLetter, text: str) -> tuple[int, int] | None:
    """Where the title is printed: its opening ("Letter dated") to its last words."""
    for language, _doc_type, opening in vocab.TITLE_OPENINGS:
        if language != parsed.language:
            continue
        pattern = r"^[\s*]*(" + opening.pattern.lstrip("^") + ")"
        match = re.compile(pattern, opening.flags | re.MULTILINE).search(text, 0, _HEAD_CHARS)
        if not match:
            continue
        start = match.start(1)
        if parsed.title:
            end = _span_of(" ".join(parsed.title.split()[-3:]), text, start)
            if end and end[1] - start < 2 * len(parsed.title) + 200:
                return start, end[1]
        return start, min(len(text), start + 400)
    return None


def _title(parsed: ParsedLetter, span: tuple[int, int] | None) -> FieldReading:
    if not parsed.title:
        note = "No well-formed title (“Letter dated …”) found"
        return _reading("title", span, LOW, note + (": it is damaged." if span else "."))
    return _reading("title", span, HIGH if span else MEDIUM)


def _letter_date(parsed: ParsedLetter, text: str, title: tuple[int, int] | None) -> FieldReading:
    if parsed.letter_date is None:
        return _reading("letter_date", None, LOW, "No date found in the title.")
    if title:
        match = DATE_PATTERN.search(text, title[0], title[1])
        if match:
            return _reading("letter_date", (match.start(), match.end()))
    return _reading("letter_date", None, MEDIUM)


def _addressees(parsed: ParsedLetter, text: str, title: tuple[int, int] | None) -> FieldReading:
    if not parsed.addressees:
        return _reading("addressees", None, LOW, "No addressee found in the title.")
    if title:
        match = _find(
            r"(?:addressed\s+to|adress[ée]e?s?\s+(?:au|à|aux)|dirigidas?\s+(?:al|a)|на\s+имя)"
            r"\s[^\n]*",
            text[: title[1]],
            title[0],
        )
        if match:
            return _reading("addressees", (match.start(), match.end()))
    return _reading("addressees", None, MEDIUM, "Read through OCR damage; check it.")


def _sender(parsed: ParsedLetter, text: str) -> list[FieldReading]:
    sender = parsed.sender
    body_start = text.find(parsed.body[:80]) if parsed.body else -1
    body_start = max(body_start, 0)
    person = sender.name if sender else None
    if not person:
        found = _reading("sender_person", None, LOW, "No signature found.")
    else:
        span = _span_of(person, text, body_start) or _span_of(person, text)
        found = _reading("sender_person", span, HIGH if span else MEDIUM)
    role = sender.role if sender else None
    if not role:
        role_reading = _reading("sender_role", None, LOW, "No role found by the signature.")
    else:
        span = _span_of(role, text, body_start) or _span_of(role, text)
        role_reading = _reading("sender_role", span, HIGH if span else MEDIUM)
    state = sender.state if sender else None
    if not state:
        state_reading = _reading("sender_state", None, LOW, "No state found for the sender.")
    else:
        from .states import resolve_state

        span = _span_of(state, text)
        known = resolve_state(state) is not None
        state_reading = _reading(
            "sender_state",
            span,
            HIGH if known else LOW,
            "" if known else f"“{state}” is not a state the archive knows.",
        )
    return [found, role_reading, state_reading]
