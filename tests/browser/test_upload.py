"""An editor uploads a real PDF in the admin, reviews what was read, saves, reads the letter.

The server is a separate process, so everything this test sets up is committed, and it puts
the archive back as it found it afterwards: the user goes, and the letter is imported again
from its .txt file, as the test session had it.
"""

import contextlib
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.db import connection
from playwright.sync_api import expect

from archive.ingest import ingest_file
from archive.models import Letter, SourceFile

LETTERS = Path(__file__).resolve().parents[2] / "fixtures" / "letters"
PDF = LETTERS / "pdf" / "A_80_500-S_2025_656.en.pdf"
TEXT = LETTERS / "A_80_500-S_2025_656.en.txt"
PASSWORD = "browser-upload-test-password-7"


@pytest.fixture
def editor_account(live_url, django_db_blocker):
    """A staff user allowed to upload, committed so the server sees it; the letter absent."""
    with django_db_blocker.unblock():
        # pytest-django creates the test database only when some collected test asks for
        # `db`; without one, everything here would be committed to the real archive.
        if not connection.settings_dict["NAME"].startswith("test_"):
            pytest.fail(
                f"refusing to change the non-test database {connection.settings_dict['NAME']}"
            )
        Letter.objects.by_symbol("A/80/500").delete()
        user = User.objects.create_user("browser-editor", password=PASSWORD, is_staff=True)
        user.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="archive",
                codename__in=["upload_letters", "view_letter", "change_letter"],
            )
        )
        media = Path(settings.MEDIA_ROOT)
        existing = {media, *media.rglob("*")} if media.exists() else set()
    yield user
    with django_db_blocker.unblock():
        for source in SourceFile.objects.filter(uploaded_by=user):
            stored = media / source.stored_path
            if stored.exists() and stored not in existing:
                shutil.rmtree(stored.parent)
            source.delete()
        Letter.objects.by_symbol("A/80/500").delete()
        user.delete()
        ingest_file(TEXT)
    # Folders the upload made, deepest first, if empty now (rmdir refuses otherwise).
    made = sorted(set(media.rglob("*")) - existing, key=lambda p: len(p.parts), reverse=True)
    for folder in [*made, media]:
        if folder not in existing and folder.is_dir():
            with contextlib.suppress(OSError):
                folder.rmdir()


def test_an_editor_uploads_a_pdf_reviews_it_and_reads_the_saved_letter(
    page, live_url, editor_account
):
    page.goto(live_url + "/admin/archive/letter/")
    page.get_by_label("Username").fill(editor_account.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="Upload letters").click()
    expect(page.get_by_role("heading", name="Upload letters", level=1)).to_be_visible()
    page.get_by_label("Letter files").set_input_files(PDF)
    page.get_by_role("button", name="Upload and read").click()

    # The review page: the extracted text beside the fields the parser filled.
    expect(page).to_have_url(re.compile(r"/admin/archive/letter/upload/[0-9a-f]{64}/$"))
    expect(page.locator(".extracted-text")).to_contain_text("Distr.: General")
    expect(page.get_by_label("Symbols")).to_have_value("A/80/500 S/2025/656")
    expect(page.get_by_label("Sender", exact=True)).to_have_value("Dmitry Polyanskiy")
    expect(page.get_by_label("GA session")).to_have_value("80")
    expect(page.get_by_text("Saving creates a new letter.")).to_be_visible()
    page.get_by_label("Sender's role").fill("Chargé d’affaires a.i.")
    page.get_by_role("button", name="Save letter").click()

    # Saved: the admin says so and links to the public page.
    success = page.locator(".messagelist .success")
    expect(success).to_contain_text("Saved a new letter")
    success.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/A/80/500/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Russian Federation")
    expect(page.locator(".masthead")).to_contain_text("Chargé d’affaires a.i.")


def test_the_upload_page_is_behind_the_admin_login(client, db):
    # A plain client test, and one that asks for `db`: with it in the session, pytest-django
    # creates the test database even when only tests/browser is run (see editor_account).
    response = client.get("/admin/archive/letter/upload/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
