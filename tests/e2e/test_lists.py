"""The ticket list in Chromium: filter, sort by a column header, then a bulk change, each swapping
only #ticket-rows and keeping the state in the URL."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Installation, Watched

MARK = f"Lists{int(time.time() * 1000) % 10**8:08d}"
TICKETS = [(f"{MARK} alpha", "High"), (f"{MARK} bravo", "Low"), (f"{MARK} charlie", "High")]


def _open_ticket(page: Page, installation: Installation, subject: str, prio: str) -> None:
    page.goto(installation.public_url)
    form = page.locator("#ticket-form")
    form.get_by_label("Your name").fill("Lisa Lister")
    form.get_by_label("Your e-mail address").fill("lisa@customer.test")
    form.get_by_label("Subject").fill(subject)
    form.get_by_label("How can we help?").fill("Please look at this list of things.")
    form.get_by_label("Type").select_option(label="Incident")
    form.get_by_label("Priority").select_option(label=prio)
    question = page.locator(".captcha-question").inner_text()
    a, b = re.fullmatch(r"\s*(\d+)\s*\+\s*(\d+)\s*=\s*\?\s*", question).groups()
    page.get_by_role("textbox", name=re.compile("Captcha")).fill(str(int(a) + int(b)))
    page.get_by_role("button", name="Submit").click()
    expect(form.get_by_role("status")).to_contain_text("Your ticket has been created.")


def _ours(page: Page) -> list[str]:
    """Our tickets' subjects in the order the list shows them."""
    return [text.strip() for text in page.locator("#ticket-rows tbody tr td:nth-child(3)").all_inner_texts()
            if MARK in text]


def test_filter_sort_and_bulk_change(customer: Watched, agent: Watched, installation: Installation, shot):
    for subject, prio in TICKETS:
        _open_ticket(customer.page, installation, subject, prio)

    page = agent.page
    page.goto(f"{installation.base_url}/dashboard")
    if "/login" in page.url:  # not yet logged in by an earlier journey of this session
        page.get_by_label("E-mail address").fill(installation.admin_email)
        page.get_by_label("Password").fill(installation.admin_password)
        page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{installation.base_url}/dashboard")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="All tickets").click()
    expect(page).to_have_url(re.compile(r"/tickets\?view=all$"))
    expect(page.get_by_role("heading", name="All tickets")).to_be_visible()

    # Filter: priority High (the form's change swaps the rows and pushes the URL).
    with page.expect_response(lambda r: "prio=3" in r.url and r.request.headers.get("hx-request") == "true"):
        page.locator("#list-filters").get_by_label("Priority").select_option(label="High")
    expect(page).to_have_url(re.compile(r"prio=3"))
    expect(page.locator("#ticket-rows tbody tr", has_text=f"{MARK} bravo")).to_have_count(0)
    expect(page.locator("#ticket-rows tbody tr", has_text=MARK)).to_have_count(2)

    # Sort by subject, then the other way round; the filter stays.
    page.locator("#ticket-rows th a[data-sort=subject]").click()
    expect(page).to_have_url(re.compile(r"prio=3.*sort=subject&dir=asc"))
    expect(page.locator("#ticket-rows th.sorted")).to_have_attribute("aria-sort", "ascending")
    assert _ours(page) == [f"{MARK} alpha", f"{MARK} charlie"]
    page.locator("#ticket-rows th a[data-sort=subject]").click()
    expect(page).to_have_url(re.compile(r"sort=subject&dir=desc"))
    expect(page.locator("#ticket-rows th.sorted")).to_have_attribute("aria-sort", "descending")
    assert _ours(page) == [f"{MARK} charlie", f"{MARK} alpha"]
    shot(page, "lists-01-filtered-sorted")

    # Bulk: select our two rows, set the status to Resolved.
    for subject in (f"{MARK} alpha", f"{MARK} charlie"):
        page.locator("#ticket-rows tbody tr", has_text=subject).locator("input[name=ticket]").check()
    bar = page.locator("#bulk-form")
    bar.get_by_label("Status").select_option(label="Resolved")
    bar.get_by_role("button", name="Set status").click()
    expect(page.locator("#bulk-notice")).to_have_text("2 tickets changed.")
    for subject in (f"{MARK} alpha", f"{MARK} charlie"):
        expect(page.locator("#ticket-rows tbody tr", has_text=subject)).to_contain_text("Resolved")
    expect(page).to_have_url(re.compile(r"prio=3.*sort=subject&dir=desc"))  # still the same list
    shot(page, "lists-02-bulk-done")

    # The header checkbox selects the page (static/js/lists.js).
    page.locator("#ticket-rows .select-all").check()
    boxes = page.locator("#ticket-rows input[name=ticket]")
    assert boxes.count() >= 2 and all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    page.locator("#ticket-rows .select-all").uncheck()

    # Typing in the search box searches within the same filters and sort (one form, pushed URL).
    with page.expect_response(lambda r: f"q={MARK}" in r.url and "prio=3" in r.url and "sort=subject" in r.url):
        page.get_by_role("searchbox", name="Search tickets").fill(MARK)
    expect(page).to_have_url(re.compile(rf"q={MARK}"))
    agent.assert_clean()
    customer.assert_clean()
