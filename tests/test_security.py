"""Nobody let in: headers, cookies, login throttling, admin permissions, request size,
originals served only to staff and only as downloads."""

import io
import sys

import pytest
from django.contrib.auth.models import Permission, User
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from django.urls import reverse

from archive.models import IncidentClaim, Letter, SourceFile

PASSWORD = "a-long-test-password-for-security-1"


def staff_user(username: str, *codenames: str) -> User:
    user = User.objects.create_user(username, password=PASSWORD, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


# ----------------------------------------------------------------------------- headers


def test_every_page_carries_a_content_security_policy_without_unsafe_inline(client, db):
    for url in ["/", "/search/?q=mines", "/admin/login/"]:
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self'" in policy
        assert "style-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"


def test_no_template_holds_an_inline_script_or_style():
    # The policy forbids them, so one left in a template would be silently dead in browsers.
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "templates"
    offenders = []
    for template in root.rglob("*.html"):
        text = template.read_text()
        for needle in ("<style", "style=", "<script>", " onclick=", " onload=", "javascript:"):
            if needle in text:
                offenders.append(f"{template.relative_to(root)}: {needle}")
        offenders += [
            f"{template.relative_to(root)}: inline <script>"
            for chunk in text.split("<script")[1:]
            if "src=" not in chunk.split(">", 1)[0]
        ]
    assert offenders == []


def test_language_cookie_is_http_only(client, db):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    cookie = response.cookies["django_language"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


# ------------------------------------------------------------------------ admin login


def test_admin_login_is_refused_after_five_wrong_passwords_even_with_the_right_one(db):
    staff_user("editor-login")
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _attempt in range(4):
        response = client.post(
            "/admin/login/?next=/admin/", {"username": "editor-login", "password": "wrong"}
        )
        assert response.status_code == 200  # the login form again, with its error
        assert "Please enter the correct username and password" in response.content.decode()
    fifth = client.post(
        "/admin/login/?next=/admin/", {"username": "editor-login", "password": "wrong"}
    )
    assert fifth.status_code == 429
    locked = client.post(
        "/admin/login/?next=/admin/", {"username": "editor-login", "password": PASSWORD}
    )
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address is not locked out: the editor can still log in from there.
    elsewhere = Client(REMOTE_ADDR="198.51.100.9")
    ok = elsewhere.post(
        "/admin/login/?next=/admin/", {"username": "editor-login", "password": PASSWORD}
    )
    assert ok.status_code == 302
    assert ok["Location"] == "/admin/"


def test_a_client_cannot_choose_its_address_through_x_forwarded_for(db, settings):
    # Behind one proxy, the address the proxy appended counts, not what the client wrote.
    settings.TRUSTED_PROXY_COUNT = 1
    staff_user("editor-forwarded")
    for attempt in range(6):
        client = Client(
            REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}, 203.0.113.50"
        )
        response = client.post(
            "/admin/login/?next=/admin/", {"username": "editor-forwarded", "password": "wrong"}
        )
    assert response.status_code == 429


# ---------------------------------------------------------------------- admin actions


ACTIONS = [
    # (changelist, action, model permission the action needs)
    ("admin:archive_incidentclaim_changelist", "confirm", "change"),
    ("admin:archive_incidentclaim_changelist", "reject", "change"),
    ("admin:archive_incidentclaim_changelist", "delete_selected", "delete"),
    ("admin:archive_letter_changelist", "mark_reviewed", "change"),
    ("admin:archive_letter_changelist", "delete_selected", "delete"),
]


def _state(model, pk):
    row = model.objects.filter(pk=pk).values().first()
    return row and {k: v for k, v in row.items() if k != "updated_at"}


@pytest.mark.parametrize(("changelist", "action", "needs"), ACTIONS)
def test_a_view_only_user_can_run_no_admin_action(client, db, changelist, action, needs):
    model = IncidentClaim if "incidentclaim" in changelist else Letter
    name = model._meta.model_name
    client.force_login(staff_user(f"viewer-{action}", f"view_{name}"))
    target = model.objects.order_by("pk").first()
    before = _state(model, target.pk)

    page = client.get(reverse(changelist))
    assert page.status_code == 200
    assert f'value="{action}"' not in page.content.decode()  # not offered

    response = client.post(
        reverse(changelist),
        {"action": action, "_selected_action": [target.pk], "index": 0, "post": "yes"},
        follow=True,
    )
    assert response.status_code in {200, 403}
    assert _state(model, target.pk) == before  # nothing changed, nothing deleted


@pytest.mark.parametrize(
    "action", [a for c, a, n in ACTIONS if "incidentclaim" in c and n == "change"]
)
def test_an_editor_with_change_permission_can_review_claims(client, db, action):
    client.force_login(
        staff_user(f"reviewer-{action}", "view_incidentclaim", "change_incidentclaim")
    )
    claim = IncidentClaim.objects.filter(review_status=IncidentClaim.Review.UNREVIEWED).first()
    client.post(
        reverse("admin:archive_incidentclaim_changelist"),
        {"action": action, "_selected_action": [claim.pk], "index": 0},
    )
    claim.refresh_from_db()
    expected = {"confirm": "confirmed", "reject": "rejected"}[action]
    assert claim.review_status == expected


# --------------------------------------------------------------------- request size


def test_a_body_over_the_limit_is_refused_before_any_of_it_is_read(db, settings):
    settings.REQUEST_BODY_MAX_BYTES = 1024 * 1024

    class Untouchable(io.RawIOBase):
        def read(self, *args):
            raise AssertionError("the body was read")

        readline = readinto = read

    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/admin/archive/letter/upload/",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "CONTENT_TYPE": "multipart/form-data; boundary=xyz",
        "CONTENT_LENGTH": str(10 * 1024**3),
        "wsgi.input": Untouchable(),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }
    statuses = []
    body = b"".join(WSGIHandler()(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["413 Request Entity Too Large"]
    assert "the archive accepts at most 1.0\xa0MB at once" in body.decode()


def test_a_body_under_the_limit_reaches_the_view(client, db, settings):
    settings.REQUEST_BODY_MAX_BYTES = 1024 * 1024
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert response.status_code == 302


# -------------------------------------------------------------------------- originals


@pytest.fixture
def stored_original(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    path = tmp_path / "letters" / "ab" / ("ab" * 32) / "letter.pdf"
    path.parent.mkdir(parents=True)
    content = b"%PDF-1.4 <script>alert(1)</script>"
    path.write_bytes(content)
    source = SourceFile.objects.create(
        sha256="ab" * 32,
        original_name="<b>letter</b>.pdf",
        stored_path=str(path.relative_to(tmp_path)),
        size=len(content),
        file_format="pdf",
    )
    return source, content


def test_staff_download_an_original_as_an_attachment_of_a_safe_type(client, stored_original):
    source, content = stored_original
    client.force_login(staff_user("viewer-files", "view_sourcefile"))
    response = client.get(reverse("admin:archive_sourcefile_original", args=[source.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "<b>" not in response["Content-Disposition"]
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_originals_are_not_served_to_the_public_nor_to_staff_without_permission(
    client, stored_original
):
    source, _content = stored_original
    url = reverse("admin:archive_sourcefile_original", args=[source.pk])
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/admin/login/")
    client.force_login(staff_user("viewer-letters-only", "view_letter"))
    assert client.get(url).status_code == 403
    assert client.get(f"/media/{source.stored_path}").status_code == 404


def test_a_stored_path_outside_the_originals_folder_is_never_served(client, stored_original):
    source, _content = stored_original
    SourceFile.objects.filter(pk=source.pk).update(stored_path="../../etc/passwd")
    client.force_login(staff_user("viewer-traversal", "view_sourcefile"))
    response = client.get(reverse("admin:archive_sourcefile_original", args=[source.pk]))
    assert response.status_code == 404
