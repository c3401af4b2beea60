"""The agent's pages: dashboard, list (page and HTMX rows), ticket page and its changes."""

from app.accounts.service import create_agent_confirmed
from app.mail.tables import OutboxMail
from app.tickets.status import Status
from app.tickets.tables import Ticket, TimelineEntry
from tests.helpers import HTMX, Person, csrf_from, form_values, soup
from tests.journeys import login, open_ticket, workspace_with_admin


async def _setup(person: Person, tickets: int = 1):
    workspace, admin = await workspace_with_admin()
    customer = Person(person.client)
    rows = [await open_ticket(customer, workspace, subject=f"Printer problem {i}") for i in range(tickets)]
    await login(person)
    return workspace, admin, rows


async def _post(person: Person, url: str, data: dict, htmx: bool = True):
    html = await person.page(url.rsplit("/", 1)[0] if url.count("/") > 2 else url)
    return await person.client.post(url, data={"_csrf_token": csrf_from(html), **data}, headers=HTMX if htmx else None)


async def _change(person: Person, number: int, **changes: str):
    """Change fields the way the browser does: the whole fields form, with some values changed."""
    html = await person.page(f"/tickets/{number}")
    data = {**form_values(html, "form.ticket-fields"), **changes}
    return await person.client.post(f"/tickets/{number}/update", data=data, headers=HTMX)


async def test_dashboard_counts_and_public_link(person: Person):
    workspace, _, _ = await _setup(person, tickets=2)
    page = soup(await person.page("/dashboard"))
    counts = {node["data-count"]: int(node.get_text()) for node in page.select("[data-count]")}
    assert counts == {"mine": 0, "groups_open": 2, "unassigned": 2, "overdue": 0, "waiting": 0, "groups": 1,
                      "agents": 1}
    assert page.select_one(".public-link")["href"] == f"http://helprealm.test/{workspace['key']}"


async def test_ticket_list_page_and_rows_fragment(person: Person):
    await _setup(person, tickets=30)
    full = soup(await person.page("/tickets?scope=groups"))
    assert full.find("nav", class_="sidebar") and full.find("form", role="search")
    rows = full.select("#ticket-rows tbody tr[data-ticket]")
    assert len(rows) == 25
    assert [r["data-ticket"] for r in rows[:2]] == ["30", "29"]  # newest activity first
    assert "Showing 1 to 25 of 30 entries" in full.select_one(".pager").get_text()
    next_link = full.select_one(".pager a[rel=next]")
    assert next_link["href"] == "/tickets?view=groups&page=2"  # works without JavaScript too

    fragment_html = await person.page(next_link["hx-get"], headers=HTMX)
    fragment = soup(fragment_html)
    assert "<html" not in fragment_html and not fragment.find("nav", class_="sidebar")
    assert fragment.select_one("#ticket-rows") is not None
    assert [r["data-ticket"] for r in fragment.select("tr[data-ticket]")] == [str(n) for n in range(5, 0, -1)]


async def test_my_tickets_scope(person: Person):
    _, admin, _ = await _setup(person, tickets=3)
    await _change(person, 2, assignee=str(admin["id"]))
    mine = soup(await person.page("/tickets?scope=mine"))
    assert [r["data-ticket"] for r in mine.select("tr[data-ticket]")] == ["2"]


async def test_reference_jumps_to_ticket(person: Person):
    _, _, rows = await _setup(person, tickets=2)
    response = await person.client.get("/tickets?q=%232", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/tickets/2"
    response = await person.client.get(f"/tickets?q={rows[0]['hash']}", headers=HTMX)
    assert response.headers["hx-redirect"] == "/tickets/1"


async def test_reply_note_status_and_rules(person: Person):
    _, admin, rows = await _setup(person)
    ticket = rows[0]
    page = await person.page("/tickets/1")
    assert soup(page).select_one("input.subject-input")["value"] == "Printer problem 0"

    note = await _post(person, "/tickets/1/note", {"text": "Internal: check toner"})
    assert note.status_code == 200 and "<html" not in note.text
    assert (await Ticket.select(Ticket.status).where(Ticket.id == ticket["id"]).first())["status"] == Status.OPEN
    assert await OutboxMail.count().where(OutboxMail.purpose == "agent_reply") == 0

    reply = await _post(person, "/tickets/1/reply", {"text": "We replaced the toner."})
    assert "Reply sent" in reply.text
    assert (await Ticket.select(Ticket.status).where(Ticket.id == ticket["id"]).first())["status"] == Status.WAITING
    mail = await OutboxMail.select().where(OutboxMail.purpose == "agent_reply").first()
    assert "We replaced the toner." in mail["body_text"] and "check toner" not in mail["body_text"]

    # assign while open → in progress; release → open
    await _change(person, 1, status="1")
    await _change(person, 1, assignee=str(admin["id"]))
    assert (await Ticket.select(Ticket.status).first())["status"] == Status.IN_PROGRESS
    await _change(person, 1, assignee="")
    row = await Ticket.select(Ticket.status, Ticket.assignee).first()
    assert row["status"] == Status.OPEN and row["assignee"] is None

    await _change(person, 1, prio="3")
    assert (await Ticket.select(Ticket.prio).first())["prio"] == 3
    events = [e["event"] for e in await TimelineEntry.select(TimelineEntry.event).where(TimelineEntry.kind == "event")]
    assert events == ["created", "status", "status", "assigned", "status", "released", "status", "priority"]


async def test_bad_changes_are_refused_with_a_message(person: Person):
    workspace, _, _ = await _setup(person)
    away = await create_agent_confirmed(workspace["id"], email="away@acme.test", first_name="Al", last_name="Away",
                                        password="whatever1")
    from app.accounts.tables import Agent

    await Agent.update({Agent.on_vacation: True}).where(Agent.id == away["id"])
    response = await _change(person, 1, assignee=str(away["id"]))
    assert response.status_code == 422 and "vacation" in response.text
    assert (await _change(person, 1, status="0")).status_code == 422
    assert (await _change(person, 1, status="abc")).status_code == 422
    assert (await _post(person, "/tickets/1/reply", {"text": "  "})).status_code == 422
    assert (await Ticket.select(Ticket.status, Ticket.assignee).first()) == {"status": Status.OPEN, "assignee": None}


async def test_other_workspace_ticket_is_404_for_agents(person: Person):
    await _setup(person)
    other, _ = await workspace_with_admin(email="bob@other.test", company="Other")
    stranger = Person(person.client)
    await open_ticket(stranger, other, subject="Secret of Other")
    # the agent of Acme asks for ticket #2 (exists only in Other as #1) and Other's #1 → Acme's own #1
    assert (await person.client.get("/tickets/2")).status_code == 404
    page = await person.page("/tickets/1")
    assert "Secret of Other" not in page


async def test_pages_need_login(client):
    for url in ("/dashboard", "/tickets", "/tickets/1"):
        response = await client.get(url, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login"
    response = await client.get("/tickets", headers=HTMX)
    assert response.headers["hx-redirect"] == "/login"
