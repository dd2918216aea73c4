"""A reader opens the archive in Chromium and reads a letter."""

import re

from playwright.sync_api import expect


def test_reader_opens_a_letter_from_the_list_and_follows_its_agenda_item(page, live_url):
    page.goto(live_url + "/")
    expect(page.get_by_role("heading", name="Letters", level=1)).to_be_visible()
    page.get_by_role("link", name="A/80/434–S/2025/632").click()
    expect(page).to_have_url(re.compile(r"/A/80/434/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Permanent Representative of Spain"
    )
    page.get_by_role("link", name="Item 26").click()
    expect(page).to_have_url(re.compile(r"/agenda/80/26/$"))
    expect(page.get_by_role("link", name="A/80/434–S/2025/632")).to_be_visible()


def test_a_claim_quote_link_lands_on_the_sentence(page, live_url):
    page.goto(live_url + "/")
    page.get_by_role("link", name=re.compile("symbol unknown")).first.click()
    quote_link = page.locator(".claims table a").first
    target = quote_link.get_attribute("href")
    quote_link.click()
    expect(page.locator(target)).to_be_in_viewport()
    expect(page.locator(target)).to_contain_text("Claim by Azerbaijan")
