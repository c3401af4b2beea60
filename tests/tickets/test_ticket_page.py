"""The ticket page's controls through HTTP, as the browser posts them: full page and #ticket
fragment, errors at the field, merge and its redirects, a ticket created for a customer, and the
customer editing a message on their ticket page."""

from __future__ import annotations

from app.accounts.tables import AgentGroup
from app.tickets.status import Status
from app.tickets.tables import Ticket, TicketTag, TimelineEntry
from tests.helpers import HTMX, Person, csrf_from, field_error, form_values, soup
from tests.journeys import login, open_ticket, workspace_with_admin


async def _desk(person: Person, tickets: int = 1, **fields):
    workspace, admin = await workspace_with_admin()
    customer = Person(person.client)
    rows = [await open_ticket(customer, workspace, **fields) for _ in range(tickets)]
    await login(person)
    return workspace, admin, rows


async def _post(person: Person, number: int, path: str, data: dict, htmx: bool = True):
    html = await person.page(f"/tickets/{number}")
    return await person.client.post(f"/tickets/{number}{path}", data={"_csrf_token": csrf_from(html), **data},
                                    headers=HTMX if htmx else None, follow_redirects=False)


async def test_page_and_fragment_show_every_control(person: Person):
    workspace, _, rows = await _desk(person)
    page = soup(await person.page("/tickets/1"))
    assert page.find("nav", class_="sidebar") is not None
    assert page.select_one("input.subject-input")["value"] == "Printer on fire"
    assert "Created for Sally Doe <sally@customer.test>" in page.select_one(".created-for").get_text(" ", strip=True)
    assert page.select_one(".ticket-hash").get_text() == rows[0]["hash"]
    assert page.select_one("input.permalink")["value"].endswith(f"/{workspace['key']}/ticket/show/{rows[0]['hash']}")
    fields = form_values(str(page), "form.ticket-fields")
    assert set(fields) >= {"status", "prio", "type", "group", "assignee", "deadline"}
    assert page.select_one("button.take") is not None and page.select_one("button.release") is None
    fragment = await person.page("/tickets/1", headers=HTMX)
    assert "<html" not in fragment and soup(fragment).select_one("#ticket") is not None


async def test_take_then_release_swaps_the_fragment(person: Person):
    await _desk(person)
    taken = await _post(person, 1, "/take", {})
    assert taken.status_code == 200 and "The ticket is yours now." in taken.text
    assert soup(taken.text).select_one("button.release") is not None
    assert (await Ticket.select(Ticket.status).first())["status"] == Status.IN_PROGRESS
    released = await _post(person, 1, "/release", {}, htmx=False)
    assert released.status_code == 303 and released.headers["location"] == "/tickets/1"
    assert (await Ticket.select(Ticket.assignee).first())["assignee"] is None


async def test_deadline_subject_and_their_errors(person: Person):
    await _desk(person)
    html = await person.page("/tickets/1")
    data = {**form_values(html, "form.ticket-fields"), "deadline": "2026-12-24"}
    response = await person.client.post("/tickets/1/update", data=data, headers=HTMX)
    assert response.status_code == 200 and 'value="2026-12-24"' in response.text
    bad = await person.client.post("/tickets/1/update", data={**data, "deadline": "next week"}, headers=HTMX)
    assert bad.status_code == 422 and field_error(bad.text, "deadline")
    subject = await _post(person, 1, "/update", {"subject": "ab"})
    assert subject.status_code == 422 and field_error(subject.text, "subject")
    subject = await _post(person, 1, "/update", {"subject": "Printer fixed?"})
    assert soup(subject.text).select_one("input.subject-input")["value"] == "Printer fixed?"


async def test_tags_chips_add_remove_and_suggestions(person: Person):
    await _desk(person, tickets=2)
    response = await _post(person, 1, "/tags", {"tags": "", "add": "vpn, Billing"})
    chips = [li.get_text(" ", strip=True).rstrip(" ×") for li in soup(response.text).select(".chip")]
    assert sorted(chips) == ["Billing", "vpn"]
    await _post(person, 2, "/tags", {"tags": "", "add": "vpn"})
    suggestions = soup(await person.page("/tickets/tags/suggest?add=v", headers=HTMX))
    assert [o["value"] for o in suggestions.find_all("option")] == ["vpn"]
    response = await _post(person, 1, "/tags", {"tags": "vpn, Billing", "remove": "billing"})
    assert await TicketTag.count().where(TicketTag.ticket == 1) == 1
    bad = await _post(person, 1, "/tags", {"tags": "vpn", "add": "x" * 60})
    assert bad.status_code == 422 and field_error(bad.text, "tags")


async def test_notes_are_for_agents_only(person: Person):
    workspace, _, rows = await _desk(person)
    response = await _post(person, 1, "/notes", {"notes": "VIP customer, call first"})
    assert "VIP customer" in soup(response.text).select_one(".notes textarea").get_text()
    customer_page = await person.page(f"/{workspace['key']}/ticket/show/{rows[0]['hash']}")
    assert "VIP customer" not in customer_page


async def test_merge_from_the_page(person: Person):
    workspace, _, rows = await _desk(person, tickets=3)
    await open_ticket(Person(person.client), workspace, email="other@customer.test")
    panel = soup(await person.page("/tickets/3/merge", headers=HTMX))
    assert [r["value"] for r in panel.select("input[name=into]")] == ["2", "1"]
    full = soup(await person.page("/tickets/3/merge"))
    assert full.find("nav", class_="sidebar") and full.select("input[name=into]")
    response = await _post(person, 3, "/merge", {"into": "1"})
    assert response.headers["hx-redirect"] == "/tickets/1"
    survivor = soup(await person.page("/tickets/1"))
    assert {b.get_text() for b in survivor.select(".post .badge.merged")} == {"from #3"}
    gone = await person.client.get("/tickets/3", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == "/tickets/1"
    # a page left open refreshes (HTMX) in place, with where to go: a draft being written stays
    stale = await person.client.get("/tickets/3", headers=HTMX)
    assert "hx-redirect" not in stale.headers
    assert soup(stale.text).select_one("#ticket .merged-notice a")["href"] == "/tickets/1"
    customer = soup(await person.page(f"/{workspace['key']}/ticket/show/{rows[2]['hash']}"))
    notice = customer.select_one(".merged-notice")
    assert notice is not None and notice.find("a")["href"].endswith(rows[0]["hash"])
    refused = await _post(person, 2, "/merge", {"into": "4"})  # #4 is another customer's
    assert refused.status_code == 409 and "same customer" in refused.text


async def test_agent_edits_own_reply(person: Person):
    await _desk(person)
    await _post(person, 1, "/reply", {"text": "Helo"})
    reply = await TimelineEntry.select(TimelineEntry.id).where(TimelineEntry.kind == "reply").first()
    page = soup(await person.page("/tickets/1"))
    link = page.select_one(f"#post-{reply['id']} .edit-link a")
    assert link["href"] == f"/tickets/1?edit={reply['id']}#post-{reply['id']}" and not page.select("form.edit-post")
    opened = soup(await person.page(f"/tickets/1?edit={reply['id']}", headers=HTMX))
    form = opened.select_one(f"#post-{reply['id']} form.edit-post")
    assert form["action"] == f"/tickets/1/posts/{reply['id']}" and form.textarea.get_text() == "Helo"
    response = await _post(person, 1, f"/posts/{reply['id']}", {"text": "Hello"})
    post = soup(response.text).select_one(f"#post-{reply['id']}")
    assert post.select_one(".text").get_text() == "Hello" and post.select_one(".badge.edited")
    assert "Helo" in post.select_one(".revisions").get_text()
    empty = await _post(person, 1, f"/posts/{reply['id']}", {"text": " "})
    assert empty.status_code == 422 and field_error(empty.text, f"post-{reply['id']}")
    assert soup(empty.text).select_one(f"#post-{reply['id']} form.edit-post") is not None  # still open
    assert (await person.client.get("/tickets/1?edit=abc")).status_code == 400


async def test_customer_edits_a_message_until_answered(person: Person):
    workspace, _, rows = await _desk(person)
    url = f"/{workspace['key']}/ticket/show/{rows[0]['hash']}"
    customer = Person(person.client)
    await customer.submit(url, f"{url}/reply", {"text": "It is the HP"})
    message = await TimelineEntry.select(TimelineEntry.id).where(TimelineEntry.kind == "customer").first()
    page = soup(await customer.page(url))
    assert page.select_one(f"#post-{message['id']} .edit-link a") is not None
    opened = soup(await customer.page(f"{url}?edit={message['id']}"))
    assert opened.select_one(f"#post-{message['id']} form.edit-post textarea").get_text() == "It is the HP"
    response = await customer.submit(url, f"{url}/posts/{message['id']}", {"text": "It is the Canon"},
                                     headers=HTMX)
    assert "It is the Canon" in soup(response.text).select_one(f"#post-{message['id']} .text").get_text()
    await _post(person, 1, "/reply", {"text": "Canon noted."})
    page = soup(await customer.page(url))
    assert page.select_one(f"#post-{message['id']} .edit-link") is None
    late = await customer.submit(url, f"{url}/posts/{message['id']}", {"text": "Changed"}, headers=HTMX)
    assert late.status_code == 409


async def test_create_a_ticket_for_a_customer(person: Person):
    workspace, admin, _ = await _desk(person, tickets=0)
    page = await person.page("/tickets/new")
    values = form_values(page, "#new-ticket form")
    group = await AgentGroup.select(AgentGroup.id).where(AgentGroup.workspace == workspace["id"]).first()
    assert values["group"] == str(group["id"])  # the default group is preselected
    bad = await person.client.post("/tickets/new", data={**values, "email": "not-an-address", "subject": "",
                                                         "group": ""}, headers=HTMX)
    assert bad.status_code == 422 and field_error(bad.text, "email") and field_error(bad.text, "subject")
    assert field_error(bad.text, "group") and await Ticket.count() == 0
    data = {**values, "name": "Tom Baker", "email": "tom@customer.test", "subject": "Invoice address",
            "text": "Change it please", "group": str(group["id"]), "assignee": str(admin["id"])}
    response = await person.client.post("/tickets/new", data=data, headers=HTMX)
    assert response.headers["hx-redirect"] == "/tickets/1"
    row = await Ticket.select().first()
    assert row["status"] == Status.IN_PROGRESS and row["assignee"] == admin["id"]


async def test_the_assignee_picker_marks_vacation_and_hides_inactive_agents(person: Person):
    from app.accounts.service import create_agent_confirmed
    from app.accounts.tables import Agent

    workspace, _, _ = await _desk(person)
    away = await create_agent_confirmed(workspace["id"], email="al@acme.test", first_name="Al", last_name="Away",
                                        password="correct horse")
    gone = await create_agent_confirmed(workspace["id"], email="gil@acme.test", first_name="Gil", last_name="Gone",
                                        password="correct horse")
    await Agent.update({Agent.on_vacation: True}).where(Agent.id == away["id"])
    await Agent.update({Agent.active: False}).where(Agent.id == gone["id"])
    options = soup(await person.page("/tickets/1")).select("form.ticket-fields select[name=assignee] option")
    labels = {o.get_text(): o.has_attr("disabled") for o in options}
    assert labels["Al Away (on vacation)"] is True
    assert not any("Gil" in label for label in labels)
    assert labels["Ann Admin · 1st level group"] is False
    refused = await _post(person, 1, "/update", {"assignee": str(away["id"])})
    assert refused.status_code == 422 and "Al Away is on vacation" in field_error(refused.text, "assignee")
