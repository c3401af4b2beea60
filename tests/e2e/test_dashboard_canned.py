"""Browser journeys for the dashboard, canned responses and the vacation switch.

They run in a workspace of their own ("Dash Desk", made with `helprealm create-workspace` on the
session's server), so their tickets never show up in the other journeys' lists and counts. The
three tests run in order: customers open three tickets and the dashboard's charts count them;
a canned response goes into a reply; vacation mode refuses an assignment.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import HELPREALM, Installation, Watched, _context, _watch

NAME = "Dana Desk"
EMAIL = "dana@dash.test"
PASSWORD = "correct horse dash"
TICKETS = [  # (customer, e-mail, subject, type)
    ("Sally Sailor", "sally@sea.test", "Anchor stuck", "Service Request"),
    ("Pete Pilot", "pete@air.test", "Radio silent", "Incident"),
    ("Rita Rider", "rita@road.test", "Invoice copy", "Service Request"),
]
REPLY_PREFIX = "Thanks {customer_name}, about ticket #{ticket_number}"


@dataclass
class Desk:
    base_url: str
    key: str
    db_path: str

    @property
    def public_url(self) -> str:
        return f"{self.base_url}/{self.key}"

    def ticket(self, number: int) -> dict:
        with sqlite3.connect(self.db_path) as conn:
            conn.row_factory = sqlite3.Row
            row = conn.execute("SELECT t.* FROM ticket t JOIN workspace w ON w.id = t.workspace "
                               "WHERE w.key = ? AND t.number = ?", (self.key, number)).fetchone()
        return dict(row)


@pytest.fixture(scope="module")
def desk(installation: Installation) -> Desk:
    made = subprocess.run(
        [str(HELPREALM), "create-workspace", "--config", str(installation.config), "--company", "Dash Desk",
         "--name", NAME, "--email", EMAIL, "--password", PASSWORD],
        capture_output=True, text=True, timeout=60, cwd=installation.config.parent,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    key = re.search(r"/([0-9a-f]{32})\b", made.stdout).group(1)
    return Desk(installation.base_url, key, str(installation.db_path))


@pytest.fixture(scope="module")
def dana(browser, desk: Desk) -> Iterator[Watched]:
    context = _context(browser)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=desk.base_url)
    try:
        watched = _watch(context.new_page())
        page = watched.page
        page.goto(f"{desk.base_url}/login")
        page.get_by_label("E-mail address").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{desk.base_url}/dashboard")
        yield watched
    finally:
        context.close()


def _open_ticket(page: Page, name: str, email: str, subject: str, type_label: str) -> None:
    form = page.locator("#ticket-form")
    form.get_by_label("Your name").fill(name)
    form.get_by_label("Your e-mail address").fill(email)
    form.get_by_label("Subject").fill(subject)
    form.get_by_label("How can we help?").fill(f"{subject}: please help.")
    form.get_by_label("Type").select_option(label=type_label)
    question = page.locator(".captcha-question").inner_text()
    a, b = re.match(r"\s*(\d+)\s*\+\s*(\d+)", question).groups()
    page.get_by_role("textbox", name=re.compile("Captcha")).fill(str(int(a) + int(b)))
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#ticket-form").get_by_role("status").get_by_role("heading", name="Thank you")).to_be_visible()


def test_dashboard_charts_show_the_numbers(browser, desk: Desk, dana: Watched, shot):
    customer = _context(browser)
    try:
        page = customer.new_page()
        for name, email, subject, type_label in TICKETS:
            page.goto(desk.public_url)
            _open_ticket(page, name, email, subject, type_label)
    finally:
        customer.close()

    page = dana.page
    page.goto(f"{desk.base_url}/dashboard")
    cards = page.locator("#dashboard")
    expect(cards.locator("[data-count=unassigned]")).to_have_text("3")
    expect(cards.locator("[data-count=groups_open]")).to_have_text("3")
    expect(cards.locator("[data-count=mine]")).to_have_text("0")
    expect(cards.locator("a[data-card=overdue]")).to_have_attribute("href", "/tickets?view=overdue")

    donut = page.get_by_role("figure").filter(has=page.get_by_role("heading", name="Tickets per type"))
    expect(donut.get_by_role("img", name="Tickets per type")).to_be_visible()
    expect(donut.locator("path[data-type='Service Request']")).to_have_attribute("data-value", "2")
    expect(donut.locator("path[data-type='Incident']")).to_have_attribute("data-value", "1")
    expect(donut.locator(".chart-total")).to_have_text("3")
    expect(donut.locator("table.legend tbody tr")).to_have_text([re.compile(r"Service Request\s*2\s*67%"),
                                                                 re.compile(r"Incident\s*1\s*33%")])

    bars = page.get_by_role("figure").filter(has=page.get_by_role("heading", name="New tickets, last 7 days"))
    values = bars.locator("g[data-day] .bar-value")
    expect(values).to_have_text(["0", "0", "0", "0", "0", "0", "3"])
    expect(bars.locator("g[data-day] rect")).to_have_count(1)
    assert bars.locator("g[data-day] rect").bounding_box()["height"] > 50, "today's bar should be tall"

    # The public link's copy button really copies.
    copy = page.get_by_role("button", name="Copy link")
    copy.click()
    expect(copy).to_have_attribute("data-copied", "true")
    assert page.evaluate("navigator.clipboard.readText()") == desk.public_url
    shot(page, "20-dashboard-charts")
    dana.assert_clean()


def test_canned_response_inserted_into_a_reply_and_sent(desk: Desk, dana: Watched, installation: Installation,
                                                        shot):
    page = dana.page
    page.goto(f"{desk.base_url}/dashboard")
    page.get_by_role("link", name="Canned responses").click()
    expect(page.get_by_role("heading", name="Canned responses", level=1)).to_be_visible()
    page.get_by_role("link", name="New canned response").click()
    page.get_by_label("Title").fill("Thanks for waiting")
    page.get_by_label("Text").fill(REPLY_PREFIX + ", we are on it. {unknown}")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#canned-list li[data-canned]")).to_have_count(1)
    shot(page, "21-canned-list")

    page.goto(f"{desk.base_url}/tickets/1")
    page.evaluate("window.__e2eMarker = 'still-here'")
    reply = page.locator("form.reply")
    reply.get_by_label("Message").fill("Hello!")
    reply.get_by_text("Insert canned response").click()
    search = reply.get_by_role("searchbox", name="Search canned responses")
    search.fill("waiting")
    pick = reply.get_by_role("button", name="Thanks for waiting")
    expect(pick).to_be_visible()
    shot(page, "22-canned-picker")
    pick.click()
    expected = "Hello!\nThanks Sally Sailor, about ticket #1, we are on it. {unknown}"
    expect(reply.get_by_label("Message")).to_have_value(expected)
    assert page.evaluate("window.__e2eMarker") == "still-here", "inserting reloaded the page"
    shot(page, "22b-canned-inserted")

    reply.get_by_role("button", name="Reply to customer").click()
    thread = page.get_by_role("region", name="Thread")
    expect(thread.locator("article.post-reply").first).to_contain_text("Thanks Sally Sailor, about ticket #1")
    mail = installation.smtp.wait_for_sync(
        lambda m: "sally@sea.test" in str(m["To"]) and "Thanks Sally Sailor" in str(m.get_body(("plain",))
                                                                                     .get_content()), timeout=15)
    assert mail is not None
    dana.assert_clean()


def test_vacation_switch_refuses_an_assignment(desk: Desk, dana: Watched, shot):
    page = dana.page
    page.goto(f"{desk.base_url}/dashboard")
    page.evaluate("window.__e2eMarker = 'still-here'")
    switch = page.get_by_role("switch", name="Turn on vacation mode")
    switch.click()
    expect(page.locator("#vacation")).to_contain_text("You are on vacation: nobody can assign tickets to you.")
    expect(page.locator(".sidebar #vacation-note")).to_have_text("You are on vacation")
    expect(page.get_by_role("switch", name="End vacation mode")).to_have_attribute("aria-checked", "true")
    assert page.evaluate("window.__e2eMarker") == "still-here", "the switch reloaded the page"
    shot(page, "23-vacation-on")

    # The picker shows Dana as unavailable; forcing the choice anyway is refused by the service.
    page.goto(f"{desk.base_url}/tickets/2")
    option = page.locator("select[name=assignee] option", has_text=NAME)
    expect(option).to_contain_text("(on vacation)")
    expect(option).to_be_disabled()
    dana.expect_status("POST", 422, r"/tickets/2/update$")
    page.evaluate("""() => {
        const select = document.querySelector("select[name=assignee]");
        const option = [...select.options].find((o) => o.text.includes("(on vacation)"));
        option.disabled = false;
        select.value = option.value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
    }""")
    expect(page.locator("#err-assignee")).to_have_text(f"{NAME} is on vacation and cannot be assigned tickets.")
    assert desk.ticket(2)["assignee"] is None
    shot(page, "24-vacation-refused")

    # Back from vacation: the same assignment goes through.
    page.goto(f"{desk.base_url}/dashboard")
    page.get_by_role("switch", name="End vacation mode").click()
    expect(page.locator(".sidebar #vacation-note")).to_have_text("")
    page.goto(f"{desk.base_url}/tickets/2")
    assignee = page.locator("select[name=assignee]")
    assignee.select_option(assignee.locator("option", has_text=NAME).get_attribute("value"))
    expect(page.locator(".ticket-head .meta .badge.status-in_progress")).to_have_text("In progress")
    assert desk.ticket(2)["assignee"] is not None
    dana.assert_clean()
