"""An editor's work is never undone by an import.

`make run` re-imports fixtures/letters on every start; a new parser version makes it read
every file again. These tests do what an editor and that re-import do, in that order.
"""

import hashlib

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from archive import ingest
from archive.ingest import read_letter_file
from archive.models import AgendaItem, Annex, IncidentClaim, Letter

from .conftest import LETTERS
from .test_upload import PDFS, admin_form_data, form_data, make_user, upload


@pytest.fixture
def editor_client(client, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(make_user("editor", staff=True, upload=True))
    return client


@pytest.fixture
def reviewer_client(client, db):
    user = make_user("reviewer", staff=True, upload=False)
    for codename in ["change_letter"]:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    return client


@pytest.fixture
def new_parser_version(monkeypatch):
    """The next release's parser: the next import reads every file again."""
    monkeypatch.setattr(ingest, "PARSER_VERSION", "next-release")


def reimport(capsys) -> str:
    call_command("import_letters", str(LETTERS), quiet_progress=True)
    return capsys.readouterr().out


def test_confirmed_claims_stay_confirmed_with_their_ids_after_a_reimport(
    french_letter, new_parser_version, capsys
):
    claims = list(french_letter.claims.order_by("pk"))
    annex_claims = [claim for claim in claims if claim.annex_id]
    assert annex_claims, "the French letter's annex holds claims"
    annex_ids = set(Annex.objects.filter(letter_text__letter=french_letter).values_list("pk"))
    IncidentClaim.objects.filter(pk__in=[c.pk for c in annex_claims]).update(
        review_status=IncidentClaim.Review.CONFIRMED
    )

    out = reimport(capsys)

    assert "0 failed" in out
    assert "8 updated" in out  # every file read again by the new parser
    after = list(french_letter.claims.order_by("pk"))
    assert [c.pk for c in after] == [c.pk for c in claims]
    assert {c.pk for c in after if c.review_status == "confirmed"} == {c.pk for c in annex_claims}
    assert set(Annex.objects.filter(letter_text__letter=french_letter).values_list("pk")) == (
        annex_ids
    )


def test_a_corrected_claim_keeps_the_editors_values(french_letter, new_parser_version, capsys):
    claim = french_letter.claims.get(killed=15)
    claim.killed = 16
    claim.review_status = IncidentClaim.Review.CORRECTED
    claim.save()

    reimport(capsys)

    claim.refresh_from_db()
    assert (claim.killed, claim.review_status) == (16, "corrected")
    assert french_letter.claims.filter(killed=15).count() == 0  # not recreated beside it


def _import_file(path, capsys) -> str:
    call_command("import_letters", str(path), quiet_progress=True)
    return capsys.readouterr().out


def test_a_plain_text_never_replaces_the_official_pdf_text(db, capsys):
    pdf = PDFS / "A_80_434-S_2025_632.en.pdf"
    assert "1 updated" in _import_file(pdf, capsys)
    letter = Letter.objects.by_symbol("A/80/434").get()
    pdf_sha256 = hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert letter.texts.get().source_sha256 == pdf_sha256

    out = reimport(capsys)  # what `make run` does: the fixture .txt files again

    assert "1 kept" in out
    assert "its text comes from the text layer of a PDF" in out
    text = letter.texts.get()
    assert (text.source_sha256, text.source_format) == (pdf_sha256, "pdf")
    letter.refresh_from_db()
    assert letter.import_differences[0]["source"] == "A_80_434-S_2025_632.en.txt"


def test_the_editor_can_ask_for_the_worse_source(editor_client, capsys):
    _import_file(PDFS / "A_80_434-S_2025_632.en.pdf", capsys)
    # A plain-text copy of the letter, not the fixture itself (that one is archived already).
    text = (LETTERS / "A_80_434-S_2025_632.en.txt").read_text(encoding="utf-8") + "\n"
    txt = SimpleUploadedFile("copy.en.txt", text.encode("utf-8"))
    review = editor_client.get(upload(editor_client, txt)["Location"])
    page = review.content.decode()
    assert "which comes from the text layer of a PDF" in page

    data = form_data(review)
    data.pop("replace_better_source")
    refused = editor_client.post(review.request["PATH_INFO"], data)
    assert refused.status_code == 200
    assert "Nothing was saved" in refused.content.decode()
    assert Letter.objects.by_symbol("A/80/434").get().texts.get().source_format == "pdf"

    data["replace_better_source"] = "on"
    saved = editor_client.post(review.request["PATH_INFO"], data)
    assert saved.status_code == 302
    assert Letter.objects.by_symbol("A/80/434").get().texts.get().source_format == "txt"


@pytest.mark.usefixtures("ocr_tools")
def test_ocr_never_replaces_a_text_layer(db, capsys):
    scan = PDFS / "A_47_843-S_25016.en.pdf"
    letter_file = read_letter_file(scan.read_bytes(), scan.name)
    assert letter_file.by_ocr
    out = _import_file(scan, capsys)
    assert "1 kept" in out
    assert "its text comes from a plain-text file" in out
    text = Letter.objects.by_symbol("A/47/843").get().texts.get()
    assert text.source_name == "A_47_843-S_25016.en.txt"


def test_a_reviewed_letter_is_kept_and_the_differences_reported(
    reviewer_client, new_parser_version, capsys
):
    letter = Letter.objects.by_symbol("A/80/500").get()
    change_url = f"/admin/archive/letter/{letter.pk}/change/"
    data = admin_form_data(reviewer_client.get(change_url))
    data["sender_role"] = "Ambassador (corrected by an editor)"
    assert reviewer_client.post(change_url, data).status_code == 302
    letter.refresh_from_db()
    assert letter.is_reviewed
    assert "sender_role" in letter.edited_fields
    text_id = letter.texts.get().pk

    out = reimport(capsys)

    assert "1 kept" in out
    assert "the letter was reviewed by an editor" in out
    assert "not applied: sender_role: Ambassador (corrected by an editor) ->" in out
    letter.refresh_from_db()
    assert letter.sender_role == "Ambassador (corrected by an editor)"
    assert letter.texts.get().pk == text_id
    assert "sender_role" in " ".join(letter.import_differences[0]["differences"])


def test_an_agenda_items_title_is_never_rewritten_by_a_letter(db, tmp_path, capsys):
    item = AgendaItem.objects.get(ga_session=80, number=84)
    title = item.titles["en"]
    assert title == "The rule of law at the national and international levels"
    source = (LETTERS / "A_80_500-S_2025_656.en.txt").read_text(encoding="utf-8")
    changed = tmp_path / "changed.en.txt"
    changed.write_text(source.replace(title, "The rule of law at all levels", 1), encoding="utf-8")

    out = _import_file(changed, capsys)

    assert "1 updated" in out
    item.refresh_from_db()
    assert item.titles["en"] == title
    assert f"the archive's title “{title}” is kept" in out
    assert "this letter prints “The rule of law at all levels”" in out
