"""Pure-Python reading of UN letters: no Django here.

``parse_letter(text)`` turns the text of a GA/SC letter into a :class:`ParsedLetter`;
``parsed_as_expected_json`` renders one in the shape of ``fixtures/letters/expected.jsonl``.
"""

from .letter import parse_letter, parsed_as_expected_json
from .types import (
    AgendaItemRef,
    ParsedAnnex,
    ParsedClaim,
    ParsedLetter,
    ParseError,
    Person,
)

__all__ = [
    "AgendaItemRef",
    "ParseError",
    "ParsedAnnex",
    "ParsedClaim",
    "ParsedLetter",
    "Person",
    "parse_letter",
    "parsed_as_expected_json",
]
