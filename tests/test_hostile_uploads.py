"""Hostile uploads, measured: a generated corpus of 200+ malformed and hostile files
(tests/hostile_files.py) through the admin upload and through `import_letters`.

Each file is either read as a letter or refused with a clear message; nothing is ever half
saved (the upload writes no row before the editor's review; the import stores a letter whole
or not at all). Peak memory is measured per path and printed. `make test` runs a seeded
sample of HOSTILE_SAMPLE files (30); `make fuzz` runs the whole corpus (HOSTILE_SAMPLE=0).
"""

import os
import random
import re
import subprocess
import sys
import tracemalloc
from html import unescape

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from .conftest import environment_for_database, table_counts
from .hostile_files import hostile_corpus
from .test_crash_safety import ROOT, _connect, _counts, scratch_database  # noqa: F401

SAMPLE = int(os.environ.get("HOSTILE_SAMPLE", 30))
UPLOAD_URL = reverse("admin:archive_letter_upload")
# What an explanation must not look like: an internal error leaking through.
UNCLEAR = re.compile(r"Traceback|Exception|Error\(|errno|object at 0x|\bNone\b")


@pytest.fixture(scope="module")
def corpus():
    files = hostile_corpus()
    assert len(files) >= 200
    if SAMPLE:
        files = random.Random(SAMPLE).sample(files, min(SAMPLE, len(files)))
    return files


def _outcome(page: str) -> tuple[str, str]:
    """(status, message) of the one file in an upload's outcome table."""
    match = re.search(r'<td class="(ready|duplicate|refused)">(.*?)</td>', page, re.S)
    assert match, page[:2000]
    message = unescape(re.sub(r"<[^>]+>", "", match.group(2))).strip()
    return match.group(1), message


def test_every_hostile_upload_is_refused_clearly_or_read_and_nothing_is_saved(
    client, db, settings, tmp_path, corpus
):
    settings.MEDIA_ROOT = tmp_path / "media"
    editor = User.objects.create_user("hostile-editor", is_staff=True)
    editor.user_permissions.add(
        *Permission.objects.filter(codename__in=["upload_letters", "view_letter"])
    )
    client.force_login(editor)
    before = table_counts()
    outcomes: dict[str, int] = {}
    unclear: list[str] = []
    peak, peak_file = 0, ""
    for name, data in corpus:
        tracemalloc.start()
        response = client.post(UPLOAD_URL, {"files": [SimpleUploadedFile(name, data)]})
        _current, file_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        if file_peak > peak:
            peak, peak_file = file_peak, name
        assert response.status_code in {200, 302, 400}, (name, response.status_code)
        if response.status_code == 302:  # read as a letter: waiting for the editor's review
            status, message = "ready", "review"
            assert "/upload/" in response["Location"]
        else:
            status, message = _outcome(response.content.decode())
            if not message or UNCLEAR.search(message):
                unclear.append(f"{name}: {message!r}")
        outcomes[status] = outcomes.get(status, 0) + 1
        pending = list((tmp_path / "media" / "pending").glob("*.upload"))
        if status == "refused":
            assert all(data != path.read_bytes() for path in pending), name
    saved = {table: count for table, count in table_counts().items() if count != before[table]}
    print(
        f"\nHOSTILE path=admin files={len(corpus)} {outcomes} partial_saves={len(saved)} "
        f"unclear_messages={len(unclear)} peak_python_memory_mb={peak / 1e6:.1f} ({peak_file})"
    )
    assert saved == {}  # the upload step writes nothing to the database
    assert unclear == []


def test_import_letters_refuses_hostile_files_clearly_and_stores_letters_whole(
    scratch_database,  # noqa: F811 - the fixture imported above
    tmp_path,
    corpus,
):
    folder = tmp_path / "hostile"
    folder.mkdir()
    for number, (name, data) in enumerate(corpus):
        (folder / f"{number:03d}-{name}").write_bytes(data)
    # The importer reports its own peak resident memory (ru_maxrss, kilobytes on Linux).
    wrapper = (
        "import os, resource, sys\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'archive.settings')\n"
        "from django.core.management import execute_from_command_line\n"
        "try:\n"
        "    execute_from_command_line(['manage.py', 'import_letters', sys.argv[1], '--quiet-progress'])\n"
        "finally:\n"
        "    print(f'PEAK_RSS_KB={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', file=sys.stderr)\n"
    )
    importer = subprocess.Popen(
        [sys.executable, "-c", wrapper, str(folder)],
        cwd=ROOT,
        env=environment_for_database(scratch_database, MEDIA_ROOT=str(tmp_path / "media")),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = importer.communicate(timeout=1800)
    peak_kb = int(re.search(r"PEAK_RSS_KB=(\d+)", err).group(1))
    summary = re.search(r"(\d+) created, (\d+) updated, (\d+) unchanged, (\d+) failed", out)
    assert summary, out + err
    created, updated, unchanged, failed = map(int, summary.groups())
    assert created + updated + unchanged + failed == len(corpus)
    reasons = dict(re.findall(r"  failed: (.+?): (.+)", out))
    assert len(reasons) == failed
    unclear = [f"{path}: {reason}" for path, reason in reasons.items() if UNCLEAR.search(reason)]

    with _connect(scratch_database, autocommit=True) as conn:
        orphan_letters = conn.execute(
            "SELECT count(*) FROM archive_letter l WHERE NOT EXISTS"
            " (SELECT 1 FROM archive_lettertext t WHERE t.letter_id = l.id)"
        ).fetchone()[0]
        texts_without_source = conn.execute(
            "SELECT count(*) FROM archive_lettertext t WHERE NOT EXISTS"
            " (SELECT 1 FROM archive_sourcefile f WHERE f.letter_text_id = t.id)"
        ).fetchone()[0]
        sources_without_text = conn.execute(
            "SELECT count(*) FROM archive_sourcefile WHERE letter_text_id IS NULL"
        ).fetchone()[0]
    counts = _counts(scratch_database)
    print(
        f"\nHOSTILE path=import_letters files={len(corpus)} created={created} updated={updated} "
        f"unchanged={unchanged} failed={failed} letters={counts['letter']} "
        f"partial_saves={orphan_letters + texts_without_source + sources_without_text} "
        f"unclear_messages={len(unclear)} peak_rss_mb={peak_kb / 1024:.0f}"
    )
    assert importer.returncode in {0, 1}, err  # 1: some files failed, as they should
    assert (orphan_letters, texts_without_source, sources_without_text) == (0, 0, 0)
    assert counts["letter"] <= created
    assert unclear == [], unclear[:10]
