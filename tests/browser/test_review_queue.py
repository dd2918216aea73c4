"""An editor works through the "needs review" queue, and readers see who vouches for a letter.

The letters the parser was unsure of (the French letter lost its symbols; two 1990s scans have
damaged titles) wait in the admin's queue with exact counts. Marking one reviewed takes it off
the queue, and its public page then says an editor reviewed it. The test puts the archive back
as it found it.
"""

import re

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from playwright.sync_api import expect

from archive.models import Letter

PASSWORD = "browser-review-queue-password-3"
FRENCH = "2021-02-23_Azerbaijan_mines.fr.txt"


@pytest.fixture
def queue_editor(live_url, django_db_blocker):
    with django_db_blocker.unblock():
        if not connection.settings_dict["NAME"].startswith("test_"):
            pytest.fail(f"refusing to change the database {connection.settings_dict['NAME']}")
        user = User.objects.create_user("queue-editor", password=PASSWORD, is_staff=True)
        user.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="archive", codename__in=["view_letter", "change_letter"]
            )
        )
        letter = Letter.objects.get(texts__source_name=FRENCH)
        waiting = Letter.objects.filter(needs_review=True, reviewed_at__isnull=True).count()
        assert letter.needs_review and "symbols" in letter.uncertain_fields
        url = letter.get_absolute_url()
    yield user, url, waiting
    with django_db_blocker.unblock():
        Letter.objects.filter(pk=letter.pk).update(reviewed_at=None, reviewed_by=None)
        user.delete()


def test_an_editor_works_through_the_needs_review_queue(page, live_url, queue_editor):
    user, url, waiting = queue_editor
    assert waiting >= 1

    # A reader sees that nobody has checked this letter's metadata yet.
    page.goto(live_url + url)
    expect(page.locator(".provenance")).to_contain_text(
        "Metadata read automatically, not reviewed by an editor."
    )
    expect(page.locator(".provenance")).to_contain_text("could not be read with confidence")

    page.goto(live_url + "/admin/archive/letter/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    queue = page.get_by_role("link", name=f"Needs review ({waiting})")
    expect(queue).to_be_visible()
    queue.click()
    expect(page).to_have_url(re.compile(r"review=needs"))
    expect(page.locator("#result_list tbody tr")).to_have_count(waiting)
    row = page.locator("#result_list tbody tr", has_text="needs review: Symbols")
    expect(row).to_have_count(1)

    row.get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(label="Mark the selected letters as reviewed")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist .success")).to_contain_text("1 letter marked reviewed.")
    expect(page.get_by_role("link", name=f"Needs review ({waiting - 1})")).to_be_visible()

    page.goto(live_url + url)
    expect(page.locator(".provenance")).to_contain_text("Metadata reviewed by an editor")
