"""Measure the claims extractor against fixtures/letters/claims.jsonl.

    .venv/bin/python scripts/claims_report.py

For each text file, the extractor runs on the whole file (section 0, the claimant from
claims.jsonl, language and letter date from expected.jsonl). A found claim matches an
expected one when their quotes, whitespace collapsed, overlap by at least half of the
shorter one (they share the sentence), the kinds are compatible, and the casualty counts
and date or period agree wherever the expected claim gives them. tests/test_claims.py
asserts on the same figures.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.parsing.claims import extract_claims  # noqa: E402
from archive.parsing.types import ParsedClaim  # noqa: E402

LETTERS = ROOT / "fixtures" / "letters"
COUNT_FIELDS = ("killed", "killed_civilians", "injured", "injured_civilians")
DATE_FIELDS = ("date", "period_start", "period_end")
# Kinds a reader may name differently: "shot dead" is a shooting and a killing.
KIND_SYNONYMS = {
    "attacks": "attack",
    "mine explosions": "mine explosion",
    "sabotage group deployment": "sabotage",
    "settlement announcement": "settlement construction",
}
KIND_FAMILIES = [{"killing", "shooting", "wounding"}, {"bombing", "attempted bombing"}]


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def kinds_compatible(expected: str, found: str) -> bool:
    expected = KIND_SYNONYMS.get(expected, expected)
    return expected == found or any({expected, found} <= family for family in KIND_FAMILIES)


@dataclass
class FileScore:
    file: str
    expected_clear: int = 0
    expected_borderline: int = 0
    found: int = 0
    clear_matched: int = 0
    borderline_matched: int = 0
    false_alarms: list[ParsedClaim] = field(default_factory=list)
    missed: list[dict] = field(default_factory=list)


def load_cases() -> list[tuple[str, str, dict, list[dict]]]:
    """(file, text, expected.jsonl record, claims.jsonl records) per text file."""
    expected = [
        json.loads(line) for line in (LETTERS / "expected.jsonl").read_text().splitlines() if line
    ]
    claims = [
        json.loads(line) for line in (LETTERS / "claims.jsonl").read_text().splitlines() if line
    ]
    return [
        (
            record["file"],
            (LETTERS / record["file"]).read_text(encoding="utf-8"),
            record,
            [claim for claim in claims if claim["file"] == record["file"]],
        )
        for record in expected
    ]


def run_extractor(text: str, record: dict, claims: list[dict]) -> list[ParsedClaim]:
    letter_date = date.fromisoformat(record["letter_date"]) if record["letter_date"] else None
    claimant = claims[0]["claimant"] if claims else None
    return extract_claims(
        text, section=0, language=record["language"], claimant=claimant, letter_date=letter_date
    )


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    shared = min(a[1], b[1]) - max(a[0], b[0])
    return max(shared, 0) / max(1, min(a[1] - a[0], b[1] - b[0]))


def _collapsed_span(text: str, start: int, end: int) -> tuple[int, int]:
    prefix = collapse(text[:start] + "x")[:-1]
    return len(prefix), len(prefix) + len(collapse(text[start:end]))


def agrees(expected: dict, found: ParsedClaim) -> bool:
    """Kind compatible; counts and dates equal wherever the expected claim gives them."""
    if not kinds_compatible(expected["kind"], found.kind):
        return False
    for name in COUNT_FIELDS:
        if expected[name] is not None and expected[name] != getattr(found, name):
            return False
    for name in DATE_FIELDS:
        value = getattr(found, name)
        if expected[name] is not None and expected[name] != (value.isoformat() if value else None):
            return False
    return True


def score_file(file: str, text: str, record: dict, claims: list[dict]) -> FileScore:
    found = run_extractor(text, record, claims)
    collapsed_text = collapse(text)
    score = FileScore(file=file, found=len(found))
    found_spans = [_collapsed_span(text, c.quote_start, c.quote_end) for c in found]
    expected_spans = []
    for claim in claims:
        start = collapsed_text.find(collapse(claim["quote"]))
        assert start != -1, f"quote not in {file}: {claim['quote'][:60]}"
        expected_spans.append((start, start + len(collapse(claim["quote"]))))
    used: set[int] = set()
    # Clear claims first: each must be found by a claim that agrees with it.
    for claim, span in sorted(
        zip(claims, expected_spans, strict=True), key=lambda c: c[0]["confidence"] != "clear"
    ):
        clear = claim["confidence"] == "clear"
        score.expected_clear += clear
        score.expected_borderline += not clear
        match = next(
            (
                i
                for i, (c, s) in enumerate(zip(found, found_spans, strict=True))
                if i not in used and _overlap(span, s) >= 0.5 and agrees(claim, c)
            ),
            None,
        )
        if match is None:
            score.missed.append(claim)
            continue
        used.add(match)
        score.clear_matched += clear
        score.borderline_matched += not clear
    for i, (claim, span) in enumerate(zip(found, found_spans, strict=True)):
        if i not in used and not any(_overlap(span, s) >= 0.5 for s in expected_spans):
            score.false_alarms.append(claim)
    return score


def all_scores() -> list[FileScore]:
    return [score_file(*case) for case in load_cases()]


def report(scores: list[FileScore]) -> str:
    lines = [
        f"{'file':40} {'clear':>7} {'border':>7} {'found':>5} {'false':>5}",
    ]
    for s in scores:
        lines.append(
            f"{s.file:40} {s.clear_matched:>3}/{s.expected_clear:<3} "
            f"{s.borderline_matched:>3}/{s.expected_borderline:<3} "
            f"{s.found:>5} {len(s.false_alarms):>5}"
        )
    clear = sum(s.expected_clear for s in scores)
    clear_hit = sum(s.clear_matched for s in scores)
    border = sum(s.expected_borderline for s in scores)
    border_hit = sum(s.borderline_matched for s in scores)
    found = sum(s.found for s in scores)
    false = sum(len(s.false_alarms) for s in scores)
    lines.append(
        f"recall (clear) {clear_hit}/{clear} = {clear_hit / max(clear, 1):.2f}; "
        f"recall (borderline) {border_hit}/{border} = {border_hit / max(border, 1):.2f}; "
        f"precision {found - false}/{found} = {(found - false) / max(found, 1):.2f}"
    )
    for s in scores:
        for claim in s.missed:
            lines.append(
                f"missed [{claim['confidence']}] {s.file}: {claim['kind']}: {claim['quote'][:70]}"
            )
        for claim in s.false_alarms:
            lines.append(f"false alarm {s.file}: {claim.kind}: {collapse(claim.quote)[:70]}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(all_scores()))
