"""The optimistic reply check: a reply written before the customer's newest message is held."""

from __future__ import annotations

import pytest

from app.errors import Stale
from app.mail.tables import OutboxMail
from app.tickets import queries, service
from app.tickets.inputs import Reply
from app.tickets.service.conversation import version
from app.tickets.tables import TimelineEntry
from tests import factories
from tests.helpers import HTMX, Person, csrf_from, form_values, soup
from tests.journeys import login, open_ticket, workspace_with_admin


async def _counts(ticket_id: int) -> tuple[int, int]:
    replies = await TimelineEntry.count().where(TimelineEntry.ticket == ticket_id, TimelineEntry.kind == "reply")
    return replies, await OutboxMail.count().where(OutboxMail.purpose == "agent_reply")


async def test_a_reply_to_an_old_version_is_held_and_sent_anyway_with_the_new_one(database):
    workspace, admin = await factories.workspace()
    viewer = await factories.viewer(admin)
    ticket = await factories.ticket(workspace)
    seen = version(await queries.thread(ticket["id"], for_customer=False))  # the agent opens the ticket
    await service.customer_reply(workspace, ticket["hash"], Reply("Never mind, it works again."))

    with pytest.raises(Stale) as held:
        await service.agent_reply(viewer, ticket["number"], Reply("Have you tried turning it off?"), seen=seen)
    assert [e["body"] for e in held.value.entries] == ["Never mind, it works again."]
    assert await _counts(ticket["id"]) == (0, 0)  # nothing saved, nothing mailed

    await service.add_note(viewer, ticket["number"], Reply("A note is never held."))  # (it takes no version)
    current = version(await queries.thread(ticket["id"], for_customer=False))
    await service.agent_reply(viewer, ticket["number"], Reply("Glad to hear it!"), seen=current)
    assert await _counts(ticket["id"]) == (1, 1)
    # an agent's own notes and replies since do not hold a reply; nor does no version at all (APIs)
    await service.agent_reply(viewer, ticket["number"], Reply("One more thing."), seen=current)
    await service.agent_reply(viewer, ticket["number"], Reply("And another."))
    assert await _counts(ticket["id"]) == (3, 3)


async def test_the_page_shows_the_held_reply_with_the_new_message_and_send_anyway(person: Person):
    workspace, _admin = await workspace_with_admin()
    ticket = await open_ticket(Person(person.client), workspace)
    await login(person)
    page = await person.page("/tickets/1")
    form = form_values(page, "form.reply")
    assert int(form["seen"]) == version(await queries.thread(ticket["id"], for_customer=False))

    await service.customer_reply(workspace, ticket["hash"], Reply("Update: smoke is gone."))
    held = await person.client.post("/tickets/1/reply", data={**form, "text": "Please stay calm."}, headers=HTMX)
    assert held.status_code == 409 and "<html" not in held.text
    fragment = soup(held.text)
    notice = fragment.select_one("form.reply .held")
    assert "Update: smoke is gone." in notice.get_text()
    assert fragment.select_one("form.reply textarea[name=text]").get_text() == "Please stay calm."  # the draft stays
    assert await _counts(ticket["id"]) == (0, 0)

    send_anyway = notice.find("button", string="Send anyway")
    assert send_anyway["hx-post"] == "/tickets/1/reply"
    again = form_values(held.text, "form.reply")  # the form now carries the current version
    sent = await person.client.post(send_anyway["hx-post"], data=again, headers=HTMX)
    assert sent.status_code == 200 and "Reply sent" in sent.text
    assert await _counts(ticket["id"]) == (1, 1)


async def test_a_whole_page_post_is_held_too_and_a_note_never_is(person: Person):
    workspace, _admin = await workspace_with_admin()
    ticket = await open_ticket(Person(person.client), workspace)
    await login(person)
    form = form_values(await person.page("/tickets/1"), "form.reply")
    await service.customer_reply(workspace, ticket["hash"], Reply("Another message."))
    held = await person.client.post("/tickets/1/reply", data={**form, "text": "Old answer."})
    assert held.status_code == 409 and soup(held.text).find("nav", class_="sidebar")  # the whole page
    note = await person.client.post("/tickets/1/note", data={**form, "text": "Noted."}, headers=HTMX)
    assert note.status_code == 200
    for odd in ("abc", "-1", "99999999999999999999", ""):  # a mangled version: no check, never a 500
        response = await person.client.post("/tickets/1/reply", data={**form, "seen": odd, "text": "Hi"})
        assert response.status_code in (200, 303)
    assert csrf_from(held.text)
