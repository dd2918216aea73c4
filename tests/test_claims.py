"""Incident claims: golden tests on the real letters, and rules on short synthetic snippets.

Golden figures are measured by scripts/claims_report.py (run it to see the table).
"""

import importlib.util
import sys
from datetime import date
from pathlib import Path

import pytest

from archive.parsing.claims import extract_claims, parse_number, split_sentences

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "claims_report", ROOT / "scripts" / "claims_report.py"
)
claims_report = importlib.util.module_from_spec(_spec)
sys.modules["claims_report"] = claims_report  # dataclasses look their module up there
_spec.loader.exec_module(claims_report)

CASES = claims_report.load_cases()
SCORES = {score.file: score for score in claims_report.all_scores()}


# False alarms allowed per file: none in a letter that reports no incident (a claim there
# is plainly wrong to a reader), one in a letter that does (a sentence a reader might
# also count, e.g. a second mention of an incident, is tolerable in an editor's queue).
def false_alarm_bound(claims: list[dict]) -> int:
    return 1 if claims else 0


@pytest.mark.parametrize(("file", "text", "record", "claims"), CASES, ids=[c[0] for c in CASES])
def test_every_clear_claim_is_found_with_its_counts_and_dates(file, text, record, claims):
    score = SCORES[file]
    missed = [c["quote"][:80] for c in score.missed if c["confidence"] == "clear"]
    assert not missed, f"clear claims missed in {file}: {missed}"


@pytest.mark.parametrize(("file", "text", "record", "claims"), CASES, ids=[c[0] for c in CASES])
def test_few_false_alarms(file, text, record, claims):
    score = SCORES[file]
    alarms = [claims_report.collapse(c.quote)[:80] for c in score.false_alarms]
    assert len(alarms) <= false_alarm_bound(claims), alarms


@pytest.mark.parametrize(("file", "text", "record", "claims"), CASES, ids=[c[0] for c in CASES])
def test_quotes_are_verbatim_slices_of_the_text(file, text, record, claims):
    for claim in claims_report.run_extractor(text, record, claims):
        assert claim.quote == text[claim.quote_start : claim.quote_end]
        assert claim.confidence in {"clear", "borderline"}
        assert claim.found_by.startswith("rules-v1:")


def test_precision_recall_table(capsys):
    table = claims_report.report(list(SCORES.values()))
    print(table)
    assert "recall (clear)" in capsys.readouterr().out


def _french_case():
    return next(case for case in CASES if case[0].endswith(".fr.txt"))


def test_french_mine_casualties_since_the_trilateral_statement():
    _file, text, record, claims = _french_case()
    found = claims_report.run_extractor(text, record, claims)
    mines = [c for c in found if c.kind == "mine explosion"]
    assert len(mines) == 1
    claim = mines[0]
    assert (claim.killed, claim.killed_civilians, claim.injured, claim.injured_civilians) == (
        15,
        9,
        65,
        8,
    )
    assert claim.period_start == date(2020, 11, 10)
    # "Depuis le 10 novembre 2020" runs to the annexed letter's own date (22 February).
    assert claim.period_end == date(2021, 2, 22)
    assert claim.date is None
    assert (claim.claimant, claim.accused) == ("Azerbaijan", "Armenia")
    assert claim.place == "territoires récemment libérés"
    assert claim.confidence == "clear"


def test_french_sabotage_group_is_blamed_on_armenia_through_the_pronoun():
    _file, text, record, claims = _french_case()
    found = claims_report.run_extractor(text, record, claims)
    sabotage = [c for c in found if c.kind == "sabotage"]
    assert len(sabotage) == 1
    assert sabotage[0].accused == "Armenia"
    assert "groupe de sabotage" in sabotage[0].quote
    # "aujourd'hui" belongs to another clause (the release she asks for), not the incident.
    assert sabotage[0].date is None
    assert sabotage[0].confidence == "clear"


def test_annex_text_alone_with_its_own_date():
    """The parser calls the extractor on an annex's text, with the annexed letter's date."""
    _file, text, _record, _claims_of_file = _french_case()
    annex = text[text.index("Lettre datée du 22 février 2021") :]
    found = extract_claims(
        annex, section=1, language="fr", claimant="Azerbaijan", letter_date=date(2021, 2, 22)
    )
    mines = next(c for c in found if c.kind == "mine explosion")
    assert mines.section == 1
    assert mines.quote == annex[mines.quote_start : mines.quote_end]
    assert mines.quote.startswith("Depuis le 10 novembre 2020")
    assert mines.period_end == date(2021, 2, 22)


# ------------------------------------------------------------ synthetic snippets (not real letters)


def _claims(text, language="en", claimant="Examplestan", letter_date=date(2024, 5, 10)):
    return extract_claims(
        text, section=0, language=language, claimant=claimant, letter_date=letter_date
    )


def test_sentences_do_not_split_at_abbreviations_or_line_breaks():
    text = (
        "I refer to letter No. 5 from Mr. Smith, Chargé d'affaires a.i. of the\n"
        "Mission, and Dr. Jones. The troops\nopened fire on the village. Thank you."
    )
    sentences = [text[s:e] for s, e in split_sentences(text)]
    assert len(sentences) == 3
    assert sentences[1] == "The troops\nopened fire on the village."


@pytest.mark.parametrize(
    ("printed", "value"),
    [
        ("52", 52),
        ("Eighty", 80),
        ("seven", 7),
        ("twenty-five", 25),
        ("deux", 2),
        ("soixante-cinq", 65),
        ("1,200", 1200),
        ("two hundred", 200),
    ],
)
def test_numbers_in_digits_and_words(printed, value):
    assert parse_number(printed) == value


def test_relative_dates_resolve_against_the_letter_date():
    found = _claims(
        "Yesterday, the occupying forces shelled the village of Exampleville, killing three civilians."
    )
    assert len(found) == 1
    claim = found[0]
    assert claim.date == date(2024, 5, 9)
    assert (claim.kind, claim.killed, claim.killed_civilians) == ("shelling", 3, 3)
    assert claim.place == "Exampleville"


def test_the_night_before_counts_back_from_the_date_just_given():
    text = (
        "On 3 March 2024, a soldier opened fire on a crowd in Sampletown, wounding 12 people. "
        "The crowd demanded the body of Omar, who had been shot dead by the army the night before."
    )
    found = _claims(text)
    assert [(c.date, c.killed, c.injured) for c in found] == [
        (date(2024, 3, 3), None, 12),
        (date(2024, 3, 2), 1, None),
    ]


def test_at_least_and_of_whom():
    found = _claims(
        "On 2 May 2024 at least 14 people, of whom 6 civilians, were killed by drone strikes in Testville."
    )
    claim = found[0]
    assert (claim.killed, claim.killed_civilians, claim.kind) == (14, 6, "drone strike")


def test_since_gives_a_period_ending_at_the_letter_date():
    found = _claims(
        "Since 1 January 2024, 40 persons have been injured by landmine explosions in the border district."
    )
    claim = found[0]
    assert (claim.period_start, claim.period_end, claim.date) == (
        date(2024, 1, 1),
        date(2024, 5, 10),
        None,
    )
    assert (claim.kind, claim.injured) == ("mine explosion", 40)


def test_pronoun_agent_resolves_to_the_last_state_named_not_the_claimant():
    text = "Armenia has never respected the ceasefire. On 4 May 2024 it shelled positions near Sampleville."
    found = _claims(text, claimant="Azerbaijan")
    assert found[0].accused == "Armenia"


def test_requests_and_political_statements_are_not_claims():
    text = (
        "The international community should condemn Israel for the killing and wounding of innocent people. "
        "These attacks are part of a systematic campaign of intimidation. "
        "I request that the perpetrators of such attacks be brought to justice."
    )
    assert _claims(text) == []


def test_french_singular_victim_and_agent():
    text = "Le 5 mai 2024, un agriculteur a été tué par les forces armées de l'Exemplie dans le village de Testbourg."
    claim = _claims(text, language="fr")[0]
    assert (claim.killed, claim.date, claim.kind) == (1, date(2024, 5, 5), "killing")
    assert claim.accused.startswith("forces armées")


def test_spanish_casualties():
    text = "El 7 de mayo de 2024, tres civiles murieron y cinco personas resultaron heridas por el bombardeo de la ciudad de Ejemplo."
    claim = _claims(text, language="es")[0]
    assert claim.date == date(2024, 5, 7)
    assert claim.injured == 5
    assert claim.kind == "shelling"


@pytest.mark.parametrize(
    ("agent", "iso3"),
    [
        ("Israeli army", "ISR"),
        ("Israeli soldiers", "ISR"),
        ("Azerbaijani forces", "AZE"),
        ("the Armenian armed forces", "ARM"),
        ("les forces arméniennes", "ARM"),
        ("forces armées azerbaïdjanaises", "AZE"),
        ("el ejército ruso", "RUS"),
        ("fuerzas israelíes", "ISR"),
        ("the Baku regime", "AZE"),
        ("the Government of Armenia", "ARM"),
        ("Armenia", "ARM"),
        ("PLO terrorists", None),
        ("unknown gunmen", None),
    ],
)
def test_the_accused_resolves_to_a_state_from_adjectives_forces_and_capitals(agent, iso3):
    from archive.parsing.states import state_of_agent

    state = state_of_agent(agent)
    assert (state.iso3 if state else None) == iso3


@pytest.mark.django_db
def test_claims_against_a_nationality_are_on_the_states_page():
    from archive.models import IncidentClaim

    claims = IncidentClaim.objects.filter(letter__symbols__lookup="A/45/155")
    army = claims.filter(accused_name="Israeli army")
    assert army.exists()
    assert set(army.values_list("accused_state__iso3", flat=True)) == {"ISR"}
    soldiers = IncidentClaim.objects.filter(accused_name="Israeli soldiers")
    assert soldiers.exists() and all(c.accused_state.iso3 == "ISR" for c in soldiers)


# Constructed (not a real letter): an annex chronology, one dated incident a paragraph, in
# the forms such chronologies take: full dates, days without their year, ranges, "yesterday".
CHRONOLOGY = """3 March 2021: At 10.30 a.m., units of the Armenian armed forces fired on the positions \
of the Azerbaijani army in the Tovuz district, using large-calibre machine guns.

4 March: A civilian, Elvin Aliyev, born in 1970, was wounded by a mine explosion near the \
village of Sarijali in the Aghdam district.

On 5 March, two servicemen of the Azerbaijani army were killed by sniper fire from the \
Armenian positions.

6 March 2021 — the village of Alibeyli was shelled by Armenian forces; three houses were \
destroyed.

7-9 March 2021: Armenian armed forces violated the ceasefire 23 times.

On 10 March, Armenian soldiers opened fire on a group of farmers, killing three civilians, \
including a child, and injuring five others.

Yesterday, a bus carrying civilians was hit by an artillery shell in Terter; 4 people died.
"""


def test_every_dated_incident_of_a_chronology_is_a_claim():
    found = _claims(CHRONOLOGY, claimant="Azerbaijan", letter_date=date(2021, 3, 12))
    assert len(found) == 7
    by_day = {(c.date or c.period_start): c for c in found}
    assert sorted(by_day) == [date(2021, 3, day) for day in (3, 4, 5, 6, 7, 10, 11)]
    # A day without its year is in the letter's year; "born in 1970" dates nobody's incident.
    assert by_day[date(2021, 3, 4)].injured == 1
    # A range is a period.
    violations = by_day[date(2021, 3, 7)]
    assert (violations.kind, violations.period_end) == ("ceasefire violation", date(2021, 3, 9))
    # Casualties in the right places, civilians apart.
    farmers = by_day[date(2021, 3, 10)]
    assert (farmers.killed, farmers.killed_civilians, farmers.injured) == (3, 3, 5)
    assert by_day[date(2021, 3, 11)].killed == 4  # "yesterday" from the letter's date
    # The perpetrator is never the claimant's own army named as the victim.
    assert all(c.accused and "Azerbaijani" not in c.accused for c in found)
    assert {c.accused_state for c in found} == {"Armenia"}


@pytest.mark.parametrize(
    ("text", "language", "claimant", "expected"),
    [
        (
            "Le 5 mars, deux civils ont été tués par des tirs d'artillerie arméniens dans le "
            "village d'Alibeyli.",
            "fr",
            "Azerbaijan",
            {"date": date(2021, 3, 5), "killed": 2, "killed_civilians": 2, "state": "Armenia"},
        ),
        (
            "Du 7 au 9 mars 2021, les forces arméniennes ont violé le cessez-le-feu à 23 reprises.",
            "fr",
            "Azerbaijan",
            {"period_start": date(2021, 3, 7), "period_end": date(2021, 3, 9), "state": "Armenia"},
        ),
        (
            "Ayer, soldados israelíes mataron a dos niños palestinos en Jenin.",
            "es",
            "State of Palestine",
            {"date": date(2021, 3, 11), "killed": 2, "state": "Israel"},
        ),
    ],
)
def test_french_and_spanish_chronology_lines(text, language, claimant, expected):
    (claim,) = _claims(text, language=language, claimant=claimant, letter_date=date(2021, 3, 12))
    assert claim.accused_state == expected.pop("state")
    for field, value in expected.items():
        assert getattr(claim, field) == value, field
