"""Hostile query strings, measured: every GET parameter of every page and API endpoint, with
values hypothesis generates (huge and negative numbers, malformed dates and symbols, quotes,
markup, control characters, any Unicode, very long strings), never answers a server error.

`make test` runs a sample (FUZZ_CASES, 300 by default); `make fuzz` runs 10 000 and more and
ends with the line `FUZZ cases=N server_errors=N`. Each case is one request through the whole
Django stack (middleware, views, templates, PostgreSQL) of the test database; a streamed
export is read to its end, since its rows are produced after the status line.
"""

import os
import urllib.parse

from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.filters import LetterFilter
from archive.models import Letter, MemberState, Topic

CASES = int(os.environ.get("FUZZ_CASES", 300))

# Every parameter a page or endpoint reads, and a few it does not.
PARAMETERS = sorted({*LetterFilter.base_filters, "exact", "lang", "format", "next", "utm_source"})

NASTY = [
    "",
    "0",
    "-1",
    "99999999999999999999999",
    "1e308",
    "NaN",
    "2025-13-45",
    "0000-00-00",
    "75-99999999999",
    "A/80/434",
    "S/2025/632",
    "' OR 1=1 --",
    '"unbalanced',
    "<script>alert(1)</script>",
    "%00",
    "\x00",
    "\u202e\u0000\ud7ff",
    "mines -Arménie",
    "NEAR(",
    "*",
    "a" * 5000,
    "🙂" * 300,
]

values = st.one_of(
    st.sampled_from(NASTY),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates().map(str),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    st.from_regex(r"[0-9]{1,4}-[0-9a-z]{0,6}", fullmatch=True),
)
segments = st.one_of(
    st.sampled_from(["75", "80", "1", "0", "99999999999999", "68b", "AZE", "arm", "x", "%2F"]),
    st.text(min_size=1, max_size=30).map(lambda s: urllib.parse.quote(s, safe="")),
)


def _pages():
    """Every page and endpoint, with the real identifiers of this archive and made-up ones."""
    letter = Letter.objects.order_by("pk").first()
    state = MemberState.objects.order_by("pk").first()
    topic = Topic.objects.order_by("pk").first()
    return [
        lambda seg: "/",
        lambda seg: "/search/",
        lambda seg: "/agenda/",
        lambda seg: f"/agenda/{seg}/",
        lambda seg: f"/agenda/75/{seg}/",
        lambda seg: f"/topics/{topic.slug if topic else seg}/",
        lambda seg: f"/topics/{seg}/",
        lambda seg: f"/states/{state.iso3}/",
        lambda seg: f"/states/{seg}/",
        lambda seg: letter.get_absolute_url(),
        lambda seg: f"/A/{seg}/",
        lambda seg: f"/S/2025/{seg}/",
        lambda seg: f"/letters/{letter.pk}/",
        lambda seg: f"/letters/{seg}/",
        lambda seg: "/api/search/",
        lambda seg: f"/api/letters/{letter.pk}/",
        lambda seg: f"/api/letters/{seg}/",
        lambda seg: "/export/letters.csv",
        lambda seg: "/export/claims.csv",
        lambda seg: "/healthz",
    ]


def run_fuzz(cases: int) -> tuple[int, list[str]]:
    """Send `cases` generated requests; return how many ran and the URLs that answered 5xx."""
    client = Client(raise_request_exception=False)
    pages = _pages()
    ran, failures = 0, []

    @settings(
        max_examples=cases,
        deadline=None,
        database=None,  # no example database: every run is a fresh measurement
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )
    @given(
        page=st.sampled_from(pages),
        segment=segments,
        params=st.lists(st.tuples(st.sampled_from(PARAMETERS), values), max_size=6),
    )
    def one_case(page, segment, params):
        nonlocal ran
        url = page(segment) + "?" + urllib.parse.urlencode(params)
        ran += 1
        try:
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
            status = response.status_code
        except Exception as error:  # a failure while streaming is a server error too
            status = f"raised {type(error).__name__}"
        if not isinstance(status, int) or status >= 500:
            failures.append(f"{status} {url[:300]}")

    one_case()
    return ran, failures


def test_no_generated_query_string_causes_a_server_error(db):
    ran, failures = run_fuzz(CASES)
    print(f"\nFUZZ cases={ran} server_errors={len(failures)}")
    assert ran >= CASES * 0.9  # hypothesis ran (nearly) all the cases asked for
    assert failures == [], "\n".join(failures[:20])
