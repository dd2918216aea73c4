"""Filters the templates use to show letters' data in the reader's language."""

import re

from django import template

from archive import citations, labels

register = template.Library()


@register.filter
def row_title(letter) -> labels.RowTitle:
    return labels.row_title(letter)


@register.filter
def readable(text: str) -> str:
    return labels.readable_caps(text or "")


@register.filter
def is_all_caps(text: str) -> bool:
    return labels.is_all_caps(text or "")


@register.filter
def undocs_url(symbol: str) -> str:
    return citations.undocs_url(symbol)


@register.filter
def incident_kind(kind: str) -> str:
    return labels.incident_kind(kind or "")


# A line break inside a paragraph: the line before does not end a sentence or the next line
# goes on in lower case. Blank lines (paragraph breaks) are kept.
_SOFT_BREAK = re.compile(r"(?<=[^\n.:;!?”\"])[ \t]*\n(?=[ \t]*[^\s\n])|[ \t]*\n(?=[ \t]*[a-z])")


@register.filter
def reflow(text: str) -> str:
    """Text from a PDF keeps the printed line ends; join the lines of each paragraph so the
    text reflows to the reader's screen. The verbatim text stays one click away."""
    return _SOFT_BREAK.sub(" ", text or "")
