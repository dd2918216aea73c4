"""Reading aids (issue 9): two language versions side by side, the claims timeline of agenda
items and states, the histogram of a search's results."""

import datetime
import re

import pytest
from django.test import Client

from archive.labels import paragraphs
from archive.models import Letter, LetterText
from archive.timeline import claims_timeline


@pytest.fixture
def client():
    return Client()


def _second_version(letter: Letter, keep: int | None = None) -> LetterText:
    """A second language version for the test only (rolled back with the test): the English
    paragraphs, numbered and marked as a test text, never presented as a real translation."""
    parts = paragraphs(letter.texts.get(language="en").body)
    if keep is not None:
        parts = parts[:keep]
    body = "\n\n".join(f"[test {index}] {part[:40]}" for index, part in enumerate(parts, 1))
    return LetterText.objects.create(
        letter=letter,
        language="fr",
        title="[test]",
        body=body,
        full_text=body,
        source_sha256="0" * 64,
        parser_version="test",
    )


def test_two_versions_side_by_side_paragraph_by_paragraph(client, db):
    letter = Letter.objects.get(symbols__lookup="A/80/434")
    _second_version(letter)
    page = client.get(letter.get_absolute_url(), {"lang": "en"}).content.decode()
    assert 'href="?lang=en&amp;compare=fr"' in page
    side = client.get(letter.get_absolute_url(), {"lang": "en", "compare": "fr"})
    html = side.content.decode()
    table = html[
        html.index('class="parallel-table"') : html.index("</table>", html.index("parallel-table"))
    ]
    english_parts = paragraphs(letter.texts.get(language="en").body)
    rows = re.findall(r"<tr><td", table)
    assert len(rows) == len(english_parts) > 1
    assert '<td lang="fr" class="letter-text">[test 2]' in table
    assert "Paragraph by paragraph" in html


def test_versions_with_different_paragraphs_are_shown_whole(client, db):
    letter = Letter.objects.get(symbols__lookup="A/80/434")
    _second_version(letter, keep=1)
    html = client.get(letter.get_absolute_url(), {"lang": "en", "compare": "fr"}).content.decode()
    assert "do not have the same paragraphs" in html
    assert len(re.findall(r"<tr><td", html)) == 1


def test_claims_timeline_on_state_and_agenda_item_pages(client, french_letter):
    from archive.models import IncidentClaim

    claims = IncidentClaim.objects.filter(letter=french_letter)
    timeline = claims_timeline(claims)
    assert timeline is not None
    assert (
        sum(row.claims for row in timeline.rows) == claims.exclude(review_status="rejected").count()
    )
    assert {name for name, _ in timeline.claimants} == {"Azerbaijan"}
    for url in ["/states/ARM/", "/agenda/75/40/"]:
        html = client.get(url).content.decode()
        section = html[html.index('class="claims-timeline"') :]
        assert '<svg viewBox="0 0 720' in section and 'role="img"' in section
        assert "<circle" in section and "<table>" in section
        total = sum(int(n) for n in re.findall(r"<td>Azerbaijan</td><td>(\d+)</td>", section))
        assert total == sum(row.claims for row in timeline.rows)


def _timeline_total(client, url):
    html = client.get(url).content.decode()
    section = html[html.index('class="claims-timeline"') :]
    return sum(int(n) for n in re.findall(r"<td>Azerbaijan</td><td>(\d+)</td>", section))


def test_agenda_item_timeline_counts_the_claims_of_its_visible_letters(client, french_letter):
    """The item's claims are looked up by its letters' ids: a hidden (synthetic) letter's
    claim under the item stays out, and counts when the benchmark shows such letters."""
    from django.test import override_settings

    from archive.models import AgendaItem, IncidentClaim, LetterAgendaItem, LetterText

    shown = _timeline_total(client, "/agenda/75/40/")
    assert shown == french_letter.claims.exclude(review_status="rejected").count()
    hidden = Letter.objects.create(
        bodies="GA", is_synthetic=True, distribution_date=french_letter.distribution_date
    )
    text = LetterText.objects.create(
        letter=hidden, language="fr", body="x" * 2000, source_sha256="0" * 64, parser_version="t"
    )
    item = AgendaItem.objects.get(ga_session=75, number=40)
    LetterAgendaItem.objects.create(letter=hidden, agenda_item=item, position=0)
    claim = french_letter.claims.exclude(review_status="rejected").first()
    claim.pk, claim.letter, claim.letter_text, claim.annex = None, hidden, text, None
    claim.save()
    assert IncidentClaim.objects.filter(letter=hidden).count() == 1
    assert _timeline_total(client, "/agenda/75/40/") == shown
    with override_settings(ARCHIVE_SHOW_SYNTHETIC=True):
        assert _timeline_total(client, "/agenda/75/40/") == shown + 1


def test_search_page_shows_a_histogram_of_all_its_results(client, db):
    html = client.get("/search/", {"q": "palestinian"}).content.decode()
    assert 'class="histogram-chart"' in html
    table = html[html.index('class="histogram"') :]
    counts = [int(n) for n in re.findall(r"<tr><td>\d{4}</td><td>(\d+)</td></tr>", table)]
    total = int(re.search(r"(\d+) letters found", html)[1])
    assert sum(counts) == total


def test_charts_on_french_pages_keep_numbers_svg_can_read(client, french_letter):
    """A French page writes 12,5 for twelve and a half; SVG reads that as two numbers."""
    for url in ["/states/ARM/", "/agenda/75/40/", "/search/?q=mines"]:
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        assert 'lang="fr"' in html
        charts = re.findall(r"<svg .*?</svg>", html, flags=re.S)
        assert charts, url
        for chart in charts:
            numbers = re.findall(r'\b(?:x|y|cx|cy|r|width|height|x1|x2|y1|y2)="([^"]*)"', chart)
            assert numbers and all(re.fullmatch(r"-?\d+(\.\d+)?%?", n) for n in numbers), url


@pytest.mark.parametrize("language", ["en", "fr", "es", "ru", "ar", "zh-hans"])
def test_the_timeline_names_its_months_in_the_readers_language(language):
    """The timeline writes its months itself (timeline.month_label, for speed): as Django's
    date_format would, in every interface language."""
    from django.utils import translation
    from django.utils.formats import date_format

    from archive.timeline import month_label

    with translation.override(language):
        for month in range(1, 13):
            day = datetime.date(1999, month, 1)
            assert month_label(day) == date_format(day, "F Y")
    with translation.override("fr"):
        assert month_label(datetime.date(2021, 2, 1)) == "février 2021"
