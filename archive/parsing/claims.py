"""Rule-based extraction of incident claims from a letter's text (English, French, Spanish).

A claim is a sentence that asserts a concrete incident: an event word ("killed", "tués",
"opened fire", "explosion de mines", "groupe de sabotage") together with something that
pins it down: a date or period, a place, casualty figures, or (for an action verb) a
named perpetrator. Requests, political statements and legal arguments are skipped.

The pipeline, per text: split into sentences (keeping offsets), find event words, group
them into events (one sentence can report two incidents), then read each event's date,
place, casualty counts, victims and perpetrator from its part of the sentence.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from archive.parsing.prefilter import any_of, finds_any, first_start, requires_digit
from archive.parsing.states import find_state_mentions, fold, resolve_state, state_of_agent
from archive.parsing.types import ParsedClaim

RULES_VERSION = "rules-v1"

# --------------------------------------------------------------------------- sentences

# Words after which a period does not end a sentence ("Mr.", "a.i.", "No. 5").
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "no", "nos", "art", "arts", "para", "paras",
    "vol", "p", "pp", "e.g", "i.e", "etc", "cf", "a.i", "m", "mme", "mm", "mlle", "sr",
    "sra", "jr", "gen", "col", "lt", "capt", "maj", "sgt", "rev", "hon", "amb", "op",
    "u.s", "u.n", "s.a", "inc", "co", "ltd", "av", "vs", "approx", "fig", "sect",
}  # fmt: skip
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’»)\]]*(?=\s)")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


_LAST_WORD = re.compile(r"([\w.]+)\.+[\"'”’»)\]]*$")


def _first_nonspace(text: str, position: int) -> str:
    """``text[position:].lstrip()[:1]``, without copying the rest of the text at every full
    stop."""
    while position < len(text):
        chunk = text[position : position + 64].lstrip()
        if chunk:
            return chunk[0]
        position += 64
    return ""


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentences of ``text`` as (start, end) offsets, whitespace trimmed.

    Line breaks inside a sentence (hard-wrapped or OCR text) do not split; a blank line
    splits only when the next paragraph starts with a capital letter, since OCR of
    multi-column pages leaves blank lines in mid-sentence.
    """
    cuts: set[int] = set()
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        word = _LAST_WORD.search(text[max(0, match.start() - 12) : end])
        token = word.group(1).lower() if word else ""
        if match.group().startswith(".") and (token in _ABBREVIATIONS or len(token) == 1):
            continue
        if _first_nonspace(text, end).islower():
            continue
        cuts.add(end)
    for match in _PARAGRAPH_BREAK.finditer(text):
        if (
            text[match.end() : match.end() + 1].isupper()
            or text[match.end() : match.end() + 1] in '*"“('
        ):
            cuts.add(match.start())
    sentences = []
    start = 0
    for cut in [*sorted(cuts), len(text)]:
        chunk = text[start:cut]
        left = len(chunk) - len(chunk.lstrip())
        right = len(chunk.rstrip())
        if right > left:
            sentences.append((start + left, start + right))
        start = cut
    return sentences


# ----------------------------------------------------------------------------- numbers

_UNITS = {
    "en": "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen twenty",
    "fr": "zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize "
    "quatorze quinze seize dix-sept dix-huit dix-neuf vingt",
    "es": "cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece "
    "catorce quince dieciséis diecisiete dieciocho diecinueve veinte",
}
_TENS = {
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
    "soixante-dix": 70, "quatre-vingt": 80, "quatre-vingts": 80, "quatre-vingt-dix": 90,
    "treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70,
    "ochenta": 80, "noventa": 90,
}  # fmt: skip
_NUMBER_WORDS: dict[str, int] = {"une": 1, "a dozen": 12, "una": 1, "un": 1}
for _words in _UNITS.values():
    for _value, _word in enumerate(_words.split()):
        _NUMBER_WORDS.setdefault(_word, _value)
_NUMBER_WORDS.update(_TENS)
_HUNDREDS = {"hundred": 100, "cent": 100, "cents": 100, "cien": 100, "ciento": 100}
_NUMBER_WORD_RE = "|".join(
    sorted((re.escape(w) for w in [*_NUMBER_WORDS, *_HUNDREDS]), key=len, reverse=True)
)
# "52", "1,200", "twenty-five", "two hundred", "soixante-cinq"
NUMBER = (
    r"(?:\d{1,3}(?:[,\u00a0 ]\d{3})+|\d+|(?:(?:"
    + _NUMBER_WORD_RE
    + r")(?:[\s-]+(?:and\s+|et\s+|y\s+)?(?:"
    + _NUMBER_WORD_RE
    + r"))*))"
)


def parse_number(words: str) -> int | None:
    """The value of a number printed in digits or words ("52", "Eighty", "soixante-cinq")."""
    cleaned = fold(words.strip()).replace("\u00a0", " ")
    if re.fullmatch(r"[\d, ]+", cleaned):
        return int(re.sub(r"[, ]", "", cleaned))
    folded_words = {fold(k): v for k, v in _NUMBER_WORDS.items()}
    folded_hundreds = {fold(k): v for k, v in _HUNDREDS.items()}
    if cleaned in folded_words:
        return folded_words[cleaned]
    total, current = 0, 0
    for part in re.split(r"[\s-]+", cleaned):
        if part in {"and", "et", "y"}:
            continue
        if part in folded_hundreds:
            current = max(current, 1) * 100
        elif part in folded_words:
            current += folded_words[part]
        elif part == "vingt" or part == "vingts":
            current = current * 20 if current else 20
        else:
            return None
    total += current
    return total or None


# ------------------------------------------------------------------------------- dates

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11,
    "diciembre": 12,
}  # fmt: skip
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th|er)?"
_YEAR = r"(?P<year>(?:1[89]|20)\d\d)"
# Matched against folded (lower-case, accentless) text.
_DATE_PATTERNS = [
    (re.compile(r"\b" + _DAY + r"(?:\s+(?:and|et|y|-)\s+\d{1,2})?\s+(?:de\s+)?" + _MONTH + r"\s*,?\s+(?:de(?:l)?\s+)?" + _YEAR + r"\b"), "day"),
    (re.compile(r"\b" + _MONTH + r"\s+" + _DAY + r"\s*,\s*" + _YEAR + r"\b"), "day"),
    (re.compile(r"\b" + _MONTH + r"\s+(?:de(?:l)?\s+)?" + _YEAR + r"\b"), "month"),
    (re.compile(r"\b(?:in|en|during|pendant|durante)\s+" + _YEAR + r"\b"), "year"),
]  # fmt: skip
# A date that only identifies a document ("my letter dated 21 December 1992").
_DOCUMENT_DATE = re.compile(
    r"(?:dated|datee?s?\s+du|de\s+fecha|letter\s+of|lettre\s+du|resolution\s+\S+\s+of"
    r"|(?:statement|declaration)s?\s+of|issued\s+on)\s*(?:the\s+)?$"
)
_SINCE = re.compile(r"(?:since|depuis|desde)\s+(?:le\s+|el\s+|the\s+)?$")
_RELATIVE_DAYS = [
    (re.compile(r"\b(?:the\s+day\s+before\s+yesterday|avant-hier|anteayer)\b"), -2, "letter"),
    (re.compile(r"\b(?:yesterday|hier|ayer|last\s+night|la\s+nuit\s+derniere|anoche)\b"), -1, "letter"),
    (re.compile(r"\b(?:the\s+(?:night|day|evening)\s+before|the\s+previous\s+(?:day|night|evening)|la\s+veille|la\s+nuit\s+precedente|la\s+vispera)\b"), -1, "anchor"),
    (re.compile(r"\b(?:today|this\s+(?:morning|afternoon|evening)|tonight|aujourd'hui|ce\s+matin|cet\s+apres-midi|ce\s+soir|hoy|esta\s+(?:manana|tarde|noche))\b"), 0, "letter"),
]  # fmt: skip
_VAGUE_TIME = re.compile(
    r"\b(?:for|over|during|in)\s+the\s+(?:past|last|recent)\s+(?:few\s+|several\s+|\w+\s+)?(?:days|weeks|months|years|decades)"
    r"|\bin\s+recent\s+(?:days|weeks|months|years)|\bfor\s+(?:many\s+)?(?:years|decades)"
    r"|\bpendant\s+(?:la|les|des)\s+(?:\w+\s+)?(?:d'annees|annees|decennies|mois)"
    r"|\b(?:trentaine|vingtaine|dizaine)\s+d'annees|\bdepuis\s+(?:des|plusieurs)\s+(?:annees|decennies|mois)"
    r"|\bau\s+cours\s+des\s+(?:dernier|derniere)s\s+\w+|\bces\s+dernier(?:e)?s\s+(?:jours|semaines|mois|annees)"
    r"|\bdurante\s+(?:los|las)\s+(?:ultim[oa]s\s+)?(?:\w+\s+)?(?:anos|meses|semanas|decadas)"
)
_SCENE_SETTER = re.compile(
    r"\b(?:took\s+place|occurred|happened|a\s+eu\s+lieu|s'est\s+produit|tuvo\s+lugar|se\s+produjo)\b"
)
_LETTER_HEADING = re.compile(
    r"(?:^|\n[ \t]*\n[\s*]*)(?:letter|lettre|carta|note\s+verbale|nota\s+verbal)\s+(?:dated|datee\s+du|de\s+fecha)\s+",
)


@dataclass
class _DateMention:
    start: int  # offsets into the sentence
    end: int
    value: date | None
    precision: str  # "day", "month", "year", or "relative"
    since: bool = False
    offset_days: int = 0
    relative_to: str = ""  # "letter" or "anchor" for relative mentions
    until: date | None = None  # the last day of a range ("7-9 March 2021", "from 3 to 5 May")


# "3 March", "le 4 mars", "el 5 de marzo", "March 3": a day without its year, as chronologies
# print them under a dated heading or in a letter of the same year.
_YEARLESS_DATES = [
    re.compile(r"\b" + _DAY + r"\s+(?:de\s+)?" + _MONTH + r"\b"),
    re.compile(r"\b" + _MONTH + r"\s+" + _DAY + r"\b(?!\s*,?\s*\d)"),
]
# A year that dates a person, not an incident: "born in 1970", "né en 1970", "nacido en 1970".
_BIRTH = re.compile(r"\b(?:born|nee?s?|nacid[oa]s?)\s+(?:in|on|en|le|el)\s+(?:the\s+)?$")


def _yearless(match: re.Match, reference: date) -> date | None:
    """The day and month in the year that puts them on or before the reference date."""
    month, day = _MONTHS[match.group("month")], int(match.group("day"))
    for year in (reference.year, reference.year - 1):
        try:
            value = date(year, month, day)
        except ValueError:
            return None
        if value <= reference:
            return value
    return None


# Ranges of days: "7-9 March 2021", "from 3 to 5 May 2024", "between 1 and 4 June 2023",
# "du 3 au 5 mars 2021", "del 3 al 5 de marzo de 2021"; the year may be left to the letter.
_DAY_RANGE = re.compile(
    r"\b(?:(?:from|between|du|entre\s+le|del)\s+)?(?P<first>\d{1,2})(?:st|nd|rd|th|er)?"
    r"\s*(?:-|–|to|and|au|al|et|y)\s*(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:de\s+)?"
    + _MONTH
    + r"(?:\s*,?\s+(?:de(?:l)?\s+)?"
    + _YEAR
    + r")?\b"
)


_DATE_SCANS = [
    _DAY_RANGE,
    *(pattern for pattern, _ in _DATE_PATTERNS),
    *_YEARLESS_DATES,
    *(pattern for pattern, _, _ in _RELATIVE_DAYS),
]
# Where one of the patterns _find_dates runs could match.
_ANY_DATE = any_of(_DATE_SCANS)
# Most of them print a day or a year in digits: a sentence without a digit (most sentences)
# needs only the others ("yesterday", "today") looked for, a much shorter scan.
_DIGIT = re.compile(r"\d")
_DATES_WITHOUT_DIGITS = any_of([pattern for pattern in _DATE_SCANS if not requires_digit(pattern)])


def _find_ranges(
    folded: str, reference: date | None, taken: list, start: int = 0
) -> list[_DateMention]:
    found = []
    for match in _DAY_RANGE.finditer(folded, start):
        month = _MONTHS[match.group("month")]
        if match.group("year"):
            year = int(match.group("year"))
        elif reference:
            year = (
                reference.year
                if (month, int(match.group("day")))
                <= (
                    reference.month,
                    reference.day,
                )
                else reference.year - 1
            )
        else:
            continue
        try:
            first, last = (date(year, month, int(match.group(g))) for g in ("first", "day"))
        except ValueError:
            continue
        if not first < last:
            continue
        taken.append((match.start(), match.end()))
        found.append(_DateMention(match.start(), match.end(), first, "day", until=last))
    return found


def _find_dates(folded: str, reference: date | None = None) -> list[_DateMention]:
    """Dates in a folded sentence; a day without a year is resolved against ``reference``
    (the letter's date: "on 3 March" in a letter of 12 March 2021 is 3 March 2021)."""
    if _DIGIT.search(folded) is None and not finds_any(_DATES_WITHOUT_DIGITS, folded):
        return []
    start = first_start(_ANY_DATE, folded)
    if start is None:
        return []  # most sentences print no date: one scan instead of eleven
    taken: list[tuple[int, int]] = []
    mentions: list[_DateMention] = _find_ranges(folded, reference, taken, start)
    for pattern, precision in _DATE_PATTERNS:
        for match in pattern.finditer(folded, start):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            year = int(match.group("year"))
            month = _MONTHS.get(match.groupdict().get("month") or "", 1)
            day = int(match.groupdict().get("day") or 1)
            try:
                value = date(year, month, day)
            except ValueError:
                continue
            taken.append((match.start(), match.end()))
            before = folded[max(0, match.start() - 40) : match.start()]
            if _DOCUMENT_DATE.search(before) or _BIRTH.search(before):
                continue
            mentions.append(
                _DateMention(
                    match.start(), match.end(), value, precision, since=bool(_SINCE.search(before))
                )
            )
    for pattern in _YEARLESS_DATES if reference else ():
        for match in pattern.finditer(folded, start):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            value = _yearless(match, reference)
            if value is None:
                continue
            taken.append((match.start(), match.end()))
            before = folded[max(0, match.start() - 40) : match.start()]
            if _DOCUMENT_DATE.search(before):
                continue
            mentions.append(
                _DateMention(
                    match.start(), match.end(), value, "day", since=bool(_SINCE.search(before))
                )
            )
    for pattern, offset, relative_to in _RELATIVE_DAYS:
        for match in pattern.finditer(folded, start):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            taken.append((match.start(), match.end()))
            mentions.append(
                _DateMention(
                    match.start(),
                    match.end(),
                    None,
                    "relative",
                    offset_days=offset,
                    relative_to=relative_to,
                )
            )
    return sorted(mentions, key=lambda mention: mention.start)


def _reference_dates(folded: str, letter_date: date | None) -> list[tuple[int, date]]:
    """(offset, date) pairs in a folded text: from each "Letter dated ..." heading on, its
    date is "today".

    A whole file holds the covering letter and annexed letters with their own dates;
    "since 10 November 2020" in an annexed letter runs to that letter's date.
    """
    references: list[tuple[int, date]] = [(0, letter_date)] if letter_date else []
    for heading in _LETTER_HEADING.finditer(folded):
        found = _find_dates(folded[heading.end() : heading.end() + 40])
        if found and found[0].start == 0 and found[0].value and found[0].precision == "day":
            references.append((heading.start(), found[0].value))
    return references


# ------------------------------------------------------------------------------ events


@dataclass(frozen=True)
class _Trigger:
    pattern: re.Pattern[str]
    kind: str
    role: str  # "cause", "killed" or "injured"
    verbal: bool  # a finite action verb ("opened fire"), not a noun ("attacks")
    rank: int  # the most specific cause names the event's kind (lower wins)


def _triggers(spec: list[tuple[str, str, str, bool, int]]) -> list[_Trigger]:
    return [
        _Trigger(re.compile(p), kind, role, verbal, rank) for p, kind, role, verbal, rank in spec
    ]


_AUX_EN = r"(?:has|have|had|was|were|is|are)\s+(?:\w+\s+){0,2}"
_AUX_FR = r"(?:a|ont|avait|avaient|aurait|auraient)\s+(?:\w+\s+){0,2}"

# Patterns run on folded text (lower case, no accents).
_TRIGGERS = {
    "en": _triggers([
        (r"\b(?:land)?mines?\s+(?:\w+\s+){0,2}(?:explo\w+|blast\w*|detonat\w+)|\bexplo\w+\s+of\s+(?:an?\s+)?(?:land)?mines?\b|\bstepp\w+\s+on\s+(?:an?\s+)?(?:land)?mine", "mine explosion", "cause", True, 0),
        (r"\b(?:laid|planted)\s+(?:\w+\s+){0,3}(?:land)?mines\b", "mine laying", "cause", True, 1),
        (r"\battempt(?:ed|s)?\s+to\s+bomb\b|\battempted\s+bombing", "attempted bombing", "cause", False, 2),
        (r"\bbooby-?\s*trapped\b|\bcar\s+bomb|\bbomb(?:ing|ings|ed|s)?\b|\bexplosion\b|\bexploded\b|\bblew\s+up\b|\bsuicide\s+attack", "bombing", "cause", True, 3),
        (r"\bdrone\s+(?:strike|attack)s?\b|\bunmanned\s+aerial\s+vehicle", "drone strike", "cause", True, 4),
        (r"\bair\s*(?:strike|raid)s?\b|\bmissile\s+(?:strike|attack)s?\b", "air strike", "cause", True, 5),
        (r"\bshell(?:ing|ed)\b|\bartillery\s+(?:fire|shells?|rounds?)\b|\bmortar\s+(?:fire|shells?|rounds?)\b|\brocket\s+(?:fire|attacks?)\b", "shelling", "cause", True, 6),
        (r"\bviolat\w+\s+(?:of\s+)?the\s+cease-?\s*fire\b|\bcease-?\s*fire\s+violations?\b", "ceasefire violation", "cause", True, 13),
        (r"\bshot\s+(?:dead|and\s+killed)\b", "shooting", "killed", True, 7),
        (r"\bopened\s+fire\b|\bfired\s+(?:at|on|upon)\b|\bshot\b|\bshooting\b|\bgunfire\b|\bsniper\s+fire\b|\blive\s+ammunition\b|\bbullets?\b", "shooting", "cause", True, 7),
        (r"\bsabotage(?:\s+(?:group|team|unit))?\b", "sabotage", "cause", True, 8),
        (r"\bhostages?\b|\babduct(?:ed|ion)\b|\bkidnapp(?:ed|ing)\b", "hostage-taking", "cause", True, 9),
        (r"\bdeport(?:ation|ations|ed)\b|\bexpell?(?:ed|ion)\b", "deportation", "cause", False, 10),
        (r"\bdemoli(?:shed|tion)\b", "demolition", "cause", False, 11),
        (r"\battack(?:s|ed)?\b|\braid(?:s|ed)?\b|\bincursions?\b|\bambush(?:ed)?\b|\bassassinations?\b", "attack", "cause", False, 12),
        (r"\bkill(?:ed|ing|ings)\b|\bmurder(?:ed)?\b|\blost\s+their\s+lives\b|\bshot\s+dead\b|\bdied\b", "killing", "killed", True, 20),
        (r"\bwound(?:ed|ing)\b|\binjur(?:ed|ing|ies)\b", "wounding", "injured", True, 21),
        (r"(?s)\bsettlement\b.{0,60}\b(?:construction|housing\s+units)\b|\b(?:construction|building)\s+of\s+.{0,40}\b(?:housing\s+units|settlement)|\bresumed\s+work\s+at\s+.{0,30}settlement", "settlement construction", "cause", True, 30),
    ]),
    "fr": _triggers([
        (r"\bexplosions?\s+(?:de|d'une|d'un|des)\s+mines?\b|\bmines?\s+(?:\w+\s+){0,2}(?:ont|a)\s+explose|\bsaute\w*\s+sur\s+une\s+mine", "mine explosion", "cause", True, 0),
        (r"\b" + _AUX_FR + r"pose\s+(?:\w+\s+){0,2}mines\b|\b" + _AUX_FR + r"mine\b", "mine laying", "cause", True, 1),
        (r"\btentative\s+d'attentat|\btente\s+de\s+faire\s+exploser", "attempted bombing", "cause", False, 2),
        (r"\bpiege(?:e|s|es)?\b|\bvoiture\s+piegee|\battentat\s+a\s+la\s+bombe|\bbombes?\b|\bexplosion\b|\ba\s+explose\b|\battentat-suicide", "bombing", "cause", True, 3),
        (r"\b(?:frappes?|attaques?)\s+(?:de|par)\s+drones?\b|\bdrone\b", "drone strike", "cause", True, 4),
        (r"\bfrappes?\s+aeriennes?\b|\braids?\s+aeriens?\b|\bfrappes?\s+de\s+missiles?", "air strike", "cause", True, 5),
        (r"\bbombardements?\b|\bbombarde\w*\b|\bpilonn\w+|\btirs?\s+d'artillerie|\bobus\b|\btirs?\s+de\s+roquettes", "shelling", "cause", True, 6),
        (r"\bouvert\s+le\s+feu\b|\bfait\s+feu\b|\btire\s+sur\b|\babattu(?:e|s|es)?\b|\bfusillade\b|\bballes\s+reelles\b|\bcoups\s+de\s+feu\b", "shooting", "cause", True, 7),
        (r"\bgroupes?\s+de\s+sabotage\b|\bsabotage\b", "sabotage", "cause", True, 8),
        (r"\bviol\w+\s+(?:du\s+|le\s+)?cessez-le-feu\b", "ceasefire violation", "cause", True, 13),
        (r"\botages?\b|\benlev(?:e|es|ement)\b", "hostage-taking", "cause", True, 9),
        (r"\bdeport(?:ation|ations|e|es)\b", "deportation", "cause", False, 10),
        (r"\bdemoli(?:tion|e|es)\b", "demolition", "cause", False, 11),
        (r"\battaques?\b|\battaque\b|\battentats?\b|\bincursions?\b|\bembuscade\b|\bassassinats?\b", "attack", "cause", False, 12),
        (r"\btue(?:e|s|es)?\b|\bmorts?\b|\bont\s+peri\b|\bont\s+perdu\s+la\s+vie\b|\bassassine(?:e|s|es)?\b", "killing", "killed", True, 20),
        (r"\bblesse(?:e|s|es)?\b|\bblessures?\b", "wounding", "injured", True, 21),
    ]),
    "es": _triggers([
        (r"\bexplosion(?:es)?\s+de\s+(?:una\s+)?minas?\b|\bminas?\s+(?:\w+\s+){0,2}explot", "mine explosion", "cause", True, 0),
        (r"\bcoche\s+bomba|\bbombas?\b|\bexplosion\b|\bexplosivo\s+improvisado", "bombing", "cause", True, 3),
        (r"\bataques?\s+con\s+drones?|\bdrones?\b", "drone strike", "cause", True, 4),
        (r"\bbombarde(?:o|os|ado|aron)\b|\bfuego\s+de\s+artilleria|\bcohetes\b", "shelling", "cause", True, 6),
        (r"\babri\w+\s+fuego\b|\bdispar\w+\b|\bbalas?\b|\btiroteo\b", "shooting", "cause", True, 7),
        (r"\bgrupos?\s+de\s+sabotaje\b|\bsabotaje\b", "sabotage", "cause", True, 8),
        (r"\bviola\w+\s+(?:del\s+|el\s+)?alto\s+el\s+fuego\b", "ceasefire violation", "cause", True, 13),
        (r"\brehenes\b|\bsecuestr\w+\b", "hostage-taking", "cause", True, 9),
        (r"\bdeport\w+\b", "deportation", "cause", False, 10),
        (r"\bataques?\b|\batacad[oa]s?\b|\bincursion(?:es)?\b|\bemboscada\b|\batentados?\b", "attack", "cause", False, 12),
        (r"\bmuert[oa]s?\b|\basesinad[oa]s?\b|\bperdieron\s+la\s+vida\b|\bmat(?:aron|o|ado|ando)\b", "killing", "killed", True, 20),
        (r"\bherid[oa]s?\b|\blesionad[oa]s?\b", "wounding", "injured", True, 21),
    ]),
}  # fmt: skip
_BORDERLINE_KINDS = {"settlement construction", "demolition"}

# Requests, appeals and obligations: not reports of an incident.
_NORMATIVE = re.compile(
    r"\b(?:should|must|ought\s+to|urge[sd]?|call(?:s|ed)?\s+(?:up)?on|request(?:s|ed)?\s+(?:that|you)|demand(?:s|ed|ing)?\s+that"
    r"|devrai(?:t|ent)|doi(?:t|vent)\s|il\s+faut|il\s+est\s+(?:absolument\s+)?(?:necessaire|indispensable)|demande\s+instamment"
    r"|exhort\w+|deberi\w+|debe[n]?\s|insta\w*\s+a)\b"
)

# Victim nouns a count can stand in front of ("52 unarmed Palestinian civilians").
_VICTIM_NOUN = (
    r"(?:people|persons?|civilians?|citizens|children|child|women|woman|men|man|boys?|girls?|soldiers?|servicem[ae]n"
    r"|members|brothers|sisters|students|farmers|workers|villagers|residents|inhabitants|individuals|demonstrators"
    r"|protesters|refugees|journalists|officers|policem[ae]n|troops|personnel|victims|others|[a-z]+(?:ians|ans|is|ese)"
    r"|personnes|civils|citoyens|enfants|femmes|hommes|militaires|soldats|habitants|membres|freres|agriculteurs"
    r"|ouvriers|journalistes|victimes|refugies|autres|[a-z]+(?:ais|iens|ens)"
    r"|personas|civiles|ciudadanos|ninos|mujeres|hombres|soldados|militares|habitantes|victimas|otros|otras)"
)
_LOWER_BOUND = r"(?P<bound>at\s+least|no\s+fewer\s+than|not\s+less\s+than|more\s+than|over|au\s+moins|plus\s+de|al\s+menos|mas\s+de)?\s*"
_COUNT = re.compile(
    r"(?<![\w/.-])"
    + _LOWER_BOUND
    + r"(?P<number>"
    + NUMBER
    + r")(?P<noun>(?:\s+[\w'-]+){0,3}?\s+"
    + _VICTIM_NOUN
    + r")\b"
)
_CIVILIAN_SUBCOUNT = re.compile(
    r"(?:\s+[\w'-]+){0,2}?[\s,]*(?:\(\s*)?(?:of\s+whom|of\s+them|including|among\s+them|dont|parmi\s+(?:eux|lesquels)|de\s+(?:ellos|los\s+cuales)|entre\s+ellos)\s+(?:at\s+least\s+|au\s+moins\s+)?(?P<number>"
    + NUMBER
    + r")\s+(?:\w+\s+)?(?:civilians?|civils?|civiles?)\b"
)
_SUBCOUNT_BEFORE = re.compile(
    r"(?:of\s+whom|of\s+them|including|among\s+them|dont|parmi\s+(?:eux|lesquels)|de\s+(?:ellos|los\s+cuales)|entre\s+ellos)\s+(?:at\s+least\s+|au\s+moins\s+)?$"
)
_PASSIVE_BEFORE = re.compile(
    r"\b(?:was|were|been|is|are|ete|etaient|fueron|fue|sido)\s+(?:\w+\s+){0,2}$"
)
_CIVILIAN_NOUN = re.compile(r"\b(?:civilians?|civils?|civiles?)\b")
_SINGULAR_PASSIVE = re.compile(r"\b(?:was|has\s+been|a\s+ete|est|fue|ha\s+sido)\s+(?:\w+\s+){0,2}$")
_NAMED_WHO = re.compile(
    r"([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*),?\s+(?:who|qui|que)\s+(?:had|avait|habia)\s+(?:\w+\s+){0,2}$"
)
_TITLED_NAME = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|M|Mme|Sr|Sra)\.?\s+[A-Z][\w'’-]+(?:\s+(?:[A-Z][\w'’-]+|al-\w+|el-\w+|bin|ibn))*"
)

# Perpetrators: agent nouns after "by"/"par"/"por", or before an action verb.
_AGENT_NOUN = (
    r"(?:forces\s+armees|fuerzas\s+armadas|groupes?\s+armes?|army|armed\s+forces|forces|soldiers|troops|military|settlers|terrorists|police|border\s+police|militia|militias"
    r"|gunmen|aircraft|helicopters|drones|units?|group|authorities|Government|regime|occupying\s+Power"
    r"|forces\s+armees|armee|soldats|troupes|militaires|colons|terroristes|milices?|groupes?\s+armes?|autorites|gouvernement|regime"
    r"|ejercito|fuerzas(?:\s+armadas)?|soldados|tropas|colonos|terroristas|milicias?|gobierno|regimen)"
)
_AGENT_PHRASE = re.compile(
    r"\b(?:by|par|por)\s+(?:the\s+|l'|la\s+|le\s+|les\s+|el\s+|los\s+|las\s+)?"
    r"(?P<agent>(?:[\w'-]+\s+){0,2}?"
    + _AGENT_NOUN
    + r"(?:\s+(?:of|de|d'|du)\s+[\w'-]+)?|[A-Z]{2,6}\b(?:\s+"
    + _AGENT_NOUN
    + r")?)",
)
_PRONOUN_SUBJECT = re.compile(
    r"\b(?:it|elle|il|ella)\s+(?:[\w']+\s+){0,8}$",
)

_CLAUSE_BREAK = re.compile(r",\s+(?:and|et|y|but|mais|pero)\s+|;\s*|\s:\s")
_PLUPERFECT = re.compile(r"\b(?:had\s+been|avait\s+ete|avaient\s+ete|habia\s+sido)\s+(?:\w+\s+)?$")

_PLACE_EN = re.compile(
    r"\b(?:in|at|near|outside|inside)\s+(?:the\s+)?(?P<place>(?:(?:al-|el-)?[A-Z][\w'’-]+|of|al-\w+|el-\w+|de)(?:\s+(?:(?:al-|el-)?[A-Z][\w'’-]+|al-\w+|el-\w+|area|district|region|camp|village|city|town|governorate|province|Strip|sector|refugee\s+camp))*)"
)
_PLACE_OF_EN = re.compile(
    r"\b(?:village|town|city|district|region|camp|governorate|province|area)\s+of\s+(?P<place>(?:al-|el-)?[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*)"
)
_PLACE_FR = re.compile(
    r"\b(?:dans|sur|pres\s+de|aux\s+abords\s+de)\s+(?:les\s+|le\s+|la\s+|l')?(?P<place>(?:territoires?|region|district|ville|village|camp|zone|localite|secteur|departement|province|quartier)(?:\s+[\w'-]+){0,4}?)(?=\s*(?:[,.;:(]|$|\s(?:par|et|ou|un|une|des|qui|depuis|le|la|les)\s))"
    r"|\b(?:a|en)\s+(?P<named>[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)*)"
)
_NOT_PLACES = re.compile(
    r"^(?:"
    + _MONTH
    + r"|the|this|that|accordance|addition|particular|view|order|violation|respect|United\s+Nations|General|Security|Council|Secretary|Your|My|His|Her|Annex|Article|Paragraph|Resolution|Part|Chapter|Section|New\s+York|Geneva|Cairo)\b",
    re.IGNORECASE,
)


@dataclass
class _Event:
    triggers: list[tuple[int, int, _Trigger]] = field(default_factory=list)
    start: int = 0  # offsets into the sentence: the event's share of it
    end: int = 0


def _trigger_table(triggers: list[_Trigger]) -> tuple[list[_Trigger], tuple[re.Pattern[str], ...]]:
    return triggers, any_of([trigger.pattern for trigger in triggers])


# Per language: its triggers, and where one of them could match. A text in another
# language is read with every language's triggers.
_TRIGGER_TABLES = {language: _trigger_table(table) for language, table in _TRIGGERS.items()}
_ALL_TRIGGERS = _trigger_table([t for table in _TRIGGERS.values() for t in table])


def _find_triggers(folded: str, language: str) -> list[tuple[int, int, _Trigger]]:
    table, anything = _TRIGGER_TABLES.get(language) or _ALL_TRIGGERS
    start = first_start(anything, folded)
    if start is None:
        return []  # most sentences hold no event word: one scan instead of one per trigger
    found: list[tuple[int, int, _Trigger]] = []
    for trigger in table:
        for match in trigger.pattern.finditer(folded, start):
            overlapping = [f for f in found if f[0] < match.end() and match.start() < f[1]]
            if overlapping:
                continue
            found.append((match.start(), match.end(), trigger))
    return sorted(found, key=lambda item: item[0])


def _group_events(sentence: str, folded: str, triggers, dates) -> list[_Event]:
    """Split one sentence's triggers into incidents.

    A new incident starts when a casualty word repeats ("seven ... killed ..., two ...
    were killed"), after a date that closed the previous incident, or at a pluperfect
    clause ("who had been shot dead the night before").
    """
    events: list[_Event] = []
    for start, end, trigger in triggers:
        current = events[-1] if events else None
        new = current is None
        if current is not None:
            last_end = current.triggers[-1][1]
            closing_date = any(
                last_end <= d.start < start and d.precision != "relative" and not d.since
                for d in dates
            )
            repeated = trigger.role != "cause" and any(
                t.role == trigger.role for _, _, t in current.triggers
            )
            pluperfect = (
                trigger.role != "cause"
                and bool(_PLUPERFECT.search(folded[:start]))
                and not any(_PLUPERFECT.search(folded[:s]) for s, _, _ in current.triggers)
            )
            new = closing_date or repeated or pluperfect
            if new:
                boundary = _boundary_between(folded, last_end, start, dates, closing_date)
                current.end = boundary
        if new:
            events.append(
                _Event(triggers=[(start, end, trigger)], start=events[-1].end if events else 0)
            )
        else:
            current.triggers.append((start, end, trigger))
    if events:
        events[-1].end = len(sentence)
    return events


def _boundary_between(folded: str, left: int, right: int, dates, closing_date: bool) -> int:
    if closing_date:
        closing = [d for d in dates if left <= d.start < right and d.precision != "relative"]
        after = closing[0].end
        comma = folded.find(",", after, right)
        return comma + 1 if comma != -1 else after
    comma = folded.rfind(",", left, right)
    return comma + 1 if comma != -1 else left


def _clause_span(folded: str, position: int) -> tuple[int, int]:
    start, end = 0, len(folded)
    for match in _CLAUSE_BREAK.finditer(folded):
        if match.end() <= position:
            start = match.end()
        elif match.start() >= position:
            end = match.start()
            break
    return start, end


# ---------------------------------------------------------------------- the extractor


@dataclass
class _Context:
    claimant: str | None
    language: str
    previous_accused: str | None = None
    previous_accused_sentence: int = -10
    previous_sentence_date: date | None = None
    scene_date: date | None = None  # a "On 25 February 1990, ... took place." sentence


def extract_claims(
    text: str,
    *,
    section: int,
    language: str,
    claimant: str | None,
    letter_date: date | None,
) -> list[ParsedClaim]:
    """Incident claims asserted in ``text`` (a letter body, an annex, or a whole file).

    ``claimant`` is the English short name of the sending state; ``letter_date`` is the
    date of the letter ``text`` belongs to, against which "yesterday", "today" and the
    open end of "since 10 November 2020" are resolved (a "Letter dated ..." heading inside
    ``text`` takes over from there on). Each claim's quote is its sentence, verbatim:
    ``text[claim.quote_start:claim.quote_end]``.
    """
    language = (language or "").lower()[:2]
    claimant_state = resolve_state(claimant) if claimant else None
    # Folded once: folding keeps one character per character, so a sentence's folded text
    # is its slice of the whole.
    folded_text = fold(text)
    references = _reference_dates(folded_text, letter_date)
    state_mentions = find_state_mentions(text, folded_text)
    context = _Context(claimant=claimant, language=language)
    claims: list[ParsedClaim] = []
    for index, (start, end) in enumerate(split_sentences(text)):
        sentence = text[start:end]
        folded = folded_text[start:end]
        reference = next((d for offset, d in reversed(references) if offset <= start), None)
        dates = _find_dates(folded, reference)
        triggers = _find_triggers(folded, language)
        day_dates = [d for d in dates if d.value and d.precision == "day" and not d.since]
        if not triggers:
            if day_dates and _SCENE_SETTER.search(folded) and len(folded) < 200:
                context.scene_date = day_dates[-1].value
            else:
                context.scene_date = None
            context.previous_sentence_date = day_dates[-1].value if day_dates else None
            continue
        mentions = [(s - start, e - start, st) for s, e, st in state_mentions if start <= s < end]
        earlier_states = [st for s, _, st in state_mentions if s < start]
        for event in _group_events(sentence, folded, triggers, dates):
            claim = _read_event(
                event, sentence, folded, dates, mentions, earlier_states, claimant_state,
                reference, context, index,
            )  # fmt: skip
            if claim is None:
                continue
            accused_state = state_of_agent(claim["accused"])
            claims.append(
                ParsedClaim(
                    section=section,
                    quote_start=start,
                    quote_end=end,
                    quote=sentence,
                    accused_state=accused_state.short_en if accused_state else None,
                    **claim,
                )
            )
            if claim["accused"]:
                context.previous_accused = claim["accused"]
                context.previous_accused_sentence = index
        context.scene_date = None
        context.previous_sentence_date = (
            day_dates[-1].value if day_dates else context.previous_sentence_date
        )
    return claims


def _read_event(
    event,
    sentence,
    folded,
    dates,
    mentions,
    earlier_states,
    claimant_state,
    reference,
    context,
    index,
):
    """The fields of one incident, or None when the sentence does not pin it down."""
    span = folded[event.start : event.end]
    # Numbers inside dates ("2 May 2024 at least 14 people") are not casualty counts.
    masked = folded
    for mention in dates:
        masked = (
            masked[: mention.start] + "§" * (mention.end - mention.start) + masked[mention.end :]
        )
    triggers = event.triggers
    first, last = triggers[0][0], triggers[-1][1]
    cause = min((t for _, _, t in triggers), key=lambda t: t.rank)
    kind = cause.kind

    # Time: the event's own date, else a scene-setting sentence's date.
    clause_start, clause_end = _clause_span(folded, first)
    own_dates = [
        d for d in dates
        if event.start <= d.start < event.end
        and (d.precision != "relative" or clause_start <= d.start < max(clause_end, last))
    ]  # fmt: skip
    event_date = period_start = period_end = None
    precision = "day"
    vague = bool(_VAGUE_TIME.search(span))
    anchor = next((d.value for d in reversed(dates) if d.value and d.end <= first), None)
    anchor = anchor or context.scene_date or context.previous_sentence_date
    for mention in own_dates:
        if mention.since and mention.value:
            period_start, period_end = mention.value, reference
            precision = mention.precision
            break
        if mention.value and mention.until:
            period_start, period_end, precision = mention.value, mention.until, "day"
            break
        if mention.value:
            event_date, precision = mention.value, mention.precision
            break
        base = anchor if mention.relative_to == "anchor" and anchor else reference
        if base:
            event_date, precision = base + timedelta(days=mention.offset_days), "day"
            break
    if event_date is None and period_start is None and context.scene_date and not vague:
        event_date = context.scene_date

    # Casualties, per casualty word.
    counts: dict[str, tuple[int | None, int | None, str | None]] = {}
    previous_end = event.start
    for start, end, trigger in triggers:
        if trigger.role in ("killed", "injured") and trigger.role not in counts:
            counts[trigger.role] = _casualties(
                sentence, masked, previous_end, start, end, event.end
            )
        if trigger.role != "cause":
            previous_end = end
    killed, killed_civilians, killed_victims = counts.get("killed", (None, None, None))
    injured, injured_civilians, injured_victims = counts.get("injured", (None, None, None))
    victims = "; ".join(dict.fromkeys(v for v in (killed_victims, injured_victims) if v)) or None
    if victims is None:
        victims = _object_victims(sentence, triggers, event.end)

    place = _place(sentence, folded, event.start, event.end, context.language)
    accused, explicit = _accused(
        sentence, folded, event, mentions, earlier_states, claimant_state, context, index
    )

    has_time = event_date is not None or period_start is not None
    has_count = killed is not None or injured is not None
    attributes = sum([has_time, place is not None, has_count, explicit])
    verbal = any(t.verbal and t.role == "cause" for _, _, t in triggers) or any(
        t.role != "cause" for _, _, t in triggers
    )
    # A noun alone ("a campaign of assassination ... in Judea") is a characterisation
    # unless it is dated or counted; an action verb may stand with its place or author.
    if verbal:
        concrete = has_time or has_count or place is not None or explicit or vague
    else:
        concrete = has_time or has_count or vague
    if not concrete:
        return None
    if _NORMATIVE.search(folded) and not (has_count or (event_date and precision == "day")):
        return None
    confident = attributes >= 2 and not vague and kind not in _BORDERLINE_KINDS
    rule = (
        "casualties" if has_count else "dated" if has_time else "place" if place else "perpetrator"
    )
    return {
        "kind": kind,
        "claimant": context.claimant,
        "accused": accused,
        "date": event_date,
        "period_start": period_start,
        "period_end": period_end,
        "date_precision": precision,
        "place": place,
        "killed": killed,
        "killed_civilians": killed_civilians,
        "injured": injured,
        "injured_civilians": injured_civilians,
        "victims": victims,
        "confidence": "clear" if confident else "borderline",
        "found_by": f"{RULES_VERSION}:{rule}",
    }


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" ,;:")


def _casualties(sentence, folded, window_start, start, end, event_end):
    """(count, civilians among them, victims as printed) for the casualty word at start:end."""
    passive = _PASSIVE_BEFORE.search(folded[max(0, start - 40) : start])
    gap = re.match(r"\s*(?:(?:of|oi|o|de|d'|des|du|a)\s+)?", folded[end:]).group()
    after = None if passive else _COUNT.match(folded, end + len(gap))
    if after:
        return _count_from(sentence, folded, after)
    candidates = [
        m for m in _COUNT.finditer(folded, window_start, start)
        if not _SUBCOUNT_BEFORE.search(folded[max(0, m.start() - 25) : m.start()])
    ]  # fmt: skip
    if candidates:
        return _count_from(sentence, folded, candidates[-1])
    before = folded[max(window_start, start - 40) : start]
    named = _NAMED_WHO.search(sentence[max(0, start - 80) : start])
    if named:
        return 1, None, _collapse(named.group(1))
    if _SINGULAR_PASSIVE.search(before):
        titled = list(_TITLED_NAME.finditer(sentence, window_start, start))
        return 1, None, _collapse(titled[-1].group()) if titled else None
    return None, None, None


def _count_from(sentence, folded, match):
    value = parse_number(match.group("number"))
    if value is None:
        return None, None, None
    if fold(match.group("bound") or "").strip() in {"more than", "over", "plus de", "mas de"}:
        value += 1
    civilians = value if _CIVILIAN_NOUN.search(match.group("noun")) else None
    sub = _CIVILIAN_SUBCOUNT.match(folded, match.end())
    end = match.end()
    if sub:
        civilians = parse_number(sub.group("number"))
        end = sub.end()
    return value, civilians, _collapse(sentence[match.start() : end])


def _object_victims(sentence, triggers, event_end):
    """ "deportation of Palestinian civilians", "attempt to bomb an Israeli bus"."""
    _, end, _ = triggers[0]
    match = re.match(
        r"\s+(?:of\s+|d'|de\s+|an?\s+|the\s+)?((?:an?\s+)?[\w'’-]+(?:\s+[\w'’-]+){0,3}?)(?=\s+(?:on|in|at|by|le|en|par|dans|du|from)\b|[,.;]|$)",
        sentence[end:event_end],
    )
    if match and re.search(r"[A-Z]\w+|civilians|civils|people|personnes|bus", match.group(1)):
        return _collapse(match.group(1))
    return None


def _place(sentence, folded, start, end, language):
    if language == "fr":
        for match in _PLACE_FR.finditer(sentence[start:end]):
            if match.group("place"):
                return _collapse(match.group("place"))
            named = match.group("named")
            if named and not _NOT_PLACES.match(named) and not resolve_state(named):
                return _collapse(named)
        return None
    matches = [
        *_PLACE_EN.finditer(sentence[start:end]),
        *_PLACE_OF_EN.finditer(sentence[start:end]),
    ]
    for match in sorted(matches, key=lambda m: m.start()):
        place = match.group("place")
        place = re.sub(r"(?:\s+(?:of|de))+$", "", place)
        if not place[:1].isupper() or _NOT_PLACES.match(place):
            continue
        return _collapse(place)
    return None


class _AccentlessTable(dict):
    """str.translate table built as characters are met: each maps to its first character
    once decomposed (the letter without its accents)."""

    def __missing__(self, code: int) -> str:
        self[code] = unicodedata.normalize("NFD", chr(code))[0]
        return self[code]


_ACCENTLESS = _AccentlessTable()


def _strip_accents(text: str) -> str:
    """``text`` without accents, case and length kept (so offsets still index ``text``)."""
    return text.translate(_ACCENTLESS)


_FORCE_BY_NATIONALITY = re.compile(
    r"\b(?:(?:les|des|la|l'|las|los|el)\s*)?(?:forces\s+arm[ée]es|forces|arm[ée]e|soldats|militaires"
    r"|troupes|tirs(?:\s+d'artillerie)?|obus|fuerzas\s+armadas|fuerzas|ej[ée]rcito|soldados"
    r"|militares|tropas|disparos)\s+[A-Za-zÀ-ÿ'-]+",
    re.IGNORECASE,
)


def _is_claimants(agent: str, claimant_state) -> bool:
    """ "the Azerbaijani army" in a letter from Azerbaijan is the victim's side, not the
    perpetrator: a state is not accused in its own letter."""
    state = state_of_agent(agent)
    return state is not None and state == claimant_state


def _accused(sentence, folded, event, mentions, earlier_states, claimant_state, context, index):
    """(perpetrator as the letter names it, whether this sentence names it)."""
    start, end = event.start, event.end
    first = event.triggers[0][0]
    # "killed by Israeli soldiers", "par l'Arménie"
    plain = _strip_accents(sentence)
    for match in _AGENT_PHRASE.finditer(plain, start, end):
        if match.start() < first - 5:
            continue
        agent = sentence[match.start("agent") : match.end("agent")]
        state = next(
            (
                st
                for s, _, st in mentions
                if s == match.start("agent") or s == match.start("agent") + 2
            ),
            None,
        )
        if agent.isupper() or re.search(_AGENT_NOUN, fold(agent)):
            return _collapse(re.sub(r"^(?:the|l'|la|le|les)\s*", "", agent, flags=re.I)), True
        if state is not None:
            return state.short_en, True
    # "par l'Arménie" / "by Israel": a state right after the preposition.
    for s, _, state in mentions:
        if (
            start <= s < end
            and s > first
            and re.search(
                r"\b(?:by|par|por)\s+(?:the\s+|l'|la\s+|le\s+)?$", folded[max(0, s - 12) : s]
            )
        ):
            return state.short_en, True
    # Subject before the action: "The Israeli army opened fire", "l'Arménie y a posé",
    # "Israel's mass deportation", "Israel announced".
    clause_start, _ = _clause_span(folded, first)
    lead = sentence[max(start, clause_start) : first]
    subject = re.search(
        r"(?:^|[\s,])(?:the\s+|The\s+)?((?:[A-Z][\w'-]+\s+){1,2}"
        + r"(?:armed\s+)?(?:army|forces|soldiers|troops|military|settlers|terrorists|police|militia)|[A-Z]{2,6})\s+(?:\w+\s+){0,3}$",
        lead,
    )
    if subject and not _is_claimants(subject.group(1), claimant_state):
        return _collapse(subject.group(1)), True
    # "a Russian drone strike", "Israeli air strikes": the nationality just before the act.
    adjective = re.search(r"([A-Z][\w'’-]+)\s+$", lead)
    if (
        adjective
        and state_of_agent(adjective.group(1))
        and not _is_claimants(adjective.group(1), claimant_state)
    ):
        trigger_word = sentence[first:].split()[0] if sentence[first:].split() else ""
        return _collapse(f"{adjective.group(1)} {trigger_word}"), True
    # "les forces armées arméniennes", "des tirs d'artillerie arméniens", "las fuerzas
    # israelíes", "soldados israelíes": a force named by its nationality, after the noun.
    for match in _FORCE_BY_NATIONALITY.finditer(sentence, start, end):
        if not _is_claimants(match.group(0), claimant_state) and state_of_agent(match.group(0)):
            return _collapse(match.group(0)), True
    subject_states = [
        (s, st) for s, e, st in mentions
        if max(start, clause_start) <= s < first and re.match(r"^(?:'s|’s)?\s+(?:\w+\s+){0,4}$|^,?\s+[^,]*,\s*(?:\w+\s+){0,3}$|^\s+y\s+", sentence[e:first])
        and st != claimant_state
    ]  # fmt: skip
    if subject_states:
        return subject_states[-1][1].short_en, True
    # "elle a déployé", "it has deployed": the last state named before, not the claimant.
    if _PRONOUN_SUBJECT.search(folded[max(start, clause_start) : first]):
        before = [st for s, _, st in mentions if s < first] or []
        for state in reversed([*earlier_states, *before]):
            if state != claimant_state:
                return state.short_en, True
    # Nothing in the sentence: the perpetrator of the incident just reported, else the
    # last other state named earlier in this sentence.
    if context.previous_accused and index - context.previous_accused_sentence <= 3:
        return context.previous_accused, False
    before = [st for s, _, st in mentions if s < first and st != claimant_state]
    if before:
        return before[-1].short_en, False
    return None, False
