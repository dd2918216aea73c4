"""Letters carrying script, HTML and CSS in every field render inert: no script runs, no
markup is injected, no layout breaks, and the payload reads as the text it is.

A real letter (A/80/434) is parsed, every free-text field replaced by a payload, and stored
through the one write path under a symbol no letter uses, with a new agenda item whose title
is the payload too. The server is a separate process, so this is committed; the fixture
removes it afterwards. (Test data only: it never leaves the test database.)
"""

import dataclasses
import hashlib

import pytest
from django.db import connection

from archive.ingest import ingest_letter, read_letter_file
from archive.models import AgendaItem, Letter, SourceFile
from archive.parsing import AgendaItemRef, Person

from ..conftest import LETTERS
from .conftest import wait_until_searchable

PAYLOAD = (
    "pwnedmarker <script>window.__pwned=(window.__pwned||0)+1</script>"
    '<img src=x onerror="window.__pwned=2"><svg/onload=window.__pwned=3>'
    "\"'><iframe src=javascript:window.__pwned=4></iframe>"
    "</style><style>*{display:none!important}</style>"
    '<div style="position:fixed;inset:0;background:red">{{ 7|add:42 }} {% now "Y" %}'
)
SYMBOL = "A/80/99917"
SOURCE = "inert-payload-test.txt"


@pytest.fixture
def payload_letter(live_url, django_db_blocker):
    with django_db_blocker.unblock():
        if not connection.settings_dict["NAME"].startswith("test_"):
            pytest.fail("refusing to change a non-test database")
        path = LETTERS / "A_80_434-S_2025_632.en.txt"
        parsed = read_letter_file(path.read_bytes(), path.name).parsed
        sender = Person(name=PAYLOAD[:190], role=PAYLOAD[:190], state=PAYLOAD[:190])
        parsed = dataclasses.replace(
            parsed,
            symbols=(SYMBOL,),
            title=PAYLOAD,
            sender=sender,
            addressees=(PAYLOAD[:190],),
            signatories=(PAYLOAD[:190],),
            masthead=PAYLOAD + "\n" + parsed.masthead,
            body=PAYLOAD + "\n\n" + parsed.body,
            text=PAYLOAD + "\n\n" + parsed.text,
            agenda_items=(AgendaItemRef(number=998, title=PAYLOAD),),
            annexes=tuple(
                dataclasses.replace(a, heading=PAYLOAD, title=PAYLOAD, text=PAYLOAD + a.text)
                for a in parsed.annexes
            ),
            claims=tuple(
                dataclasses.replace(
                    c,
                    kind=PAYLOAD[:95],
                    place=PAYLOAD[:290],
                    accused=PAYLOAD[:290],
                    victims=PAYLOAD,
                )
                for c in parsed.claims
            ),
        )
        result = ingest_letter(
            parsed,
            source_name=SOURCE,
            source_sha256=hashlib.sha256(PAYLOAD.encode() + b"inert").hexdigest(),
        )
        path = result.letter.get_absolute_url()
    yield path, parsed.ga_session
    with django_db_blocker.unblock():
        Letter.objects.by_symbol(SYMBOL).delete()
        SourceFile.objects.filter(original_name=SOURCE).delete()
        AgendaItem.objects.filter(ga_session=parsed.ga_session, number=998).delete()


def _assert_inert(page, url: str, *, whole_payload: bool = True) -> None:
    violations = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    response = page.goto(url)
    assert response.status == 200, url
    state = page.evaluate(
        """() => ({
            pwned: window.__pwned === undefined ? null : window.__pwned,
            injected: document.querySelectorAll(
                "main script, main img[src='x'], main svg[onload], main iframe, main style,"
                + " main div[style]").length,
            inlineScripts: document.querySelectorAll("script:not([src])").length,
            bodyShown: getComputedStyle(document.body).display !== "none",
            mainHeight: document.querySelector("main").getBoundingClientRect().height,
            overflow: document.documentElement.scrollWidth - window.innerWidth,
        })"""
    )
    assert state["pwned"] is None, (url, state)
    assert state["injected"] == 0, (url, state)
    assert state["inlineScripts"] == 0, (url, state)
    assert state["bodyShown"] and state["mainHeight"] > 100, (url, state)
    assert state["overflow"] <= 1, (url, state)  # no horizontal scroll: layout holds
    assert dialogs == [] and violations == [], (url, dialogs, violations)
    # The payload is shown as the text it is, template syntax included (never evaluated).
    text = page.locator("main").inner_text()
    assert "pwnedmarker" in text, url
    if whole_payload:
        assert "<script>window.__pwned" in text, url
        assert "{{ 7|add:42 }}" in text, url


def test_payloads_in_every_field_render_inert_on_every_page(page, live_url, payload_letter):
    path, session = payload_letter
    _assert_inert(page, live_url + path)
    wait_until_searchable(live_url, "pwnedmarker")  # the server's index follows the commit
    _assert_inert(page, live_url + "/search/?q=pwnedmarker")
    _assert_inert(page, live_url + f"/agenda/{session}/998/")
    # The list shows a shortened sender line.
    _assert_inert(page, live_url + "/?state=&year=", whole_payload=False)
