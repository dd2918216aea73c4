"""Read a UN letter (the text layer of a GA/SC document) into a :class:`ParsedLetter`.

The reading follows the document's layout: the masthead (symbols, distribution date,
languages, session and year, agenda items and their titles), the letter's title, the body
with its signature, and the annexes. Print furniture (page footers, running headers, page
counters, continuation marks, masthead footnotes) is dropped from the texts returned.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date

from . import vocabulary as vocab
from .dates import DATE_PATTERN, find_date, parse_date
from .layout import (
    SymbolSighting,
    furniture_lines,
    is_language_line,
    read_symbol_line,
    running_header_symbols,
    split_pages,
    vote_symbols,
)
from .readings import BODY_ITEMS, withhold_contradicted
from .symbols import find_symbols
from .types import (
    AgendaItemRef,
    ParsedAnnex,
    ParsedClaim,
    ParsedLetter,
    ParseError,
    Person,
)

_MAX_TITLE_LINES = 7
_MASTHEAD_SCAN = 80  # lines: a masthead is never longer
_FUZZY = 0.8  # similarity above which OCR-damaged words are read as the word they resemble


def parse_letter(text: str, *, claims: bool = True) -> ParsedLetter:
    """Parse the text of a UN letter.

    Raises :class:`ParseError` (with the 1-based line at fault) for empty text, NUL bytes,
    binary junk, and texts without a UN masthead. With ``claims=True`` the incident claims
    of the body (section 0) and of each annex (section n) are extracted too, when the
    claims extractor is installed.
    """
    _check_readable(text)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    plain = [_plain(line) for line in lines]
    pages = split_pages(lines)
    furniture = furniture_lines(lines, pages)

    title_span = _find_title(plain)
    top = title_span.start if title_span else _masthead_limit(plain, pages[0].end)
    if not vocab.MASTHEAD_MARKERS.search(" ".join(plain[:top])):
        raise ParseError("no UN masthead (no 'Distr.', no General Assembly or Security Council)", 1)

    masthead = _read_masthead(lines, plain, top)
    body_start = title_span.end if title_span else masthead.end
    masthead_text = "\n".join(
        line.replace("\f", "") for line in lines[: top if title_span else masthead.end]
    )

    language = title_span.language if title_span else _language_by_stop_words(plain)
    title = _read_title(title_span.text, language) if title_span else _TitleReading()

    headings = _annex_headings(plain, body_start, furniture, language)
    body_end = headings[0][0] if headings else len(lines)
    body = _clean_text(lines, body_start, body_end, furniture)
    body_signatures = _signatures(plain, body_start, body_end, furniture)

    annexes = []
    for order, (_start, end, heading) in enumerate(headings, start=1):
        section_end = headings[order][0] if order < len(headings) else len(lines)
        annexes.append(
            _read_annex(order, heading, lines, plain, end, section_end, furniture, language)
        )

    if not masthead.agenda_items and masthead.ga_session:
        _agenda_from_body(body, masthead)
    symbols = _symbols(masthead.sightings + running_header_symbols(lines, pages))
    sender = _sender(title, body_signatures, language)
    signatories = tuple(s.name for s in body_signatures) + tuple(
        a.signatory.name for a in annexes if a.signatory
    )
    cited = tuple(
        symbol
        for symbol in find_symbols("\n".join([body, *(a.text for a in annexes)]))
        if symbol not in symbols
    )
    found_claims = (
        _extract_claims(body, annexes, language, sender, title.letter_date) if claims else ()
    )
    parsed = ParsedLetter(
        symbols=symbols,
        doc_type=title_span.doc_type if title_span else "letter",
        language=language,
        original_language=masthead.original_language,
        distribution_date=masthead.distribution_date,
        ga_session=masthead.ga_session,
        ga_session_label=masthead.ga_session_label,
        sc_year=masthead.sc_year,
        sc_year_label=masthead.sc_year_label,
        agenda_kind=masthead.agenda_kind,
        agenda_items=masthead.agenda_items,
        title=title.title,
        letter_date=title.letter_date,
        sender=sender,
        addressees=title.addressees,
        signatories=signatories,
        masthead=masthead_text.strip(),
        body=body,
        annexes=tuple(annexes),
        claims=found_claims,
        cited_symbols=cited,
        text=text,
    )
    return withhold_contradicted(parsed)


# --------------------------------------------------------------------------- checks


def _check_readable(text: str) -> None:
    if not text or not text.strip():
        raise ParseError("empty text", 1)
    if "\x00" in text:
        raise ParseError("NUL byte in text: binary file?", _line_of(text, text.index("\x00")))
    junk = _JUNK.findall(text)
    if len(junk) > max(8, len(text) // 50):
        first = _JUNK.search(text).start()
        raise ParseError(
            "binary junk: too many control or replacement characters", _line_of(text, first)
        )


# Control characters other than line and page breaks, C1 controls, the replacement character.
_JUNK = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


# --------------------------------------------------------------------------- small helpers


def _plain(line: str) -> str:
    """A line without form feeds, bold markers and outer whitespace."""
    return line.replace("\f", "").replace("**", "").strip()


_WHITESPACE = re.compile(r"\s+")


def _collapse(text: str) -> str:
    return _WHITESPACE.sub(" ", text.replace("**", "")).strip()


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()


def _similar_at_least(a: str, b: str, threshold: float) -> bool:
    """``_similar(a, b) >= threshold``, deciding most pairs by difflib's cheap upper bounds
    of the ratio (from the lengths, then from the letters in common)."""
    a, b = a.lower(), b.lower()
    total = len(a) + len(b)
    # difflib's real_quick_ratio(), without building the matcher
    if total and 2.0 * min(len(a), len(b)) / total < threshold:
        return False
    matcher = difflib.SequenceMatcher(None, a, b)
    return matcher.quick_ratio() >= threshold and matcher.ratio() >= threshold


def _is_upper(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)


def _next_nonblank(plain: list[str], index: int, limit: int | None = None) -> int | None:
    limit = len(plain) if limit is None else limit
    for i in range(index, limit):
        if plain[i]:
            return i
    return None


# --------------------------------------------------------------------------- title


@dataclass
class _TitleSpan:
    start: int
    end: int  # index after the title's last line
    text: str  # whitespace collapsed, bold markers removed
    language: str
    doc_type: str


def _find_title(plain: list[str]) -> _TitleSpan | None:
    """The letter's title: the first 'Letter dated ...' line, before any signature."""
    for index, line in enumerate(plain[: _MASTHEAD_SCAN + 40]):
        if _signature_marker(line) is not None:
            return None
        for language, doc_type, opening in vocab.TITLE_OPENINGS:
            if opening.match(line):
                end, text = _title_extent(plain, index, language)
                return _TitleSpan(index, end, text, language, doc_type)
    return None


def _title_extent(plain: list[str], start: int, language: str) -> tuple[int, str]:
    """Where a title (or an annex heading) that starts at ``start`` ends, and its text.

    A title may wrap over several lines; it ends with its addressee (English, Russian) or
    with "auprès de l'Organisation des Nations Unies" / "ante las Naciones Unidas"; a blank
    line ends it unless the next line continues it in lower case (OCR splits lines too).
    """
    parts = [plain[start]]
    index = start
    while index + 1 < len(plain):
        ended = _title_ended(" ".join(parts), language)
        following = plain[index + 1]
        if ended:
            if following and _continues_title(following):
                parts.append(following)
                index += 1
                continue
            break
        if len(parts) >= _MAX_TITLE_LINES:
            break
        if not following:
            after = _next_nonblank(plain, index + 1, min(len(plain), index + 4))
            if after is None or not plain[after][0].islower():
                break
            parts.append(plain[after])
            index = after
            continue
        if len(following) > 150 or _signature_marker(following) is not None:
            break
        if vocab.BODY_OPENING[language].match(following) and vocab.ADDRESSED[language].search(
            " ".join(parts)
        ):
            break  # an addressee the vocabulary does not know, then the letter begins
        parts.append(following)
        index += 1
    return index + 1, _collapse(" ".join(parts))


def _title_ended(text: str, language: str) -> bool:
    text = text.rstrip(" *")
    if language in ("fr", "es"):
        return bool(re.search(r"(?:Nations\s+Unies|Naciones\s+Unidas|ONU)$", text, re.IGNORECASE))
    return _addressee_at_end(text, language) is not None


def _continues_title(line: str) -> bool:
    return line[0].islower() or bool(re.match(r"(?:and|et|y|и)\s", line, re.IGNORECASE))


def _addressee_at_end(text: str, language: str) -> str | None:
    """The canonical addressee the text ends with, read through OCR damage."""
    for printed, canonical in vocab.ADDRESSEES[language].items():
        tail = text[-(len(printed) + 2) :]
        # compare the tail's last words, as many as the addressee has
        words = tail.split()[-len(printed.split()) :]
        if _similar_at_least(" ".join(words), printed, _FUZZY):
            return canonical
    return None


@dataclass
class _TitleReading:
    title: str | None = None
    letter_date: date | None = None
    addressees: tuple[str, ...] = ()
    role: str | None = None
    state: str | None = None


def _read_title(text: str, language: str) -> _TitleReading:
    """Date, addressees and sender of a title; the title itself only when it is well formed."""
    letter_date = _date_after(vocab.TITLE_DATE_LEAD[language], text)
    addressees = _addressees(text, language)
    well_formed = bool(
        re.match(
            vocab.WELL_FORMED_TITLE[language].replace("{date}", _ANY_DATE), text, re.IGNORECASE
        )
    ) and not re.search(r"[~#{}|<>@$%^?\[\]]", text)
    if not well_formed:
        return _TitleReading(None, letter_date, addressees)
    title = _repair_title(text, language, addressees)
    role, state = None, None
    sender = vocab.SENDER_PHRASE[language].search(title)
    if sender:
        role, state = _split_role_state(sender["sender"], language)
    return _TitleReading(title, letter_date, addressees, role, state)


_ANY_DATE = re.sub(r"\(\?P<\w+>", "(?:", DATE_PATTERN.pattern)


def _date_after(lead: str, text: str) -> date | None:
    match = re.search(lead, text, re.IGNORECASE)
    if not match:
        return None
    found = find_date(text[match.end() : match.end() + 40])
    return found[0] if found else None


def _addressees(text: str, language: str) -> tuple[str, ...]:
    phrase = vocab.ADDRESSEE_PHRASE[language].search(text)
    if phrase:
        names = re.split(vocab.ADDRESSEE_JOIN[language], phrase["who"], flags=re.IGNORECASE)
        found = []
        for name in names:
            name = vocab.ADDRESSEE_ARTICLE.sub("", name.strip(" ,.*"))
            found.append(_canonical_addressee(name, language) or name)
        return tuple(found)
    # An addressee phrase garbled by OCR ("addre;ssed I(# m Secretarv-Genera?"): the
    # title still ends with something close to a known addressee.
    at_end = _addressee_at_end(text, language)
    return (at_end,) if at_end else ()


def _canonical_addressee(name: str, language: str) -> str | None:
    """The addressee most similar to ``name`` (the first of equals), if similar enough.

    Only the addressees that can reach _FUZZY are compared in full: when one does, the
    most similar is among them."""
    close = [
        item
        for item in vocab.ADDRESSEES[language].items()
        if _similar_at_least(name, item[0], _FUZZY)
    ]
    if not close:
        return None
    return max(close, key=lambda item: _similar(name, item[0]))[1]


def _repair_title(text: str, language: str, addressees: tuple[str, ...]) -> str:
    """Undo OCR damage a reader would not notice: the addressee ('SECURITY OXJNCIL') is
    rewritten from the vocabulary, and an all-capitals title gets its stray lower case
    ('To') raised."""
    phrase = vocab.ADDRESSEE_PHRASE[language].search(text)
    upper = _is_upper(text)
    if (
        phrase
        and language in ("en", "ru")
        and addressees
        and all(a in vocab.ADDRESSEES[language].values() for a in addressees)
    ):
        printed = phrase["who"]
        article = vocab.ADDRESSEE_ARTICLE.match(printed)
        joiner = " and the " if language == "en" else " и "
        names = list(addressees)
        if language == "ru":
            genitive = {v: k for k, v in vocab.ADDRESSEES["ru"].items()}
            names = [genitive[a] for a in addressees]
        if len(names) > 2 and language == "en":
            # "the Secretary-General, the President of the General Assembly and the ..."
            joined = ", the ".join(names[:-1]) + joiner + names[-1]
        else:
            joined = joiner.join(names)
        rebuilt = (article.group(0) if article else "") + joined
        if _similar_at_least(rebuilt, printed, _FUZZY):
            text = text[: phrase.start("who")] + rebuilt + text[phrase.end("who") :]
    return text.upper() if upper else text


# --------------------------------------------------------------------------- sender, roles


def _split_role_state(phrase: str, language: str) -> tuple[str | None, str | None]:
    """'Permanent Representative of Spain' -> ('Permanent Representative', 'Spain')."""
    # a trailing full stop may belong to "a.i.": keep it for the role patterns
    phrase = vocab.SENDER_TAIL.sub("", _collapse(phrase)).strip(" ,")
    role, rest = None, phrase
    for pattern in vocab.ROLES[language]:
        match = re.match(pattern, phrase, re.IGNORECASE)
        if match:
            role, rest = _repair_role(match.group(0)), phrase[match.end() :]
            if vocab.ORGAN_ROLE.match(role):
                # The chair of a committee or group speaks for it, not for a state.
                return vocab.ORGAN_ROLE_END.sub("", role).rstrip(" ,.") or None, None
            second = _second_role(rest, language)
            if second:
                # "Deputy Permanent Observer, Chargé d'affaires a.i.": both are the role.
                role, rest = f"{role}, {_repair_role(second.group(1))}", rest[second.end() :]
            break
    else:
        mission = vocab.MISSION.match(phrase)
        if mission:
            rest = phrase[mission.end() :]
        else:
            # An unknown role: it ends where "of <State>" begins.
            split = re.search(vocab.STATE_LEAD[language] + r"(?=[A-ZÀ-ÝА-Я])", phrase)
            if not split:
                return phrase or None, None
            role, rest = phrase[: split.start()], phrase[split.start() :]
    lead = re.match(vocab.STATE_LEAD[language], rest, re.IGNORECASE)
    if not lead:
        return role, None
    state = rest[lead.end() :]
    mission = vocab.MISSION.match(state)
    if mission:
        state = state[mission.end() :]
        lead = re.match(vocab.STATE_LEAD[language], state, re.IGNORECASE)
        state = state[lead.end() :] if lead else state
    state = vocab.STATE_ARTICLE.sub("", state).strip(" ,.")
    return role, state or None


def _second_role(rest: str, language: str) -> re.Match | None:
    for pattern in vocab.ROLES[language]:
        match = re.match(r"\s*,?\s*(?:and\s+)?(" + pattern + ")", rest, re.IGNORECASE)
        if match and not vocab.ORGAN_ROLE.match(match.group(1)):
            return match
    return None


def _repair_role(role: str) -> str:
    """'Charg6 d'Affaires' (OCR) -> 'Chargé d'Affaires'; printed case and apostrophes kept."""
    role = _collapse(role)
    if not _is_upper(role):
        role = re.sub(r"\bCharg[e6](?=\s+d['’])", "Chargé", role)
    return role


def _role_in(text: str, language: str) -> tuple[str | None, str | None]:
    """The first known role in a signature block's lines, and the state printed after it."""
    languages = [language] + [lang for lang in vocab.LANGUAGES if lang != language]
    for lang in languages:
        for pattern in vocab.ROLES[lang]:
            match = re.search(r"(?<!\w)" + pattern, text, re.IGNORECASE)
            if match:
                return _split_role_state(text[match.start() :], lang)
    return None, None


@dataclass
class _Signature:
    name: str
    role: str | None
    state: str | None


def _sender(title: _TitleReading, signatures: list[_Signature], language: str) -> Person | None:
    signature = signatures[0] if signatures else None
    person = vocab.HONORIFIC.sub("", signature.name) if signature else None
    role = (signature.role if signature else None) or title.role
    if (
        role
        and title.role
        and len(title.role) > len(role)
        and _collapse(title.role).lower().startswith(_collapse(role).lower())
        and not _is_upper(title.role)
    ):
        # The signature cut short what the title says whole ("Chairman" under the name,
        # "Chairman of the Committee on ..." in the title).
        role = title.role
    state = title.state
    signed_state = signature.state if signature else None
    if not state:
        state = signed_state
    elif signed_state and state.isupper() and state.lower() == signed_state.lower():
        state = signed_state  # "ISRAEL" in an all-capitals title, "Israel" under the name
    if not (person or role or state):
        return None
    return Person(name=person or "", role=role, state=state)


# --------------------------------------------------------------------------- signatures


_SIGNATURE_MARKER = re.compile(r"^\(\s*([^\W\d_]{4,10})\s*\)\s*(.*)$")


def _signature_marker(line: str) -> str | None:
    """The text after '(Signed)', '(Signé)', '(Firmado)' (OCR: '(Sisned)'), or None."""
    # Asked of every line of the body: most do not even start with the bracket.
    match = _SIGNATURE_MARKER.match(line) if line.startswith("(") else None
    if not match:
        return None
    word = match[1].lower()
    if not any(_similar_at_least(word, marker, 0.75) for marker in vocab.SIGNED_MARKERS):
        return None
    return match[2]


_NAME_TOKEN = re.compile(r"^(?:[A-ZÀ-ÝА-Я][\w.'’\-]*|de|da|dos|van|von|zu|al|bin|el|la|le|du)$")


def _looks_like_name(line: str) -> bool:
    tokens = line.split()
    return (
        2 <= len(tokens) <= 6
        and all(_NAME_TOKEN.match(t) for t in tokens)
        and any(len(t) >= 2 and t.replace("-", "").isupper() for t in tokens)
        and not line.endswith((".", ",", ":", ";"))
    )


def _signatures(plain: list[str], start: int, end: int, furniture: set[int]) -> list[_Signature]:
    """Signatures in a section: after '(Signed)' markers, else a name above a role line."""
    kept = [i for i in range(start, end) if i not in furniture]
    found: list[_Signature] = []
    for position, index in enumerate(kept):
        columns = _signature_columns(plain, kept, position)
        if columns:
            found.extend(columns)
            continue
        rest = _signature_marker(plain[index])
        if rest is None:
            continue
        name, name_position = rest, position
        if not name:
            following = [
                p for p in range(position + 1, min(position + 4, len(kept))) if plain[kept[p]]
            ]
            if not following:
                continue
            name_position = following[0]
            name = plain[kept[name_position]]
        around = _block_lines(plain, kept, name_position + 1, forward=True) + _block_lines(
            plain, kept, position - 1, forward=False
        )
        found.append(_signature(name, around))
    if found:
        return found
    # No marker (as in some 1980s letters): a name line followed by a rank or role line.
    nonblank = [i for i in kept if plain[i]][-30:]
    for position, index in enumerate(nonblank[:-1]):
        following = plain[nonblank[position + 1]]
        # "(U) Aryeh LEVIN": OCR leaves a damaged marker of one or two letters before the name
        name = re.sub(r"^\(\w{1,2}\)\s*", "", plain[index])
        if _looks_like_name(name) and (
            vocab.RANKS.match(following) or _role_in(following, "en")[0]
        ):
            lines_after = [plain[i] for i in nonblank[position + 1 : position + 9]]
            return [_signature(name, lines_after)]
    return []


_COLUMN_GAP = re.compile(r"\s{3,}|\t")


def _signature_columns(plain: list[str], kept: list[int], position: int) -> list[_Signature]:
    """Joint letters signed side by side: "(Signed) A    (Signed) B" and their role lines in
    the same columns. [] unless the line holds two or more signature markers."""
    if not plain[kept[position]].startswith("("):
        return []  # its first column is no signature marker (most lines: asked of each)
    chunks = _COLUMN_GAP.split(plain[kept[position]])
    names = [_signature_marker(chunk) for chunk in chunks]
    if len(chunks) < 2 or not all(name for name in names):
        return []
    blocks: list[list[str]] = [[] for _ in chunks]
    for following in kept[position + 1 : position + 9]:
        line = plain[following]
        if not line:
            break
        parts = _COLUMN_GAP.split(line)
        if len(parts) == len(chunks):
            for block, part in zip(blocks, parts, strict=True):
                block.append(part)
    return [_signature(name, block) for name, block in zip(names, blocks, strict=True)]


def _block_lines(plain: list[str], kept: list[int], position: int, *, forward: bool) -> list[str]:
    """Up to 8 lines of a signature block, stopping at a blank line."""
    collected: list[str] = []
    step = 1 if forward else -1
    while 0 <= position < len(kept) and len(collected) < 8:
        line = plain[kept[position]]
        if not line or (not forward and (len(line) > 50 or len(collected) >= 3)):
            break  # backwards, only a short role block ("L'Ambassadeur," / "Représentant permanent")
        collected.append(line)
        position += step
    return collected if forward else collected[::-1]


def _signature(name: str, block: list[str]) -> _Signature:
    role, state = _role_in(" ".join(block), "en")
    return _Signature(_collapse(name), role, state)


# --------------------------------------------------------------------------- masthead


@dataclass
class _Masthead:
    end: int = 0  # index after the last masthead line recognised
    sightings: list[SymbolSighting] = field(default_factory=list)
    distribution_date: date | None = None
    original_language: str | None = None
    ga_session: int | None = None
    ga_session_label: str | None = None
    sc_year: int | None = None
    sc_year_label: str | None = None
    agenda_kind: str | None = None
    agenda_items: tuple[AgendaItemRef, ...] = ()


def _masthead_limit(plain: list[str], first_page_end: int) -> int:
    """Without a title, the masthead ends at the first line of prose on the first page
    (masthead lines are short, or capitals in the 1990s agenda titles)."""
    limit = min(first_page_end, _MASTHEAD_SCAN)
    for index in range(limit):
        if len(plain[index]) >= 65 and not _is_upper(plain[index]):
            return index
    return limit


def _read_masthead(lines: list[str], plain: list[str], limit: int) -> _Masthead:
    masthead = _Masthead()
    seen: list[int] = []
    for index in range(limit):
        sightings = read_symbol_line(plain[index])
        if not sightings:
            # Side by side with other masthead words: "United Nations      A/80/434–S/2025/632".
            for chunk in _COLUMN_GAP.split(plain[index])[1:]:
                sightings.extend(read_symbol_line(chunk))
        if sightings:
            masthead.sightings.extend(sightings)
            seen.append(index)
    distr = next((i for i in range(limit) if re.match(r"^Distr\b", plain[i], re.IGNORECASE)), 0)
    # The date under "Distr."; some layouts print it above, beside the symbols.
    for first in dict.fromkeys((distr, 0)):
        for index in range(first, limit):
            found = find_date(" ".join(plain[first : index + 1]))
            if found:
                masthead.distribution_date = found[0]
                seen.append(index)
                break
        if masthead.distribution_date:
            break
    language_at = _original_language(plain, limit, masthead)
    seen.extend(language_at)
    for index in range(limit):
        for words, kind in ((_SESSION_WORDS, "session"), (_YEAR_WORDS, "year")):
            reading = _ordinal_before(plain[index], words)
            if not reading:
                continue
            if kind == "session" and masthead.ga_session is None:
                masthead.ga_session, masthead.ga_session_label = reading
                seen.append(index)
            if kind == "year" and masthead.sc_year is None:
                masthead.sc_year, masthead.sc_year_label = reading
                seen.append(index)
    agenda_end = _read_agenda(lines, plain, limit, masthead)
    if agenda_end:
        seen.append(agenda_end - 1)
    masthead.end = max(seen, default=-1) + 1
    return masthead


def _original_language(plain: list[str], limit: int, masthead: _Masthead) -> list[int]:
    """'Original: English'; 'ORIGINAL:' and 'ENGLISH' apart in 1990s layouts (OCR: 'ORIGINAL8')."""
    label = next(
        (i for i in range(limit) if re.match(r"^original(?:\b|\d)", plain[i], re.IGNORECASE)),
        None,
    )
    if label is None:
        return []
    value = re.sub(r"^original\s*[:8;.]?\s*:?\s*", "", plain[label], flags=re.IGNORECASE)
    code = vocab.LANGUAGE_NAMES.get(value.strip(" *.").lower())
    if code:
        masthead.original_language = code
        return [label]
    # The value printed apart: the language line nearest the label; when the masthead
    # also names the text's own language, that is the other one.
    lines = [i for i in range(limit) if is_language_line(plain[i])]
    if not lines:
        return [label]
    nearest = min(lines, key=lambda i: abs(i - label))
    masthead.original_language = vocab.LANGUAGE_NAMES[plain[nearest].lower()]
    return [label, nearest]


@dataclass(frozen=True)
class _Keywords:
    """The words an ordinal stands before ("session", "year"), per language, compiled once."""

    anywhere: re.Pattern[str]  # any language's word: most lines have none
    by_language: tuple[tuple[str, re.Pattern[str]], ...]


def _keywords(words: dict[str, str]) -> _Keywords:
    patterns = {lang: rf"(?<!\w){words[lang]}(?!\w)" for lang in vocab.LANGUAGES}
    return _Keywords(
        re.compile("|".join(f"(?:{p})" for p in patterns.values()), re.IGNORECASE),
        tuple((lang, re.compile(p, re.IGNORECASE)) for lang, p in patterns.items()),
    )


_SESSION_WORDS = _keywords(vocab.SESSION_WORDS)
_YEAR_WORDS = _keywords(vocab.YEAR_WORDS)


def _ordinal_before(line: str, keywords: _Keywords) -> tuple[int, str] | None:
    """'Forty-seventh session' in a line -> (47, 'Forty-seventh session'), in any language."""
    if not keywords.anywhere.search(line):
        return None
    for language, keyword in keywords.by_language:
        for match in keyword.finditer(line):
            words = line[: match.start()].split()[-5:]
            for size in range(len(words), 0, -1):
                phrase = " ".join(words[-size:])
                value = vocab.parse_ordinal(phrase, language)
                if value:
                    return value, f"{phrase} {match.group(0)}"
    return None


def _read_agenda(lines: list[str], plain: list[str], limit: int, masthead: _Masthead) -> int:
    """Agenda line(s) and the item titles under them; returns the index after the titles."""
    for index in range(limit):
        if not plain[index]:
            continue
        for size in (1, 2, 3, 4):
            # A list may run over lines ("Items 12, 40" / "and 61 of the preliminary list*"),
            # or share its lines with the other organ's column ("... of the     Forty-ninth
            # year"): the left column is read alone too.
            window = plain[index : index + size]
            if size > 1 and not all(window):
                break
            joined = _collapse(" ".join(window))
            left = _collapse(" ".join(_COLUMN_GAP.split(line)[0] for line in window))
            for pattern, kind in vocab.AGENDA_LINES:
                match = pattern.match(joined) or pattern.match(left)
                if match and vocab.AGENDA_NUMBERS.match(match["nums"].strip()):
                    numbers = vocab.AGENDA_NUMBER.findall(match["nums"])
                    end, titles = _agenda_titles(lines, plain, index + size, limit, len(numbers))
                    masthead.agenda_kind = kind
                    masthead.agenda_items = tuple(
                        AgendaItemRef(int(number), sub, titles[i] if i < len(titles) else None)
                        for i, (number, sub) in enumerate(numbers)
                    )
                    return end
    return 0


def _agenda_from_body(body: str, masthead: _Masthead) -> None:
    """The items the body asks the letter to be circulated under, when the masthead's list
    could not be read ("... as a document of the General Assembly, under agenda items 34
    and 35"): the letter's own words, read with medium confidence (parsing.readings)."""
    match = BODY_ITEMS.search(body)
    if not match:
        return
    numbers = vocab.AGENDA_NUMBER.findall(match["nums"])
    masthead.agenda_kind = masthead.agenda_kind or (
        "item of the preliminary list"
        if re.search(r"preliminary|préliminaire|preliminar", body[match.end() : match.end() + 40])
        else "agenda item"
    )
    masthead.agenda_items = tuple(AgendaItemRef(int(number), sub) for number, sub in numbers)


def _is_masthead_furniture(line: str) -> bool:
    """Lines that end the block of agenda item titles."""
    return bool(
        vocab.ORGAN_HEADING.match(line)
        or is_language_line(line)
        or read_symbol_line(line)
        or re.match(r"^(?:Distr\b|original\b)", line, re.IGNORECASE)
        or parse_date(line)
        or _ordinal_before(line, _SESSION_WORDS)
        or _ordinal_before(line, _YEAR_WORDS)
        or any(opening.match(line) for _, _, opening in vocab.TITLE_OPENINGS)
    )


def _agenda_titles(
    lines: list[str], plain: list[str], start: int, limit: int, count: int
) -> tuple[int, list[str]]:
    """The titles under the agenda line, split into ``count`` titles by layout cues."""
    blocks: list[list[str]] = []
    current: list[str] = []
    capitals: bool | None = None
    end = start
    index = start
    while index < limit:
        line = plain[index]
        if not line:
            if current:
                blocks.append(current)
                current = []
            after = _next_nonblank(plain, index, limit)
            if (
                after is None
                or _is_masthead_furniture(plain[after])
                or (capitals and not _is_upper(plain[after]))
                or (not capitals and _count_titles(blocks) >= count)
            ):
                break
            index = after
            continue
        if _is_masthead_furniture(line) or len(line) > 150:
            break
        if capitals is None:
            capitals = _is_upper(line)
        elif capitals and not _is_upper(line):
            break
        raw = lines[index].strip()
        if raw.startswith("**") and current:
            blocks.append(current)  # bold starts a new title in converted documents
            current = []
        current.append(line)
        if raw.endswith("**"):
            blocks.append(current)
            current = []
        end = index + 1
        index += 1
    if current:
        blocks.append(current)
    return end, _split_titles(blocks, count)


def _count_titles(blocks: list[list[str]]) -> int:
    return len(blocks)


def _split_titles(blocks: list[list[str]], count: int) -> list[str]:
    """Map ``count`` agenda numbers to titles: blank-line blocks first, then the likeliest
    line breaks inside blocks (a title ends where the next line starts a new one)."""
    if count == 0 or not blocks:
        return []
    needed = count - len(blocks)
    splits: set[tuple[int, int]] = set()
    if needed > 0:
        candidates = []
        for b, block in enumerate(blocks):
            width = max(len(line) for line in block)
            for j in range(1, len(block)):
                score = _break_score(block[j - 1], block[j], width)
                if score is not None:
                    candidates.append((-score, b, j))
        candidates.sort()
        splits = {(b, j) for _, b, j in candidates[:needed]}
    titles: list[str] = []
    for b, block in enumerate(blocks):
        current: list[str] = []
        for j, line in enumerate(block):
            if (b, j) in splits and current:
                titles.append(_clean_title(current))
                current = []
            current.append(line)
        titles.append(_clean_title(current))
    if len(titles) > count:
        titles[count - 1 :] = [" ".join(titles[count - 1 :])]
    return titles


def _clean_title(lines: list[str]) -> str:
    return _collapse(" ".join(lines)).strip(" —–-*")


_ARTICLES = frozenset(["the", "la", "le", "les", "l'", "el", "los", "las"])


def _break_score(previous: str, following: str, width: int) -> int | None:
    """How likely a title ends after ``previous``; None when it surely goes on."""
    last = previous.rstrip(" —–-").split()[-1].lower() if previous.split() else ""
    first = following.split()[0].lower()
    if last in vocab.CONNECTORS or previous.rstrip().endswith((",", "-", "‐")):
        return None
    if first in vocab.CONNECTORS - _ARTICLES:
        return None
    capitals = _is_upper(previous) and _is_upper(following)
    if not capitals and following[0].islower():
        return None
    score = 0
    if first.strip("'’") in vocab.TITLE_HEADS or first.split("'")[0] in vocab.TITLE_HEADS:
        score += 2
    if len(previous) + 1 + len(first) <= width:
        score += 1  # the next word would have fit: the line was ended on purpose
    if not capitals and following[0].isupper():
        score += 1
    return score


# --------------------------------------------------------------------------- symbols


def _symbols(sightings: list[SymbolSighting]) -> tuple[str, ...]:
    return vote_symbols(sightings)


# --------------------------------------------------------------------------- body and annexes


def _clean_text(lines: list[str], start: int, end: int, furniture: set[int]) -> str:
    """The section's lines without print furniture; the letter's words verbatim.

    `**` bold markers come from word-processor conversions, not from the letter: they go,
    like page footers (the file itself stays verbatim in LetterText.full_text)."""
    kept = [
        lines[i].replace("\f", "").replace("**", "").rstrip()
        for i in range(start, end)
        if i not in furniture
    ]
    text = "\n".join(kept)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _annex_headings(
    plain: list[str], start: int, furniture: set[int], language: str
) -> list[tuple[int, int, str]]:
    """(first line, index after the heading, heading text) for each annex heading."""
    headings = []
    index = start
    while index < len(plain):
        line = plain[index]
        if index not in furniture and vocab.ANNEX_HEADING.match(line):
            if len(line.split()) <= 3:
                end, text = index + 1, line
            else:
                end, text = _title_extent(plain, index, language)
            headings.append((index, end, text))
            index = end
            continue
        index += 1
    return headings


def _read_annex(
    order: int,
    heading: str,
    lines: list[str],
    plain: list[str],
    start: int,
    end: int,
    furniture: set[int],
    language: str,
) -> ParsedAnnex:
    kept = [i for i in range(start, end) if i not in furniture]
    nonblank = [i for i in kept if plain[i]]
    widths = sorted(len(plain[i]) for i in nonblank)
    width = widths[int(len(widths) * 0.9)] if widths else 0
    title_lines: list[str] = []
    annex_date: date | None = None
    original: str | None = None
    position = 0
    # The annexed document's own title: short lines up to a blank, its date or a paragraph.
    while position < len(kept) and not plain[kept[position]]:
        position += 1
    while position < len(kept) and len(title_lines) < 6:
        line = plain[kept[position]]
        mark = vocab.ORIGINAL_MARK.match(line)
        if not line or _signature_marker(line) is not None:
            break
        if mark:
            original = vocab.LANGUAGE_NAMES.get(mark["lang"].lower())
            position += 1
            continue
        if parse_date(line):
            annex_date = parse_date(line)
            break
        if title_lines and (len(line) >= 0.9 * width or re.fullmatch(r"\(.*\)", title_lines[-1])):
            break
        if not title_lines and len(line) >= 0.9 * width and len(nonblank) > 3:
            break  # the annex opens with a paragraph: it has no title of its own
        title_lines.append(line)
        position += 1
    for index in kept[position : position + 4]:
        mark = vocab.ORIGINAL_MARK.match(plain[index])
        if mark:
            original = vocab.LANGUAGE_NAMES.get(mark["lang"].lower())
    title = _collapse(" ".join(title_lines)) or None
    if title and annex_date is None:
        annex_date = _date_after(vocab.TITLE_DATE_LEAD[language], title)
    signatures = _signatures(plain, start, end, furniture)
    signatory = None
    if signatures:
        role, state = signatures[0].role, signatures[0].state
        if title and not role:
            sender = vocab.SENDER_PHRASE[language].search(title)
            if sender:
                role, title_state = _split_role_state(sender["sender"], language)
                state = state or title_state
        signatory = Person(name=signatures[0].name, role=role, state=state)
    return ParsedAnnex(
        order=order,
        heading=_collapse(heading),
        title=title,
        letter_date=annex_date,
        signatory=signatory,
        original_language=original,
        text=_clean_text(lines, start, end, furniture),
    )


# --------------------------------------------------------------------------- language, claims


def _language_by_stop_words(plain: list[str]) -> str:
    words = re.findall(r"[^\W\d_]+", " ".join(plain).lower())
    counts = {lang: sum(w in stop for w in words) for lang, stop in vocab.STOP_WORDS.items()}
    return max(counts, key=lambda lang: counts[lang])


def _extract_claims(
    body: str,
    annexes: list[ParsedAnnex],
    language: str,
    sender: Person | None,
    letter_date: date | None,
) -> tuple[ParsedClaim, ...]:
    # The claims extractor and the state-name table are separate modules that may not be
    # installed yet; without them a letter still parses, with no claims.
    try:
        from .claims import extract_claims
        from .states import english_state_name
    except ImportError:
        return ()
    claimant = english_state_name(sender.state) if sender and sender.state else None
    found: list[ParsedClaim] = []
    for section, text in enumerate([body, *(annex.text for annex in annexes)]):
        found.extend(
            extract_claims(
                text, section=section, language=language, claimant=claimant, letter_date=letter_date
            )
        )
    return tuple(found)


# --------------------------------------------------------------------------- JSON


def parsed_as_expected_json(parsed: ParsedLetter) -> dict:
    """A ParsedLetter in the shape of a record of fixtures/letters/expected.jsonl.

    Human annotations of that file (file, text_quality, truncated, notes) are not produced.
    """

    def iso(value: date | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "doc_type": parsed.doc_type,
        "symbols": list(parsed.symbols) or None,
        "distribution_date": iso(parsed.distribution_date),
        "language": parsed.language,
        "original_language": parsed.original_language,
        "ga_session": parsed.ga_session,
        "ga_session_label": parsed.ga_session_label,
        "sc_year": parsed.sc_year,
        "sc_year_label": parsed.sc_year_label,
        "agenda_items": [item.number for item in parsed.agenda_items],
        "agenda_item_titles": {
            str(item.number): item.title for item in parsed.agenda_items if item.title
        },
        "agenda_kind": parsed.agenda_kind,
        "title": parsed.title,
        "sender": (
            {
                "person": parsed.sender.name or None,
                "role": parsed.sender.role,
                "state": parsed.sender.state,
            }
            if parsed.sender
            else None
        ),
        "addressee": parsed.addressees[0] if parsed.addressees else None,
        "addressees": list(parsed.addressees) or None,
        "letter_date": iso(parsed.letter_date),
        "annex_count": len(parsed.annexes),
        "annexes": [
            {
                "title": annex.title,
                "letter_date": iso(annex.letter_date),
                "signatory": annex.signatory.name if annex.signatory else None,
                "role": annex.signatory.role if annex.signatory else None,
            }
            for annex in parsed.annexes
        ],
        "signatories": list(parsed.signatories),
        "claims": [
            {
                "claimant": claim.claimant,
                "accused": claim.accused,
                "kind": claim.kind,
                "date": iso(claim.date),
                "period_start": iso(claim.period_start),
                "period_end": iso(claim.period_end),
                "place": claim.place,
                "killed": claim.killed,
                "killed_civilians": claim.killed_civilians,
                "injured": claim.injured,
                "injured_civilians": claim.injured_civilians,
                "victims": claim.victims,
                "quote": claim.quote,
                "confidence": claim.confidence,
            }
            for claim in parsed.claims
        ],
    }
