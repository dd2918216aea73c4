"""States reference data: UN names, aliases and status, and the lookups over them."""

import json

import pytest

from archive.parsing.states import (
    STATES_FILE,
    english_state_name,
    find_state_mentions,
    load_states,
    resolve_state,
)


def test_exactly_193_members_and_two_observer_states():
    states = load_states()
    members = [s for s in states if s.un_status == "member"]
    observers = {s.iso3 for s in states if s.un_status == "observer"}
    assert len(members) == 193
    assert observers == {"PSE", "VAT"}
    assert {s.un_status for s in states} == {"member", "observer", "other"}
    assert len({s.iso3 for s in states}) == len(states)


def test_json_is_plain_data_the_archive_reads_without_pycountry():
    records = json.loads(STATES_FILE.read_text(encoding="utf-8"))
    assert set(records[0]) == {
        "iso3",
        "name_en",
        "short_en",
        "name_fr",
        "name_es",
        "name_ru",
        "aliases",
        "un_status",
    }


@pytest.mark.parametrize(
    ("iso3", "name_en", "name_fr"),
    [
        ("BOL", "Bolivia (Plurinational State of)", "Bolivie (État plurinational de)"),
        ("IRN", "Iran (Islamic Republic of)", "Iran (République islamique d')"),
        ("VEN", "Venezuela (Bolivarian Republic of)", "Venezuela (République bolivarienne du)"),
        ("KOR", "Republic of Korea", "République de Corée"),
        (
            "PRK",
            "Democratic People's Republic of Korea",
            "République populaire démocratique de Corée",
        ),
        ("TUR", "Türkiye", "Türkiye"),
        ("CIV", "Côte d'Ivoire", "Côte d'Ivoire"),
        ("VNM", "Viet Nam", "Viet Nam"),
        ("RUS", "Russian Federation", "Fédération de Russie"),
        ("USA", "United States of America", "États-Unis d'Amérique"),
        (
            "GBR",
            "United Kingdom of Great Britain and Northern Ireland",
            "Royaume-Uni de Grande-Bretagne et d'Irlande du Nord",
        ),
        ("NLD", "Netherlands (Kingdom of the)", "Pays-Bas (Royaume des)"),
        ("CZE", "Czechia", "Tchéquie"),
        ("AZE", "Azerbaijan", "Azerbaïdjan"),
        ("PSE", "State of Palestine", "État de Palestine"),
        ("VAT", "Holy See", "Saint-Siège"),
    ],
)
def test_un_names_not_iso_names(iso3, name_en, name_fr):
    state = next(s for s in load_states() if s.iso3 == iso3)
    assert (state.name_en, state.name_fr) == (name_en, name_fr)


@pytest.mark.parametrize(
    ("printed", "iso3"),
    [
        ("Azerbaïdjan", "AZE"),
        ("l'Azerbaïdjan", "AZE"),
        ("l’Azerbaïdjan", "AZE"),
        ("AZERBAIDJAN", "AZE"),
        ("Republic of Azerbaijan", "AZE"),
        ("République d'Azerbaïdjan", "AZE"),
        ("the Russian Federation", "RUS"),
        ("Fédération de Russie", "RUS"),
        ("Palestine", "PSE"),
        ("State of Palestine", "PSE"),
        ("Israel", "ISR"),
        ("Israël", "ISR"),
        ("Israel's", "ISR"),
        ("España", "ESP"),
        ("Spain", "ESP"),
        ("Iran (Islamic Republic of)", "IRN"),
        ("Iran", "IRN"),
        ("Turkey", "TUR"),
        ("Congo", "COG"),
        ("Democratic Republic of the Congo", "COD"),
        ("Российская Федерация", "RUS"),
        ("Union of Soviet Socialist Republics", "SUN"),
    ],
)
def test_resolve_state_ignores_case_accents_and_articles(printed, iso3):
    state = resolve_state(printed)
    assert state is not None and state.iso3 == iso3


@pytest.mark.parametrize("printed", ["Israeli", "arménien", "Palestinian", "", "   ", "the"])
def test_adjectives_and_empty_strings_are_not_states(printed):
    assert resolve_state(printed) is None


@pytest.mark.parametrize(
    ("printed", "short"),
    [
        ("Azerbaïdjan", "Azerbaijan"),
        ("l'Arménie", "Armenia"),
        ("Palestine", "Palestine"),
        ("State of Palestine", "Palestine"),
        ("Venezuela (Bolivarian Republic of)", "Venezuela"),
        ("États-Unis d'Amérique", "United States"),
        ("Fédération de Russie", "Russian Federation"),
        ("Atlantis", None),
    ],
)
def test_english_state_name_is_the_short_name_for_running_text(printed, short):
    assert english_state_name(printed) == short


def test_find_state_mentions_keeps_offsets_into_the_original_text():
    # Synthetic sentence, shaped like the French letter's.
    text = "les dirigeants de l'Azerbaïdjan, de la Fédération\nde Russie et de l'Arménie ; l'armée arménienne"
    mentions = find_state_mentions(text)
    assert [text[start:end] for start, end, _ in mentions] == [
        "Azerbaïdjan",
        "Fédération\nde Russie",
        "Arménie",
    ]
    assert [state.iso3 for _, _, state in mentions] == ["AZE", "RUS", "ARM"]


def test_longest_name_wins_in_mentions():
    mentions = find_state_mentions(
        "troops of the Democratic Republic of the Congo and of Guinea-Bissau"
    )
    assert [state.iso3 for _, _, state in mentions] == ["COD", "GNB"]
