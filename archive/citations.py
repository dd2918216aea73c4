"""How a researcher cites a letter and finds the official record: the UN's own citation form,
BibTeX, RIS and CSL-JSON, and links to the UN's document permalinks and Digital Library.

A letter is cited by its symbol, title and date (the UN's form: "Letter dated … (A/75/780–
S/2021/189, 24 February 2021)"); its author is the sending state, its publisher the United
Nations. Every format is built from one `Reference`, so they never disagree.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, urlencode

from archive.labels import composed_title, readable_caps

# The UN's permalink for a document symbol, per language (ODS serves the official PDF).
UNDOCS_URL = "https://undocs.org/{language}/{symbol}"
DIGITAL_LIBRARY_SEARCH_URL = "https://digitallibrary.un.org/search?"
PUBLISHER = "United Nations"


def undocs_url(symbol: str, language: str = "en") -> str:
    return UNDOCS_URL.format(language=language, symbol=quote(symbol, safe="/"))


def digital_library_url(symbol: str) -> str:
    return DIGITAL_LIBRARY_SEARCH_URL + urlencode({"p": symbol, "ln": "en"})


@dataclass(frozen=True)
class OfficialLink:
    language: str
    symbol: str
    url: str


def official_links(symbols: list[str], languages: list[str]) -> list[OfficialLink]:
    """The UN permalink of each symbol in each language version the archive holds."""
    return [
        OfficialLink(language, symbol, undocs_url(symbol, language))
        for symbol in symbols
        for language in languages
    ]


@dataclass(frozen=True)
class Reference:
    """What every citation format says about one letter."""

    key: str
    title: str
    symbols: list[str]
    author: str
    issued: date | None
    language: str
    url: str

    @property
    def symbol(self) -> str:
        return "–".join(self.symbols)


def reference(letter, text, base_url: str) -> Reference:
    """`letter` with its symbols and sender state loaded; `text` the version cited (or None)."""
    title = readable_caps((text.title if text else "") or "") or composed_title(letter)
    symbols = letter.symbol_list
    author = (
        letter.sender_state.name_en if letter.sender_state else letter.sender_state_printed
    ) or PUBLISHER
    key = re.sub(r"[^A-Za-z0-9]+", "_", symbols[0]) if symbols else f"letter_{letter.pk}"
    return Reference(
        key=key.strip("_"),
        title=re.sub(r"\s+", " ", title).strip(),
        symbols=symbols,
        author=author,
        issued=letter.distribution_date or letter.letter_date,
        language=text.language if text else "en",
        url=base_url + letter.get_absolute_url(),
    )


def un_citation(ref: Reference) -> str:
    """The UN's own form: title (symbol, date of distribution)."""
    parts = [ref.symbol] if ref.symbols else []
    if ref.issued:
        parts.append(f"{ref.issued.day} {ref.issued:%B %Y}")
    return f"{ref.title} ({', '.join(parts)})" if parts else ref.title


_BIBTEX_SPECIAL = re.compile(r"([\\{}%&$#_^~])")


def _bibtex_value(value: str) -> str:
    escaped = _BIBTEX_SPECIAL.sub(
        lambda m: {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}.get(m[1], "\\" + m[1]),
        value,
    )
    return "{" + escaped + "}"


def bibtex(ref: Reference) -> str:
    """A @misc entry (biblatex reads it as such too); the author is an institution, braced so
    no reference manager splits "Azerbaijan" into first and last names."""
    fields = [
        ("title", ref.title),
        ("author", "{" + ref.author + "}"),
        ("organization", PUBLISHER),
        ("number", ref.symbol),
        ("howpublished", f"UN document {ref.symbol}" if ref.symbols else PUBLISHER),
        ("url", ref.url),
        ("language", ref.language),
    ]
    if ref.issued:
        fields += [
            ("year", str(ref.issued.year)),
            ("month", str(ref.issued.month)),
            ("date", ref.issued.isoformat()),
        ]
    body = ",\n".join(
        f"  {name} = {{{value}}}" if name == "author" else f"  {name} = {_bibtex_value(value)}"
        for name, value in fields
        if value
    )
    return f"@misc{{{ref.key},\n{body}\n}}\n"


def ris(ref: Reference) -> str:
    """A GOVDOC record (government document), one tag a line, closed by ER."""
    lines = [
        ("TY", "GOVDOC"),
        ("TI", ref.title),
        ("AU", ref.author),
        ("PB", PUBLISHER),
        ("M1", ref.symbol),
        ("UR", ref.url),
        ("LA", ref.language),
    ]
    if ref.issued:
        lines += [("PY", str(ref.issued.year)), ("DA", ref.issued.strftime("%Y/%m/%d"))]
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {value}\n" for tag, value in lines if value or tag == "ER")


def csl_json(ref: Reference) -> dict:
    """CSL-JSON, what Zotero and pandoc read."""
    item = {
        "id": ref.key,
        "type": "document",
        "title": ref.title,
        "author": [{"literal": ref.author}],
        "publisher": PUBLISHER,
        "number": ref.symbol,
        "URL": ref.url,
        "language": ref.language,
    }
    if ref.issued:
        item["issued"] = {"date-parts": [[ref.issued.year, ref.issued.month, ref.issued.day]]}
    return item


FORMATS = {
    # format: (media type, file extension, one reference as text, separator)
    "bib": ("application/x-bibtex; charset=utf-8", "bib", bibtex),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris", ris),
    "json": ("application/vnd.citationstyles.csl+json; charset=utf-8", "json", None),
}


def render_many(refs, fmt: str):
    """The references in `fmt`, as chunks of text (streamed for a whole result list)."""
    if fmt == "json":
        yield "["
        for index, ref in enumerate(refs):
            yield ("," if index else "") + "\n" + json.dumps(csl_json(ref), ensure_ascii=False)
        yield "\n]\n"
        return
    write = FORMATS[fmt][2]
    for index, ref in enumerate(refs):
        yield ("\n" if index else "") + write(ref)
