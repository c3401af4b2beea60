"""The FAQ in the browser: an admin writes and orders entries; a customer types a ticket subject,
sees matching FAQ entries suggested beside the form, opens one and reads the answer; the FAQ
overlay searches. In a workspace of its own (made with the CLI), so the other journeys' counts
stay as they expect."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Installation, _context, _watch

EMAIL, PASSWORD = "fred@faq.test", "correct horse faq"
ENTRIES = [
    ("How do I reset my password?", "Use the \"Forgot password\" link on the login page.\nWe mail you a link."),
    ("My printer does not print", "Switch the printer off and on again.\nStill stuck? Open a ticket."),
    ("Where is my invoice?", "Invoices are mailed on the first of each month."),
]


def _workspace(installation: Installation) -> str:
    return installation.create_workspace("FAQ Co", "Fred Faq", EMAIL, PASSWORD)


def _admin_writes_the_faq(page: Page, installation: Installation, shot) -> None:
    page.goto(f"{installation.base_url}/login")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{installation.base_url}/dashboard")
    page.goto(f"{installation.base_url}/admin/")
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="FAQ").click()
    expect(page.get_by_role("heading", name="FAQ", exact=True)).to_be_visible()

    for question, answer in reversed(ENTRIES):  # created backwards, then put in order below
        new = page.locator("#faq-new")
        new.get_by_label("Question").fill(question)
        new.get_by_label("Answer").fill(answer)
        new.get_by_role("button", name="Create").click()
        expect(page.locator("tr[data-faq]", has_text=question)).to_be_visible()
    rows = page.locator("tr[data-faq] td:nth-child(2)")
    expect(rows).to_have_text([q for q, _a in reversed(ENTRIES)])
    # Move "password" from last to first with the buttons (HTMX swaps the rows each time).
    for _ in range(2):
        page.get_by_role("button", name="Move up: How do I reset my password?").click()
        expect(page.locator("tr.moved")).to_contain_text("password")
    page.get_by_role("button", name="Move down: Where is my invoice?").click()
    expect(rows).to_have_text([q for q, _a in ENTRIES])
    shot(page, "faq-01-admin-list")


def _customer_sees_suggestions(page: Page, public_url: str, shot) -> None:
    page.goto(public_url)
    form = page.locator("#ticket-form")
    form.get_by_label("Subject").press_sequentially("printer is broke", delay=30)
    suggestions = page.locator("#faq-suggestions")
    expect(suggestions.get_by_role("link", name="My printer does not print")).to_be_visible()
    suggestions.get_by_role("link", name="My printer does not print").click()
    answer = suggestions.locator(".faq-answer")
    expect(answer).to_contain_text("Switch the printer off and on again.")
    expect(answer.locator(".faq-text")).to_have_text(ENTRIES[1][1])  # line breaks kept, text escaped
    shot(page, "faq-02-suggestions")

    # The FAQ overlay: all entries when opened, the search narrows them.
    page.get_by_role("button", name="FAQ").click()
    overlay = page.locator("dialog#faq")
    expect(overlay.locator("details[data-faq] summary")).to_have_text([q for q, _a in ENTRIES])
    overlay.get_by_label("Search the questions").fill("invoice")
    expect(overlay.locator("details[data-faq] summary")).to_have_text(["Where is my invoice?"])
    overlay.locator("summary", has_text="Where is my invoice?").click()
    expect(overlay.get_by_text("Invoices are mailed")).to_be_visible()
    shot(page, "faq-03-overlay")
    overlay.get_by_role("button", name="Close").click()


def test_customer_sees_faq_suggestions_while_typing_a_subject(browser, installation: Installation, shot):
    key = _workspace(installation)
    context = _context(browser)
    try:
        admin = _watch(context.new_page())
        _admin_writes_the_faq(admin.page, installation, shot)
        admin.assert_clean()
    finally:
        context.close()
    context = _context(browser)  # the customer's own browser
    try:
        customer = _watch(context.new_page())
        _customer_sees_suggestions(customer.page, f"{installation.base_url}/{key}", shot)
        customer.assert_clean()
    finally:
        context.close()
