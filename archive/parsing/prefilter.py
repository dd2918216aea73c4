"""Merged patterns that tell, in one scan, whether any of several patterns can match.

The parser runs many patterns over every sentence or line (dates, event words, agenda
lines); most find nothing. Their alternation finds something in a text exactly when one of
them does, so a text it finds nothing in needs none of them run, and the others are run as
before: the answers are the same, the scans fewer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_GLOBAL_FLAGS = re.compile(r"^\(\?[aiLmsux]+\)")
_GROUP_NAME = re.compile(r"\(\?P<\w+>")
_BACKREFERENCE = re.compile(r"\(\?P=|\\\d")


def any_of(patterns: Iterable[re.Pattern[str]]) -> tuple[re.Pattern[str], ...]:
    """Patterns that, between them, find something in a text exactly when one of
    ``patterns`` does: their alternation, one per set of flags.

    Group names are dropped (several patterns share them). Flags stay global, not scoped
    ("(?s:...)"): the regex compiler then takes the word boundary every alternative starts
    with out of the alternation, which makes the scan several times faster."""
    by_flags: dict[int, list[str]] = {}
    for pattern in patterns:
        body = _GLOBAL_FLAGS.sub("", pattern.pattern)
        if _BACKREFERENCE.search(body):
            raise ValueError(f"a backreference cannot be merged: {pattern.pattern}")
        body = _GROUP_NAME.sub("(?:", body)
        by_flags.setdefault(pattern.flags, []).append(f"(?:{body})")
    return tuple(re.compile("|".join(bodies), flags) for flags, bodies in by_flags.items())


def finds_any(merged: tuple[re.Pattern[str], ...], text: str) -> bool:
    """Whether one of the patterns merged by any_of finds something in ``text``."""
    return any(pattern.search(text) is not None for pattern in merged)


def first_start(merged: tuple[re.Pattern[str], ...], text: str) -> int | None:
    """Where the first match of any of the patterns merged by any_of starts, or None.

    None of those patterns matches before it, so each can be run from there on
    (``pattern.finditer(text, start)``) with the same matches as over the whole text: a
    pattern's word boundaries and lookbehinds still see the characters before ``start``."""
    starts = [match.start() for pattern in merged if (match := pattern.search(text))]
    return min(starts) if starts else None
