"""The parser's notes on its readings, in the interface language on the review page.

archive.parsing.readings writes them in English and knows nothing of Django; each note it
can write is here as a pattern with its translatable form. A note not listed is shown as
written (tests/test_i18n.py checks every note of the shared letters is listed)."""

import re

from django import template
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

register = template.Library()

_NOTES = [
    (r"No document symbol found in the masthead\.", _("No document symbol found in the masthead.")),
    (r"Read from the running headers only\.", _("Read from the running headers only.")),
    (r"Read through OCR damage; check it\.", _("Read through OCR damage; check it.")),
    (r"No distribution date found\.", _("No distribution date found.")),
    (r"Not printed under “Distr\.”\.", _("Not printed under “Distr.”.")),
    (r"No “Original:” line found\.", _("No “Original:” line found.")),
    (
        r"The symbol names session (?P<session>\d+); not read\.",
        _("The symbol names session %(session)s; not read."),
    ),
    (
        r"“(?P<printed>.*)” contradicts the symbol \(session (?P<session>\d+)\)\.",
        _("“%(printed)s” contradicts the symbol (session %(session)s)."),
    ),
    (r"The Security Council year was not read\.", _("The Security Council year was not read.")),
    (
        r"“(?P<printed>.*)” contradicts the symbol \(year (?P<year>\d+)\)\.",
        _("“%(printed)s” contradicts the symbol (year %(year)s)."),
    ),
    (
        r"The letter cites items (?P<items>[\d, ]+); the masthead reading does not have them\.",
        _("The letter cites items %(items)s; the masthead reading does not have them."),
    ),
    (r"No agenda item read from the masthead\.", _("No agenda item read from the masthead.")),
    (
        r"No well-formed title \(“Letter dated …”\) found: it is damaged\.",
        _("No well-formed title (“Letter dated …”) found: it is damaged."),
    ),
    (
        r"No well-formed title \(“Letter dated …”\) found\.",
        _("No well-formed title (“Letter dated …”) found."),
    ),
    (r"No date found in the title\.", _("No date found in the title.")),
    (r"No addressee found in the title\.", _("No addressee found in the title.")),
    (r"No signature found\.", _("No signature found.")),
    (r"No role found by the signature\.", _("No role found by the signature.")),
    (r"No state found for the sender\.", _("No state found for the sender.")),
    (
        r"“(?P<state>.*)” is not a state the archive knows\.",
        _("“%(state)s” is not a state the archive knows."),
    ),
]
_PATTERNS = [(re.compile(pattern), message) for pattern, message in _NOTES]
# archive.parsing.readings.withhold_contradicted adds this to a contradiction it leaves empty.
_LEFT_EMPTY = " Left empty."


@register.filter
def parser_note(note: str) -> str:
    note = (note or "").lstrip("! ")
    left_empty = note.endswith(_LEFT_EMPTY)
    core = note.removesuffix(_LEFT_EMPTY)
    for pattern, message in _PATTERNS:
        if match := pattern.fullmatch(core):
            shown = str(message) % match.groupdict() if match.groupdict() else str(message)
            return shown + (gettext(" Left empty.") if left_empty else "")
    return note


def known(note: str) -> bool:
    """Whether `note` is one the filter translates."""
    core = (note or "").lstrip("! ").removesuffix(_LEFT_EMPTY)
    return any(pattern.fullmatch(core) for pattern, _message in _PATTERNS)
