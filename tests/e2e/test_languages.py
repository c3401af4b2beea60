"""Languages in the browser (issue 10): an agent picks their own language on the profile page and
sees the dashboard in it; then the main pages in German, Greek, Hindi and Chinese (long compounds,
Devanagari, CJK) are checked for horizontal overflow and kept as screenshots in
test-artifacts/screenshots/ (lang-<code>-<page>.png). In a workspace of its own (made with the
CLI), so the other journeys keep their English."""

from __future__ import annotations

import re
import sqlite3

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Installation, _context, _watch
from tests.helpers import csrf_from, solve_captcha

EMAIL, PASSWORD = "lena@languages.test", "correct horse languages"
# A string of each language's dashboard, as its translator wrote it (the "Assigned to me" card).
ASSIGNED_TO_ME = {"de": "Mir zugewiesen", "el": "Ανατεθειμένα σε εμένα", "hi": "मुझे असाइन", "zh": "分配给我的"}


def _workspace(installation: Installation) -> str:
    return installation.create_workspace("Sprachschule", "Lena Lang", EMAIL, PASSWORD, "--lang", "el")


def _customer_ticket(installation: Installation, key: str) -> str:
    """A customer's ticket through the public form (plain HTTP: the browser journeys test the form);
    its hash, as the customer's mail would bring it."""
    base = installation.base_url
    with httpx.Client(base_url=base, follow_redirects=True) as client:
        page = client.get(f"/{key}").text
        type_id = re.search(r'<select name="type"[^>]*>\s*<option value="(\d+)"', page).group(1)
        answer = client.post(f"/{key}/ticket/create", data={
            "_csrf_token": csrf_from(page), **solve_captcha(page), "name": "Dimitra Papadopoulou",
            "email": "dimitra@kunde.test", "subject": "Druckerwarteschlangenverwaltungsprobleme seit Montag",
            "text": "Die Warteschlange hängt. Η εκτύπωση σταμάτησε. 打印机无法打印。", "type": type_id, "prio": "2"})
        assert answer.status_code == 200, answer.text[:300]
    with sqlite3.connect(installation.db_path) as db:
        return db.execute("SELECT t.hash FROM ticket t JOIN workspace w ON w.id = t.workspace WHERE w.key = ?",
                          (key,)).fetchone()[0]


# The elements that stick out of the window, innermost first (to name the culprit of a failure).
_STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.body.querySelectorAll('*')]
    .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.table-scroll'))
    .reverse().slice(0, 3)
    .map(e => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)}px)`);
}"""


def _no_sideways_scroll(page: Page) -> None:
    """Long words wrap instead of widening the page."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{page.url} is {overflow}px wider than the window: {page.evaluate(_STICKING_OUT)}"


def _choose_language(page: Page, base: str, code: str, time_zone: str = "") -> None:
    page.goto(f"{base}/profile")
    card = page.locator("#profile-language")
    card.locator("select[name=lang]").select_option(code)
    if time_zone:
        card.locator("select[name=time_zone]").select_option(time_zone)
    card.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{base}/profile?done=language")
    expect(page.locator("html")).to_have_attribute("lang", code)


def test_an_agent_switches_to_german_and_the_main_pages_hold_in_four_scripts(browser, installation: Installation,
                                                                             shot):
    base = installation.base_url
    key = _workspace(installation)
    ticket_hash = _customer_ticket(installation, key)
    with sqlite3.connect(installation.db_path) as db:  # `create-workspace --lang el`: Greek from the start
        assert db.execute("SELECT lang FROM workspace WHERE key = ?", (key,)).fetchone() == ("el",)
        assert ("Αίτημα υπηρεσίας",) in db.execute(
            "SELECT t.name FROM ticket_type t JOIN workspace w ON w.id = t.workspace WHERE w.key = ?", (key,))
    context = _context(browser)
    try:
        watched = _watch(context.new_page())
        page = watched.page
        page.goto(f"{base}/login")
        page.get_by_label("E-mail address").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in", exact=True).click()
        expect(page).to_have_url(f"{base}/dashboard")
        expect(page.locator("html")).to_have_attribute("lang", "el")  # the workspace's, until Lena picks one

        # The journey: German and Berlin time from the profile; the dashboard follows.
        _choose_language(page, base, "de", "Europe/Berlin")
        expect(page.locator("#profile-language .flash")).to_have_text("Ihre Sprache und Zeitzone wurden gespeichert.")
        page.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name="Dashboard").click()
        expect(page).to_have_url(f"{base}/dashboard")
        expect(page.locator("[data-card=mine] span")).to_have_text(ASSIGNED_TO_ME["de"])

        number = 1  # the workspace's first ticket
        for code in ("de", "el", "hi", "zh"):
            if code != "de":
                _choose_language(page, base, code)
            # The customer pages follow the workspace's language: set it as the admin would.
            page.goto(f"{base}/admin/settings")
            general = page.locator("#settings-general")
            general.locator("select[name=lang]").select_option(code)
            general.locator("button[type=submit]").click()
            expect(general.locator(f"select[name=lang] option[value={code}]")).to_have_attribute("selected", "")
            pages = {
                "dashboard": "/dashboard", "tickets": "/tickets?view=all", "ticket": f"/tickets/{number}",
                "profile": "/profile", "settings": "/admin/settings", "public": f"/{key}",
                "customer-ticket": f"/{key}/ticket/show/{ticket_hash}",
            }
            for name, path in pages.items():
                page.goto(base + path)
                expect(page.locator("html")).to_have_attribute("lang", code)
                if name == "dashboard":
                    expect(page.locator("[data-card=mine] span")).to_have_text(ASSIGNED_TO_ME[code])
                _no_sideways_scroll(page)
                shot(page, f"lang-{code}-{name}")

        watched.assert_clean()
    finally:
        context.close()


def test_the_login_page_speaks_the_browser_language_and_offers_the_others(browser, installation: Installation, shot):
    context = browser.new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    try:
        watched = _watch(context.new_page())
        page = watched.page
        page.goto(f"{installation.base_url}/login")
        expect(page.locator("html")).to_have_attribute("lang", "zh")
        shot(page, "lang-zh-login")
        page.locator("nav.language-switcher a[lang=el]").click()
        expect(page).to_have_url(f"{installation.base_url}/login")
        expect(page.locator("html")).to_have_attribute("lang", "el")
        expect(page.locator("nav.language-switcher a[aria-current]")).to_have_text("Ελληνικά")
        _no_sideways_scroll(page)
        shot(page, "lang-el-login")
        watched.assert_clean()
    finally:
        context.close()
