"""The interactive API docs (/api/v1/docs) work under the site's Content-Security-Policy:
every asset from this site, no inline script or style refused, and the operations listed."""

from playwright.sync_api import expect


def test_the_api_docs_render_their_operations_under_the_policy(page, live_url):
    refused, outside, failed = [], [], []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.on("pageerror", lambda error: failed.append(str(error)))
    page.on(
        "request",
        lambda r: None if r.url.startswith((live_url, "data:")) else outside.append(r.url),
    )
    page.goto(live_url + "/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("UN Letters Archive API")
    operations = page.locator(".opblock-summary-path")
    expect(operations.first).to_be_visible()
    paths = set(operations.all_inner_texts())
    assert {"/api/v1/letters", "/api/v1/states", "/api/v1/claims"} <= {
        p.replace("\u200b", "") for p in paths
    }
    # An operation opens and answers, as a reader trying the API would.
    page.locator(".opblock-summary-path", has_text="/api/v1/states").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".responses-wrapper .response .response-col_status").first).to_have_text(
        "200"
    )
    assert not refused, refused
    assert not outside, outside
    assert not failed, failed
