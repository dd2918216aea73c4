"""axe-core on the main pages, and no asset from another site.

axe-core is vendored in tests/browser/vendor/ (see its README) and injected from that file:
the tests never fetch anything from a CDN. A page fails when axe reports a WCAG 2.1 A or AA
violation of impact "serious" or "critical", or breaks one of the few best-practice rules the
site already keeps (named landmarks, heading order); other findings are printed, not failed.
"""

from pathlib import Path

import pytest
from django.db import connection

from archive.models import Letter

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}
# Best-practice rules (not WCAG criteria) that the pages pass today and must keep passing:
# screen-reader users jump by landmark and by heading.
KEPT_BEST_PRACTICES = {
    "landmark-unique",
    "landmark-one-main",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "heading-order",
    "page-has-heading-one",
    "region",
    "skip-link",
}
FRENCH_LETTER_SOURCE = "2021-02-23_Azerbaijan_mines.fr.txt"

# pytest-django creates the test database only when a collected test asks for it; without this
# mark, running the browser tests alone would serve (and import into) the real archive.
pytestmark = pytest.mark.django_db

# The main pages, by what a reader does there. The French letter has no known symbol, so its
# address (/letters/<pk>/) is looked up in the database.
MAIN_PAGES = {
    "letter list": "/",
    "search with results": "/search/?q=mines",
    "search with filters open": "/search/?q=mines&state=AZE&language=fr&sort=newest",
    "search with an error": "/search/?q=mines&date_after=2021-13-45",
    "address refused (NUL byte)": "/search/?q=mi%00nes",
    "French letter (symbol unknown)": "{french_letter}",
    "English letter with claims": "/A/53/568/",
    "sessions index": "/agenda/",
    "session": "/agenda/75/",
    "agenda item with histogram": "/agenda/75/40/",
    "member state": "/states/AZE/",
    "topic": "/topics/question-of-palestine/",
    "states index": "/states/",
    "topics index": "/topics/",
    "page not found": "/no/such/page/",
}


@pytest.fixture(scope="session")
def french_letter_path(live_url, django_db_blocker) -> str:
    with django_db_blocker.unblock():
        assert connection.settings_dict["NAME"].startswith("test_")
        letter = Letter.objects.get(texts__source_name=FRENCH_LETTER_SOURCE)
        return letter.get_absolute_url()


def _describe(violations: list[dict]) -> str:
    """axe's findings as a reader would want them in a failed test: rule, impact, help, where."""
    lines = []
    for violation in violations:
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"
        )
        for node in violation["nodes"][:8]:
            lines.append(f"    at {' '.join(node['target'])}")
            lines.append(f"       {node['html'][:160]}")
            summary = node.get("failureSummary", "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary[:300]}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    ... and {len(violation['nodes']) - 8} more elements")
    return "\n".join(lines)


def _run_axe(page) -> list[dict]:
    """axe's violations on the page as it is now, for the WCAG 2.1 A/AA and best-practice tags."""
    # Evaluated through the DevTools protocol: the site's Content-Security-Policy rightly
    # refuses an inline <script> tag, which is what add_script_tag would insert.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({
                    target: n.target.map(String), html: n.html, failureSummary: n.failureSummary,
                })),
            }));
        }""",
        [*WCAG_TAGS, "best-practice"],
    )


def _failing(violation: dict) -> bool:
    return violation["impact"] in FAILING_IMPACTS or violation["id"] in KEPT_BEST_PRACTICES


@pytest.mark.parametrize("name", list(MAIN_PAGES))
def test_main_page_has_no_serious_accessibility_violation_and_no_foreign_asset(
    page, live_url, french_letter_path, name
):
    path = MAIN_PAGES[name].format(french_letter=french_letter_path)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto(live_url + path, wait_until="load")
    assert response is not None
    assert response.status < 500, f"{name}: {path} answered {response.status}"
    # The stylesheet must have loaded, or axe would judge contrast on unstyled text.
    assert page.evaluate(
        "() => [...document.styleSheets].some(s => (s.href || '').includes('archive'))"
    ), f"{name}: the site's stylesheet did not load"

    foreign = [url for url in requested if not url.startswith(live_url + "/")]
    assert not foreign, f"{name}: requests to another site: {foreign}"

    violations = _run_axe(page)
    failing = [v for v in violations if _failing(v)]
    lesser = [v for v in violations if not _failing(v)]
    if lesser:
        print(f"{name} ({path}): lesser axe findings\n{_describe(lesser)}")
    assert not failing, f"{name} ({path}): axe found\n{_describe(failing)}"


def test_axe_as_run_here_reports_a_serious_violation(page, live_url):
    """The check above can fail: a grey-on-white paragraph and an unnamed image planted in a
    real page are reported as serious."""
    page.goto(live_url + "/agenda/")
    page.evaluate(
        """() => {
            const main = document.querySelector("main");
            // Styled through the CSSOM: the Content-Security-Policy refuses style attributes.
            const faint = document.createElement("p");
            faint.textContent = "Planted faint text";
            faint.style.color = "#bbb";
            faint.style.background = "#fff";
            main.append(faint, Object.assign(document.createElement("img"), {src: "/x.png"}));
        }"""
    )
    found = {v["id"] for v in _run_axe(page) if _failing(v)}
    assert {"color-contrast", "image-alt"} <= found


def test_french_letter_text_is_marked_french_and_the_site_labels_english(
    page, live_url, french_letter_path
):
    """Language of parts (WCAG 3.1.2): a screen reader reads the letter with a French voice and
    the site's own headings, labels and claims table with an English one."""
    page.goto(live_url + french_letter_path)

    def language_of(locator) -> str:
        return locator.evaluate("e => e.closest('[lang]').getAttribute('lang')")

    assert language_of(page.get_by_role("heading", level=1)) == "en"
    assert language_of(page.get_by_role("heading", level=1).locator("span")) == "fr"
    assert language_of(page.locator(".letter-body .letter-text")) == "fr"
    assert language_of(page.locator(".annex .letter-text").first) == "fr"
    for heading in ("Text of the letter", "Incidents claimed in this letter", "Signatories"):
        assert language_of(page.get_by_role("heading", name=heading)) == "en", heading
    assert language_of(page.get_by_role("columnheader", name="Attributed to")) == "en"
    assert language_of(page.locator(".claim-ref").first) == "en"
    assert language_of(page.locator(".claims td a").first) == "fr"


def test_main_pages_reflow_at_320_css_pixels(page, live_url, french_letter_path):
    """Reflow (WCAG 1.4.10): at 400 % zoom of a 1280 px window nothing scrolls sideways; only
    wide tables scroll, inside their own labelled region."""
    page.set_viewport_size({"width": 320, "height": 640})
    for name, path in MAIN_PAGES.items():
        page.goto(live_url + path.format(french_letter=french_letter_path))
        overflowing = page.evaluate(
            """() => {
                const width = document.documentElement.clientWidth;
                return [...document.querySelectorAll("body *")]
                    .filter(e => !e.closest(".table-scroll, .visually-hidden, .skip-link"))
                    .filter(e => e.getBoundingClientRect().right > width + 1)
                    .map(e => e.outerHTML.slice(0, 80));
            }"""
        )
        assert not overflowing, f"{name} ({path}) is wider than 320 px: {overflowing[:5]}"


def test_every_keyboard_stop_shows_a_focus_ring(page, live_url, french_letter_path):
    """Focus visible (WCAG 2.4.7): Tab through a search page and a letter; each element that
    takes the focus draws an outline of at least 2 px."""
    for path in ["/search/?q=mines", french_letter_path]:
        page.goto(live_url + path)
        stops = 0
        for _ in range(200):
            page.keyboard.press("Tab")
            focused = page.evaluate(
                """() => {
                    const e = document.activeElement, style = getComputedStyle(e);
                    return {body: e === document.body, html: e.outerHTML.slice(0, 80),
                            ring: style.outlineStyle !== "none"
                                  && parseFloat(style.outlineWidth) >= 2};
                }"""
            )
            if focused["body"]:
                break
            stops += 1
            assert focused["ring"], f"{path}: no visible focus on {focused['html']}"
        assert stops > 10, f"{path}: only {stops} keyboard stops"
