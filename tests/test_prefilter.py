"""The parser's shortcuts give the answers of what they replace (archive.parsing.prefilter
and the cheaper paths of the claims extractor, the state names and the fuzzy matches).

Each shortcut is checked against the plain computation on the fixture letters, cut into
sentences and lines, so that a pattern added later that breaks a shortcut's premise fails
here rather than silently changing a reading."""

import difflib
import re
from pathlib import Path

import pytest

from archive.parsing import claims, letter, states
from archive.parsing.prefilter import any_of, finds_any, first_start, requires_digit

LETTERS = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "letters").glob("*.txt"))


def _texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in LETTERS]


def _folded_sentences() -> list[str]:
    found = []
    for text in _texts():
        folded = states.fold(text)
        found += [folded[start:end] for start, end in claims.split_sentences(text)]
    # Lines too: short texts, texts that start or end inside a word's neighbourhood.
    found += [line for text in _texts() for line in states.fold(text).splitlines() if line]
    return found


SENTENCES = _folded_sentences()


def _merged_cases():
    yield "dates", claims._DATE_SCANS
    for language, table in claims._TRIGGERS.items():
        yield f"triggers-{language}", [trigger.pattern for trigger in table]


@pytest.mark.parametrize(("name", "patterns"), list(_merged_cases()))
def test_a_merged_pattern_finds_its_first_candidate_where_its_patterns_do(name, patterns):
    merged = any_of(patterns)
    hits = 0
    for text in SENTENCES:
        starts = [m.start() for p in patterns if (m := p.search(text))]
        assert finds_any(merged, text) == bool(starts), (name, text[:80])
        first = first_start(merged, text)
        if starts:
            hits += 1
            # no pattern matches before the candidate, so each may be run from there on
            assert first is not None and first <= min(starts), (name, text[:80])
            for pattern in patterns:
                from_there = [m.span() for m in pattern.finditer(text, first)]
                assert from_there == [m.span() for m in pattern.finditer(text)]
    assert hits, f"the fixtures exercise no pattern of {name}"


def test_merging_keeps_each_patterns_flags_and_refuses_backreferences():
    dotall = re.compile(r"(?s)a.b")
    plain = re.compile(r"c.d")
    merged = any_of([dotall, plain])
    assert finds_any(merged, "a\nb") and not finds_any(merged, "c\nd")
    assert first_start(merged, "xx c-d a\nb") == 3
    assert first_start(merged, "nothing") is None
    with pytest.raises(ValueError, match="backreference"):
        any_of([re.compile(r"(a)\1")])


def test_a_pattern_needs_a_digit_only_when_every_match_holds_one():
    needs = [r"\d", r"\d+", r"x{2}\d{1}", r"(?:\d|1)x", r"(?P<y>(?:1[89]|20)\d\d)", r"(?>\d)"]
    may_not = [r"\d?", r"\d*", r"a|\d", r"[0-9a]", r"(?=\d)", r"[^a]", r"today"]
    assert all(requires_digit(re.compile(p)) for p in needs)
    assert not any(requires_digit(re.compile(p)) for p in may_not)
    # the premise of the dates' shortcut: every date pattern but the relative days
    relative = {pattern for pattern, _, _ in claims._RELATIVE_DAYS}
    for pattern in claims._DATE_SCANS:
        assert requires_digit(pattern) == (pattern not in relative), pattern.pattern


def test_dates_and_event_words_are_found_as_by_running_every_pattern(monkeypatch):
    reference = claims.date(2021, 3, 12)
    languages = [*claims._TRIGGERS, "ru"]
    quick = [
        (
            [claims._find_dates(text, when) for when in (None, reference)],
            [claims._find_triggers(text, language) for language in languages],
        )
        for text in SENTENCES
    ]
    # every pattern run over the whole sentence, as before the shortcuts
    monkeypatch.setattr(claims, "_DIGIT", re.compile(""))
    monkeypatch.setattr(claims, "first_start", lambda merged, text: 0)
    plain = [
        (
            [claims._find_dates(text, when) for when in (None, reference)],
            [claims._find_triggers(text, language) for language in languages],
        )
        for text in SENTENCES
    ]
    assert quick == plain
    assert any(dates[1] for dates, _ in plain) and any(any(t) for _, t in plain)


def _all_names_mentions(folded: str) -> list[tuple[int, int]]:
    """State names as one alternation of every name, tried at every word (the former way)."""
    names = {
        states.fold(name)
        for state in states.load_states()
        for name in state.names
        if len(name) > 3 or name.isupper()
    }
    alternatives = []
    for name in sorted(names, key=len, reverse=True):
        parts = [re.escape(part) for part in re.split(r"[\s\-]+", name) if part]
        alternatives.append(r"[\s\-]+".join(parts))
    pattern = re.compile(r"(?<![\w])(?:" + "|".join(alternatives) + r")(?![\w])")
    first_words = states._first_words()
    found, position = [], 0
    for word in re.finditer(r"(?<!\w)\w+", folded):
        if word.start() < position or word.group() not in first_words:
            continue
        match = pattern.match(folded, word.start())
        if match:
            position = match.end()
            found.append(match.span())
    return found


def test_state_names_are_found_as_by_the_alternation_of_every_name():
    every_name = " ".join(
        f"{name}{sep}"
        for state in states.load_states()
        for name, sep in zip(state.names, (" ", "-", "\n", ", ", "'s "), strict=False)
    )
    for text in [*_texts(), every_name, every_name.upper()]:
        folded = states.fold(text)
        assert [m.span() for m in states._mention_matches(folded)] == _all_names_mentions(folded)


def test_fuzzy_threshold_decides_as_the_full_ratio():
    words = {w for text in _texts() for w in re.findall(r"\w+", text.lower())[:300]}
    pairs = [(a, b) for a in sorted(words)[:120] for b in ("signed", "signé", "firmado")]
    pairs += [("Secretary-General", "Secretary Genera?"), ("", ""), ("a", "")]
    for a, b in pairs:
        ratio = difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()
        for threshold in (0.75, 0.8):
            assert letter._similar_at_least(a, b, threshold) == (ratio >= threshold), (a, b)
