"""A researcher's journeys (issue 9), at 1 280 and 390 CSS pixels, with axe on every page
visited: citing a letter, exporting a search, reading two language versions side by side,
following a claim to the page of the state it names."""

import csv
import io
import re
from pathlib import Path

import bibtexparser
import pytest
import rispy
from playwright.sync_api import expect

from archive.labels import paragraphs
from archive.models import Letter, LetterText

from .test_accessibility import _describe, _failing, _run_axe

WIDTHS = [1280, 390]


def _check(page, width: int) -> None:
    """No serious axe finding, nothing wider than the screen."""
    failing = [v for v in _run_axe(page) if _failing(v)]
    assert not failing, f"{page.url} at {width}px: axe found\n{_describe(failing)}"
    overflowing = page.evaluate(
        """(width) => [...document.querySelectorAll("body *")]
            .filter(e => !e.closest(".table-scroll, .visually-hidden, .skip-link"))
            .filter(e => e.getBoundingClientRect().right > width + 1)
            .map(e => e.outerHTML.slice(0, 80))""",
        width,
    )
    assert not overflowing, f"{page.url} is wider than {width}px: {overflowing[:3]}"


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def screen(request, page):
    page.set_viewport_size({"width": request.param, "height": 900})
    return page, request.param


def test_cite_a_letter(screen, live_url):
    page, width = screen
    page.goto(live_url + "/A/80/434/")
    _check(page, width)
    cite = page.locator("section.cite")
    expect(cite.get_by_role("heading", name="Cite this letter")).to_be_visible()
    expect(cite.locator(".un-citation")).to_contain_text("(A/80/434–S/2025/632, ")
    expect(page.get_by_label("Permanent link")).to_have_value(live_url + "/A/80/434/")
    with page.expect_download() as bib:
        cite.get_by_role("link", name="BibTeX").click()
    library = bibtexparser.parse_string(Path(bib.value.path()).read_text(encoding="utf-8"))
    assert [entry["number"] for entry in library.entries] == ["A/80/434–S/2025/632"]
    with page.expect_download() as ris:
        cite.get_by_role("link", name="RIS").click()
    (record,) = rispy.loads(Path(ris.value.path()).read_text(encoding="utf-8"))
    assert record["urls"] == [live_url + "/A/80/434/"]
    official = page.locator(".official-links a").first
    expect(official).to_have_attribute("href", "https://undocs.org/en/A/80/434")


def test_export_a_search(screen, live_url):
    page, width = screen
    page.goto(live_url + "/search/?q=palestinian")
    _check(page, width)
    total = int(re.search(r"(\d+) letters? found", page.locator(".result-count").inner_text())[1])
    shown = page.locator(".hit-list .letter-symbol").all_inner_texts()
    with page.expect_download() as download:
        page.get_by_role("link", name="letters (CSV)").click()
    rows = list(
        csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8")))
    )
    assert len(rows) == total
    assert {row["symbols"].replace(" ", "–") for row in rows} >= {s.strip() for s in shown}
    with page.expect_download() as excel:
        page.get_by_role("link", name="for Excel").first.click()
    assert Path(excel.value.path()).read_bytes()[:3] == b"\xef\xbb\xbf"


def test_read_two_language_versions_side_by_side(screen, live_url, django_db_blocker):
    page, width = screen
    with django_db_blocker.unblock():
        letter = Letter.objects.get(symbols__lookup="A/53/568")
        english = letter.texts.get(language="en")
        parts = paragraphs(english.body)
        # A version for this test only (deleted below), marked as a test text.
        body = "\n\n".join(f"[test {n}] {part[:30]}" for n, part in enumerate(parts, 1))
        version = LetterText.objects.create(
            letter=letter,
            language="fr",
            title="[test]",
            body=body,
            full_text=body,
            source_sha256="0" * 64,
            parser_version="test",
        )
    try:
        page.goto(live_url + "/A/53/568/")
        versions = page.get_by_role("navigation", name="Language versions")
        versions.get_by_role("link", name="French", exact=True).click()
        expect(page.locator(".letter-text").first).to_have_attribute("lang", "fr")
        page.get_by_role("link", name="English", exact=True).click()
        page.get_by_role("link", name="side by side with French").click()
        expect(page.locator(".parallel-table tbody tr")).to_have_count(len(parts))
        expect(page.locator('.parallel-table td[lang="fr"]').nth(1)).to_contain_text("[test 2]")
        _check(page, width)
    finally:
        with django_db_blocker.unblock():
            version.delete()


def test_follow_a_claim_to_the_state_it_names(screen, live_url, django_db_blocker):
    page, width = screen
    with django_db_blocker.unblock():
        path = Letter.objects.get(texts__source_name="2021-02-23_Azerbaijan_mines.fr.txt")
        path = path.get_absolute_url()
    page.goto(live_url + path)
    _check(page, width)
    # The claims table fits the screen (a card per claim on a phone), the quote first.
    table = page.locator(".claims-table").first.bounding_box()
    assert table["x"] + table["width"] <= width
    row = page.locator(".claims-table tbody tr").first
    expect(row.locator("td").first).to_have_attribute("data-label", "Quote")
    row.get_by_role("link", name="Armenia").click()
    expect(page).to_have_url(re.compile(r"/states/ARM/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Armenia")
    against = page.locator("#claims-against")
    expect(against.get_by_role("link", name="Azerbaijan").first).to_be_visible()
    expect(against.locator(f'a[href^="{path}#claim-"]').first).to_be_visible()
    _check(page, width)
