"""Live collaboration in a real browser: two agents on one ticket; seven tabs of one agent.

A second agent and a ticket of their own are seeded through the services in a separate Python
process (no agent-management page exists yet; the sync Playwright loop and asyncio.run do not mix
in one process), against the running server's database.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Installation, Watched, _context, _watch

UNIQUE = f"{int(time.time() * 1000) % 10**8:08d}"
BEA_EMAIL, BEA_PASSWORD, BEA_NAME = "bea@acme.test", "correct horse battery", "Bea Second"
TABS = 7  # one more than the six HTTP/1.1 connections a browser opens to one host

SEED = """
import asyncio, json, sys
from app import db
from app.asgi import create_app
from app.config import load_settings
from app.accounts.service import create_agent_confirmed
from app.accounts.tables import Agent
from app.tickets import service
from app.tickets.inputs import NewTicket
from app.tickets.queries import ticket_types
from app.workspaces.tables import Workspace

async def main(config, key, email, password, subject):
    create_app(load_settings(config))  # the installation's database and the links its mails carry
    try:
        workspace = await Workspace.select().where(Workspace.key == key).first()
        if not await Agent.exists().where(Agent.email == email):
            await create_agent_confirmed(workspace["id"], email=email, first_name="Bea", last_name="Second",
                                         password=password, superadmin=True)
        type_id = (await ticket_types(workspace["id"]))[0]["id"]
        created = await service.create_ticket(workspace, NewTicket(
            name="Carl Customer", email="carl@customer.test", subject=subject, text="Two agents, one ticket.",
            type_id=type_id, prio=2))
        print(json.dumps({"number": created.ticket["number"], "hash": created.ticket["hash"]}))
    finally:
        await db.ENGINE.close()

asyncio.run(main(*sys.argv[1:]))
"""


def _seed(installation: Installation, subject: str) -> int:
    return _seed_ticket(installation, subject)["number"]


def _seed_ticket(installation: Installation, subject: str) -> dict:
    """The second agent (once) and a new ticket: {"number", "hash"}."""
    done = subprocess.run([sys.executable, "-c", SEED, str(installation.config), installation.workspace_key,
                           BEA_EMAIL, BEA_PASSWORD, subject], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _login(page: Page, installation: Installation, email: str, password: str) -> None:
    """Log in, unless this browser is (from an earlier journey) already."""
    page.goto(f"{installation.base_url}/login")
    if page.url == f"{installation.base_url}/dashboard":
        return
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{installation.base_url}/dashboard")


def _hide(page: Page) -> None:
    """What switching to another tab does to this one (headless tabs all stay 'visible')."""
    page.evaluate("""() => {
        Object.defineProperty(document, "hidden", {value: true, configurable: true});
        Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
        document.dispatchEvent(new Event("visibilitychange"));
    }""")


@pytest.fixture(scope="module")
def bea(browser, installation) -> Watched:
    context = _context(browser)
    try:
        yield _watch(context.new_page())
    finally:
        context.close()


def test_two_agents_see_each_other_and_each_others_reply(agent: Watched, bea: Watched, installation: Installation,
                                                        shot):
    number = _seed(installation, f"Live ticket {UNIQUE}")
    url = f"{installation.base_url}/tickets/{number}"
    ann, other = agent.page, bea.page
    _login(ann, installation, installation.admin_email, installation.admin_password)
    _login(other, installation, BEA_EMAIL, BEA_PASSWORD)
    ann.goto(url)
    other.goto(url)

    expect(other.locator("#live-presence")).to_contain_text(f"{installation.admin_name} is viewing")
    expect(ann.locator("#live-presence")).to_contain_text(f"{BEA_NAME} is viewing")

    # Bea starts a draft; Ann writes and sends a reply. Bea sees Ann typing, then the reply
    # arrives in her thread without a page load, and her draft is still there.
    other.evaluate("window.__e2eMarker = 'still-here'")
    draft = f"Bea's draft, not sent yet ({UNIQUE})"
    other.locator("form.reply textarea[name=text]").fill(draft)
    reply = f"Ann's answer arrives live ({UNIQUE})"
    ann.locator("form.reply textarea[name=text]").press_sequentially("Ann types", delay=20)
    expect(other.locator("#live-presence")).to_contain_text(f"{installation.admin_name} is writing a reply")
    shot(other, "live-01-presence-typing")
    ann.locator("form.reply textarea[name=text]").fill(reply)
    ann.get_by_role("button", name="Reply to customer").click()
    expect(ann.locator("#ticket")).to_contain_text("Reply sent to the customer.")

    expect(other.locator(".thread")).to_contain_text(reply)
    expect(other.locator("form.reply textarea[name=text]")).to_have_value(draft)
    assert other.evaluate("window.__e2eMarker") == "still-here", "the ticket page was reloaded"
    expect(ann.locator("#ticket")).to_contain_text("Reply sent to the customer.")  # Ann's own tab kept its notice
    shot(other, "live-02-reply-arrived")

    # Bea leaves: Ann sees her go within seconds.
    other.goto(f"{installation.base_url}/dashboard")
    expect(ann.locator("#live-presence")).not_to_contain_text(BEA_NAME)
    agent.assert_clean()
    bea.assert_clean()


def test_seven_tabs_of_one_agent_stay_usable(bea: Watched, installation: Installation):
    number = _seed(installation, f"Many tabs {UNIQUE}")
    url = f"{installation.base_url}/tickets/{number}"
    context = bea.page.context
    _login(bea.page, installation, BEA_EMAIL, BEA_PASSWORD)
    tabs = []
    try:
        for _tab in range(TABS):
            if tabs:
                _hide(tabs[-1].page)  # the agent switches to the new tab: the previous one is hidden
            page = context.new_page()
            tabs.append(_watch(page))
            page.goto(url)  # would wait forever for a connection if six hidden tabs held streams
            expect(page.locator("#live [sse-connect]")).to_have_count(1)
            expect(page.locator("#live-presence")).to_be_attached()
        for hidden in tabs[:-1]:
            expect(hidden.page.locator("#live [sse-connect]")).to_have_count(0)  # its stream is closed
        last = tabs[-1].page
        last.locator("form.reply textarea[name=text]").fill(f"Note from the seventh tab ({UNIQUE})")
        last.get_by_role("button", name="Save internal note").click()
        expect(last.locator("#ticket")).to_contain_text("Note saved.")
        expect(last.locator(".thread")).to_contain_text("Note from the seventh tab")
        for watched in tabs:
            watched.assert_clean()
    finally:
        for watched in tabs:
            watched.page.close()


def test_the_list_shows_changes_by_others_and_refreshes(agent: Watched, bea: Watched, installation: Installation):
    number = _seed(installation, f"List change {UNIQUE}")
    ann, other = agent.page, bea.page
    _login(ann, installation, installation.admin_email, installation.admin_password)
    _login(other, installation, BEA_EMAIL, BEA_PASSWORD)
    ann.goto(f"{installation.base_url}/tickets?scope=all")
    expect(ann.locator("#live [sse-connect]")).to_have_count(1)
    ann.evaluate("window.__e2eMarker = 'still-here'")

    other.goto(f"{installation.base_url}/tickets/{number}")
    note = f"Looked into it ({UNIQUE})"
    other.locator("form.reply textarea[name=text]").fill(note)
    other.get_by_role("button", name="Save internal note").click()
    expect(other.locator("#ticket")).to_contain_text("Note saved.")

    notice = ann.locator("#live-changes")
    expect(notice).to_contain_text("1 ticket changed.")
    notice.get_by_role("link", name="Refresh").click()
    expect(notice).to_be_empty()  # a new stream counts from zero
    expect(ann.locator("#ticket-rows")).to_contain_text(f"List change {UNIQUE}")
    assert ann.evaluate("window.__e2eMarker") == "still-here", "the list was reloaded as a page"
    agent.assert_clean()
    bea.assert_clean()


def test_a_reply_written_before_the_customers_new_message_is_held(agent: Watched, customer: Watched,
                                                                  installation: Installation, shot):
    ticket = _seed_ticket(installation, f"Held reply {UNIQUE}")
    page = agent.page
    _login(page, installation, installation.admin_email, installation.admin_password)
    page.goto(f"{installation.base_url}/tickets/{ticket['number']}")
    expect(page.locator("#live [sse-connect]")).to_have_count(1)
    draft = f"Please restart the router ({UNIQUE})"
    page.locator("form.reply textarea[name=text]").fill(draft)

    # The customer writes meanwhile: the agent's page shows it live, the draft stays.
    news = f"Never mind, it works again ({UNIQUE})"
    customer.page.goto(installation.permalink(ticket["hash"]))
    customer.page.get_by_label("Your reply").fill(news)
    customer.page.get_by_role("button", name="Post").click()
    expect(customer.page.get_by_role("status").filter(has_text="Your message has been sent.")).to_be_visible()
    expect(page.locator(".thread article.post-customer", has_text=news)).to_have_count(1)
    expect(page.locator("form.reply textarea[name=text]")).to_have_value(draft)

    # The draft was written before that message: sending it is held, with the message shown.
    agent.expect_status("POST", 409, r"/tickets/\d+/reply$")
    page.get_by_role("button", name="Reply to customer").click()
    held = page.locator("form.reply .held")
    expect(held).to_contain_text("The customer wrote while you were writing")
    expect(held).to_contain_text(news)
    expect(page.locator("form.reply textarea[name=text]")).to_have_value(draft)
    expect(page.locator(".thread article.post-reply", has_text=draft)).to_have_count(0)
    shot(page, "live-03-reply-held")

    held.get_by_role("button", name="Send anyway").click()
    expect(page.locator("#ticket")).to_contain_text("Reply sent to the customer.")
    expect(page.locator(".thread article.post-reply", has_text=draft)).to_have_count(1)
    agent.assert_clean()
    customer.assert_clean()
