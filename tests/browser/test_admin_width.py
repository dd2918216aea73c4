"""The editors' letter page fits a 1 280 px screen (it was 1 541 px wide: the claims inline)."""

from django.contrib.auth.models import User

from archive.models import Letter

PASSWORD = "admin-width-test-password-3"


def test_letter_change_page_fits_1280_pixels(page, live_url, django_db_blocker):
    with django_db_blocker.unblock():
        user = User.objects.create_superuser("width-admin", password=PASSWORD)
        letter = Letter.objects.get(texts__source_name="2021-02-23_Azerbaijan_mines.fr.txt")
    try:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(live_url + "/admin/login/")
        page.fill("#id_username", "width-admin")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.goto(live_url + f"/admin/archive/letter/{letter.pk}/change/")
        assert page.locator("#id_claims-0-review_status").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    finally:
        with django_db_blocker.unblock():
            user.delete()
