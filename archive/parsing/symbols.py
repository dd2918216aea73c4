"""UN document symbols: recognise them in any common spelling and put them in one form.

Canonical form: body letter, slashes, no spaces, suffixes as ``/Add.1``, ``/Corr.2``,
``/Rev.1``: ``A/80/434``, ``S/2025/632``, ``S/14938``, ``A/49/50/Rev.1``.
"""

from __future__ import annotations

import re

_SUFFIX = r"(?:\s*/\s*(?:Add|Corr|Rev|Amend)\s*\.?\s*\d+)*"
# GA: A/<session>/<n> (also A/ES-10/<n> for emergency special sessions);
# SC: S/<year>/<n> since 1994, S/<n> before.
SYMBOL_PATTERN = re.compile(
    r"\b(?P<body>[AS])\s*[/ ]\s*"
    r"(?P<parts>(?:ES-\d+\s*[/ ]\s*)?\d{1,6}(?:\s*[/ ]\s*\d{1,6})?)"
    r"(?P<suffix>" + _SUFFIX + r")",
    re.IGNORECASE,
)
# A dash joins two symbols only when another symbol follows it ("A/ES-10/1" is one symbol).
_JOINT_SEPARATOR = re.compile(r"\s*[-‐‑‒–—]\s*(?=[AS]\s*[/ ]\s*\d)", re.IGNORECASE)
_SUFFIX_PART = re.compile(r"(Add|Corr|Rev|Amend)\s*\.?\s*(\d+)", re.IGNORECASE)


def normalize_symbol(raw: str) -> str | None:
    """Return the canonical form of one symbol typed in any common way, or None.

    >>> normalize_symbol("a/75/780")
    'A/75/780'
    >>> normalize_symbol("A 75 780")
    'A/75/780'
    >>> normalize_symbol("s/1994/822/add.1")
    'S/1994/822/Add.1'
    """
    match = SYMBOL_PATTERN.fullmatch(raw.strip().rstrip("*").strip())
    if not match:
        return None
    return _canonical(match) or None


def _canonical(match: re.Match) -> str:
    body = match["body"].upper()
    parts = [p for p in re.split(r"[\s/]+", match["parts"].upper()) if p]
    if body == "S" and len(parts) == 2 and not (1946 <= int(parts[0]) <= 2100):
        return ""  # "S/12/34" is no Security Council symbol
    if body == "A" and len(parts) == 1:
        return ""  # GA symbols always carry a session
    suffixes = [
        f"{kind.capitalize()}.{int(n)}" for kind, n in _SUFFIX_PART.findall(match["suffix"])
    ]
    return "/".join([body, *parts, *suffixes])


def split_symbols(raw: str) -> list[str]:
    """Split a joint symbol such as ``A/80/434–S/2025/632`` (any dash) into canonical symbols.

    Returns [] when any part is not a symbol, so that a query like "A 75" is not mistaken.
    """
    parts = _JOINT_SEPARATOR.split(raw.strip())
    symbols = [normalize_symbol(part) for part in parts if part]
    if not symbols or not all(symbols):
        return []
    return symbols  # type: ignore[return-value]


def find_symbols(text: str) -> list[str]:
    """Every well-formed symbol cited in a running text, canonical, in order, without repeats."""
    found: list[str] = []
    for match in SYMBOL_PATTERN.finditer(text):
        if "/" not in match.group(0):
            continue  # in running text only slashed forms are symbols ("A 75" is prose)
        symbol = _canonical(match)
        if symbol and symbol not in found:
            found.append(symbol)
    return found


def lookup_key(symbol: str) -> str:
    """The form stored for exact look-up: canonical and upper-cased."""
    return symbol.upper()
