"""Merged patterns that tell, in one scan, whether any of several patterns can match.

The parser runs many patterns over every sentence or line (dates, event words, agenda
lines); most find nothing. Their alternation finds something in a text exactly when one of
them does, so a text it finds nothing in needs none of them run, and the others are run as
before: the answers are the same, the scans fewer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from re import _constants, _parser

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


# A pattern's parse, read to tell whether every match of it holds a digit. re's own parser:
# the module is private, but it is the parser the patterns are compiled with.
_DIGIT_ITEMS = {
    (_constants.CATEGORY, _constants.CATEGORY_DIGIT),
    *((_constants.LITERAL, ord(digit)) for digit in "0123456789"),
}


def requires_digit(pattern: re.Pattern[str]) -> bool:
    """Whether every match of ``pattern`` holds a decimal digit, read from its parse.

    Conservative: False whenever unsure (a lookahead, a class that also takes letters), so
    a True lets a text without any digit skip the pattern."""
    return _holds_digit(_parser.parse(pattern.pattern, pattern.flags))


def _holds_digit(items) -> bool:
    """Whether a sequence of parsed items always matches a digit: one of them does."""
    for op, av in items:
        if op is _constants.LITERAL and chr(av) in "0123456789":
            return True
        if op is _constants.IN and av and all(tuple(item) in _DIGIT_ITEMS for item in av):
            return True
        if op is _constants.SUBPATTERN and _holds_digit(av[3]):
            return True
        if op is _constants.ATOMIC_GROUP and _holds_digit(av):
            return True
        if op is _constants.BRANCH and all(_holds_digit(branch) for branch in av[1]):
            return True
        repeats = (_constants.MAX_REPEAT, _constants.MIN_REPEAT, _constants.POSSESSIVE_REPEAT)
        if op in repeats and av[0] >= 1 and _holds_digit(av[2]):
            return True
    return False
