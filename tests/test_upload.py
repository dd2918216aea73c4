"""Editors upload letters in the admin: upload -> review -> save, and every way it must refuse.

The test session has already imported the real .txt letters, so a letter is deleted first
where a test needs the "created" path.
"""

import hashlib
import io
import logging
import random
import re
import zipfile
from pathlib import Path

import docx
import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import CheckboxInput
from django.test import Client
from django.urls import reverse
from pypdf import PdfWriter

from archive.ingest import IngestError, read_letter_file
from archive.models import AgendaItem, IncidentClaim, Letter, LetterText, SourceFile

from .conftest import table_counts


def blank_pdf() -> bytes:
    """A PDF of one empty page: no text layer, and nothing for OCR to read."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


LETTERS = Path(__file__).resolve().parent.parent / "fixtures" / "letters"
PDFS = LETTERS / "pdf"
UPLOAD_URL = "/admin/archive/letter/upload/"
FRENCH = "2021-02-23_Azerbaijan_mines.fr.txt"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def make_user(username: str, *, staff: bool, upload: bool) -> User:
    user = User.objects.create_user(username, password="a-long-test-password-1")
    user.is_staff = staff
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="view_letter"))
    if upload:
        user.user_permissions.add(Permission.objects.get(codename="upload_letters"))
    return user


@pytest.fixture
def editor(db, media_root):
    return make_user("editor", staff=True, upload=True)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def real_file(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


def upload(client, *files: SimpleUploadedFile):
    return client.post(UPLOAD_URL, {"files": list(files)})


def review_url(data: bytes) -> str:
    return reverse("admin:archive_letter_upload_review", args=[hashlib.sha256(data).hexdigest()])


def form_data(response) -> dict[str, str]:
    """What the review form posts back when the editor changes nothing."""
    form = response.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else str(value)
    return data


def pending_files(media_root: Path) -> list[Path]:
    folder = media_root / "pending"
    return sorted(folder.iterdir()) if folder.exists() else []


def delete_letter(symbol: str) -> None:
    Letter.objects.by_symbol(symbol).delete()


# ----------------------------------------------------------------------------- happy paths


def test_upload_review_save_a_real_pdf(editor_client, editor, media_root):
    delete_letter("A/80/500")
    pdf = PDFS / "A_80_500-S_2025_656.en.pdf"
    data = pdf.read_bytes()
    before = table_counts()

    response = upload(editor_client, real_file(pdf))
    assert response.status_code == 302
    assert response["Location"] == review_url(data)
    review = editor_client.get(response["Location"])
    assert review.status_code == 200
    # Nothing is in the archive yet: the file and its extracted text wait server-side,
    # named by its checksum.
    assert table_counts() == before
    assert [p.name for p in pending_files(media_root)] == [
        f"{hashlib.sha256(data).hexdigest()}.json",
        f"{hashlib.sha256(data).hexdigest()}.text",
        f"{hashlib.sha256(data).hexdigest()}.upload",
    ]

    page = review.content.decode()
    assert "Distr.: General" in page  # the extracted text, beside the fields
    form = review.context["form"]
    assert form["symbols"].value() == "A/80/500 S/2025/656"
    assert form["sender_person"].value() == "Dmitry Polyanskiy"
    assert form["agenda_items"].value().startswith("84: The rule of law")
    assert "Saving creates a new letter." in page

    corrected = form_data(review)
    corrected["title"] = corrected["title"] + " (checked)"
    saved = editor_client.post(response["Location"], corrected)
    assert saved.status_code == 302

    letter = Letter.objects.by_symbol("S/2025/656").get()
    assert saved["Location"] == reverse("admin:archive_letter_change", args=[letter.pk])
    text = letter.texts.get()
    assert text.language == "en"
    assert text.title.endswith("(checked)")
    assert letter.sender_person == "Dmitry Polyanskiy"
    assert letter.sender_state.iso3 == "RUS"
    assert [link.agenda_item.number for link in letter.agenda_links.all()] == [84]
    assert text.annexes.count() == 1
    assert list(letter.signatories.values_list("name", flat=True)) == ["Dmitry Polyanskiy"]

    source = SourceFile.objects.get(sha256=hashlib.sha256(data).hexdigest())
    assert source.letter_text == text
    assert source.uploaded_by == editor
    assert source.file_format == "pdf"
    assert source.size == len(data)
    stored = media_root / source.stored_path
    assert stored.read_bytes() == data
    assert stored.name == "A_80_500-S_2025_656.en.pdf"
    assert pending_files(media_root) == []

    # The public page shows it.
    public = editor_client.get(letter.get_absolute_url())
    assert public.status_code == 200
    assert "Dmitry Polyanskiy" in public.content.decode()


def test_the_same_file_again_is_a_duplicate_and_not_saved_twice(editor_client, media_root):
    # The session imported the .txt files already: uploading one is a duplicate.
    path = LETTERS / "A_80_434-S_2025_632.en.txt"
    before = table_counts()
    response = upload(editor_client, real_file(path))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Duplicate" in page
    assert "already in the archive" in page
    assert table_counts() == before
    assert pending_files(media_root) == []


def test_a_saved_upload_uploaded_again_is_a_duplicate(editor_client, media_root):
    delete_letter("A/80/434")
    pdf = PDFS / "A_80_434-S_2025_632.en.pdf"
    review = editor_client.get(upload(editor_client, real_file(pdf))["Location"])
    editor_client.post(review.request["PATH_INFO"], form_data(review))
    after_first_save = table_counts()

    response = upload(editor_client, real_file(pdf))
    assert response.status_code == 200
    assert "already in the archive" in response.content.decode()
    assert table_counts() == after_first_save


def test_a_different_file_of_a_letter_already_here_replaces_its_text_not_the_letter(
    editor_client,
):
    # The PDF of a letter imported from its .txt: same symbol, same language.
    letter = Letter.objects.by_symbol("A/80/434").get()
    pdf = PDFS / "A_80_434-S_2025_632.en.pdf"
    review = editor_client.get(upload(editor_client, real_file(pdf))["Location"])
    assert "saving replaces that text" in review.content.decode()
    editor_client.post(review.request["PATH_INFO"], form_data(review))
    assert Letter.objects.by_symbol("S/2025/632").get().pk == letter.pk
    assert letter.texts.count() == 1
    assert letter.texts.get().source_sha256 == hashlib.sha256(pdf.read_bytes()).hexdigest()


def test_missing_fields_are_highlighted_and_unknown_agenda_items_get_masthead_titles(
    editor_client,
):
    # The French letter lost its symbols line: the review must say so.
    Letter.objects.filter(texts__source_name=FRENCH).delete()
    AgendaItem.objects.filter(ga_session=75, letter_links__isnull=True).delete()
    assert not AgendaItem.objects.filter(ga_session=75).exists()

    response = upload(editor_client, real_file(LETTERS / FRENCH))
    review = editor_client.get(response["Location"])
    form = review.context["form"]
    assert "symbols" in form.missing
    assert "sender_person" not in form.missing
    page = review.content.decode()
    assert 'class="form-row field-symbols missing' in page
    assert "Not found by the parser" in page
    assert "4 incident claims found" in page or "incident claims found" in page

    editor_client.post(review.request["PATH_INFO"], form_data(review))
    letter = Letter.objects.get(texts__source_name=FRENCH)
    assert letter.symbol_list == []
    item = AgendaItem.objects.get(ga_session=75, number=34)
    assert item.titles["fr"] == "Prévention des conflits armés"
    assert letter.agenda_links.count() == 8
    # Claims arrive unreviewed, attributed to the sending state.
    claims = list(letter.claims.all())
    assert claims
    assert {c.review_status for c in claims} == {IncidentClaim.Review.UNREVIEWED}
    assert {c.claimant_name for c in claims} == {"Azerbaijan"}


def test_a_language_version_is_attached_to_the_letter_with_the_same_symbol(editor_client):
    # The French file lost its symbols; an editor types them in. Here they are those of an
    # English letter already in the archive: a mismatched pairing, only to exercise attaching.
    Letter.objects.filter(texts__source_name=FRENCH).delete()
    english = Letter.objects.by_symbol("A/80/434").get()
    letters_before = Letter.objects.count()

    review = editor_client.get(upload(editor_client, real_file(LETTERS / FRENCH))["Location"])
    data = form_data(review)
    data["symbols"] = "A/80/434–S/2025/632"
    saved = editor_client.post(review.request["PATH_INFO"], data, follow=True)

    assert Letter.objects.count() == letters_before
    assert sorted(english.texts.values_list("language", flat=True)) == ["en", "fr"]
    assert "Added a language version" in saved.content.decode()


def test_several_files_at_once(editor_client, media_root):
    before = table_counts()
    response = upload(
        editor_client,
        real_file(PDFS / "A_49_230-S_1994_822.en.pdf"),  # a new file: ready for review
        real_file(LETTERS / "S_14938.en.txt"),  # imported already: duplicate
        SimpleUploadedFile("blank.pdf", blank_pdf()),  # no text, even by OCR: refused
    )
    assert response.status_code == 200
    outcomes = {o.name: o.status for o in response.context["outcomes"]}
    assert outcomes == {
        "A_49_230-S_1994_822.en.pdf": "ready",
        "S_14938.en.txt": "duplicate",
        "blank.pdf": "refused",
    }
    page = response.content.decode()
    assert "no text layer" in page
    assert review_url((PDFS / "A_49_230-S_1994_822.en.pdf").read_bytes()) in page
    assert table_counts() == before
    assert len(pending_files(media_root)) == 3  # bytes, note and extracted text of the one ready


def test_a_pending_upload_can_be_discarded(editor_client, media_root):
    pdf = PDFS / "A_53_568-S_1998_1025.en.pdf"
    url = upload(editor_client, real_file(pdf))["Location"]
    assert editor_client.get(UPLOAD_URL).context["pending"]
    before = table_counts()
    response = editor_client.post(url + "discard/")
    assert response.status_code == 302
    assert pending_files(media_root) == []
    assert editor_client.get(url).status_code == 404
    assert table_counts() == before


def _docx_of(text: str) -> bytes:
    """A Word file holding a real letter's text, one paragraph per line."""
    document = docx.Document()
    for line in text.replace("\f", "\n").split("\n"):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_word_and_markdown_files_are_read_for_review(editor_client, media_root):
    text = (LETTERS / "A_80_434-S_2025_632.en.txt").read_text(encoding="utf-8")
    word = SimpleUploadedFile("A_80_434.docx", _docx_of(text))
    review = editor_client.get(upload(editor_client, word)["Location"])
    assert review.context["pending"].file_format == "docx"
    assert review.context["form"]["symbols"].value() == "A/80/434 S/2025/632"
    assert review.context["form"]["sender_person"].value() == "Héctor Gómez Hernández"

    # The French letter came from a word processor with ** for bold: Markdown, in effect.
    Letter.objects.filter(texts__source_name=FRENCH).delete()
    markdown = SimpleUploadedFile("lettre.md", (LETTERS / FRENCH).read_bytes())
    url = upload(editor_client, markdown)["Location"]
    review = editor_client.get(url)
    assert review.context["pending"].file_format == "md"
    assert review.context["form"]["ga_session"].value() == 75
    editor_client.post(url, form_data(review))
    source = SourceFile.objects.get(original_name="lettre.md")
    assert source.file_format == "md"
    assert source.letter_text.language == "fr"


# ------------------------------------------------------------------------------ review form


def test_review_errors_are_shown_and_nothing_is_saved(editor_client, media_root):
    delete_letter("A/80/500")
    url = upload(editor_client, real_file(PDFS / "A_80_500-S_2025_656.en.pdf"))["Location"]
    review = editor_client.get(url)
    before = table_counts()

    data = form_data(review)
    data["symbols"] = "A/80/500 not-a-symbol"
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "is not a UN document symbol" in response.content.decode()

    data = form_data(review)
    data["ga_session"] = ""
    response = editor_client.post(url, data)
    assert "give the GA session" in response.content.decode()

    data = form_data(review)
    data["symbols"] = "A/80/434 S/1998/1025"  # two letters already in the archive
    response = editor_client.post(url, data)
    assert "belong to different letters" in response.content.decode()

    assert table_counts() == before
    assert len(pending_files(media_root)) == 3  # still waiting for a correct review


def test_the_editor_corrects_agenda_items_sender_and_annex_titles(editor_client):
    delete_letter("A/80/500")
    url = upload(editor_client, real_file(PDFS / "A_80_500-S_2025_656.en.pdf"))["Location"]
    data = form_data(editor_client.get(url))
    data["agenda_items"] = "84: The rule of law at the national and international levels\n68 (b)"
    data["sender_role"] = "Chargé d’affaires a.i."
    data["annex_1_title"] = "Statement (corrected title)"
    data["original_language"] = "ru"
    editor_client.post(url, data)

    letter = Letter.objects.by_symbol("A/80/500").get()
    items = [
        (link.agenda_item.number, link.agenda_item.sub_item) for link in letter.agenda_links.all()
    ]
    assert items == [(84, ""), (68, "b")]
    assert letter.sender_role == "Chargé d’affaires a.i."
    assert letter.original_language == "ru"
    assert letter.texts.get().annexes.get().title == "Statement (corrected title)"


# ------------------------------------------------------------------------------- bad input


def _encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO((PDFS / "A_80_500-S_2025_656.en.pdf").read_bytes()))
    writer.encrypt(user_password="secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _zip_bomb() -> bytes:
    """A .docx-shaped zip whose document.xml inflates to 300 MB of zeros."""
    out = io.BytesIO()
    chunk = bytes(1024 * 1024)
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("word/document.xml", "w", force_zip64=True) as member,
    ):
        for _ in range(300):
            member.write(chunk)
    return out.getvalue()


def _half(path: Path) -> bytes:
    data = path.read_bytes()
    return data[: len(data) // 2]


BAD_FILES = {
    "empty": ("letter.pdf", lambda: b"", "The file is empty."),
    "pdf that is not a pdf": (
        "letter.pdf",
        lambda: (LETTERS / "README.md").read_bytes(),
        "This .pdf file is not a PDF.",
    ),
    "encrypted pdf": ("letter.pdf", _encrypted_pdf, "The PDF is encrypted"),
    "truncated pdf": (
        "letter.pdf",
        lambda: _half(PDFS / "A_80_434-S_2025_632.en.pdf"),
        "The PDF is damaged or truncated.",
    ),
    "zip bomb docx": ("letter.docx", _zip_bomb, "zip bomb"),
    "binary junk": (
        "letter.txt",
        lambda: random.Random(4).randbytes(64 * 1024),
        "it is not a text file",
    ),
    "nul bytes": (
        "letter.txt",
        lambda: (LETTERS / "A_80_434-S_2025_632.en.txt").read_bytes().replace(b"\n", b"\n\x00", 3),
        "NUL bytes",
    ),
    "no masthead": (
        "notes.md",
        lambda: b"# Meeting notes\n\nWe discussed the budget and agreed to meet again.\n",
        "no UN masthead",
    ),
    "pdf without any text, even by OCR": ("blank.pdf", lambda: blank_pdf(), "no text layer"),
    "unsupported type": ("letter.exe", lambda: b"MZ\x90\x00", "Unsupported file type"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_files_are_refused_with_a_clear_message_and_nothing_saved(
    case, editor_client, media_root
):
    name, make, message = BAD_FILES[case]
    before = table_counts()
    response = upload(editor_client, SimpleUploadedFile(name, make()))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Refused" in page
    assert message in page
    assert table_counts() == before
    assert pending_files(media_root) == []


def test_a_file_over_the_size_limit_is_refused(editor_client, media_root, settings):
    settings.UPLOAD_MAX_BYTES = 10_000
    pdf = PDFS / "A_80_434-S_2025_632.en.pdf"
    assert pdf.stat().st_size > 10_000
    before = table_counts()
    response = upload(editor_client, real_file(pdf))
    assert response.status_code == 400
    assert "larger than the" in response.content.decode()
    assert table_counts() == before
    assert pending_files(media_root) == []


def test_the_size_limit_setting_also_binds_the_import_path(settings):
    # import_letters and parse_letter read files through read_letter_file too.
    settings.UPLOAD_MAX_BYTES = 1000
    data = (LETTERS / "A_80_434-S_2025_632.en.txt").read_bytes()
    with pytest.raises(IngestError, match="larger than"):
        read_letter_file(data, "letter.txt")


def test_a_hostile_file_name_never_becomes_a_path(editor_client, media_root, tmp_path):
    delete_letter("A/80/500")
    data = (PDFS / "A_80_500-S_2025_656.en.pdf").read_bytes()
    response = upload(editor_client, SimpleUploadedFile("../../../../tmp/évil name.pdf", data))
    review = editor_client.get(response["Location"])
    editor_client.post(review.request["PATH_INFO"], form_data(review))
    source = SourceFile.objects.get(sha256=hashlib.sha256(data).hexdigest())
    stored = (media_root / source.stored_path).resolve()
    assert stored.is_relative_to(media_root.resolve() / "letters")
    assert stored.name == "evil_name.pdf"
    assert stored.read_bytes() == data


def test_review_urls_take_only_checksums(editor_client):
    for bad in ["..", "not-a-checksum", "0" * 63, "g" * 64, "0" * 64]:
        response = editor_client.get(f"{UPLOAD_URL}{bad}/")
        assert response.status_code == 404


# --------------------------------------------------------------------- who may do it, CSRF


def _every_upload_request(client, data: bytes) -> list[int]:
    url = review_url(data)
    return [
        client.get(UPLOAD_URL).status_code,
        client.post(UPLOAD_URL, {"files": [SimpleUploadedFile("a.pdf", data)]}).status_code,
        client.get(url).status_code,
        client.post(url, {"symbols": "A/80/500"}).status_code,
        client.post(url + "discard/").status_code,
    ]


def test_anonymous_and_non_staff_users_are_sent_to_the_login_page(client, db, media_root):
    data = (PDFS / "A_80_500-S_2025_656.en.pdf").read_bytes()
    before = table_counts()
    assert set(_every_upload_request(client, data)) == {302}
    client.force_login(make_user("reader", staff=False, upload=True))
    responses = [client.get(UPLOAD_URL), client.post(UPLOAD_URL)]
    assert all("/admin/login/" in r["Location"] for r in responses)
    assert table_counts() == before
    assert pending_files(media_root) == []


def test_staff_without_the_permission_are_refused(client, db, media_root, editor_client):
    # A pending upload exists (made by an editor), so the review URL is real.
    delete_letter("A/80/500")
    data = (PDFS / "A_80_500-S_2025_656.en.pdf").read_bytes()
    upload(editor_client, SimpleUploadedFile("a.pdf", data))
    before = table_counts()

    other = Client()
    other.force_login(make_user("clerk", staff=True, upload=False))
    assert set(_every_upload_request(other, data)) == {403}
    changelist = other.get("/admin/archive/letter/")
    assert changelist.status_code == 200
    assert UPLOAD_URL not in changelist.content.decode()
    assert table_counts() == before
    assert len(pending_files(media_root)) == 3


def test_the_changelist_links_to_the_upload(editor_client):
    response = editor_client.get("/admin/archive/letter/")
    assert f'href="{UPLOAD_URL}"' in response.content.decode()


def test_upload_and_save_need_the_csrf_token(editor, media_root):
    delete_letter("A/80/500")
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    data = (PDFS / "A_80_500-S_2025_656.en.pdf").read_bytes()
    before = table_counts()

    refused = client.post(UPLOAD_URL, {"files": [SimpleUploadedFile("a.pdf", data)]})
    assert refused.status_code == 403
    assert pending_files(media_root) == []

    token = client.get(UPLOAD_URL).context["csrf_token"]
    accepted = client.post(
        UPLOAD_URL, {"files": [SimpleUploadedFile("a.pdf", data)], "csrfmiddlewaretoken": token}
    )
    assert accepted.status_code == 302
    review = client.get(accepted["Location"])
    fields = form_data(review)
    assert client.post(accepted["Location"], fields).status_code == 403
    assert table_counts() == before

    saved = client.post(accepted["Location"], {**fields, "csrfmiddlewaretoken": token})
    assert saved.status_code == 302
    assert Letter.objects.by_symbol("A/80/500").exists()


def test_uploads_and_saves_are_logged(editor_client, caplog):
    delete_letter("A/80/500")
    data = (PDFS / "A_80_500-S_2025_656.en.pdf").read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    with caplog.at_level(logging.INFO, logger="archive.upload"):
        url = upload(editor_client, SimpleUploadedFile("A_80_500.pdf", data))["Location"]
        editor_client.post(url, form_data(editor_client.get(url)))
        upload(editor_client, SimpleUploadedFile("empty.txt", b""))
    records = [r.getMessage() for r in caplog.records if r.name == "archive.upload"]
    pending, saved, refused = records
    for record in records:
        assert "user=editor" in record
        assert re.search(r"at=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", record)
    assert pending.startswith("upload pending review:")
    assert sha256 in pending
    assert "file='A_80_500.pdf'" in pending
    assert saved.startswith("upload saved (created):")
    assert sha256 in saved
    assert refused.startswith("upload refused:")
    assert "file='empty.txt'" in refused
    assert "The file is empty." in refused


def test_nothing_is_kept_under_static(editor_client, media_root, settings):
    static_dirs = [Path(d).resolve() for d in settings.STATICFILES_DIRS]
    static_dirs.append(Path(settings.STATIC_ROOT).resolve())
    delete_letter("A/80/500")
    url = upload(editor_client, real_file(PDFS / "A_80_500-S_2025_656.en.pdf"))["Location"]
    editor_client.post(url, form_data(editor_client.get(url)))
    stored = Path(media_root) / SourceFile.objects.latest("uploaded_at").stored_path
    assert stored.exists()
    assert not any(stored.resolve().is_relative_to(d) for d in static_dirs)


def test_letter_texts_are_kept_verbatim_from_the_upload(editor_client):
    delete_letter("S/14938")
    path = PDFS / "S_14938.en.pdf"
    url = upload(editor_client, real_file(path))["Location"]
    review = editor_client.get(url)
    editor_client.post(url, form_data(review))
    text = LetterText.objects.get(letter__symbols__lookup="S/14938")
    assert text.full_text == review.context["parsed"].text
    assert text.source_name == "S_14938.en.pdf"


# ---------------------------------------------------------------------------- claim review


def admin_form_data(response) -> dict:
    """What an admin change form (and its inlines) posts back when nothing is changed."""
    data: dict = {}

    def add(form):
        for name, field in form.fields.items():
            value = form[name].value()
            if isinstance(value, bool) or isinstance(field.widget, CheckboxInput):
                if value:
                    data[form.add_prefix(name)] = "on"
                continue
            value = field.prepare_value(value)
            data[form.add_prefix(name)] = "" if value is None else str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


@pytest.fixture
def reviewer_client(client, db):
    user = make_user("reviewer", staff=True, upload=False)
    for codename in ["view_incidentclaim", "change_incidentclaim", "change_letter"]:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    client.user = user
    return client


def test_an_editor_confirms_rejects_and_corrects_claims(reviewer_client, french_letter):
    claims = list(french_letter.claims.order_by("quote_start"))
    assert len(claims) >= 3
    confirmed, rejected, corrected = claims[:3]
    changelist = "/admin/archive/incidentclaim/"

    response = reviewer_client.post(
        changelist, {"action": "confirm", "_selected_action": [confirmed.pk]}, follow=True
    )
    assert "1 claim confirmed." in response.content.decode()
    reviewer_client.post(changelist, {"action": "reject", "_selected_action": [rejected.pk]})

    change_url = f"/admin/archive/incidentclaim/{corrected.pk}/change/"
    data = admin_form_data(reviewer_client.get(change_url))
    data["place"] = "corrected place (test)"
    assert reviewer_client.post(change_url, data).status_code == 302
    # Confirming a corrected claim must not hide that it was corrected.
    reviewer_client.post(changelist, {"action": "confirm", "_selected_action": [corrected.pk]})

    for claim in (confirmed, rejected, corrected):
        claim.refresh_from_db()
        assert claim.reviewed_by == reviewer_client.user
        assert claim.reviewed_at is not None
    assert confirmed.review_status == IncidentClaim.Review.CONFIRMED
    assert rejected.review_status == IncidentClaim.Review.REJECTED
    assert corrected.review_status == IncidentClaim.Review.CORRECTED
    assert corrected.place == "corrected place (test)"

    # The public page shows the review status and leaves the rejected claim out.
    page = reviewer_client.get(french_letter.get_absolute_url()).content.decode()
    assert "Extraction confirmed by an editor" in page
    assert "Extraction corrected by an editor" in page
    assert "corrected place (test)" in page
    assert f'id="claim-{rejected.pk}-row"' not in page
    assert f'id="claim-{confirmed.pk}-row"' in page


def test_a_claim_edited_in_the_letter_form_is_marked_corrected(reviewer_client, french_letter):
    claim = french_letter.claims.order_by("quote_start").first()
    change_url = f"/admin/archive/letter/{french_letter.pk}/change/"
    data = admin_form_data(reviewer_client.get(change_url))
    prefix = next(k for k, v in data.items() if k.endswith("-id") and v == str(claim.pk))[:-3]
    data[f"{prefix}-killed"] = "16"
    response = reviewer_client.post(change_url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    claim.refresh_from_db()
    assert claim.killed == 16
    assert claim.review_status == IncidentClaim.Review.CORRECTED
    assert claim.reviewed_by == reviewer_client.user
    # The other claims were not touched, so they stay unreviewed.
    others = french_letter.claims.exclude(pk=claim.pk)
    assert set(others.values_list("review_status", flat=True)) == {"unreviewed"}


@pytest.mark.usefixtures("ocr_tools")
def test_a_scanned_pdf_is_read_by_ocr_and_the_review_says_so(editor_client, media_root):
    scan = PDFS / "A_47_843-S_25016.en.pdf"
    Letter.objects.filter(symbols__lookup="A/47/843").delete()
    uploaded = upload(editor_client, real_file(scan))
    response = editor_client.get(uploaded["Location"]) if uploaded.status_code == 302 else uploaded
    page = response.content.decode()
    assert "Text produced by OCR; check it." in page
    assert "A/47/843" in page


@pytest.mark.usefixtures("ocr_tools")
def test_the_review_reads_the_text_extracted_at_upload_and_never_extracts_again(
    editor_client, media_root, monkeypatch
):
    scan = PDFS / "A_47_843-S_25016.en.pdf"
    Letter.objects.filter(symbols__lookup="A/47/843").delete()
    review_location = upload(editor_client, real_file(scan))["Location"]

    def extract_again(*args, **kwargs):
        raise AssertionError("the review page ran the extraction (OCR) again")

    monkeypatch.setattr("archive.letter_files.extract_text", extract_again)
    for _ in range(2):
        page = editor_client.get(review_location).content.decode()
        assert "Text produced by OCR; check it." in page
        assert "24 December 1992" in page
    saved = editor_client.post(review_location, form_data(editor_client.get(review_location)))
    assert saved.status_code == 302
    text = Letter.objects.by_symbol("A/47/843").get().texts.get()
    assert (text.source_format, text.source_quality) == ("pdf", 1)  # OCR: the lowest quality


def test_the_review_highlights_where_each_field_was_read_and_marks_the_unsure_ones(
    editor_client, media_root
):
    # A 1990 letter whose OCR'd title is damaged: the parser leaves the title empty, unsure.
    text = (LETTERS / "A_45_155-S_21174.en.txt").read_text(encoding="utf-8") + "\n"
    response = upload(editor_client, SimpleUploadedFile("a45.en.txt", text.encode()))
    page = editor_client.get(response["Location"]).content.decode()

    assert "The parser is unsure of" in page
    title_row = re.search(r'<div class="form-row field-title[^"]*"', page)[0]
    assert "uncertain" in title_row
    assert "No well-formed title" in page
    # Each field's span is marked in the extracted text, and the field links to it.
    assert re.search(
        r'<mark id="read-letter_date" class="reading reading-high"[^>]*>'
        r"27 February 1990</mark>",
        page,
    )
    assert '<a href="#read-letter_date">' in page
    assert re.search(r'<mark id="read-distribution_date"[^>]*>28 February 1990</mark>', page)
    # The text is still escaped verbatim around the marks.
    assert "&lt;" not in text or "&lt;" in page


@pytest.mark.parametrize(
    ("other_symbol", "reason"),
    [
        ("S/2025/656", "belong to different letters"),  # another letter's SC symbol
        ("S/2025/999", "already has the symbol S/2025/632"),  # a second SC symbol
    ],
)
def test_a_file_whose_symbols_conflict_is_explained_on_the_review_and_not_saved(
    editor_client, media_root, other_symbol, reason
):
    text = (LETTERS / "A_80_434-S_2025_632.en.txt").read_text(encoding="utf-8")
    crossed = text.replace("S/2025/632", other_symbol)
    response = upload(editor_client, SimpleUploadedFile("crossed.en.txt", crossed.encode()))
    review = editor_client.get(response["Location"])
    assert review.status_code == 200
    assert reason in review.content.decode()
    before = table_counts()
    saved = editor_client.post(review.request["PATH_INFO"], form_data(review))
    assert saved.status_code == 200
    assert table_counts() == before
