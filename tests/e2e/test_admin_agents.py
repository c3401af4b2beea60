"""An admin invites an agent; the agent opens the mailed link, chooses a password, logs in with it
and sees the dashboard; the link works once. In a workspace of its own (made with the CLI), so the
other journeys' agents and counts stay as they expect."""

from __future__ import annotations

import re
import subprocess

from playwright.sync_api import Page, expect

from tests.e2e.conftest import HELPREALM, Installation, _context, _watch

EMAIL, PASSWORD = "ida@agents.test", "correct horse agents"
NEW_EMAIL, NEW_PASSWORD = "joe@agents.test", "joe's own passphrase"


def _log_in(page: Page, installation: Installation, email: str, password: str) -> None:
    page.goto(f"{installation.base_url}/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{installation.base_url}/dashboard")


def test_an_admin_invites_an_agent_who_sets_a_password_and_logs_in(browser, installation: Installation, shot):
    made = subprocess.run(
        [str(HELPREALM), "create-workspace", "--config", str(installation.config), "--company", "Agents Co",
         "--name", "Ida Admin", "--email", EMAIL, "--password", PASSWORD],
        capture_output=True, text=True, timeout=60, cwd=installation.config.parent)
    assert made.returncode == 0, made.stdout + made.stderr
    admin_context, agent_context = _context(browser), _context(browser)
    try:
        admin = _watch(admin_context.new_page())
        _invite(admin.page, installation, shot)
        mail = installation.smtp.wait_for_sync(lambda m: m["To"] == NEW_EMAIL and "invited" in str(m["Subject"]),
                                               timeout=15)
        link = re.search(r"https?://\S+/invitation/\S+", mail.get_body(("plain",)).get_content()).group(0)

        agent = _watch(agent_context.new_page())
        agent.expect_status("POST", 422, r"/invitation/")  # the mismatch below, on purpose
        page = agent.page
        page.goto(link)
        expect(page.get_by_role("heading", name="Welcome, Joe")).to_be_visible()
        page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("Password confirmation").fill("something else")
        page.get_by_role("button", name="Set password").click()
        expect(page.locator("#err-password_confirmation")).to_have_text("The passwords do not match.")
        page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("Password confirmation").fill(NEW_PASSWORD)
        shot(page, "agents-02-invitation")
        page.get_by_role("button", name="Set password").click()
        expect(page.locator(".message")).to_contain_text("Log in now")
        page.get_by_role("link", name="Log in").click()
        _log_in(page, installation, NEW_EMAIL, NEW_PASSWORD)
        expect(page.get_by_text("Joe Newman")).to_be_visible()

        # The link worked once.
        agent.expect_status("GET", 404, r"/invitation/")
        page.goto(link)
        expect(page.locator(".message")).to_contain_text("already been used")

        # The admin's list no longer calls Joe invited; the search box narrows it as one types.
        admin.page.reload()
        row = admin.page.locator("tr[data-agent]", has_text=NEW_EMAIL)
        expect(row).not_to_contain_text("invited")
        expect(admin.page.locator("tr[data-agent]")).to_have_count(2)
        admin.page.get_by_role("searchbox", name="Search agents").fill("newm")
        expect(admin.page.locator("tr[data-agent]")).to_have_count(1)
        expect(admin.page).to_have_url(re.compile(r"/admin/agents\?q=newm$"))
        row.get_by_role("link", name="Joe Newman").click()
        expect(admin.page.get_by_role("heading", name="Groups of agent")).to_be_visible()
        shot(admin.page, "agents-03-agent")
        admin.assert_clean()
        agent.assert_clean()
    finally:
        admin_context.close()
        agent_context.close()


def _invite(page: Page, installation: Installation, shot) -> None:
    _log_in(page, installation, EMAIL, PASSWORD)
    page.goto(f"{installation.base_url}/admin/")
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Agents").click()
    expect(page.get_by_role("heading", name="Agents", exact=True)).to_be_visible()
    form = page.locator("#agent-create")
    form.get_by_label("First name").fill("Joe")
    form.get_by_label("Last name").fill("Newman")
    form.get_by_label("E-mail address").fill(NEW_EMAIL)
    form.get_by_label("Position").fill("2nd level support")
    form.get_by_label(re.compile("Send an invitation")).check()
    shot(page, "agents-01-invite")
    form.get_by_role("button", name="Create").click()
    expect(page.locator(".flash")).to_have_text(f"We have sent an invitation to {NEW_EMAIL}.")
    row = page.locator("tr[data-agent]", has_text=NEW_EMAIL)
    expect(row).to_contain_text("invited")
    expect(row).to_contain_text("2nd level support")
