"""States as letters name them: UN names in four languages, aliases, UN status.

The data is fixtures/member_states.json, generated once by scripts/make_member_states.py;
nothing here needs pycountry. Lookups ignore case, accents, leading articles ("the",
"l'", "la", "el") and a possessive "'s", so "l'Azerbaïdjan", "the Russian Federation",
"España" and "Israel's" all resolve.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import accumulate, compress, count
from pathlib import Path

STATES_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "member_states.json"

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
_LEADING_ARTICLE = re.compile(r"^(?:the|l'|la|le|les|el|los|las|de la|de l'|du|des)\s*", re.I)
_POSSESSIVE = re.compile(r"'s?$")


@dataclass(frozen=True)
class State:
    iso3: str  # ISO 3166-1 alpha-3; ISO 3166-3 codes ("SUN") for former states
    name_en: str  # UN short name: "Iran (Islamic Republic of)", "State of Palestine"
    name_fr: str
    name_es: str
    name_ru: str
    aliases: tuple[str, ...]  # official, common and former names in any language
    un_status: str  # "member", "observer" or "other"
    short_en: str  # name for running English text: "Iran", "Palestine", "United States"

    @property
    def names(self) -> tuple[str, ...]:
        """Every name of the state: the four UN names, the short name and the aliases."""
        return (
            self.name_en,
            self.name_fr,
            self.name_es,
            self.name_ru,
            self.short_en,
            *self.aliases,
        )


class _FoldTable(dict):
    """str.translate table built as characters are met: each maps to one character."""

    def __missing__(self, code: int) -> str:
        char = chr(code).translate(_APOSTROPHES)
        base = unicodedata.normalize("NFD", char)[0].lower()
        folded = base[0] if base else char
        self[code] = folded
        return folded


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Lower-case ``text`` and strip its accents, one output character per input character.

    Keeping the length lets a match in the folded text index the original text. (A
    translate table, filled once per character: the claims extractor folds every sentence.)
    """
    return text.translate(_FOLD)


def _key(name: str) -> str:
    """The comparison form of a name: folded, articles and punctuation dropped."""
    key = fold(unicodedata.normalize("NFC", name)).strip()
    key = _POSSESSIVE.sub("", key)
    key = re.sub(r"[()\[\],.\-–]", " ", key)
    key = re.sub(r"\s+", " ", key).strip()
    previous = None
    while previous != key:
        previous = key
        key = _LEADING_ARTICLE.sub("", key).strip()
    return key


@cache
def load_states() -> tuple[State, ...]:
    """Every state in fixtures/member_states.json (UN Members, observers, others)."""
    records = json.loads(STATES_FILE.read_text(encoding="utf-8"))
    return tuple(
        State(
            iso3=record["iso3"],
            name_en=record["name_en"],
            name_fr=record["name_fr"],
            name_es=record["name_es"],
            name_ru=record["name_ru"],
            aliases=tuple(record["aliases"]),
            un_status=record["un_status"],
            short_en=record["short_en"],
        )
        for record in records
    )


@cache
def _index() -> dict[str, State]:
    index: dict[str, State] = {}
    # UN Members and observers first, so that a name they share with a territory or a
    # former state ("Congo", "Macedonia") goes to them.
    ranked = sorted(load_states(), key=lambda state: state.un_status == "other")
    for state in ranked:
        for name in state.names:
            index.setdefault(_key(name), state)
    return index


@lru_cache(maxsize=8192)  # letters print the same few hundred names over and over
def resolve_state(printed: str) -> State | None:
    """The state a letter means by ``printed`` ("l'Azerbaïdjan", "España"), or None."""
    if not printed or not printed.strip():
        return None
    return _index().get(_key(printed))


def english_state_name(printed: str) -> str | None:
    """The short English name of the state ``printed`` names ("Azerbaïdjan" -> "Azerbaijan")."""
    state = resolve_state(printed)
    return state.short_en if state else None


@cache
def _mention_alternatives() -> dict[str, list[str]]:
    """The names' patterns, by the name's first word, each list longest name first."""
    # Folded names, longest first so that "Democratic Republic of the Congo" wins over
    # "Congo"; whitespace and hyphens in a name match any run of them (line breaks).
    names = {fold(name) for state in load_states() for name in state.names if len(name) > 3}
    names |= {fold(name) for state in load_states() for name in state.names if name.isupper()}
    by_first_word: dict[str, list[str]] = {}
    for name in sorted(names, key=len, reverse=True):
        parts = [part for part in re.split(r"[\s\-]+", name) if part]
        first = re.match(r"\w+", parts[0]) if parts else None
        if first:  # a name that starts otherwise never stands where a word starts
            pattern = r"[\s\-]+".join(re.escape(part) for part in parts)
            by_first_word.setdefault(first.group(), []).append(pattern)
    return by_first_word


@cache
def _mention_pattern(first_word: str) -> re.Pattern[str] | None:
    """The names that start with ``first_word``, as one pattern (None: no name does).

    Where a word of the text starts, only the names starting with that very word can match
    (a name's first word must end where the text's does): trying those alone finds what
    the alternation of every name would, at a fraction of the cost."""
    alternatives = _mention_alternatives().get(first_word)
    if not alternatives:
        return None
    return re.compile(r"(?<![\w])(?:" + "|".join(alternatives) + r")(?![\w])")


@cache
def _first_words() -> frozenset[str]:
    """The first word of every name: only where one stands is the long pattern tried."""
    names = {fold(name) for state in load_states() for name in state.names}
    return frozenset(match.group() for name in names if (match := re.search(r"\w+", name)))


_WORDS = re.compile(r"(\w+)")


def _mention_matches(folded: str):
    # One alternation of a thousand names tried at every character cost 5 ms a letter;
    # tried only where a name's first word stands, it costs a tenth of that. The words are
    # the text's runs of word characters, split apart in one call and looked up in C
    # (a loop over match objects cost as much as the names' pattern).
    first_words = _first_words()
    parts = _WORDS.split(folded)  # gap, word, gap, word, ..., gap
    hits = list(compress(count(), map(first_words.__contains__, parts[1::2])))
    if not hits:
        return
    starts = list(accumulate(map(len, parts), initial=0))  # where each part begins
    position = 0
    for hit in hits:
        start = starts[2 * hit + 1]
        if start < position:
            continue
        pattern = _mention_pattern(parts[2 * hit + 1])
        match = pattern.match(folded, start) if pattern else None
        if match:
            position = match.end()
            yield match


def find_state_mentions(text: str, folded: str | None = None) -> list[tuple[int, int, State]]:
    """Every state named in ``text``: (start, end, state), in reading order.

    Only names count: adjectives ("Israeli", "arménien") are not mentions of a state.
    ``folded`` is fold(text), when the caller has it already.
    """
    mentions = []
    for match in _mention_matches(fold(text) if folded is None else folded):
        state = resolve_state(text[match.start() : match.end()])
        if state is None:
            state = resolve_state(re.sub(r"[\s\-]+", " ", match.group()))
        if state is not None:
            mentions.append((match.start(), match.end(), state))
    return mentions


# Nationality adjectives (English, French, Spanish; folded, as stems that take the usual
# endings: "israeli" -> "Israelis", "israelien" -> "israéliennes", "israeli" -> "israelíes")
# and capitals used for their governments ("the Baku regime"). A claim names its perpetrator
# this way far more often than by the state's name: "Israeli soldiers", "Azerbaijani
# forces", "l'armée arménienne", "fuerzas rusas". Ambiguous adjectives ("Korean",
# "Congolese", "Sudanese" for two states each) are left out: no state rather than a guess.
_ADJECTIVES: dict[str, tuple[str, ...]] = {
    "AFG": ("afghan",),
    "ALB": ("albanian", "albanais", "albanes"),
    "ARM": ("armenian", "armenien", "armenio", "armenia", "erevan", "yerevan", "ereván"),
    "AZE": ("azerbaijani", "azerbaidjanais", "azerbaiyano", "azeri", "baku", "bakou", "bakú"),
    "BLR": ("belarusian", "belarusse", "bielorruso", "minsk"),
    "CHN": ("chinese", "chinois", "chino", "beijing", "pekin"),
    "CUB": ("cuban", "cubain", "cubano", "havana", "havane", "habana"),
    "CYP": ("cypriot", "chypriote", "chipriota"),
    "EGY": ("egyptian", "egyptien", "egipcio", "cairo"),
    "ERI": ("eritrean", "erythreen", "eritreo", "asmara"),
    "ETH": ("ethiopian", "ethiopien", "etiope", "addis ababa"),
    "FRA": ("french", "francais", "frances"),
    "GBR": ("british", "britannique", "britanico"),
    "GEO": ("georgian", "georgien", "georgiano", "tbilisi"),
    "DEU": ("german", "allemand", "aleman"),
    "GRC": ("greek", "grec", "griego"),
    "IND": ("indian", "indien", "new delhi"),
    "IRN": ("iranian", "iranien", "irani", "tehran", "teheran"),
    "IRQ": ("iraqi", "irakien", "iraqui", "iraki", "baghdad", "bagdad"),
    "ISR": ("israeli", "israelien", "israeli", "israelies"),
    "JOR": ("jordanian", "jordanien", "jordano", "amman"),
    "KWT": ("kuwaiti", "koweitien", "kuwaiti"),
    "LBN": ("lebanese", "libanais", "libanes", "beirut", "beyrouth"),
    "LBY": ("libyan", "libyen", "libio"),
    "MAR": ("moroccan", "marocain", "marroqui", "rabat"),
    "PAK": ("pakistani", "pakistanais", "pakistani", "islamabad"),
    "PRK": ("north korean", "nord-coreen", "norcoreano", "pyongyang"),
    "KOR": ("south korean", "sud-coreen", "surcoreano", "seoul", "seul"),
    "PSE": ("palestinian", "palestinien", "palestino"),
    "RUS": ("russian", "russe", "ruso", "rusa", "moscow", "moscou", "moscu", "kremlin"),
    "RWA": ("rwandan", "rwandais", "rwandes", "kigali"),
    "SAU": ("saudi", "saoudien", "saudita", "riyadh", "riyad"),
    "SYR": ("syrian", "syrien", "sirio", "damascus", "damas"),
    "TUR": ("turkish", "turc", "turque", "turco", "ankara"),
    "UKR": ("ukrainian", "ukrainien", "ucraniano", "kyiv", "kiev"),
    "USA": ("american", "americain", "estadounidense", "washington"),
    "VEN": ("venezuelan", "venezuelien", "venezolano", "caracas"),
    "YEM": ("yemeni", "yemenite", "yemeni", "sanaa"),
}
# Endings an adjective takes in the three languages (plural, feminine).
_ADJECTIVE_ENDING = r"(?:s|e|es|ne|nes|a|as|os|ies|is|ien|ienne|iens|iennes)?"


@cache
def _adjective_pattern() -> re.Pattern[str]:
    alternatives = []
    for iso3, words in _ADJECTIVES.items():
        for word in sorted(set(words), key=len, reverse=True):
            stem = r"[\s\-]+".join(re.escape(part) for part in word.split())
            alternatives.append(f"(?P<{iso3}_{len(alternatives)}>{stem}{_ADJECTIVE_ENDING})")
    return re.compile(r"(?<![\w])(?:" + "|".join(alternatives) + r")(?![\w])")


def state_of_agent(agent: str | None) -> State | None:
    """The state a perpetrator as printed belongs to: "Israeli soldiers", "the Armenian armed
    forces", "les forces arméniennes", "el ejército ruso", "the Baku regime", "Armenia".

    The state's own name first; then a nationality adjective or a capital. None when the
    agent names no state ("PLO terrorists", "unknown gunmen")."""
    if not agent:
        return None
    state = resolve_state(agent)
    if state is not None:
        return state
    mentions = find_state_mentions(agent)
    if mentions:
        return mentions[0][2]
    match = _adjective_pattern().search(fold(agent))
    if match is None:
        return None
    iso3 = match.lastgroup.split("_")[0]
    return next((state for state in load_states() if state.iso3 == iso3), None)
