"""What researchers do on the site, in Chromium: search, read, filter, page, use the keyboard,
type a symbol, and do it all again with JavaScript switched off.

The archive holds the real letters of fixtures/letters/ (eight of them), so every expectation
below is what a reader of those letters would see.
"""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from archive.models import AgendaItem
from archive.search import visible_letters
from archive.search.engine import FACET_VALUES_SHOWN

# pytest-django creates the test database only when a collected test asks for it; without this
# mark, running the browser tests alone would serve (and import into) the real archive.
pytestmark = pytest.mark.django_db

FRENCH_LETTER_TITLE = "Lettre datée du 23 février 2021"


def _query(page) -> dict[str, list[str]]:
    """The parameters of the page's address that set something (the search form also sends
    its empty fields, and the default sort, relevance)."""
    params = parse_qs(urlparse(page.url).query)  # drops empty values
    if params.get("sort") == ["relevance"]:
        del params["sort"]
    return params


def _hit_symbols(page) -> list[str]:
    return page.locator(".hit-title .letter-symbol").all_inner_texts()


def _hit_dates(page) -> list[str]:
    return [time.get_attribute("datetime") for time in page.locator(".hit .letter-meta time").all()]


def _facet(page, heading: str):
    return page.locator("[data-facet]").filter(has=page.get_by_role("heading", name=heading))


def _search(page, live_url: str, words: str) -> None:
    """Type words in the search page's box and press Enter, as a reader does."""
    page.goto(live_url + "/search/")
    page.get_by_label("Search words, names or a document symbol").fill(words)
    _press_and_wait(page, "Enter")


# (a) --------------------------------------------------------------------------------------------


def test_search_mines_open_the_french_letter_and_find_it_under_agenda_item_40(page, live_url):
    _search(page, live_url, "mines")
    expect(page.locator(".result-count")).to_contain_text("1 letter found")
    hit = page.locator(".hit").first
    expect(hit.locator(".snippet mark").first).to_have_text(re.compile("mines", re.I))
    hit.get_by_role("link", name=re.compile("symbol unknown")).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(FRENCH_LETTER_TITLE)
    expect(page.locator(".letter-symbols")).to_have_text("Document symbol not known")
    letter_path = urlparse(page.url).path
    assert re.fullmatch(r"/letters/\d+/", letter_path)

    page.get_by_role("link", name="Item 40", exact=True).click()
    expect(page).to_have_url(re.compile(r"/agenda/75/40/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Agenda item 40")
    listed = page.locator(".letter-list a.letter-symbol")
    expect(listed).to_have_count(1)
    expect(listed).to_have_attribute("href", letter_path)
    # The histogram is drawn by the server: one bar, February 2021.
    expect(page.locator("svg.histogram-chart rect.bar")).to_have_count(1)
    expect(page.locator("svg.histogram-chart rect.bar title")).to_have_text("February 2021: 1")


# (b) and (e) ----------------------------------------------------------------------------------


def _combine_filters_and_page_through(page, live_url: str) -> None:
    """A query, a facet (sender state), a date from "More filters" and a sort; then paging.

    Eight letters fit on one page of twenty and the search page has no page-size parameter, so
    the pagination links are exercised from page 2 of a shared address: the page says there is
    no such page and its "Previous page" link must keep every filter.
    """
    _search(page, live_url, "palestinian")
    expect(page.locator(".result-count")).to_contain_text("5 letters found")

    _facet(page, "Sender state").get_by_role("link", name=re.compile("^Palestine")).click()
    expect(page.locator(".result-count")).to_contain_text("3 letters found")
    assert _query(page) == {"q": ["palestinian"], "state": ["PSE"]}
    for meta in page.locator(".hit .letter-meta").all_inner_texts():
        assert "from Palestine" in meta

    # A filter is set, so "More filters" is open already; open it only if it is not.
    if page.locator("details.more-filters[open]").count() == 0:
        page.get_by_text("More filters").click()
    page.locator("#date_after").fill("1991-01-01")
    page.get_by_label("Sort by").select_option("oldest")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()

    wanted = {
        "q": ["palestinian"],
        "state": ["PSE"],
        "date_after": ["1991-01-01"],
        "sort": ["oldest"],
    }
    assert _query(page) == wanted
    expect(page.locator(".result-count")).to_contain_text("2 letters found. Showing 1–2.")
    assert _hit_symbols(page) == ["A/47/843–S/25016", "A/53/568–S/1998/1025"]
    dates = _hit_dates(page)
    assert dates == sorted(dates) and all(date >= "1991-01-01" for date in dates)
    expect(page.locator(".chips li")).to_have_count(2)
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)

    page.goto(page.url + "&page=2")
    expect(page.get_by_role("alert")).to_contain_text("There is no page 2 for this search.")
    # Past the end: no "Page 2 of 1", a link to the last page that keeps every filter.
    expect(page.locator(".pagination")).not_to_contain_text("Page 2 of")
    with page.expect_navigation():
        page.get_by_role("link", name="Last page").click()
    assert _query(page) == {**wanted, "page": ["1"]}
    assert _hit_symbols(page) == ["A/47/843–S/25016", "A/53/568–S/1998/1025"]
    expect(page.get_by_role("alert")).to_have_count(0)


def test_combine_a_query_a_facet_a_date_and_a_sort_then_page(page, live_url):
    _combine_filters_and_page_through(page, live_url)


@pytest.fixture
def page_without_javascript(browser, live_url):
    context = browser.new_context(java_script_enabled=False, base_url=live_url)
    yield context.new_page()
    context.close()


def test_without_javascript_search_filter_and_page_work(page_without_javascript, live_url):
    page = page_without_javascript
    _combine_filters_and_page_through(page, live_url)

    # The type-to-filter box is an enhancement. Without the script a facet lists its ten most
    # frequent values, and a link lists every agenda item; another goes back.
    page.goto(live_url + "/search/")
    expect(page.locator(".facet-filter")).to_have_count(0)
    agenda_items_with_letters = (
        AgendaItem.objects.filter(letter_links__letter__in=visible_letters()).distinct().count()
    )
    assert agenda_items_with_letters > FACET_VALUES_SHOWN
    agenda = _facet(page, "Agenda item")
    expect(agenda.locator("li")).to_have_count(FACET_VALUES_SHOWN)
    more = agenda_items_with_letters - FACET_VALUES_SHOWN
    agenda.get_by_role("link", name=f"Show {more} more (Agenda item)").click()
    assert _query(page) == {"facet": ["agenda"]}
    agenda = _facet(page, "Agenda item")
    expect(agenda.locator("li")).to_have_count(agenda_items_with_letters)
    expect(agenda.locator("li:visible")).to_have_count(agenda_items_with_letters)
    agenda.get_by_role("link", name="Show the most frequent only").click()
    expect(_facet(page, "Agenda item").locator("li")).to_have_count(FACET_VALUES_SHOWN)


# (c) --------------------------------------------------------------------------------------------

# Where the focused element sits, top to bottom (focus must move through these in order), and
# whether it takes room on the screen.
FOCUSED = """() => {
    const e = document.activeElement;
    const box = e.getBoundingClientRect();
    const region = e.closest('.skip-link') ? 0 : e.closest('header') ? 1
        : e.closest('.search-form') ? 2 : e.closest('.results') ? 3
        : e.closest('.facets') ? 4 : 9;
    return {region, shown: box.width > 0 && box.height > 0, tag: e.tagName};
}"""


def _tab_to(page, target, limit: int = 80) -> list[int]:
    """Press Tab until `target` has the focus; the regions the focus passed through."""
    regions = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        regions.append(focused["region"])
        assert focused["shown"], f"focus went to a hidden {focused['tag']}"
        if target.evaluate("e => e === document.activeElement"):
            return regions
    raise AssertionError(f"Tab never reached {target}")


def _press_and_wait(page, key: str) -> None:
    """Press a key that follows a link or submits a form, and wait for the new page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def _has_visible_focus_ring(locator) -> bool:
    return locator.evaluate(
        "e => { const s = getComputedStyle(e);"
        " return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }"
    )


def test_facets_with_the_keyboard_only(page, live_url):
    page.goto(live_url + "/search/?q=palestinian")
    total = page.locator(".hit").count()
    assert total == 5

    # The first Tab reaches the skip link, visibly; Enter moves on to the content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Search words, names or a document symbol")).to_be_focused()

    # Tab to the "Palestine" facet: search form, then results, then facets, never backwards.
    palestine = _facet(page, "Sender state").get_by_role("link", name=re.compile("^Palestine"))
    regions = _tab_to(page, palestine)
    assert regions == sorted(regions) and 9 not in regions, regions
    assert {2, 3, 4} <= set(regions)
    assert _has_visible_focus_ring(palestine)
    _press_and_wait(page, "Enter")

    assert _query(page) == {"q": ["palestinian"], "state": ["PSE"]}
    expect(page.locator(".hit")).to_have_count(3)
    selected = _facet(page, "Sender state").locator("a[aria-current='true']")
    expect(selected).to_have_accessible_name(re.compile("Selected, select to remove: Palestine"))

    # The selected facet is one Tab-walk away and Enter removes it again.
    _tab_to(page, selected)
    _press_and_wait(page, "Enter")
    assert _query(page) == {"q": ["palestinian"]}
    expect(page.locator(".hit")).to_have_count(total)


def test_language_checkbox_with_space_and_apply_with_enter(page, live_url):
    page.goto(live_url + "/search/")
    summary = page.get_by_text("More filters")
    _tab_to(page, summary)
    page.keyboard.press("Enter")
    french = page.get_by_role("checkbox", name="French")
    _tab_to(page, french)
    page.keyboard.press("Space")
    expect(french).to_be_checked()
    _tab_to(page, page.get_by_role("button", name="Apply filters"))
    _press_and_wait(page, "Enter")

    assert _query(page).get("language") == ["fr"]
    expect(page.locator(".hit")).to_have_count(1)
    expect(page.locator(".hit .letter-title")).to_contain_text(FRENCH_LETTER_TITLE)


def test_type_to_filter_narrows_a_long_facet_list_and_keeps_keyboard_order(page, live_url):
    page.goto(live_url + "/search/?facet=agenda")  # the facet listed whole
    agenda = _facet(page, "Agenda item")
    values = agenda.locator("li").count()
    assert values > 8
    box = agenda.get_by_role("searchbox", name="Filter: Agenda item")
    # Short lists get no box: two languages need no filtering.
    expect(_facet(page, "Language").locator(".facet-filter")).to_have_count(0)

    _tab_to(page, box)
    # Without the accent, as researchers type it: the list keeps "l'Azerbaïdjan".
    page.keyboard.type("azerbaidjan")
    expect(agenda.locator("li:visible")).to_have_count(1)
    expect(agenda.locator("li:visible")).to_contain_text("Item 40, session 75")
    expect(agenda.get_by_role("status")).to_have_text(f"1 / {values}")

    # The next Tab skips the hidden values and lands on the one left.
    page.keyboard.press("Tab")
    only = agenda.locator("li:visible a")
    expect(only).to_be_focused()
    _press_and_wait(page, "Enter")
    assert _query(page) == {"agenda": ["75-40"]}
    expect(page.locator(".hit")).to_have_count(1)
    expect(page.locator(".hit .letter-title")).to_contain_text(FRENCH_LETTER_TITLE)

    # Emptying the box lists every value again.
    page.goto(live_url + "/search/?facet=agenda")
    box = _facet(page, "Agenda item").get_by_role("searchbox")
    box.fill("palestin")
    narrowed = _facet(page, "Agenda item").locator("li:visible").count()
    assert 1 < narrowed < values
    box.fill("")
    expect(_facet(page, "Agenda item").locator("li:visible")).to_have_count(values)


# (d) --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["a/80/434", "A 80 434", "A/80/434–S/2025/632", "A/80/434-S/2025/632", " s/2025/632 "]
)
def test_a_symbol_typed_in_any_form_lands_on_the_letter(page, live_url, typed):
    _search(page, live_url, typed)
    expect(page).to_have_url(live_url + "/A/80/434/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Permanent Representative of Spain"
    )
    expect(page.locator(".letter-symbols")).to_have_text("A/80/434–S/2025/632")


def test_a_symbol_in_the_header_search_box_lands_on_the_letter(page, live_url):
    page.goto(live_url + "/agenda/")
    page.get_by_role("search", name="Quick search").get_by_role("searchbox").fill("A/53/568")
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_url + "/A/53/568/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Permanent Observer of Palestine")
