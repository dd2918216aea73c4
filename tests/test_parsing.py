"""The letter parser against the real letters of fixtures/letters/ (golden tests), and its
behaviour on broken input and on layouts the fixtures show. Pure Python: run with
``pytest tests/test_parsing.py -p no:django``.

Snippets marked SYNTHETIC below are made up for one layout rule each; they are not letters.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from archive.parsing import ParseError, parse_letter, parsed_as_expected_json
from archive.parsing.dates import parse_date
from archive.parsing.vocabulary import parse_ordinal

LETTERS = Path(__file__).resolve().parent.parent / "fixtures" / "letters"
EXPECTED = [
    json.loads(line) for line in (LETTERS / "expected.jsonl").read_text().splitlines() if line
]


@cache
def parsed(file_name: str):
    return parse_letter((LETTERS / file_name).read_text(encoding="utf-8"), claims=False)


@cache
def rendered(file_name: str) -> dict:
    return parsed_as_expected_json(parsed(file_name))


def collapsed(value):
    """Strings compared after collapsing runs of whitespace, as the fixtures' README says."""
    if isinstance(value, str):
        return re.sub(r"\s+", " ", value).strip()
    if isinstance(value, list):
        return [collapsed(item) for item in value]
    if isinstance(value, dict):
        return {key: collapsed(item) for key, item in value.items()}
    return value


# --------------------------------------------------------------------------- golden tests

FIELDS = [
    "symbols",
    "doc_type",
    "distribution_date",
    "language",
    "original_language",
    "ga_session",
    "ga_session_label",
    "sc_year",
    "sc_year_label",
    "agenda_items",
    "title",
    "sender.person",
    "sender.role",
    "sender.state",
    "addressees",
    "letter_date",
    "annex_count",
    "signatories",
]


def _field(record: dict, name: str):
    if name.startswith("sender."):
        sender = record.get("sender")
        return sender and sender.get(name.split(".", 1)[1])
    return record[name]


@pytest.mark.parametrize(
    ("file_name", "field"),
    [(record["file"], field) for record in EXPECTED for field in FIELDS],
)
def test_golden_field(file_name: str, field: str):
    expected = next(record for record in EXPECTED if record["file"] == file_name)
    assert collapsed(_field(rendered(file_name), field)) == collapsed(_field(expected, field))


FRENCH = "2021-02-23_Azerbaijan_mines.fr.txt"
FRENCH_RECORD = next(record for record in EXPECTED if record["file"] == FRENCH)


@pytest.mark.parametrize("number", sorted(FRENCH_RECORD["agenda_item_titles"], key=int))
def test_french_agenda_item_titles(number: str):
    titles = rendered(FRENCH)["agenda_item_titles"]
    assert collapsed(titles.get(number)) == collapsed(FRENCH_RECORD["agenda_item_titles"][number])


@pytest.mark.parametrize("key", ["title", "letter_date", "signatory", "role"])
def test_french_annex(key: str):
    expected = FRENCH_RECORD["annexes"][0]
    assert collapsed(rendered(FRENCH)["annexes"][0][key]) == collapsed(expected[key])


def test_rendering_has_the_keys_of_expected_jsonl():
    annotations = {"file", "text_quality", "truncated", "notes"}
    for record in EXPECTED:
        assert set(record) - annotations <= set(rendered(record["file"]))


def test_claims_render_with_the_keys_of_claims_jsonl():
    claim_keys = set(json.loads((LETTERS / "claims.jsonl").read_text().splitlines()[0])) - {"file"}
    letter = parse_letter((LETTERS / "A_45_155-S_21174.en.txt").read_text())
    for claim in parsed_as_expected_json(letter)["claims"]:
        assert set(claim) == claim_keys


# --------------------------------------------------------------------------- body and layout


def test_body_drops_page_furniture_but_keeps_the_letter():
    letter = parsed("A_80_434-S_2025_632.en.txt")
    for furniture in ("25-16785", "*2516785*", "2/5", "221025", "S/2025/632"):
        assert furniture not in letter.body
    assert "I have the honour to transmit herewith" in letter.body
    assert "(Signed) Héctor Gómez Hernández" in letter.body
    assert "Annex to the letter" not in letter.body
    annex = letter.annexes[0].text
    assert "25-16785" not in annex and "3/5" not in annex and "\f" not in annex
    assert "A/80/434" not in annex
    # a paragraph that runs over a page break is still there on both sides of it
    assert "experiences of civilians in the planning and conduct of military operations." in annex
    assert "Conversely, several panellists noted evidence" in annex


def test_1990s_body_drops_continuation_marks_running_headers_and_masthead_footnote():
    letter = parsed("A_49_230-S_1994_822.en.txt")
    assert "/..." not in letter.body
    assert "A/49/50/Rev.1" not in letter.body  # the masthead's footnote
    assert "94-28529" not in letter.body
    assert "Detlev GRAF ZU RANTZAU" in letter.body
    annex = letter.annexes[0]
    assert annex.heading == "ANNEX"
    assert annex.title.startswith("Declaration by the European Union")
    assert "English" not in annex.text.splitlines()[:2]
    assert "Page 2" not in annex.text


def test_1990s_split_original_label():
    # 'ORIGINAL:' and 'ENGLISH' printed apart, as in the 1990s two-column mastheads
    for name in ("A_49_230-S_1994_822.en.txt", "A_53_568-S_1998_1025.en.txt", "S_14938.en.txt"):
        assert parsed(name).original_language == "en"


def test_ocr_damaged_symbols_are_repaired_from_the_running_headers():
    assert parsed("A_45_155-S_21174.en.txt").symbols == ("A/45/155", "S/21174")  # 'A/45/155J'
    assert parsed("A_47_843-S_25016.en.txt").symbols == ("A/47/843", "S/25016")  # '$/25016'
    assert parsed("S_14938.en.txt").symbols == ("S/14938",)  # 's/14938**'


def test_cited_symbols_exclude_the_letters_own():
    letter = parsed("A_53_568-S_1998_1025.en.txt")
    assert letter.cited_symbols == ("A/53/560", "S/1998/1019")


def test_multi_line_all_capitals_agenda_titles_are_mapped_in_order():
    titles = [item.title for item in parsed("A_53_568-S_1998_1025.en.txt").agenda_items]
    assert titles[0] == "QUESTION OF PALESTINE"
    assert titles[1] == "THE SITUATION IN THE MIDDLE EAST"
    assert titles[2].startswith("REPORT OF THE SPECIAL COMMITTEE TO INVESTIGATE")
    assert titles[2].endswith("OF THE OCCUPIED TERRITORIES")


def test_french_masthead_and_annex():
    letter = parsed(FRENCH)
    assert letter.symbols == ()
    assert letter.masthead.startswith("**Assemblée générale")
    assert letter.body.startswith("J'ai l'honneur")
    assert letter.body.endswith("(Signé) Yashar Aliyev")
    assert letter.annexes[0].heading.startswith("Annexe à la lettre datée du 23 février 2021")
    assert letter.agenda_kind == "agenda item"


def test_claims_off_and_on():
    text = (LETTERS / "A_45_155-S_21174.en.txt").read_text()
    assert parse_letter(text, claims=False).claims == ()
    with_claims = parse_letter(text)
    for claim in with_claims.claims:
        section = (
            with_claims.body if claim.section == 0 else with_claims.annexes[claim.section - 1].text
        )
        assert section[claim.quote_start : claim.quote_end] == claim.quote


# --------------------------------------------------------------------------- broken input


@pytest.mark.parametrize(
    ("text", "line"),
    [("", 1), ("   \n\n\t \n", 1)],
)
def test_empty_text_is_refused(text: str, line: int):
    with pytest.raises(ParseError) as error:
        parse_letter(text)
    assert error.value.line == line
    assert "empty" in error.value.reason


def test_nul_bytes_are_refused_with_their_line():
    text = (LETTERS / "A_80_434-S_2025_632.en.txt").read_text()
    lines = text.split("\n")
    lines[4] += "\x00\x00"
    with pytest.raises(ParseError) as error:
        parse_letter("\n".join(lines))
    assert error.value.line == 5
    assert "line 5" in str(error.value)


def test_binary_junk_is_refused():
    junk = "Distr.: General\n" + "".join(chr(c) for c in range(1, 9)) * 40 + "\ufffd" * 50
    with pytest.raises(ParseError) as error:
        parse_letter(junk)
    assert error.value.line == 2


def test_text_without_masthead_is_refused():
    # SYNTHETIC: an ordinary letter with no UN masthead
    text = "Dear colleague,\n\nThank you for the kind invitation.\n\nYours sincerely,\nA. Writer\n"
    with pytest.raises(ParseError) as error:
        parse_letter(text)
    assert error.value.line == 1
    assert "masthead" in error.value.reason


# --------------------------------------------------------------------------- synthetic layouts

# SYNTHETIC: a Spanish masthead and letter built from the ODS layout, not a real document.
SPANISH = """A/80/999-S/2025/999

Naciones Unidas

Asamblea General
Consejo de Seguridad

Distr. general
16 de octubre de 2025
Español
Original: inglés

Asamblea General
Octogésimo período de sesiones
Temas 26 y 84 del programa
Adelanto de la mujer
El estado de derecho en los planos nacional e internacional

Consejo de Seguridad
Octogésimo año

Carta de fecha 3 de octubre de 2025 dirigida al Secretario General
por el Representante Permanente de Ruritania ante las Naciones Unidas
Tengo el honor de transmitirle adjunto un resumen (véase el anexo).
Le agradecería que tuviera a bien hacer distribuir la presente carta como documento
de la Asamblea General, en relación con los temas 26 y 84 del programa.
(Firmado) Juan Ejemplo Sintético
Embajador
Representante Permanente

Anexo de la carta de fecha 3 de octubre de 2025 dirigida al Secretario General
por el Representante Permanente de Ruritania ante las Naciones Unidas
Resumen sintético
Texto del anexo.
"""


def test_synthetic_spanish_letter():
    letter = parse_letter(SPANISH, claims=False)
    assert letter.symbols == ("A/80/999", "S/2025/999")
    assert letter.language == "es"
    assert letter.original_language == "en"
    assert letter.distribution_date.isoformat() == "2025-10-16"
    assert (letter.ga_session, letter.sc_year) == (80, 80)
    assert [item.number for item in letter.agenda_items] == [26, 84]
    assert (
        letter.agenda_items[1].title
        == "El estado de derecho en los planos nacional e internacional"
    )
    assert letter.letter_date.isoformat() == "2025-10-03"
    assert letter.addressees == ("Secretario General",)
    assert letter.title.endswith("ante las Naciones Unidas")
    assert letter.sender.name == "Juan Ejemplo Sintético"
    assert letter.sender.role == "Representante Permanente"
    assert letter.sender.state == "Ruritania"
    assert len(letter.annexes) == 1
    assert letter.annexes[0].title == "Resumen sintético"


# SYNTHETIC: a Russian masthead and title, to exercise the Russian vocabulary.
RUSSIAN = """Организация Объединенных Наций

Генеральная Ассамблея
Совет Безопасности

Distr.: General
17 октября 2025 года
Russian
Original: English

Генеральная Ассамблея
Восьмидесятая сессия
Пункт 84 повестки дня
Верховенство права на национальном и международном уровнях

Совет Безопасности
Восьмидесятый год

Письмо Временного поверенного в делах Постоянного представительства Руритании
при Организации Объединенных Наций от 17 октября 2025 года на имя
Генерального секретаря
Имею честь препроводить настоящим заявление.
(Подпись) Иван Синтетический
"""


def test_synthetic_russian_letter():
    letter = parse_letter(RUSSIAN, claims=False)
    assert letter.language == "ru"
    assert (letter.ga_session, letter.sc_year) == (80, 80)
    assert letter.ga_session_label == "Восьмидесятая сессия"
    assert [item.number for item in letter.agenda_items] == [84]
    assert letter.letter_date.isoformat() == "2025-10-17"
    assert letter.addressees == ("Генеральный секретарь",)
    assert letter.signatories == ("Иван Синтетический",)


# SYNTHETIC: identical letters, a note verbale, and suffixed / reissued symbols.
def _masthead(symbols: str, title: str) -> str:
    return (
        f"{symbols}\n\nUnited Nations\n\nGeneral Assembly\nSecurity Council\n\n"
        "Distr.: General\n2 May 2024\nOriginal: English\n\nGeneral Assembly\n"
        "Seventy-eighth session\nAgenda item 68 (b)\nSome agenda title\n\n"
        f"Security Council\nSeventy-ninth year\n\n{title}\nI have the honour.\n"
        "(Signed) A. N. EXAMPLE\n"
    )


def test_synthetic_identical_letters_with_two_addressees():
    letter = parse_letter(
        _masthead(
            "A/78/900-S/2024/350",
            "Identical letters dated 1 May 2024 from the Permanent Representative of Ruritania\n"
            "to the United Nations addressed to the Secretary-General\n"
            "and the President of the Security Council",
        ),
        claims=False,
    )
    assert letter.doc_type == "identical_letters"
    assert letter.addressees == ("Secretary-General", "President of the Security Council")
    assert letter.agenda_items[0].number == 68 and letter.agenda_items[0].sub_item == "b"
    assert letter.sc_year == 79


def test_synthetic_note_verbale_and_suffixed_symbols():
    letter = parse_letter(
        _masthead(
            "A/78/901/Rev.1*-S/2024/351/Corr.1*",
            "Note verbale dated 30 April 2024 from the Permanent Mission of the Kingdom of\n"
            "Ruritania to the United Nations addressed to the Secretary-General",
        ),
        claims=False,
    )
    assert letter.doc_type == "note_verbale"
    assert letter.symbols == ("A/78/901/Rev.1", "S/2024/351/Corr.1")
    assert letter.sender.state == "Kingdom of Ruritania"
    assert letter.sender.role is None


def test_synthetic_garbled_title_gives_none_but_keeps_date():
    letter = parse_letter(
        _masthead(
            "A/78/902-S/2024/352",
            "Letter dated 2 May 2024 from the Perm~nt Repr#sent of\n"
            "Ruritania to the Un1ted Nat1ons addre;ssed t0 the Secretarv-Genera?",
        ),
        claims=False,
    )
    assert letter.title is None
    assert letter.letter_date.isoformat() == "2024-05-02"
    assert letter.addressees == ("Secretary-General",)


# --------------------------------------------------------------------------- vocabulary


@pytest.mark.parametrize(
    ("words", "language", "value"),
    [
        ("Eightieth", "en", 80),
        ("Forty-ninth", "en", 49),
        ("One hundred and first", "en", 101),
        ("Soixante-quinzième", "fr", 75),
        ("Soixante et onzième", "fr", 71),
        ("Quatre-vingtième", "fr", 80),
        ("Soixante-dix-septième", "fr", 77),
        ("Septuagésimo quinto", "es", 75),
        ("Octogésimo", "es", 80),
        ("Семьдесят пятая", "ru", 75),
        ("Восьмидесятый", "ru", 80),
        ("General Assembly", "en", None),
    ],
)
def test_ordinals(words: str, language: str, value: int | None):
    assert parse_ordinal(words, language) == value


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("16 October 2025", "2025-10-16"),
        ("24 février 2021", "2021-02-24"),
        ("1er mars 2021", "2021-03-01"),
        ("3 de octubre de 2025", "2025-10-03"),
        ("3 октября 2025 года", "2025-10-03"),
        ("October 18, 2025", "2025-10-18"),
    ],
)
def test_dates_in_words(text: str, iso: str):
    assert parse_date(text).isoformat() == iso


def test_synthetic_title_with_an_addressee_outside_the_vocabulary():
    letter = parse_letter(
        _masthead(
            "A/78/903-S/2024/353",
            "Letter dated 2 May 2024 from the Permanent Representative of Ruritania to the\n"
            "United Nations addressed to the Chair of the Security Council Committee\n"
            "established pursuant to resolution 1234 (2099)",
        ),
        claims=False,
    )
    assert letter.title.endswith("established pursuant to resolution 1234 (2099)")
    assert letter.addressees == (
        "Chair of the Security Council Committee established pursuant to resolution 1234 (2099)",
    )
    assert letter.body.startswith("I have the honour.")
    assert letter.sender.state == "Ruritania"


def test_synthetic_modern_footers_and_reissue_footnote_are_dropped():
    # SYNTHETIC: a first page with a reissue footnote, double date stamp and recycling caption,
    # then a second page with its running header.
    text = (
        _masthead(
            "S/2024/354*",
            "Letter dated 2 May 2024 from the Permanent Representative of\n"
            "Ruritania to the United Nations addressed to the Secretary-General",
        )
        + "Permanent Representative\n\n"
        "* Reissued for technical reasons on 9 May 2024.\n\n"
        "24-08123* (E)    090524    100524\n\n*2408123*\n\nPlease recycle\n"
        "\fS/2024/354\n\nAnnex to the letter dated 2 May 2024 from the Permanent Representative\n"
        "of Ruritania to the United Nations addressed to the Secretary-General\n\n"
        "Statement\n\nA short statement.\n\n24-08123\n\n2/2\n"
    )
    letter = parse_letter(text, claims=False)
    assert letter.symbols == ("S/2024/354",)
    assert letter.distribution_date.isoformat() == "2024-05-02"
    for furniture in ("Reissued", "090524", "*2408123*", "Please recycle", "24-08123"):
        assert furniture not in letter.body
    assert letter.body.endswith("Permanent Representative")
    assert letter.annexes[0].title == "Statement"
    assert letter.annexes[0].text == "Statement\n\nA short statement."


# --------------------------------------------------------------------------- PDF upload path

PDF_CASES = [
    (record["file"], field)
    for record in EXPECTED
    if (LETTERS / "pdf" / record["file"].replace(".txt", ".pdf")).exists()
    for field in FIELDS
]


@cache
def rendered_from_pdf(file_name: str) -> dict:
    from archive.extract import extract_text

    pdf = LETTERS / "pdf" / file_name.replace(".txt", ".pdf")
    text = extract_text(pdf.read_bytes(), pdf.name).text
    return parsed_as_expected_json(parse_letter(text, claims=False))


@pytest.mark.parametrize(("file_name", "field"), PDF_CASES)
def test_golden_field_from_pdf_text(file_name: str, field: str, ocr_tools):
    """The image-only A/47/843 goes through OCR; the others through their text layer."""
    expected = next(record for record in EXPECTED if record["file"] == file_name)
    assert collapsed(_field(rendered_from_pdf(file_name), field)) == collapsed(
        _field(expected, field)
    )
