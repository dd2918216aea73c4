"""Words the pages show about letters that the letters themselves do not print: incident kinds
in the reader's language, readable forms of titles printed in capitals, and the title the
archive composes for a letter whose printed title could not be read."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.dates import MONTHS
from django.utils.formats import date_format
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

# The claim extractor's vocabulary (archive.parsing.claims): English keys, named in the
# interface language on the pages. A kind outside it is shown as stored.
INCIDENT_KINDS = {
    "air strike": gettext_lazy("air strike"),
    "attack": gettext_lazy("attack"),
    "attacks": gettext_lazy("attacks"),
    "attempted bombing": gettext_lazy("attempted bombing"),
    "bombing": gettext_lazy("bombing"),
    "demolition": gettext_lazy("demolition"),
    "deportation": gettext_lazy("deportation"),
    "drone strike": gettext_lazy("drone strike"),
    "hostage-taking": gettext_lazy("hostage-taking"),
    "killing": gettext_lazy("killing"),
    "mine explosion": gettext_lazy("mine explosion"),
    "mine laying": gettext_lazy("mine laying"),
    "sabotage": gettext_lazy("sabotage"),
    "settlement announcement": gettext_lazy("settlement announcement"),
    "settlement construction": gettext_lazy("settlement construction"),
    "shelling": gettext_lazy("shelling"),
    "shooting": gettext_lazy("shooting"),
    "threat": gettext_lazy("threat"),
    "wounding": gettext_lazy("wounding"),
}


def incident_kind(kind: str) -> str:
    return str(INCIDENT_KINDS.get(kind, kind))


# Words kept in lower case inside a title (UN style: "Question of Palestine").
_SMALL_WORDS = {
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the",
    "to", "with", "de", "du", "des", "la", "le", "les", "et", "en", "à", "au", "aux", "y", "el",
}  # fmt: skip
# Abbreviations printed in capitals that stay so.
_KEPT_CAPITALS = {"UN", "UNRWA", "UNIFIL", "UNDOF", "UNFICYP", "USSR", "USA", "NATO", "II", "III"}


def is_all_caps(text: str) -> bool:
    # str.isupper() is False whenever a letter is in lower case (or none has a case): most
    # titles are answered here without walking every character.
    if not text.isupper():
        return False
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)


def readable_caps(text: str) -> str:
    """A title printed in capitals ("QUESTION OF PALESTINE"), as a reader expects it written
    ("Question of Palestine"); any other text unchanged. The printed form stays on the page
    beside it: this is a reading aid, not a correction."""
    if not is_all_caps(text):
        return text

    def word(match: re.Match) -> str:
        token = match[0]
        if token in _KEPT_CAPITALS:
            return token
        lower = token.lower()
        if match.start() > 0 and lower in _SMALL_WORDS:
            return lower
        return lower[:1].upper() + lower[1:]

    return re.sub(r"[^\W\d_]+", word, text)


def readable_title(title: str) -> SafeString:
    """A title as the pages show it: a title printed in capitals in its readable form, with
    the printed form beside it; any other title as it is. (What the included template
    archive/includes/_readable_title.html wrote, once per agenda item of a session.)"""
    if is_all_caps(title or ""):
        return format_html(
            '{} <span class="as-printed note">({} <span>{}</span>)</span>',
            readable_caps(title),
            _("printed:"),
            title,
        )
    return conditional_escape(title)


# A line break inside a paragraph: the line before does not end a sentence or the next line
# goes on in lower case. Blank lines (paragraph breaks) are kept.
_SOFT_BREAK = re.compile(r"(?<=[^\n.:;!?”\"])[ \t]*\n(?=[ \t]*[^\s\n])|[ \t]*\n(?=[ \t]*[a-z])")


def reflow(text: str) -> str:
    """Text from a PDF keeps the printed line ends; join the lines of each paragraph so the
    text reflows to the reader's screen. The verbatim text stays one click away."""
    return _SOFT_BREAK.sub(" ", text or "")


def paragraphs(text: str) -> list[str]:
    """The paragraphs of a text as `reflow` joins them."""
    return [part.strip() for part in reflow(text).split("\n") if part.strip()]


@dataclass(frozen=True)
class RowTitle:
    """The title a list row shows: the letter's own, or one composed from its fields."""

    text: str
    printed: str = ""  # the printed form when `text` is its readable version
    language: str = ""
    composed: bool = False


def row_title(letter) -> RowTitle:
    """`letter` is a Letter annotated by archive.listing.with_row_title, or a LetterRow."""
    title = (getattr(letter, "row_title_text", "") or "").strip()
    if title:
        readable = readable_caps(title)
        return RowTitle(
            readable,
            printed=title if readable != title else "",
            language=getattr(letter, "row_title_language", "") or "",
        )
    return RowTitle(composed_title(letter), composed=True)


# The roles and addressees letters print most (in English or French), named in the reader's
# language in a title the archive composes; any other wording is the letter's own, as printed.
_ROLE_PHRASES = {
    "permanent representative": gettext_lazy("from the Permanent Representative of %(state)s"),
    "représentant permanent": gettext_lazy("from the Permanent Representative of %(state)s"),
    "deputy permanent representative": gettext_lazy(
        "from the Deputy Permanent Representative of %(state)s"
    ),
    "permanent observer": gettext_lazy("from the Permanent Observer of %(state)s"),
    "observateur permanent": gettext_lazy("from the Permanent Observer of %(state)s"),
    "chargé d'affaires a.i.": gettext_lazy("from the Chargé d’affaires a.i. of %(state)s"),
    "chargé d'affaires par intérim": gettext_lazy("from the Chargé d’affaires a.i. of %(state)s"),
}
_ADDRESSEES = {
    "secretary-general": gettext_lazy("Secretary-General"),
    "secrétaire général": gettext_lazy("Secretary-General"),
    "president of the security council": gettext_lazy("President of the Security Council"),
    "président du conseil de sécurité": gettext_lazy("President of the Security Council"),
    "president of the general assembly": gettext_lazy("President of the General Assembly"),
    "président de l'assemblée générale": gettext_lazy("President of the General Assembly"),
}


def _known(words: str) -> str:
    return " ".join(words.replace("’", "'").lower().split())


def composed_title(letter) -> str:
    """ "Letter dated 2 March 2021 from the Permanent Representative of Azerbaijan addressed to
    the Secretary-General", from whatever fields the letter has."""
    kind = {
        "identical_letters": _("Identical letters"),
        "note_verbale": _("Note verbale"),
    }.get(letter.doc_type, _("Letter"))
    parts = [kind]
    if letter.letter_date:
        parts.append(_("dated %(date)s") % {"date": date_format(letter.letter_date, "j F Y")})
    state = str(letter.sender_state or "") or letter.sender_state_printed
    if letter.sender_role and state and _known(letter.sender_role) in _ROLE_PHRASES:
        parts.append(str(_ROLE_PHRASES[_known(letter.sender_role)]) % {"state": state})
    elif letter.sender_role and state:
        parts.append(
            _("from the %(role)s of %(state)s") % {"role": letter.sender_role, "state": state}
        )
    elif state:
        parts.append(_("from %(state)s") % {"state": state})
    if letter.addressees:
        parts.append(
            _("addressed to the %(addressees)s")
            % {
                "addressees": _(" and the ").join(
                    str(_ADDRESSEES.get(_known(name), name)) for name in letter.addressees
                )
            }
        )
    return " ".join(parts)


def day_month_year(day) -> str:
    """date_format(day, "j F Y") ("17 October 2025", the month in the interface language),
    without parsing the format or translating the month on every call (every list row)."""
    return f"{day.day} {_row_words().months[day.month]} {day.year:04d}"


@dataclass(frozen=True)
class _RowWords:
    """What letter_meta writes on every row, translated and escaped once per language: a
    results page asked gettext four times a row for the same few words (~half a row)."""

    months: dict[int, str]  # not escaped (day_month_year is text)
    from_state: str  # "from %(state)s", not escaped (the state's name goes in first)
    types: dict[str, str]
    synthetic: str


_row_words_by_language: dict[str | None, _RowWords] = {}


def _row_words() -> _RowWords:
    language = get_language()
    words = _row_words_by_language.get(language)
    if words is None:
        from archive.models import Letter

        words = _row_words_by_language[language] = _RowWords(
            months={number: str(name) for number, name in MONTHS.items()},
            from_state=_("from %(state)s"),
            types={value: escape(str(label)) for value, label in Letter.DocType.choices},
            synthetic=escape(_("synthetic (benchmark)")),
        )
    return words


def letter_meta(letter) -> SafeString:
    """A list row's line under the title: distribution date, sending state, document type
    (and "synthetic" on the benchmark's letters). Written here, not in the row's template:
    a results page has up to 100 rows, and the template engine spent ~0.25 ms on each."""
    words = _row_words()
    parts = []
    day = letter.distribution_date
    if day:
        parts.append(f'<time datetime="{day.isoformat()}">{escape(day_month_year(day))}</time>')
    state = letter.sender_state or letter.sender_state_printed
    if state:
        parts.append(escape(words.from_state % {"state": state}))
    parts.append(words.types.get(letter.doc_type) or escape(letter.doc_type))
    if getattr(letter, "is_synthetic", False):
        parts.append(f'<strong class="flag">{words.synthetic}</strong>')
    return mark_safe(" · ".join(parts))  # noqa: S308 - every part escaped above


def letter_row(letter) -> SafeString:
    """A letter as a list shows it: its symbol linked to its page, its title (archive.labels.
    row_title) and letter_meta's line. Written here rather than as an included template: a
    list has 20 to 100 rows, and the include cost ~0.15 ms each, a fifth of a list page
    (format_html, ~17 µs a row, is left for plain escaping too)."""
    title = row_title(letter)
    text = escape(title.text)
    if title.composed:
        note = escape(_("title composed by the archive: the printed title could not be read"))
        shown = f'{text} <span class="note composed-title">({note})</span>'
    else:
        language = f' lang="{escape(title.language)}"' if title.language else ""
        printed = (
            f' title="{escape(_("As printed:"))} {escape(title.printed)}"' if title.printed else ""
        )
        shown = f"<span{language}{printed}>{text}</span>"
    return mark_safe(  # noqa: S308 - every part escaped above, letter_meta's too
        f'<li class="letter-row">\n  <a href="{escape(letter.get_absolute_url())}"'
        f' class="letter-symbol">{escape(str(letter))}</a>\n'
        f'  <span class="letter-title">{shown}</span>\n'
        f'  <span class="letter-meta">{letter_meta(letter)}</span>\n</li>\n'
    )
