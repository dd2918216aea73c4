"""French interface: Accept-Language or the header switcher gives French page text, the
catalogue is complete, and the letters themselves (data) are never translated."""

import ast
import gettext
import html as html_module
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from archive.models import Letter

LOCALE = Path(settings.BASE_DIR) / "locale"
FRENCH_PO = LOCALE / "fr" / "LC_MESSAGES" / "django.po"
FRENCH_MO = LOCALE / "fr" / "LC_MESSAGES" / "django.mo"
NBSP = "\u00a0"  # French sets a no-break space before a colon and inside « »


@pytest.fixture
def french():
    return Client(HTTP_ACCEPT_LANGUAGE="fr")


def page_text(response) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"[ \t\n]+", " ", html_module.unescape(text))


def read_po(path: Path) -> list[dict]:
    """A tiny PO reader: each entry's flags, msgid, msgid_plural and msgstr forms."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip()):
        entry = {"flags": "", "msgid": None, "msgid_plural": None, "msgstr": {}}
        current = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
            elif line.startswith("#"):
                continue
            elif match := re.fullmatch(r'(msgid_plural|msgid|msgstr)(?:\[(\d)\])? (".*")', line):
                keyword, index, value = match.groups()
                value = ast.literal_eval(value)
                if keyword == "msgstr":
                    current = ("msgstr", int(index or 0))
                    entry["msgstr"][current[1]] = value
                else:
                    current = (keyword, None)
                    entry[keyword] = value
            elif line.startswith('"'):
                value = ast.literal_eval(line)
                if current[0] == "msgstr":
                    entry["msgstr"][current[1]] += value
                else:
                    entry[current[0]] += value
        entries.append(entry)
    return entries


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)[sd]|%[sd]|\{\{ *\w+ *\}\}", text))


# --- the pages --------------------------------------------------------------------------------


def test_list_page_speaks_french(french, db):
    response = french.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "<h1>Lettres</h1>" in html
    text = page_text(response)
    assert "Trier par" in text  # a filter label
    assert "Plus de filtres" in text and "Appliquer les filtres" in text
    assert "Aller au contenu" in text
    assert "Sort by" not in text and "More filters" not in text
    # Dates follow the interface: the newest letter (A/80/500) went out in October 2025.
    assert "octobre 2025" in text


def test_search_page_speaks_french(french, db):
    response = french.get("/search/", {"q": "mines"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "<h1>Rechercher dans les lettres</h1>" in html
    text = page_text(response)
    assert "Affiner les résultats" in text  # the facets
    assert "Point de l’ordre du jour" in text  # a facet's heading
    assert re.search(r"\d+ lettres? trouvées?\.", text)
    # The type-to-filter script takes its label from the page, in the page's language.
    assert f'data-filter-label="Filtrer{NBSP}:"' in html


def test_english_letter_page_speaks_french_around_an_unchanged_letter(french, db):
    letter = Letter.objects.get(symbols__lookup="A/80/434")
    english = letter.texts.get(language="en")
    response = french.get(letter.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    text = page_text(response)
    assert "Type de document" in text and "Texte de la lettre" in text
    # The letter is data: its English words are shown as they are, marked as English.
    opening = " ".join(english.body.split()[:12])
    assert opening in text
    assert '<div class="letter-text" lang="en">' in html


def test_french_letter_page_translates_the_claims_table(french, french_letter):
    response = french.get(french_letter.get_absolute_url())
    # Ordinals by django.contrib.humanize, as French typography writes them: 75<sup>e</sup>.
    assert "75<sup>e</sup> session" in response.content.decode()
    text = page_text(response)
    assert "Incidents allégués dans cette lettre" in text
    # "Revendiqué par" would say Azerbaijan claims responsibility: the opposite.
    assert "Allégué par" in text and "Azerbaïdjan" in text
    assert "revendiqu" not in text.lower()
    assert "76 e année" in text


def test_a_filter_error_is_explained_in_french(french, db):
    response = french.get("/", {"year": "abc"})
    assert response.status_code == 400
    text = page_text(response)
    assert "Une partie de votre demande ne peut pas être utilisée" in text
    assert (
        f"Année de distribution{NBSP}: «{NBSP}abc{NBSP}» n’est pas une année comprise"
        " entre 1945 et 2100." in text
    )


def test_an_api_error_is_explained_in_french(french, db):
    response = french.get("/api/search/", {"page": "two"})
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"page": ["Le numéro de page doit être un nombre entier."]}
    }


def test_without_a_preference_the_interface_stays_english(db):
    html = Client().get("/").content.decode()
    assert '<html lang="en">' in html and "<h1>Letters</h1>" in html


# --- the switcher -----------------------------------------------------------------------------


def test_switcher_offers_only_translated_languages_each_in_its_own_language(db):
    html = Client().get("/search/?q=mines").content.decode()
    form = re.search(r'<form class="language-switcher".*?</form>', html, re.S).group(0)
    assert 'action="/i18n/setlang/"' in form and 'method="post"' in form
    assert '<label for="site-language">Interface language</label>' in form
    assert 'name="next" value="/search/?q=mines"' in form
    options = re.findall(r'<option value="([\w-]+)" lang="([\w-]+)"[^>]*>([^<]+)</option>', form)
    assert options == [("en", "en", "English"), ("fr", "fr", "Français")]
    translated = {path.parts[-3] for path in LOCALE.glob("*/LC_MESSAGES/django.mo")}
    assert {code for code, _lang, _name in options} == translated | {"en"}


def test_switching_to_french_and_back_through_the_form(db):
    # CSRF enforced, as in a browser: the form must carry its own token.
    browser = Client(enforce_csrf_checks=True)
    html = browser.get("/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    response = browser.post(
        "/i18n/setlang/",
        {"language": "fr", "next": "/search/", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302 and response["Location"] == "/search/"
    after = browser.get("/search/").content.decode()
    assert '<html lang="fr">' in after and "<h1>Rechercher dans les lettres</h1>" in after
    assert '<option value="fr" lang="fr" selected>Français</option>' in after

    browser.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token})
    assert "<h1>Letters</h1>" in browser.get("/").content.decode()


def test_the_chosen_language_wins_over_accept_language(db):
    reader = Client(HTTP_ACCEPT_LANGUAGE="fr")
    reader.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in reader.get("/").content.decode()


# --- the catalogue ----------------------------------------------------------------------------


def test_every_french_message_is_translated_and_keeps_its_placeholders():
    entries = read_po(FRENCH_PO)
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == ""
    assert "Plural-Forms: nplurals=2; plural=(n > 1);" in header["msgstr"][0]
    assert len(messages) > 250
    for entry in messages:
        assert "fuzzy" not in entry["flags"], entry["msgid"]
        forms = entry["msgstr"]
        assert forms and all(form.strip() for form in forms.values()), entry["msgid"]
        expected = placeholders(entry["msgid"]) | placeholders(entry["msgid_plural"] or "")
        if entry["msgid_plural"] is None:
            assert placeholders(forms[0]) == expected, entry["msgid"]
        else:
            assert sorted(forms) == [0, 1], entry["msgid"]
            assert placeholders(forms[1]) == expected, entry["msgid"]


def test_the_committed_mo_matches_the_po():
    """A machine without gettext serves the .mo: it must say what the .po says."""
    catalogue = gettext.GNUTranslations(FRENCH_MO.open("rb"))
    for entry in read_po(FRENCH_PO)[1:]:
        if entry["msgid_plural"] is None:
            assert catalogue.gettext(entry["msgid"]) == entry["msgstr"][0], entry["msgid"]
        else:
            for count, form in ((1, 0), (2, 1)):
                translated = catalogue.ngettext(entry["msgid"], entry["msgid_plural"], count)
                assert translated == entry["msgstr"][form], entry["msgid"]


def test_state_names_follow_the_interface_language(french_letter):
    from django.test import Client

    english = Client().get(french_letter.get_absolute_url()).content.decode()
    french = (
        Client(HTTP_ACCEPT_LANGUAGE="fr").get(french_letter.get_absolute_url()).content.decode()
    )
    assert '<a href="/states/AZE/">Azerbaijan</a>' in english
    assert (
        "Azerbaïdjan" in french
        and "Azerbaijan" not in french.split("<main", 1)[1].split("</dl>")[0]
    )


def test_languages_without_a_catalogue_are_not_offered(db):
    from django.test import Client

    html = Client(HTTP_ACCEPT_LANGUAGE="es").get("/").content.decode()
    assert '<html lang="en">' in html
