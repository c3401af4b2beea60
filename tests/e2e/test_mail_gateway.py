"""The mail gateway section in the browser: the admin generates the token (in place, HTMX under the
CSP), `helprealm mail submit` uses it to open a ticket by mail, and the admin switches outgoing mail
to the gateway. In a workspace of its own (made with the CLI)."""

from __future__ import annotations

import re
import subprocess

from playwright.sync_api import expect

from tests.e2e.conftest import HELPREALM, Installation, _context, _watch

EMAIL, PASSWORD = "gil@gateway.test", "correct horse gateway"


def test_admin_generates_the_token_that_the_mail_tool_uses(browser, installation: Installation, shot):
    made = subprocess.run(
        [str(HELPREALM), "create-workspace", "--config", str(installation.config), "--company", "Gateway Co",
         "--name", "Gil Gateway", "--email", EMAIL, "--password", PASSWORD],
        capture_output=True, text=True, timeout=60, cwd=installation.config.parent)
    assert made.returncode == 0, made.stdout + made.stderr
    key = re.search(r"/([0-9a-f]{32})\b", made.stdout).group(1)
    context = _context(browser)
    try:
        admin = _watch(context.new_page())
        page = admin.page
        page.goto(f"{installation.base_url}/login")
        page.get_by_label("E-mail address").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{installation.base_url}/dashboard")
        page.goto(f"{installation.base_url}/admin/mail")
        section = page.locator("#mail-gateway")
        expect(section.locator("[data-gateway-token-state=none]")).to_be_visible()
        expect(section.locator("[data-url=pipe]")).to_have_text(f"{installation.base_url}/api/{key}/mail/inbound")

        section.get_by_role("button", name="Generate a token").click()
        token = page.locator("#mail-gateway [data-gateway-token]")
        expect(token).to_be_visible()
        assert page.url.endswith("/admin/mail")  # in place: the token never lands in a URL or history

        submitted = subprocess.run(
            [str(HELPREALM), "mail", "submit", "--url", installation.base_url, "--workspace", key, "--token",
             token.inner_text(), "--email", "sally@customer.test", "--subject", "Sent through the gateway",
             "--message", "Hello by mail."], capture_output=True, text=True, timeout=60)
        assert submitted.returncode == 0, submitted.stderr
        assert submitted.stdout.startswith("Submitted: created, ticket ")

        page.locator("#mail-gateway").get_by_label("Outgoing mail leaves through").select_option("gateway")
        page.locator("#mail-gateway").get_by_label("A customer's e-mail reply to a closed ticket").select_option("new")
        page.locator("#mail-gateway").get_by_role("button", name="Save").click()
        expect(page.locator("#mail-gateway [data-saved]")).to_have_text("Saved")
        page.reload()
        expect(page.locator("#mail-gateway [data-gateway-token-state=set]")).to_be_visible()
        expect(page.locator("#mail-gateway select[name=delivery]")).to_have_value("gateway")
        expect(page.locator("#mail-gateway select[name=closed_reply_mode]")).to_have_value("new")
        shot(page, "mail-gateway-01-admin")

        page.goto(f"{installation.base_url}/tickets?scope=all")
        expect(page.locator("tr[data-ticket]", has_text="Sent through the gateway")).to_have_count(1)
        admin.assert_clean()
    finally:
        context.close()
