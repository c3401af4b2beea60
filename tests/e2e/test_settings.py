"""System settings in the browser: the admin changes the welcome message and the customer sees it
on the public page; the admin uploads a background image and the public page shows it. In a
workspace of its own (made with the CLI), so the other journeys' workspace stays as they expect."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Installation, _context, _watch

EMAIL, PASSWORD = "sue@settings.test", "correct horse settings"
WELCOME = "Hello from the settings journey: we answer within a day."


def _workspace(installation: Installation) -> str:
    return installation.create_workspace("Settings Co", "Sue Settings", EMAIL, PASSWORD)


def _login(page: Page, installation: Installation) -> None:
    installation.log_in(page, EMAIL, PASSWORD)


def test_admin_changes_the_welcome_message_and_a_background_image(browser, installation: Installation, shot,
                                                                    tmp_path):
    key = _workspace(installation)
    public_url = f"{installation.base_url}/{key}"
    admin_context, customer_context = _context(browser), _context(browser)
    try:
        admin = _watch(admin_context.new_page())
        customer = _watch(customer_context.new_page())
        page = admin.page
        _login(page, installation)
        page.goto(f"{installation.base_url}/admin/")
        page.get_by_role("navigation", name="Administration").get_by_role("link", name="Settings").click()
        expect(page.get_by_role("heading", name="System settings")).to_be_visible()
        expect(page.locator("#public-link")).to_have_text(public_url)

        # The welcome message: saved in place (HTMX), seen by the customer.
        section = page.locator("#settings-public_page")
        section.get_by_label("Welcome message").fill(WELCOME)
        section.get_by_role("button", name="Save").click()
        expect(page.locator("#settings-public_page [data-saved]")).to_have_text("Saved")
        customer.page.goto(public_url)
        expect(customer.page.locator("#ticket-form .intro")).to_have_text(WELCOME)

        # Background mode: the images.
        colour = page.locator("#settings-background")
        colour.get_by_label("Background of the customer pages").select_option("image")
        colour.get_by_role("button", name="Save").click()
        expect(page.locator("#settings-background [data-saved]")).to_have_text("Saved")

        # A background image: uploaded, listed with its thumbnail, shown behind the public page.
        image = tmp_path / "mountains.png"
        buffer = io.BytesIO()
        Image.new("RGB", (800, 500), (30, 90, 160)).save(buffer, "PNG")
        image.write_bytes(buffer.getvalue())
        upload = page.locator("#settings-background")
        upload.locator("input[type=file][name=image]").set_input_files(str(image))
        upload.get_by_role("button", name="Upload").click()
        thumbnail = page.locator("#settings-background li[data-image] img")
        expect(thumbnail).to_have_count(1)
        expect(thumbnail).to_have_js_property("complete", True)
        assert thumbnail.evaluate("img => img.naturalWidth") > 0
        shot(page, "settings-01-admin")

        customer.page.goto(public_url)
        body = customer.page.locator("body")
        source = customer.page.locator("#portal-background")
        expect(source).to_have_attribute("data-image", re.compile(rf"^/{key}/background/\d+\?v="))
        expect(body).to_have_css("background-image", re.compile(r'url\(".*/background/\d+'))
        shot(customer.page, "settings-02-public-page")
        admin.assert_clean()
        customer.assert_clean()
    finally:
        admin_context.close()
        customer_context.close()
