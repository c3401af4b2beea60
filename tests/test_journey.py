"""The whole journey with real parts: a SQLite file, the outbox sender and a real SMTP server.

signup → confirm (link from the received mail) → login → a customer's ticket → agent reply →
the customer reads it and replies → statuses as specified → close → the customer is blocked.
"""

from __future__ import annotations

import re

import pytest

from app.tickets.status import Status
from app.tickets.tables import Ticket
from app.workspaces.tables import Workspace
from tests.helpers import HTMX, Person, csrf_from, form_values, soup


@pytest.fixture
def settings(settings, smtp_server):
    return settings.replace(mail={"smtp_host": "127.0.0.1", "smtp_port": smtp_server.port,
                                  "from_address": "support@helprealm.test", "send_interval_seconds": 0.05})


def _text(message) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content()


def _link(message, pattern: str) -> str:
    return re.search(pattern, _text(message)).group(0).replace("http://helprealm.test", "")


async def _status(number: int = 1) -> int:
    return (await Ticket.select(Ticket.status).where(Ticket.number == number).first())["status"]


async def test_the_whole_journey(client, smtp_server):
    admin = Person(client)
    customer = Person(client)  # same client is fine: the customer needs no cookies of their own

    # 1. signup, and login is refused until the mailed link is used
    response = await admin.submit("/signup", "/signup", {
        "company": "Acme", "fullname": "Ann Admin", "email": "ann@acme.test",
        "password": "correct horse", "password_confirmation": "correct horse"}, captcha=True)
    assert response.status_code == 200
    confirm_mail = await smtp_server.wait_for(lambda m: m["To"] == "ann@acme.test")
    assert confirm_mail["Auto-Submitted"] == "auto-generated"
    refused = await admin.submit("/login", "/login", {"email": "ann@acme.test", "password": "correct horse"})
    assert refused.status_code == 401
    assert "Address confirmed" in await admin.page(_link(confirm_mail, r"http://helprealm\.test/signup/confirm/\S+"))
    logged_in = await admin.submit("/login", "/login", {"email": "ann@acme.test", "password": "correct horse"})
    assert str(logged_in.url).endswith("/dashboard")
    workspace = await Workspace.select().first()
    public_link = soup(logged_in.text).select_one(".public-link")["href"]
    assert public_link == f"http://helprealm.test/{workspace['key']}"

    # 2. the customer opens a ticket on the public page and gets a mail with the permalink
    form = await customer.page(f"/{workspace['key']}/")
    type_id = soup(form).find("select", attrs={"name": "type"}).find("option")["value"]
    created = await customer.submit(f"/{workspace['key']}/", f"/{workspace['key']}/ticket/create", {
        "name": "Sally Doe", "email": "sally@customer.test", "subject": "Printer on fire",
        "text": "Smoke everywhere. Grüße aus Köln!", "type": type_id, "prio": "3"}, captcha=True)
    assert created.status_code == 200
    ticket = await Ticket.select().first()
    assert ticket["status"] == Status.OPEN
    created_mail = await smtp_server.wait_for(lambda m: m["To"] == "sally@customer.test")
    assert f"[ID:{ticket['hash']}]" in created_mail["Subject"]
    assert created_mail["Message-ID"] and created_mail["Auto-Submitted"] == "auto-generated"
    assert created_mail.get_body(preferencelist=("html",)) is not None
    permalink = _link(created_mail, rf"http://helprealm\.test/{workspace['key']}/ticket/show/[0-9a-f]{{32}}")
    assert permalink.endswith(ticket["hash"])

    # 3. the agent answers: a note (no mail, no status change) and a reply (mail, waiting)
    page = await admin.page("/tickets/1")
    note = {"_csrf_token": csrf_from(page), "text": "Internal: call the fire brigade"}
    await client.post("/tickets/1/note", data=note, headers=HTMX)
    assert await _status() == Status.OPEN
    await client.post("/tickets/1/reply", data={"_csrf_token": csrf_from(page), "text": "Please unplug it, Sally."},
                      headers=HTMX)
    assert await _status() == Status.WAITING
    reply_mail = await smtp_server.wait_for(lambda m: "unplug" in _text(m))
    assert reply_mail["To"] == "sally@customer.test" and f"[ID:{ticket['hash']}]" in reply_mail["Subject"]
    assert all("fire brigade" not in _text(m) for m in smtp_server.messages)

    # 4. the customer reads the reply (never the note) and answers: open again
    ticket_page = await customer.page(permalink)
    assert "Please unplug it, Sally." in ticket_page and "fire brigade" not in ticket_page
    reply = await customer.submit(permalink, f"{permalink}/reply", {"text": "Unplugged. Still smoking."})
    assert reply.status_code == 200 and "Unplugged. Still smoking." in reply.text
    assert await _status() == Status.OPEN
    assert "Unplugged. Still smoking." in await admin.page("/tickets/1")

    # 5. assign (open → in progress), resolve, customer reply reopens, close
    # (the whole fields form, as the browser sends it when one select changes)
    async def change(**values: str) -> None:
        fields = form_values(await admin.page("/tickets/1"), "form.ticket-fields")
        await client.post("/tickets/1/update", data={**fields, **values}, headers=HTMX)

    agent_id = soup(page).find("select", attrs={"name": "assignee"}).find_all("option")[1]["value"]
    await change(assignee=agent_id)
    assert await _status() == Status.IN_PROGRESS
    await change(status="5")
    assert await _status() == Status.RESOLVED
    await customer.submit(permalink, f"{permalink}/reply", {"text": "It is back!"})
    assert await _status() == Status.OPEN
    await change(status="3")
    assert await _status() == Status.CLOSED

    # 6. closed: the customer sees why and can no longer write or upload
    closed_page = soup(await customer.page(permalink))
    assert "This ticket is closed" in closed_page.get_text()
    assert closed_page.find("textarea") is None and closed_page.find("input", attrs={"type": "file"}) is None
    blocked = await client.post(f"{permalink}/reply", data={"_csrf_token": csrf_from(form), "text": "hello?"})
    assert blocked.status_code == 409 and "closed" in soup(blocked.text).select_one(".flash-error").get_text()
    upload = await client.post(f"{permalink}/upload", data={"_csrf_token": csrf_from(form)},
                               files={"file": ("a.txt", b"hi", "text/plain")})
    assert upload.status_code == 409
    # an agent reply reopens a closed ticket as waiting
    await client.post("/tickets/1/reply", data={"_csrf_token": csrf_from(page), "text": "We are back on it."},
                      headers=HTMX)
    assert await _status() == Status.WAITING
