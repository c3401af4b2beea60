"""An agent sets up two-factor login on their profile (the code computed by pyotp, as their phone
would) and logs in with it; uploads an avatar. In a workspace of its own (made with the CLI), so
the other journeys' logins stay as they expect."""

from __future__ import annotations

import io
import re
import subprocess
import time

import pyotp
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.conftest import HELPREALM, Installation, _context, _watch

EMAIL, PASSWORD = "tom@twofactor.test", "correct horse twofactor"


def _log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()


def test_agent_turns_on_two_factor_login_and_logs_in_with_a_code(browser, installation: Installation, shot,
                                                                 tmp_path):
    made = subprocess.run(
        [str(HELPREALM), "create-workspace", "--config", str(installation.config), "--company", "Two Factor Co",
         "--name", "Tom Two", "--email", EMAIL, "--password", PASSWORD],
        capture_output=True, text=True, timeout=60, cwd=installation.config.parent)
    assert made.returncode == 0, made.stdout + made.stderr
    base = installation.base_url
    context = _context(browser)
    try:
        watched = _watch(context.new_page())
        page = watched.page
        _log_in(page, base)
        expect(page).to_have_url(f"{base}/dashboard")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Profile").click()
        expect(page.get_by_role("heading", name="Profile", exact=True)).to_be_visible()

        # The avatar: uploaded with HTMX, shown at once.
        avatar = tmp_path / "me.png"
        buffer = io.BytesIO()
        Image.new("RGB", (400, 300), (20, 120, 200)).save(buffer, "PNG")
        avatar.write_bytes(buffer.getvalue())
        card = page.locator("#profile-avatar")
        card.locator("input[type=file]").set_input_files(str(avatar))
        card.get_by_role("button", name="Upload").click()
        expect(page.locator("#profile-avatar img.avatar")).to_be_visible()

        two_factor = page.locator("#profile-twofactor")
        two_factor.get_by_role("button", name="Set up two-factor login").click()
        expect(two_factor.locator("img.qr")).to_be_visible()
        secret = two_factor.locator(".totp-secret").inner_text().replace(" ", "")
        two_factor.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
        two_factor.get_by_role("button", name="Turn on").click()
        expect(page.locator("#profile-twofactor")).to_have_attribute("data-two-factor", "on")
        codes = page.locator(".recovery-codes code").all_inner_texts()
        assert len(codes) == 10
        shot(page, "profile-01-two-factor-on")

        page.get_by_role("button", name="Log out").click()
        _log_in(page, base)
        expect(page).to_have_url(f"{base}/login/2fa")
        page.get_by_label("Code").fill(pyotp.TOTP(secret).at(time.time() + 30))  # the next code: not used yet
        page.get_by_role("button", name="Log in", exact=True).click()
        expect(page).to_have_url(f"{base}/dashboard")
        assert re.search(r"Tom Two", page.locator(".who").inner_text())
        watched.assert_clean()
    finally:
        context.close()
