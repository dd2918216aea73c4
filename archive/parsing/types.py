"""What the parser returns: plain, frozen dataclasses with no Django in sight.

Every string the letters themselves print (titles, names, quotes) is kept as printed,
with runs of whitespace collapsed to one space; dates are ``datetime.date``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


class ParseError(ValueError):
    """The text is not a letter the parser can read; ``line`` is 1-based (0: whole file)."""

    def __init__(self, message: str, line: int = 0):
        super().__init__(f"line {line}: {message}" if line else message)
        self.reason = message
        self.line = line


@dataclass(frozen=True)
class AgendaItemRef:
    number: int
    sub_item: str = ""  # "a", "b"... for items such as "68 (b)"; "" when none
    title: str | None = None  # as printed in the masthead, in the letter's language


@dataclass(frozen=True)
class Person:
    name: str  # as printed after "(Signed)", e.g. "Dr. Nasser AL-KIDWA"
    role: str | None = None  # "Permanent Representative", "Chargé d’affaires a.i."
    state: str | None = None  # as printed: "Azerbaïdjan", "Spain"


@dataclass(frozen=True)
class ParsedClaim:
    """An incident claimed in a letter. Offsets index the section text it was found in."""

    section: int  # 0 = the letter's body, n = annex n (1-based)
    quote_start: int
    quote_end: int
    quote: str  # section_text[quote_start:quote_end], verbatim
    kind: str  # "mine explosion", "shelling", "shooting", ...
    claimant: str | None  # English short name of the claiming state, e.g. "Azerbaijan"
    accused: str | None  # as the letter names them, e.g. "Armenia", "Israeli army"
    date: date | None = None
    period_start: date | None = None
    period_end: date | None = None
    date_precision: str = "day"  # "day", "month" or "year"
    place: str | None = None
    killed: int | None = None
    killed_civilians: int | None = None
    injured: int | None = None
    injured_civilians: int | None = None
    victims: str | None = None
    confidence: str = "clear"  # "clear" or "borderline"
    found_by: str = "rules-v1"  # which extractor (and rule) found it
    # The state the accused belongs to, English short name: "Israel" for "Israeli soldiers".
    accused_state: str | None = None


@dataclass(frozen=True)
class ParsedAnnex:
    order: int  # 1-based
    heading: str | None  # "Annex to the letter dated ..." as printed
    title: str | None  # the annexed document's own title
    letter_date: date | None
    signatory: Person | None
    original_language: str | None  # ISO 639-1, from "[Original: French]"
    text: str  # cleaned: page footers, running headers and counters removed


@dataclass(frozen=True)
class ParsedLetter:
    symbols: tuple[str, ...]  # canonical, e.g. ("A/80/434", "S/2025/632"); () when unknown
    doc_type: str  # "letter", "identical_letters" or "note_verbale"
    language: str  # ISO 639-1 of this text: "en", "fr", "es", "ru", "ar", "zh"
    original_language: str | None
    distribution_date: date | None
    ga_session: int | None
    ga_session_label: str | None  # "Eightieth session" as printed
    sc_year: int | None  # the ordinal printed ("Eightieth year" -> 80)
    sc_year_label: str | None
    agenda_kind: str | None  # "agenda item", "item of the preliminary list", ...
    agenda_items: tuple[AgendaItemRef, ...]
    title: str | None
    letter_date: date | None
    sender: Person | None
    addressees: tuple[str, ...]  # "Secretary-General", "President of the Security Council"
    signatories: tuple[str, ...]  # letter first, then annexes, in reading order
    masthead: str  # the masthead lines as printed
    body: str  # cleaned letter body, signature block included
    annexes: tuple[ParsedAnnex, ...] = ()
    claims: tuple[ParsedClaim, ...] = ()
    cited_symbols: tuple[str, ...] = ()  # canonical symbols the text cites, e.g. "A/53/560"
    text: str = field(default="", repr=False)  # the whole input, verbatim
    # Per field: confidence and the span of `text` it was read from (parsing.readings).
    readings: tuple = field(default=(), repr=False)

    def reading(self, name: str):
        """The FieldReading of field ``name``, or None."""
        return next((r for r in self.readings if r.field == name), None)
