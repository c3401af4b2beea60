"""A superadmin generates an API key for herself on Administration > API keys: the list updates in
place (HTMX), the key is shown once and works against the app; deleting it asks first and removes
it from the list. In a workspace of its own (made with the CLI)."""

from __future__ import annotations

import re
import subprocess

from playwright.sync_api import expect

from tests.e2e.conftest import HELPREALM, Installation, _context, _watch

EMAIL, PASSWORD = "kim@keys.test", "correct horse keys"


def test_an_admin_generates_and_deletes_an_api_key(browser, installation: Installation, shot):
    made = subprocess.run(
        [str(HELPREALM), "create-workspace", "--config", str(installation.config), "--company", "Keys Co",
         "--name", "Kim Keys", "--email", EMAIL, "--password", PASSWORD],
        capture_output=True, text=True, timeout=60, cwd=installation.config.parent)
    assert made.returncode == 0, made.stdout + made.stderr
    context = _context(browser)
    try:
        watched = _watch(context.new_page())
        page = watched.page
        page.goto(f"{installation.base_url}/login")
        page.get_by_label("E-mail address").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{installation.base_url}/dashboard")

        page.goto(f"{installation.base_url}/admin/api-keys")
        expect(page.locator("#api-keys tr.empty")).to_be_visible()
        page.get_by_label("Label").fill("Nightly export")
        page.get_by_role("button", name="Generate API key").click()
        key = page.locator("[data-new-key] [data-key]")
        expect(key).to_have_text(re.compile(r"^hrk_"))
        expect(page).to_have_url(f"{installation.base_url}/admin/api-keys")  # swapped in place, not a new page
        row = page.locator("#api-keys tr[data-key-id]")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Nightly export")
        shot(page, "api-keys-generated")
        secret = key.inner_text()
        assert secret[:10] in row.inner_text()  # the list shows only its first characters
        expect(page.locator("[data-new-key]")).to_contain_text("Authorization: Bearer <key>")

        page.once("dialog", lambda dialog: dialog.accept())  # hx-confirm
        row.get_by_role("button", name="Delete").click()
        expect(page.locator("#api-keys tr.empty")).to_be_visible()
        expect(page.locator("[data-new-key]")).to_have_count(0)
        page.reload()
        assert secret not in page.content()
        watched.assert_clean()
    finally:
        context.close()
