"""French interface: Accept-Language or the header switcher gives French page text, the
catalogue is complete, and the letters themselves (data) are never translated."""

import ast
import gettext
import html as html_module
import re
from html.parser import HTMLParser
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


GETTEXT_CALLS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}


def marked_in_python() -> set[str]:
    """Every literal string the project's Python marks for translation."""
    marked = set()
    for path in (Path(settings.BASE_DIR) / "archive").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            literals = [a.value for a in node.args[:2] if isinstance(a, ast.Constant)]
            if name in GETTEXT_CALLS and literals and isinstance(literals[0], str):
                marked.update(literals if name.startswith("ngettext") else literals[:1])
    return marked


def marked_in_templates() -> set[str]:
    """Every string the templates mark ({% translate %}, {% blocktranslate %}), read the way
    makemessages reads them (Django's templatize)."""
    from django.utils.translation.template import templatize

    literal = r"u?'(?:[^'\\]|\\.)*'" + r'|u?"(?:[^"\\]|\\.)*"'
    marked = set()
    for path in (Path(settings.BASE_DIR) / "templates").rglob("*.html"):
        code = templatize(path.read_text(encoding="utf-8"))
        for call in re.finditer(rf"(?:\bn?gettext|\b_)\(((?:\s*(?:{literal})\s*,?)+)", code):
            marked.update(ast.literal_eval(text) for text in re.findall(literal, call.group(1)))
    return marked


def test_every_string_marked_for_translation_is_in_the_french_catalogue():
    """A string marked in the code but never put in the catalogue stays English on French
    pages (run `manage.py makemessages -l fr`, translate, `compilemessages`)."""
    catalogue = set()
    for entry in read_po(FRENCH_PO)[1:]:
        catalogue.add(entry["msgid"])
        catalogue.add(entry["msgid_plural"])
    marked = marked_in_python() | marked_in_templates()
    assert len(marked) > 300
    assert sorted(marked - catalogue) == []


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


# --- no English left on a French page ---------------------------------------------------------

# Words French interface text does not use although English msgids do (French has them too).
FRENCH_TOO = {"joint", "note", "notes", "type", "date", "dates", "session", "sessions", "document"}
# Words that give away English text never marked for translation at all.
ENGLISH_WORDS = {
    "the", "and", "of", "with", "from", "by", "not", "this", "that", "was", "were", "for",
    "to", "is", "are", "has", "have", "which", "who", "what", "when", "where", "how", "about",
    "after", "before", "letters", "letter", "search", "reviewed", "review", "claimed", "killed",
    "injured", "show", "hide", "next", "previous", "download", "read", "title", "item", "items",
    "state", "states", "topics", "sent", "found", "results", "its", "month", "year", "claims",
}  # fmt: skip
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}


def english_vocabulary() -> set[str]:
    """Words of the interface's English (every msgid) that its French (msgstr) never uses."""
    english, french = set(), set()
    for entry in read_po(FRENCH_PO)[1:]:
        source = f"{entry['msgid']} {entry['msgid_plural'] or ''}"
        for words, text in ((english, source), (french, " ".join(entry["msgstr"].values()))):
            text = re.sub(r"%\(\w+\)[sd]|\{\{.*?\}\}", " ", text)
            words.update(w.lower() for w in re.findall(r"[^\W\d_]{3,}", text))
    return (english - french - FRENCH_TOO) | ENGLISH_WORDS


class FrenchReading(HTMLParser):
    """What a French reader reads or hears of a page, without the parts marked as written in
    another language (the letters, their titles: data, never translated), the page's <title>
    (its h1 again) and what is hidden."""

    NAMES = ("aria-label", "title", "placeholder", "alt")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, bool]] = []  # (tag, read by the French reader)
        self.read: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        outer = self.open[-1][1] if self.open else True
        # A textarea's text is a form value (data), like an input's value.
        french = outer and tag not in ("script", "style", "template", "title", "textarea")
        french = french and "hidden" not in attrs and attrs.get("lang", "fr").startswith("fr")
        if french:
            self.read += [attrs[name] for name in self.NAMES if attrs.get(name)]
            if tag == "input" and attrs.get("type") in ("submit", "button"):
                self.read.append(attrs.get("value") or "")
        if tag not in VOID_ELEMENTS:
            self.open.append((tag, french))

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, -1, -1):
            if self.open[depth][0] == tag:
                del self.open[depth:]
                return

    def handle_data(self, data):
        if self.open and self.open[-1][0] == "select":
            return  # a browser shows a select's options, never text between them
        if (not self.open or self.open[-1][1]) and data.strip():
            self.read.append(" ".join(data.split()))


def english_on(html: str, vocabulary: set[str], data: frozenset[str] = frozenset()) -> list[str]:
    """The English a French reader meets, but for `data`: names the archive holds only in
    English (topics are named from English agenda titles), shown as they are."""
    reader = FrenchReading()
    reader.feed(html)
    return [
        text
        for text in reader.read
        if text not in data and {w.lower() for w in re.findall(r"[^\W\d_]+", text)} & vocabulary
    ]


def english_only_data() -> frozenset[str]:
    from archive.labels import readable_caps
    from archive.models import AgendaItem, Topic

    titles = [t for item in AgendaItem.objects.all() for t in item.titles.values()]
    names = [*Topic.objects.values_list("name", flat=True), *titles]
    return frozenset(names) | {readable_caps(name) for name in names}


def test_the_english_detector_finds_an_untranslated_string():
    vocabulary = english_vocabulary()
    assert {"the", "claims", "reviewed", "metadata"} <= vocabulary
    page = (
        '<main><h1>Lettres</h1><p>Claimed by</p><p lang="en">Letter dated 2 May</p>'
        '<button aria-label="Copy the link">Copier</button><p hidden>Not shown</p></main>'
    )
    assert english_on(page, vocabulary) == ["Claimed by", "Copy the link"]


FRENCH_PAGES = [
    "/",
    "/?year=abc",
    "/search/?q=mines",
    "/search/?q=mines&sort=date&page_size=10",
    "/search/?q=zzzzqqq",
    "/A/80/434/",
    "/A/45/155/",
    "/S/14938/",
    "/states/",
    "/states/AZE/",
    "/states/PSE/",
    "/topics/",
    "/topics/question-of-palestine/",
    "/agenda/",
    "/agenda/45/",
    "/agenda/45/23/",
    "/no-such-page/",
    "/admin/",
    "/admin/archive/letter/",
    "/admin/archive/letter/?review=needs",
    "/admin/archive/letter/upload/",
    "/admin/archive/incidentclaim/",
]


@pytest.mark.parametrize("url", FRENCH_PAGES)
def test_a_french_page_shows_no_english_interface_text(url, french, admin_user):
    french.force_login(admin_user)
    response = french.get(url)
    assert response.status_code in (200, 400, 404), url
    found = english_on(response.content.decode(), english_vocabulary(), english_only_data())
    assert found == [], found


def test_the_french_letter_and_its_admin_pages_are_french(french, french_letter, admin_user):
    french.force_login(admin_user)
    for url in (
        french_letter.get_absolute_url(),
        f"/admin/archive/letter/{french_letter.pk}/change/",
        f"/admin/archive/incidentclaim/{french_letter.claims.first().pk}/change/",
    ):
        response = french.get(url)
        assert response.status_code == 200, url
        found = english_on(response.content.decode(), english_vocabulary(), english_only_data())
        assert found == [], (url, found)


def test_a_composed_title_names_the_usual_roles_and_addressees_in_french(db):
    from django.utils import translation

    from archive.labels import composed_title

    letter = Letter.objects.get(symbols__lookup="A/45/155")
    assert (letter.sender_role, letter.addressees) == ("Permanent Observer", ["Secretary-General"])
    with translation.override("fr"):
        title = composed_title(letter)
    assert title == (
        "Lettre datée du 27 février 1990 de l’Observateur permanent (État de Palestine)"
        " adressée au Secrétaire général"
    )
    with translation.override("en"):
        assert "from the Permanent Observer of" in composed_title(letter)


def test_the_parsers_notes_are_shown_in_french():
    """The review page shows why the parser is unsure: every note archive.parsing.readings
    can write is translated (a note it adds without a translation fails here)."""
    from django.utils import translation

    from archive.parsing import readings
    from archive.templatetags.review_notes import known, parser_note

    written = []
    for node in ast.walk(ast.parse(Path(readings.__file__).read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or getattr(node.func, "id", "") != "_reading":
            continue
        if len(node.args) == 4 and isinstance(node.args[3], ast.Constant | ast.JoinedStr):
            note = node.args[3]
            if isinstance(note, ast.JoinedStr):  # an f-string: its values as numbers
                note = "".join(
                    part.value if isinstance(part, ast.Constant) else "12" for part in note.values
                )
                written.append(note)
            elif note.value:
                written.append(note.value)
    assert len(written) >= 18
    assert [note for note in written if not known(note)] == []
    with translation.override("fr"):
        assert parser_note("No signature found.") == "Aucune signature trouvée."
        assert parser_note(
            "! “Fiftieth session” contradicts the symbol (session 49). Left empty."
        ) == (f"«{NBSP}Fiftieth session{NBSP}» contredit la cote (session 49). Laissé vide.")
        assert parser_note("A note nobody wrote.") == "A note nobody wrote."


def test_the_upload_review_page_is_french(french, admin_user, settings, tmp_path):
    """An editor reviewing a scanned letter in French: labels, the parser's notes, the
    claims table; the letter's own text stays as written (marked English)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    french.force_login(admin_user)
    # A scan whose title the parser could not read (a new file: an archived one's copy is a
    # duplicate).
    name = "A_47_843-S_25016.en.txt"
    data = (Path(settings.BASE_DIR) / "fixtures" / "letters" / name).read_bytes() + b"\n"
    upload = SimpleUploadedFile(name, data)
    response = french.post("/admin/archive/letter/upload/", {"files": [upload]}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="review"' in html
    assert "Aucune date trouvée dans le titre." in html
    found = english_on(html, english_vocabulary(), english_only_data())
    assert found == []
