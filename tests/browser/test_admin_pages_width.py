"""The editors' pages fit a 1 280 px screen with a letter as long as real ones get: long
symbols (addenda and corrigenda), a long title and agenda items, a long address without spaces
in the text, several claims with long quotes. The review page of an upload and the letter's
change page were 1 465 to 1 527 px wide.

The server is a separate process: everything set up here is committed, and put back after.
"""

import contextlib
import hashlib
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from playwright.sync_api import expect

from archive.models import Letter, SourceFile
from archive.upload import discard_pending

PASSWORD = "admin-pages-width-password-5"
SYMBOLS = ("A/ES-10/1004/Add.1/Corr.2", "S/2025/1004/Add.1/Corr.2")
WIDTH = 1280
# A constructed letter (not a real document) in the layout of 2025 letters.
LETTER = """A/ES-10/1004/Add.1/Corr.2-S/2025/1004/Add.1/Corr.2

United Nations

General Assembly
Security Council

Distr.: General
20 October 2025
Original: English

General Assembly
Tenth emergency special session
Agenda item 5
Illegal Israeli actions in Occupied East Jerusalem and the rest of the Occupied Palestinian Territory, including the question of the humanitarian situation and its consequences

Security Council
Eightieth year

Letter dated 17 October 2025 from the Permanent Observer of the State of Palestine to the United Nations addressed to the Secretary-General, the President of the General Assembly and the President of the Security Council
I have the honour to draw your attention to the following incidents, documented by the Ministry of Foreign Affairs and Expatriates (https://www.mofa.pna.ps/en-us/mediaoffice/statementsandpressreleases/documentationofviolationscommittedbytheoccupyingpowerintheoccupiedpalestinianterritory2025).
On 12 October 2025, the Israeli army opened fire on a crowd of Palestinian civilians near the Qalandiya checkpoint, north of Occupied East Jerusalem, killing 3 civilians, including 2 children, and wounding 27 others, among them medical personnel who were attempting to reach the wounded.
On 14 October 2025, Israeli settlers, protected by the Israeli army, attacked the village of Turmus Ayya, north-east of Ramallah, setting fire to 14 homes and 9 vehicles and wounding 11 civilians.
On 15 October 2025, the Israeli army demolished 23 residential structures in the Jordan Valley community of Humsa al-Buqayaa, displacing 61 Palestinians, including 34 children.
I should be grateful if the present letter could be circulated as a document of the tenth emergency special session of the General Assembly, under agenda item 5, and of the Security Council.
(Signed) Riyad Mansour
Ambassador, Permanent Observer of the State of Palestine to the United Nations

25-99999 (E)

201025

A/ES-10/1004/Add.1/Corr.2
S/2025/1004/Add.1/Corr.2
"""


def _scroll_width(page) -> tuple[int, list[str]]:
    """The page's width, and what sticks out past the screen (to say why in a failure)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        """(width) => [...document.querySelectorAll("body *")]
            .filter(e => e.getBoundingClientRect().right > width + 1)
            .map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))""",
        WIDTH,
    )
    return width, wide[:8]


@pytest.fixture
def superuser(live_url, django_db_blocker):
    with django_db_blocker.unblock():
        if not connection.settings_dict["NAME"].startswith("test_"):
            pytest.fail(f"refusing to change the database {connection.settings_dict['NAME']}")
        user = User.objects.create_superuser("width-editor", password=PASSWORD)
        media = Path(settings.MEDIA_ROOT)
        existing = {media, *media.rglob("*")} if media.exists() else set()
    yield user
    with django_db_blocker.unblock():
        for source in SourceFile.objects.filter(uploaded_by=user):
            stored = media / source.stored_path
            if stored.exists() and stored not in existing:
                shutil.rmtree(stored.parent)
            source.delete()
        Letter.objects.by_symbol(SYMBOLS[0]).delete()
        user.delete()
    discard_pending(hashlib.sha256(LETTER.encode()).hexdigest())  # if the test stopped early
    made = sorted(set(media.rglob("*")) - existing, key=lambda p: len(p.parts), reverse=True)
    for folder in [*made, media]:
        if folder not in existing and folder.is_dir():
            with contextlib.suppress(OSError):
                folder.rmdir()


def test_review_and_change_pages_fit_1280_pixels(
    page, live_url, superuser, tmp_path, django_db_blocker
):
    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.goto(live_url + "/admin/login/")
    page.fill("#id_username", superuser.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    upload = tmp_path / "A_ES-10_1004_Add.1_Corr.2.en.txt"
    upload.write_text(LETTER, encoding="utf-8")
    page.goto(live_url + "/admin/archive/letter/upload/")
    page.get_by_label("Letter files").set_input_files(upload)
    page.get_by_role("button", name="Upload and read").click()
    expect(page).to_have_url(re.compile(r"/admin/archive/letter/upload/[0-9a-f]{64}/$"))
    expect(page.get_by_label("Symbols")).to_have_value(" ".join(SYMBOLS))
    assert page.locator(".review-claims tbody tr").count() >= 3
    width, wide = _scroll_width(page)
    assert width <= WIDTH, f"review page {width}px: {wide}"

    # An emergency special session's number is not a GA session: the editor gives it.
    page.get_by_label("GA session").fill("79")
    page.get_by_role("button", name="Save letter").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Saved a new letter")
    with django_db_blocker.unblock():
        letter = Letter.objects.by_symbol(SYMBOLS[0]).get()
        assert letter.claims.count() >= 3
    page.goto(live_url + f"/admin/archive/letter/{letter.pk}/change/")
    expect(page.locator("#id_claims-0-review_status")).to_have_count(1)
    width, wide = _scroll_width(page)
    assert width <= WIDTH, f"letter change page {width}px: {wide}"

    page.goto(live_url + "/admin/archive/letter/?review=needs")
    width, wide = _scroll_width(page)
    assert width <= WIDTH, f"needs-review list {width}px: {wide}"
