"""Administration journeys in a real browser against the session's `helprealm serve`:

a) an admin creates a group, adds an agent, turns on round robin and makes the group the default;
   a customer's new ticket from the public page lands on that agent;
b) the admin exports the day as an Excel file and opens it;
c) the admin cancels the workspace in the danger zone and lands on the goodbye page.

Each in a workspace of its own (made with the CLI), so the other journeys' counts stay as they expect.
The agent is written into the database directly: the agents' admin pages are another part of the
administration, and this journey is about groups.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from app.accounts.passwords import _hash
from tests.e2e.conftest import Installation, _context, _watch
from tests.exports.readers import read_xlsx

COMPANY, EMAIL, PASSWORD = "Robin Rockets", "rob@robin.test", "correct horse robin"
AGENT_EMAIL, AGENT_FIRST, AGENT_LAST = "rita@robin.test", "Rita", "Roundrobin"
GROUP = "Launch support"
SUBJECT = "Fuel valve stuck on pad 2"


def _settled(page: Page) -> None:
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


def _workspace(installation: Installation, company: str = COMPANY, email: str = EMAIL) -> str:
    return installation.create_workspace(company, "Rob Admin", email, PASSWORD)


def _add_agent(installation: Installation, key: str) -> int:
    with sqlite3.connect(installation.db_path) as conn:
        (workspace_id,) = conn.execute("SELECT id FROM workspace WHERE key = ?", (key,)).fetchone()
        cursor = conn.execute(
            "INSERT INTO agent (workspace, email, first_name, last_name, position, password_hash, superadmin, "
            "active, confirmed) VALUES (?, ?, ?, ?, 'Agent', ?, 0, 1, 1)",
            (workspace_id, AGENT_EMAIL, AGENT_FIRST, AGENT_LAST, _hash("correct horse rita")))
        return cursor.lastrowid


def _login(page: Page, installation: Installation, email: str = EMAIL, password: str = PASSWORD) -> None:
    installation.log_in(page, email, password)


def _open_ticket(page: Page, public_url: str) -> None:
    page.goto(public_url)
    form = page.locator("#ticket-form")
    form.get_by_label("Your name").fill("Carl Customer")
    form.get_by_label("Your e-mail address").fill("carl@customer.test")
    form.get_by_label("Subject").fill(SUBJECT)
    form.get_by_label("How can we help?").fill("The valve does not move since the last test.")
    form.get_by_label("Type").select_option(label="Incident")
    form.get_by_label("Priority").select_option(label="High")
    question = page.locator(".captcha-question").inner_text()
    a, b = re.fullmatch(r"\s*(\d+)\s*\+\s*(\d+)\s*=\s*\?\s*", question).groups()
    page.get_by_role("textbox", name=re.compile("Captcha")).fill(str(int(a) + int(b)))
    page.get_by_role("button", name="Submit").click()
    expect(form.get_by_role("status")).to_contain_text("Your ticket has been created.")


def test_round_robin_group_gets_the_new_ticket_and_the_day_exports_to_excel(browser, installation: Installation,
                                                                             shot):
    key = _workspace(installation)
    agent_id = _add_agent(installation, key)
    admin_context, customer_context = _context(browser), _context(browser)
    try:
        admin = _watch(admin_context.new_page())
        page = admin.page
        _login(page, installation)

        # a) the group: created from the list, then its page's forms (each swaps the page's #group)
        page.goto(f"{installation.base_url}/admin/")
        page.get_by_role("navigation", name="Administration").get_by_role("link", name="Groups").click()
        expect(page.get_by_role("heading", name="Groups", exact=True)).to_be_visible()
        new_group = page.locator("form.card")
        new_group.get_by_label("Name").fill(GROUP)
        new_group.get_by_label("Description").fill("Everything on the launch pads")
        new_group.get_by_role("button", name="Create group").click()
        group = page.locator("#group")
        expect(group.get_by_role("heading", name=GROUP)).to_be_visible()
        expect(group).to_contain_text("Nobody is in this group yet.")

        group.locator("select[name=agent]").select_option(label=f"{AGENT_FIRST} {AGENT_LAST}")
        group.get_by_role("button", name="Add to group").click()
        _settled(page)
        expect(group.locator(f"[data-member='{agent_id}']")).to_contain_text(AGENT_EMAIL)

        auto = group.locator(".auto-assign")
        auto.get_by_label("Mode").select_option("round_robin")
        auto.get_by_label("Open tickets per agent, at most").fill("5")
        auto.get_by_role("button", name="Save").click()
        _settled(page)
        expect(group).to_contain_text("Automatic assignment saved.")
        expect(group.locator(".auto-assign").get_by_label("Mode")).to_have_value("round_robin")

        group.get_by_role("button", name="Set this group as default").click()
        _settled(page)
        expect(group.get_by_role("heading", name=GROUP)).to_contain_text("Default")
        shot(page, "admin-01-group-round-robin")
        page.reload()  # what was saved, not what the swaps showed
        expect(page.locator("#group").locator(f"[data-member='{agent_id}']")).to_be_visible()
        expect(page.locator("#group .auto-assign").get_by_label("Mode")).to_have_value("round_robin")

        # the customer's ticket lands in the default group, on its only eligible member
        _open_ticket(_watch(customer_context.new_page()).page, f"{installation.base_url}/{key}")
        page.goto(f"{installation.base_url}/tickets/1")
        expect(page.get_by_role("heading", name=SUBJECT)).to_be_visible()
        expect(page.locator("select[name=assignee]")).to_have_value(str(agent_id))
        expect(page.locator("select[name=assignee] option:checked")).to_contain_text(f"{AGENT_FIRST} {AGENT_LAST}")
        expect(page.locator("select[name=group] option:checked")).to_have_text(GROUP)
        expect(page.locator("select[name=status] option:checked")).to_have_text("In progress")
        shot(page, "admin-02-ticket-assigned-by-round-robin")

        # b) the day's tickets as an Excel file, opened
        page.goto(f"{installation.base_url}/admin/export")
        today = datetime.now(UTC).date().isoformat()
        page.locator("input[name=date_from]").fill(today)
        page.locator("input[name=date_to]").fill(today)
        page.get_by_label("Format").select_option("xlsx")
        with page.expect_download() as download:
            page.get_by_role("button", name="Export").click()
        assert download.value.suggested_filename == f"tickets-{today}-{today}.xlsx"
        with open(download.value.path(), "rb") as file:
            rows = read_xlsx(file.read())
        assert [row["subject"] for row in rows] == [SUBJECT]
        assert rows[0]["priority_name"] == "High" and rows[0]["customer_name"] == "Carl Customer"
        admin.assert_clean()
    finally:
        admin_context.close()
        customer_context.close()


def _solve_captcha(page: Page) -> None:
    question = page.locator(".captcha-question").inner_text()
    a, b = re.fullmatch(r"\s*(\d+)\s*\+\s*(\d+)\s*=\s*\?\s*", question).groups()
    page.get_by_role("textbox", name=re.compile("Captcha")).fill(str(int(a) + int(b)))


def test_admin_cancels_the_workspace_in_the_danger_zone(browser, installation: Installation, shot):
    company, email = "Short Lived GmbH", "sam@short.test"
    key = _workspace(installation, company, email)
    context = _context(browser)
    try:
        watched = _watch(context.new_page())
        page = watched.page
        _login(page, installation, email)
        page.goto(f"{installation.base_url}/admin/")
        page.get_by_role("navigation", name="Administration").get_by_role("link", name="Cancel workspace").click()
        expect(page.get_by_role("heading", name="Danger zone")).to_be_visible()

        watched.expect_status("POST", 422, r"/admin/cancel$")
        page.get_by_label("Company name").fill("Short Lived")  # not exactly the name
        _solve_captcha(page)
        page.get_by_role("button", name="Cancel and delete my data").click()
        expect(page.locator("#err-company")).to_be_visible()
        shot(page, "cancel-01-wrong-name")

        page.get_by_label("Company name").fill(company)
        _solve_captcha(page)  # a new question: each one is good for one answer
        page.get_by_role("button", name="Cancel and delete my data").click()
        expect(page).to_have_url(f"{installation.base_url}/goodbye")
        expect(page.locator(".message")).to_contain_text("are being deleted")
        shot(page, "cancel-02-goodbye")

        watched.expect_status("GET", 404, rf"/{key}/$")
        page.goto(f"{installation.base_url}/{key}/")
        expect(page.get_by_role("heading", name=company)).to_have_count(0)
        page.goto(f"{installation.base_url}/dashboard")
        expect(page).to_have_url(re.compile(r"/login"))  # the session ended
        watched.assert_clean()
    finally:
        context.close()
