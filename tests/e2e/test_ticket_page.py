"""The agent's ticket page in Chromium: a ticket created for a customer (who opens the mailed
link), its controls (tags, deadline, notes, take and release), and merging two tickets of one
customer. Tickets are found by subject, not number: other browser modules share the server."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Installation, Watched

UNIQUE = f"{int(time.time() * 1000) % 10**8:08d}"
CUSTOMER = ("Carl Customer", f"carl.{UNIQUE}@customer.test")
FIRST = f"Router keeps rebooting {UNIQUE}"
SECOND = f"Router reboots again {UNIQUE}"
HASH_IN_SUBJECT = re.compile(r"\[ID:([0-9a-f]{32})\]")


def _settled(page: Page) -> None:
    """Wait until htmx has finished the last swap: its new controls only listen once settled (a
    person is never that fast, a test is)."""
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


def _log_in(page: Page, installation: Installation) -> None:
    page.goto(installation.base_url + "/dashboard")
    if "/login" in page.url:
        page.get_by_label("E-mail address").fill(installation.admin_email)
        page.get_by_label("Password").fill(installation.admin_password)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(re.compile(r"/dashboard$"))


def _create_for_customer(page: Page, subject: str, text: str, assign_to_me: bool) -> str:
    """Fill "+ New ticket"; returns the new ticket page's URL."""
    page.get_by_role("link", name="+ New ticket").click()
    form = page.locator("#new-ticket form")
    form.get_by_label("Customer name").fill(CUSTOMER[0])
    form.get_by_label("Customer e-mail").fill(CUSTOMER[1])
    form.get_by_label("Subject").fill(subject)
    form.get_by_label("Text").fill(text)
    if assign_to_me:
        option = form.locator("select[name=assignee] option", has_text="Ann").first
        form.get_by_label("Agent (optional)").select_option(value=option.get_attribute("value"))
    form.get_by_role("button", name="Create ticket").click()
    expect(page).to_have_url(re.compile(r"/tickets/\d+$"))
    expect(page.locator("input.subject-input")).to_have_value(subject)
    return page.url


def test_agent_creates_a_ticket_for_a_customer_who_opens_the_link(agent: Watched, customer: Watched,
                                                                   installation: Installation, shot, journey):
    page = agent.page
    _log_in(page, installation)

    # The form refuses an address the browser lets through but no mail reaches, at its field,
    # keeping what was typed.
    page.get_by_role("link", name="+ New ticket").click()
    form = page.locator("#new-ticket form")
    form.get_by_label("Customer name").fill(CUSTOMER[0])
    form.get_by_label("Customer e-mail").fill("carl@localhost")
    form.get_by_label("Subject").fill(FIRST)
    form.get_by_label("Text").fill("It reboots every ten minutes.")
    agent.expect_status("POST", 422, r"/tickets/new$")
    form.get_by_role("button", name="Create ticket").click()
    expect(page.locator("#err-email")).to_contain_text("not a valid e-mail address")
    expect(page.locator("#new-ticket").get_by_label("Customer name")).to_have_value(CUSTOMER[0])

    url = _create_for_customer(page, FIRST, "It reboots every ten minutes.", assign_to_me=True)
    head = page.locator(".ticket-head")
    expect(head.locator(".badge").first).to_have_text("In progress")
    expect(head.locator(".created-for")).to_contain_text(f"Created for {CUSTOMER[0]} <{CUSTOMER[1]}>")
    shot(page, "20-agent-created-for-customer")

    mail = installation.smtp.wait_for_sync(lambda m: FIRST in str(m["Subject"]), timeout=15)
    assert CUSTOMER[1] in str(mail["To"])
    ticket_hash = HASH_IN_SUBJECT.search(str(mail["Subject"])).group(1)
    customer.page.goto(installation.permalink(ticket_hash))
    expect(customer.page.get_by_role("heading", level=1)).to_have_text(FIRST)
    expect(customer.page.locator(".thread")).not_to_contain_text("Assigned")  # internal events stay internal

    # The controls: a tag (with completion from the workspace's tags), a deadline, notes, release.
    page.get_by_placeholder("Add tags, separated by commas").fill("router, urgent")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".chip")).to_have_count(2)
    _settled(page)
    page.get_by_label("Deadline").fill("2030-01-31")
    expect(page.locator(".ticket-head .meta")).to_contain_text("Deadline Jan 31, 2030")
    _settled(page)
    page.locator(".notes textarea").fill("Customer prefers calls before noon.")
    page.get_by_role("button", name="Save notes").click()
    expect(page.get_by_role("status").filter(has_text="Notes saved.")).to_be_visible()
    _settled(page)
    page.get_by_role("button", name="Release").click()
    expect(head.locator(".badge").first).to_have_text("Open")
    _settled(page)
    page.get_by_role("button", name="Assign to me").click()
    expect(head.locator(".badge").first).to_have_text("In progress")
    expect(page.locator(".thread")).to_contain_text("Tags added by")
    page.reload()  # all of it was stored, not only swapped in
    expect(page.locator(".chip")).to_have_count(2)
    expect(page.locator(".notes textarea")).to_have_value("Customer prefers calls before noon.")
    shot(page, "21-agent-ticket-controls")
    journey["first_url"] = url
    agent.assert_clean()
    customer.assert_clean()


def test_merge_two_tickets_of_one_customer(agent: Watched, customer: Watched, installation: Installation, shot,
                                          journey):
    page = agent.page
    _log_in(page, installation)
    first_url = journey.get("first_url") or _create_for_customer(page, FIRST, "It reboots.", assign_to_me=False)
    _create_for_customer(page, SECOND, "Now it reboots every five minutes.", assign_to_me=False)
    mail = installation.smtp.wait_for_sync(lambda m: SECOND in str(m["Subject"]), timeout=15)
    absorbed_hash = HASH_IN_SUBJECT.search(str(mail["Subject"])).group(1)

    page.get_by_role("link", name="Merge into…").click()
    panel = page.locator("#merge-panel")
    expect(panel.get_by_role("radio")).to_have_count(1)
    expect(panel).to_contain_text(FIRST)
    page.once("dialog", lambda dialog: dialog.accept())
    panel.get_by_role("button", name="Merge").click()
    expect(page).to_have_url(first_url)
    thread = page.locator(".thread")
    expect(thread.locator("article.post-customer", has_text="Now it reboots every five minutes.")).to_have_count(1)
    expect(thread).to_contain_text("merged into this one")
    shot(page, "22-agent-merged")

    customer.page.goto(installation.permalink(absorbed_hash))
    notice = customer.page.locator(".merged-notice")
    expect(notice).to_be_visible()
    notice.get_by_role("link", name="Continue there").click()
    expect(customer.page.get_by_role("heading", level=1)).to_have_text(FIRST)
    agent.assert_clean()
    customer.assert_clean()
