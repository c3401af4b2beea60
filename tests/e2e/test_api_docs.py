"""The API docs page (/schema) in Chromium: RapiDoc, vendored under static/, renders the operations
from /schema/openapi.json under the page's own Content-Security-Policy, with no violation, no
script error and no failed or outside request."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import Installation, _context, _watch


def test_the_docs_page_renders_the_api_from_our_own_files(browser, installation: Installation, shot):
    context = _context(browser)
    try:
        watched = _watch(context.new_page())
        page = watched.page
        messages, failed, outside = [], [], []
        page.on("console", lambda msg: messages.append(f"{msg.type}: {msg.text}"))
        page.on("requestfailed", lambda request: failed.append(f"{request.url}: {request.failure}"))
        page.on("request", lambda request: outside.append(request.url)
                if not request.url.startswith((installation.base_url, "data:", "blob:")) else None)
        page.goto(f"{installation.base_url}/schema")
        # The path of an operation, as RapiDoc renders it (in its shadow DOM, which locators pierce).
        expect(page.get_by_text("/api/{workspace}/mail/inbound").first).to_be_visible()
        expect(page.get_by_text("Deliver one raw message (the pipe)").first).to_be_visible()
        shot(page, "api-docs")
        violations = [m for m in messages if "Content Security Policy" in m or "Refused to" in m]
        assert violations == [] and failed == [] and outside == [], (violations, failed, outside)
        watched.assert_clean()
    finally:
        context.close()
