"""Golden cases for the conventions of UN letters written down in docs/letter-conventions.md.

The real letters of fixtures/letters are golden-tested whole in test_parsing.py; the cases
here are the variations those letters do not show, each a minimal letter in
fixtures/conventions/ marked there as constructed (never presented as a real letter).
"""

import json
from pathlib import Path

import pytest

from archive.parsing import parse_letter, parsed_as_expected_json

CASES = Path(__file__).resolve().parent.parent / "fixtures" / "conventions"
EXPECTED = json.loads((CASES / "expected.json").read_text(encoding="utf-8"))
FIELDS = [(name, field) for name, case in EXPECTED.items() for field in case["expect"]]


@pytest.mark.parametrize(("name", "field"), FIELDS, ids=[f"{n}-{f}" for n, f in FIELDS])
def test_convention_case(name, field):
    parsed = parse_letter((CASES / name).read_text(encoding="utf-8"), claims=False)
    assert parsed_as_expected_json(parsed)[field] == EXPECTED[name]["expect"][field]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_case_says_where_it_comes_from(name):
    assert EXPECTED[name]["source"].startswith(("constructed", "real"))
    assert EXPECTED[name]["conventions"]


@pytest.mark.parametrize("name", [n for n, case in EXPECTED.items() if "readings" in case])
def test_convention_case_confidence(name):
    parsed = parse_letter((CASES / name).read_text(encoding="utf-8"), claims=False)
    for field, confidence in EXPECTED[name]["readings"].items():
        assert parsed.reading(field).confidence == confidence


def test_a_session_the_symbol_contradicts_is_withheld_and_flagged():
    text = (CASES / "chair_of_committee_items_split.en.txt").read_text(encoding="utf-8")
    # OCR misread the session ordinal; the symbol A/44/123 says forty-fourth.
    parsed = parse_letter(text.replace("Forty-fourth session", "Forty-first session"))
    assert parsed.ga_session is None
    reading = parsed.reading("ga_session")
    assert reading.confidence == "low"
    assert "contradicts the symbol" in reading.note


def test_body_citing_items_the_masthead_lacks_flags_the_agenda_items():
    text = (CASES / "chair_of_committee_items_split.en.txt").read_text(encoding="utf-8")
    parsed = parse_letter(
        text.replace("under items 12, 40 and 61", "under items 12, 40, 61 and 77")
    )
    assert parsed.reading("agenda_items").confidence == "low"
    assert "77" in parsed.reading("agenda_items").note


def test_claims_of_a_note_verbale_name_the_accused_by_nationality():
    parsed = parse_letter((CASES / "note_verbale_mission.en.txt").read_text(encoding="utf-8"))
    found = {(c.kind, c.accused_state, c.killed, c.injured) for c in parsed.claims}
    assert found == {
        ("shelling", "Russian Federation", 2, 7),
        ("drone strike", "Russian Federation", None, 4),
    }
