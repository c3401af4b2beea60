"""The embeddable form in Chromium: the admin switches it on for a shop's origin and copies the
snippet; a page on that shop (another origin: a tiny HTTP server of this module) shows the form
inline, the customer sends a ticket and opens its link. A page on an origin not on the list cannot
send one. In a workspace of its own (made with the CLI), so the other journeys' stays as it was."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Installation, _context, _watch
from tests.helpers import free_port

EMAIL, PASSWORD = "wendy@widget.test", "correct horse widget"
SUBJECT = "Rocket arrived bent"


class HostSite:
    """A web site of a customer of ours: one page holding whatever HTML the test gives it."""

    def __init__(self) -> None:
        self.html = "<!doctype html><title>Shop</title><p>Empty</p>"
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the http.server API)
                if self.path != "/":
                    self.send_response(204)  # the favicon and the like: nothing, and no 404 noise
                    self.end_headers()
                    return
                body = site.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HostSite:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def sites() -> Iterator[tuple[HostSite, HostSite]]:
    """Two origins (two ports): the shop on the workspace's list, and a stranger not on it."""
    with HostSite() as shop, HostSite() as stranger:
        yield shop, stranger


def _workspace(installation: Installation) -> str:
    return installation.create_workspace("Widget Co", "Wendy Widget", EMAIL, PASSWORD)


def _login(page: Page, installation: Installation) -> None:
    installation.log_in(page, EMAIL, PASSWORD)


def _fill(page: Page, subject: str) -> None:
    form = page.locator("[data-helprealm-form]")
    form.get_by_label("Your name").fill("Sally Shopper")
    form.get_by_label("Your e-mail address").fill("sally@shop.test")
    form.get_by_label("Subject").fill(subject)
    form.get_by_label("How can we help?").fill("The rocket came bent. Please send a new one.")
    form.get_by_label("Priority").select_option(label="High")


def _tickets(installation: Installation, subject: str) -> int:
    with sqlite3.connect(installation.db_path) as conn:
        return conn.execute("SELECT count(*) FROM ticket WHERE subject = ?", (subject,)).fetchone()[0]


def test_a_shop_page_sends_a_ticket_through_the_embedded_form(browser, installation: Installation, sites, shot):
    shop, stranger = sites
    key = _workspace(installation)
    admin_context, shopper_context = _context(browser), _context(browser)
    try:
        admin = _watch(admin_context.new_page())
        _login(admin.page, installation)
        admin.page.goto(f"{installation.base_url}/admin/")
        admin.page.get_by_role("navigation", name="Administration").get_by_role("link", name="Embeddable form").click()
        settings = admin.page.locator("#widget-settings")
        settings.get_by_label("Web sites may show the ticket form").check()
        settings.get_by_label("Allowed web sites (origins), one per line").fill(shop.origin + "/")
        settings.get_by_role("button", name="Save").click()
        expect(admin.page.locator("#widget-settings [data-saved]")).to_have_text("Saved")
        expect(settings.get_by_label("Allowed web sites (origins), one per line")).to_have_value(shop.origin)
        snippet = admin.page.locator("[data-snippet]").inner_text()
        assert f"{installation.base_url}/{key}/widget.js" in snippet
        admin.assert_clean()

        page = f"<!doctype html><title>Rocket Shop</title><h1>Rocket Shop</h1><p>Contact us:</p>{snippet}"
        shop.html = stranger.html = page
        shopper = _watch(shopper_context.new_page())
        shopper.page.goto(shop.origin + "/")
        form = shopper.page.locator("[data-helprealm-form]")
        question = form.locator("[data-captcha-question]")
        expect(question).to_have_text(re.compile(r"^\d+ \+ \d+ = \?$"))
        shot(shopper.page, "widget-01-shop-form")
        _fill(shopper.page, SUBJECT)
        # First a wrong answer: the message stands next to the field and a new question comes.
        first = question.inner_text()
        form.get_by_label(re.compile("Captcha")).fill("99")
        shopper.expect_status("POST", 422, r"/widget/ticket/create$")
        form.get_by_role("button", name="Submit").click()
        expect(form.locator('[data-error="captcha"]')).to_have_text("The answer to the captcha is wrong.")
        a, b = re.match(r"(\d+) \+ (\d+)", question.inner_text()).groups()
        assert _tickets(installation, SUBJECT) == 0 and first  # (a repeated question is possible, its token new)
        form.get_by_label(re.compile("Captcha")).fill(str(int(a) + int(b)))
        form.get_by_role("button", name="Submit").click()
        done = form.get_by_role("status")
        expect(done).to_contain_text(re.compile(r"#\d+"))
        expect(done).to_contain_text("We have sent you an e-mail with a link to it.")
        expect(done.get_by_role("link")).to_have_count(0)  # the secret link goes by mail only
        shot(shopper.page, "widget-02-created")
        assert _tickets(installation, SUBJECT) == 1
        shopper.assert_clean()

        # The same snippet on a site not on the list: the form says it cannot be used, and a
        # submit anyway is refused by the server (nothing stored).
        refused = "Nobody should store this"
        stranger_page = shopper_context.new_page()  # unwatched: the refused requests are the point
        stranger_page.goto(stranger.origin + "/")
        message = stranger_page.locator("[data-helprealm-form] .msg")
        expect(message).to_have_text("The ticket form cannot be used on this web site.")
        _fill(stranger_page, refused)
        stranger_page.locator("[data-helprealm-form]").get_by_label(re.compile("Captcha")).fill("3")
        # (The browser hides the 403 from the page, as the missing CORS header asks: the request is sent,
        # its answer unreadable.)
        with stranger_page.expect_request(re.compile(r"/widget/ticket/create$")) as sent:
            stranger_page.locator("[data-helprealm-form]").get_by_role("button", name="Submit").click()
        assert sent.value.method == "POST"
        expect(message).to_have_text("The ticket could not be sent. Please try again later.")
        expect(stranger_page.locator("[data-helprealm-form]").get_by_role("button", name="Submit")).to_be_enabled()
        shot(stranger_page, "widget-03-refused-origin")
        assert _tickets(installation, refused) == 0
    finally:
        admin_context.close()
        shopper_context.close()
