"""Build fixtures/member_states.json: the states letters name, with UN names and aliases.

A one-off generator. It reads ISO 3166 (codes, English names, translations) from
pycountry and then puts the United Nations' own short names on top, since the UN's
terminology differs from ISO in many places ("Iran (Islamic Republic of)", "Türkiye",
"Fédération de Russie"). The archive reads only the JSON it writes, so pycountry is not a
run-time dependency: install it by hand (``.venv/bin/pip install pycountry``) to rerun.

    .venv/bin/python scripts/make_member_states.py
"""

from __future__ import annotations

import gettext
import json
import re
import unicodedata
from pathlib import Path

import pycountry

OUTPUT = Path(__file__).resolve().parent.parent / "fixtures" / "member_states.json"

# The 193 Members of the United Nations (ISO 3166-1 alpha-3).
UN_MEMBERS = frozenset(
    """
    AFG ALB DZA AND AGO ATG ARG ARM AUS AUT AZE BHS BHR BGD BRB BLR BEL BLZ BEN BTN
    BOL BIH BWA BRA BRN BGR BFA BDI CPV KHM CMR CAN CAF TCD CHL CHN COL COM COG CRI
    CIV HRV CUB CYP CZE PRK COD DNK DJI DMA DOM ECU EGY SLV GNQ ERI EST SWZ ETH FJI
    FIN FRA GAB GMB GEO DEU GHA GRC GRD GTM GIN GNB GUY HTI HND HUN ISL IND IDN IRN
    IRQ IRL ISR ITA JAM JPN JOR KAZ KEN KIR KWT KGZ LAO LVA LBN LSO LBR LBY LIE LTU
    LUX MDG MWI MYS MDV MLI MLT MHL MRT MUS MEX FSM MCO MNG MNE MAR MOZ MMR NAM NRU
    NPL NLD NZL NIC NER NGA MKD NOR OMN PAK PLW PAN PNG PRY PER PHL POL PRT QAT KOR
    MDA ROU RUS RWA KNA LCA VCT WSM SMR STP SAU SEN SRB SYC SLE SGP SVK SVN SLB SOM
    ZAF SSD ESP LKA SDN SUR SWE CHE SYR TJK THA TLS TGO TON TTO TUN TUR TKM TUV UGA
    UKR ARE GBR TZA USA URY UZB VUT VEN VNM YEM ZMB ZWE
    """.split()  # noqa: SIM905 (a list of 193 quoted codes reads worse)
)
# Non-member observer States (General Assembly resolutions 67/19 and 58/314).
UN_OBSERVERS = frozenset({"PSE", "VAT"})

# The UN's short names where they differ from ISO's (UNTERM, M49), by language.
UN_NAMES: dict[str, dict[str, str]] = {
    "BHS": {"en": "Bahamas", "fr": "Bahamas", "es": "Bahamas"},
    "BOL": {
        "en": "Bolivia (Plurinational State of)",
        "fr": "Bolivie (État plurinational de)",
        "es": "Bolivia (Estado Plurinacional de)",
        "ru": "Боливия (Многонациональное Государство)",
    },
    "BRN": {"en": "Brunei Darussalam", "fr": "Brunéi Darussalam", "ru": "Бруней-Даруссалам"},
    "CPV": {"en": "Cabo Verde", "fr": "Cabo Verde", "es": "Cabo Verde", "ru": "Кабо-Верде"},
    "CIV": {
        "en": "Côte d'Ivoire",
        "fr": "Côte d'Ivoire",
        "es": "Côte d'Ivoire",
        "ru": "Кот-д'Ивуар",
    },
    "COD": {
        "en": "Democratic Republic of the Congo",
        "fr": "République démocratique du Congo",
        "es": "República Democrática del Congo",
        "ru": "Демократическая Республика Конго",
    },
    "COG": {"en": "Congo", "fr": "Congo", "es": "Congo", "ru": "Конго"},
    "CZE": {"en": "Czechia", "fr": "Tchéquie", "es": "Chequia", "ru": "Чехия"},
    "FSM": {
        "en": "Micronesia (Federated States of)",
        "fr": "Micronésie (États fédérés de)",
        "es": "Micronesia (Estados Federados de)",
        "ru": "Микронезия (Федеративные Штаты)",
    },
    "GMB": {"en": "Gambia", "fr": "Gambie", "es": "Gambia"},
    "IRN": {
        "en": "Iran (Islamic Republic of)",
        "fr": "Iran (République islamique d')",
        "es": "Irán (República Islámica del)",
        "ru": "Иран (Исламская Республика)",
    },
    "KOR": {
        "en": "Republic of Korea",
        "fr": "République de Corée",
        "es": "República de Corea",
        "ru": "Республика Корея",
    },
    "PRK": {
        "en": "Democratic People's Republic of Korea",
        "fr": "République populaire démocratique de Corée",
        "es": "República Popular Democrática de Corea",
        "ru": "Корейская Народно-Демократическая Республика",
    },
    "LAO": {
        "en": "Lao People's Democratic Republic",
        "fr": "République démocratique populaire lao",
        "es": "República Democrática Popular Lao",
        "ru": "Лаосская Народно-Демократическая Республика",
    },
    "MDA": {
        "en": "Republic of Moldova",
        "fr": "République de Moldova",
        "es": "República de Moldova",
        "ru": "Республика Молдова",
    },
    "MKD": {"en": "North Macedonia", "fr": "Macédoine du Nord", "es": "Macedonia del Norte"},
    "NLD": {
        "en": "Netherlands (Kingdom of the)",
        "fr": "Pays-Bas (Royaume des)",
        "es": "Países Bajos (Reino de los)",
        "ru": "Нидерланды (Королевство)",
    },
    "PSE": {
        "en": "State of Palestine",
        "fr": "État de Palestine",
        "es": "Estado de Palestina",
        "ru": "Государство Палестина",
    },
    "VAT": {"en": "Holy See", "fr": "Saint-Siège", "es": "Santa Sede", "ru": "Святой Престол"},
    "RUS": {
        "en": "Russian Federation",
        "fr": "Fédération de Russie",
        "es": "Federación de Rusia",
        "ru": "Российская Федерация",
    },
    "SYR": {
        "en": "Syrian Arab Republic",
        "fr": "République arabe syrienne",
        "es": "República Árabe Siria",
        "ru": "Сирийская Арабская Республика",
    },
    "TZA": {
        "en": "United Republic of Tanzania",
        "fr": "République-Unie de Tanzanie",
        "es": "República Unida de Tanzanía",
        "ru": "Объединенная Республика Танзания",
    },
    "TUR": {"en": "Türkiye", "fr": "Türkiye", "es": "Türkiye", "ru": "Турция"},
    "GBR": {
        "en": "United Kingdom of Great Britain and Northern Ireland",
        "fr": "Royaume-Uni de Grande-Bretagne et d'Irlande du Nord",
        "es": "Reino Unido de Gran Bretaña e Irlanda del Norte",
        "ru": "Соединенное Королевство Великобритании и Северной Ирландии",
    },
    "USA": {
        "en": "United States of America",
        "fr": "États-Unis d'Amérique",
        "es": "Estados Unidos de América",
        "ru": "Соединенные Штаты Америки",
    },
    "VEN": {
        "en": "Venezuela (Bolivarian Republic of)",
        "fr": "Venezuela (République bolivarienne du)",
        "es": "Venezuela (República Bolivariana de)",
        "ru": "Венесуэла (Боливарианская Республика)",
    },
    "VNM": {"en": "Viet Nam", "fr": "Viet Nam", "es": "Viet Nam", "ru": "Вьетнам"},
    "SWZ": {"en": "Eswatini", "fr": "Eswatini", "es": "Eswatini", "ru": "Эсватини"},
    "AZE": {"en": "Azerbaijan", "fr": "Azerbaïdjan", "es": "Azerbaiyán", "ru": "Азербайджан"},
    "TLS": {"en": "Timor-Leste", "fr": "Timor-Leste", "es": "Timor-Leste", "ru": "Тимор-Лешти"},
    "VGB": {"en": "British Virgin Islands"},
    "VIR": {"en": "United States Virgin Islands"},
    "TWN": {"en": "Taiwan"},
    "SHN": {"en": "Saint Helena"},
}

# Single-language corrections where ISO's translation is not the UN's name.
UN_NAMES_FR = {
    "MMR": "Myanmar",
    "GNQ": "Guinée équatoriale",
    "SLV": "El Salvador",
    "IRQ": "Iraq",
    "BGD": "Bangladesh",
    "LBR": "Libéria",
    "MHL": "Îles Marshall",
    "SLB": "Îles Salomon",
}
UN_NAMES_ES = {
    "SAU": "Arabia Saudita",
    "BLR": "Belarús",
    "BHR": "Bahrein",
    "BGD": "Bangladesh",
    "COM": "Comoras",
    "MDV": "Maldivas",
    "KAZ": "Kazajstán",
    "KGZ": "Kirguistán",
    "BFA": "Burkina Faso",
    "BWA": "Botswana",
    "MWI": "Malawi",
    "DJI": "Djibouti",
    "KEN": "Kenya",
    "LSO": "Lesotho",
    "IRQ": "Iraq",
    "QAT": "Qatar",
    "BEN": "Benin",
    "RWA": "Rwanda",
    "FJI": "Fiji",
    "GNB": "Guinea-Bissau",
    "MLI": "Malí",
}

# The short English name letters and the archive print in running text ("Palestine",
# "Iran"): the UN short name without its parenthetical qualifier, except these.
SHORT_EN = {
    "PSE": "Palestine",
    "GBR": "United Kingdom",
    "USA": "United States",
}

# Further names a letter may print for a state: common, former and colloquial names.
# Adjectival forms ("Israeli", "arménien") are deliberately not names of a state.
EXTRA_ALIASES: dict[str, list[str]] = {
    "PSE": ["Palestine", "Palestina", "Палестина"],
    "RUS": ["Russia", "Russie", "Rusia", "Россия"],
    "AZE": ["Republic of Azerbaijan", "République d'Azerbaïdjan", "República de Azerbaiyán"],
    "ARM": ["Republic of Armenia", "République d'Arménie", "República de Armenia"],
    "USA": ["United States", "États-Unis", "Estados Unidos", "США"],
    "GBR": ["United Kingdom", "Great Britain", "Britain", "Royaume-Uni", "Reino Unido"],
    "IRN": ["Iran", "Islamic Republic of Iran", "République islamique d'Iran"],
    "SYR": ["Syria", "Syrie", "Siria", "Сирия"],
    "VEN": ["Venezuela", "Bolivarian Republic of Venezuela"],
    "BOL": ["Bolivia", "Bolivie", "Plurinational State of Bolivia"],
    "KOR": ["South Korea", "Corée du Sud", "Corea del Sur"],
    "PRK": ["North Korea", "Corée du Nord", "Corea del Norte"],
    "MDA": ["Moldova"],
    "TZA": ["Tanzania", "Tanzanie"],
    "LAO": ["Laos"],
    "VNM": ["Vietnam", "Viêt Nam"],
    "TUR": ["Turkey", "Turquie", "Turquía"],
    "CIV": ["Ivory Coast"],
    "CZE": ["Czech Republic", "République tchèque", "República Checa"],
    "NLD": ["Netherlands", "Kingdom of the Netherlands", "Pays-Bas"],
    "VAT": ["Vatican", "Holy See (Vatican City State)"],
    "MKD": ["The former Yugoslav Republic of Macedonia", "Macedonia"],
    "SWZ": ["Swaziland"],
    "COD": ["Zaire", "Zaïre"],
    "MMR": ["Burma"],
    "CPV": ["Cape Verde"],
    "TLS": ["East Timor"],
    "FSM": ["Micronesia", "Federated States of Micronesia"],
    "ISR": ["State of Israel", "État d'Israël"],
    "DEU": ["Federal Republic of Germany"],
    "LBY": ["Libyan Arab Jamahiriya"],
}

# States that no longer exist but that older letters send or name.
FORMER_STATES = [
    {
        "iso3": "SUN",
        "name_en": "Union of Soviet Socialist Republics",
        "name_fr": "Union des Républiques socialistes soviétiques",
        "name_es": "Unión de Repúblicas Socialistas Soviéticas",
        "name_ru": "Союз Советских Социалистических Республик",
        "short_en": "USSR",
        "aliases": ["Soviet Union", "USSR", "URSS", "Union soviétique", "СССР"],
    },
    {
        "iso3": "YUG",
        "name_en": "Yugoslavia",
        "name_fr": "Yougoslavie",
        "name_es": "Yugoslavia",
        "name_ru": "Югославия",
        "short_en": "Yugoslavia",
        "aliases": ["Socialist Federal Republic of Yugoslavia", "Federal Republic of Yugoslavia"],
    },
    {
        "iso3": "CSK",
        "name_en": "Czechoslovakia",
        "name_fr": "Tchécoslovaquie",
        "name_es": "Checoslovaquia",
        "name_ru": "Чехословакия",
        "short_en": "Czechoslovakia",
        "aliases": ["Czech and Slovak Federal Republic"],
    },
    {
        "iso3": "DDR",
        "name_en": "German Democratic Republic",
        "name_fr": "République démocratique allemande",
        "name_es": "República Democrática Alemana",
        "name_ru": "Германская Демократическая Республика",
        "short_en": "German Democratic Republic",
        "aliases": [],
    },
    {
        "iso3": "BYS",
        "name_en": "Byelorussian Soviet Socialist Republic",
        "name_fr": "République socialiste soviétique de Biélorussie",
        "name_es": "República Socialista Soviética de Bielorrusia",
        "name_ru": "Белорусская Советская Социалистическая Республика",
        "short_en": "Byelorussian SSR",
        "aliases": ["Byelorussian SSR"],
    },
    {
        "iso3": "YMD",
        "name_en": "Democratic Yemen",
        "name_fr": "Yémen démocratique",
        "name_es": "Yemen Democrático",
        "name_ru": "Демократический Йемен",
        "short_en": "Democratic Yemen",
        "aliases": ["People's Democratic Republic of Yemen"],
    },
]


def _translator(language: str):
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])


def _uninvert(name: str) -> str:
    """ISO lists some names inverted ("Korea, Republic of"): put them in reading order."""
    if "," not in name or " and " in name or " et " in name:
        return name
    head, _, tail = name.partition(", ")
    tail = tail[:1].upper() + tail[1:]
    joiner = "" if tail.endswith("'") else " "
    return f"{tail}{joiner}{head}"


def _short(name: str) -> str:
    return re.sub(r"\s*\(.*\)\s*$", "", name).strip()


def build() -> list[dict]:
    """Return the state records, sorted by English name."""
    fr, es, ru = _translator("fr"), _translator("es"), _translator("ru")
    records = []
    for country in pycountry.countries:
        iso3 = country.alpha_3
        official = getattr(country, "official_name", None)
        common = getattr(country, "common_name", None)
        un = dict(UN_NAMES.get(iso3, {}))
        if iso3 in UN_NAMES_FR:
            un.setdefault("fr", UN_NAMES_FR[iso3])
        if iso3 in UN_NAMES_ES:
            un.setdefault("es", UN_NAMES_ES[iso3])
        names = {
            "en": un.get("en") or _uninvert(country.name),
            "fr": un.get("fr") or _uninvert(fr.gettext(country.name)),
            "es": un.get("es") or _uninvert(es.gettext(country.name)),
            "ru": un.get("ru") or _uninvert(ru.gettext(country.name)),
        }
        aliases = [country.name, _uninvert(country.name)]
        for translator in (fr, es, ru):
            aliases.append(_uninvert(translator.gettext(country.name)))
        if official:
            aliases.append(official)
            aliases.extend(translator.gettext(official) for translator in (fr, es, ru))
        if common:
            aliases.append(common)
        aliases.extend(EXTRA_ALIASES.get(iso3, []))
        aliases.extend(_short(name) for name in names.values())
        status = "member" if iso3 in UN_MEMBERS else "observer" if iso3 in UN_OBSERVERS else "other"
        records.append(
            _record(iso3, names, SHORT_EN.get(iso3) or _short(names["en"]), aliases, status)
        )
    for former in FORMER_STATES:
        names = {lang: former[f"name_{lang}"] for lang in ("en", "fr", "es", "ru")}
        records.append(
            _record(former["iso3"], names, former["short_en"], former["aliases"], "other")
        )
    records.sort(key=lambda record: record["name_en"])
    return records


def _record(
    iso3: str, names: dict[str, str], short_en: str, aliases: list[str], status: str
) -> dict:
    # Some ISO translations carry stress marks ("Респу́блика"): drop them.
    aliases = [
        unicodedata.normalize(
            "NFC", re.sub("(?<=[\u0400-\u04ff])\u0301", "", unicodedata.normalize("NFD", a))
        )
        for a in aliases
    ]
    own_names = set(names.values())
    unique: list[str] = []
    for alias in aliases:
        alias = re.sub(r"^the\s+", "", alias.strip(), flags=re.IGNORECASE)
        alias = alias[:1].upper() + alias[1:]
        if alias and alias not in own_names and alias not in unique:
            unique.append(alias)
    return {
        "iso3": iso3,
        "name_en": names["en"],
        "short_en": short_en,
        "name_fr": names["fr"],
        "name_es": names["es"],
        "name_ru": names["ru"],
        "aliases": unique,
        "un_status": status,
    }


def main() -> None:
    records = build()
    members = sum(record["un_status"] == "member" for record in records)
    if members != len(UN_MEMBERS) or len(UN_MEMBERS) != 193:
        raise SystemExit(f"expected 193 Members, found {members} of {len(UN_MEMBERS)} codes")
    OUTPUT.write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(records)} states ({members} Members) to {OUTPUT}")


if __name__ == "__main__":
    main()
