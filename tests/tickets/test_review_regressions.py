"""Rules a hostile review of the agent workspace found broken (each failed before its fix): merged
tickets take no writes, stale pages change only what their user changed, releases follow one rule,
held replies notice a customer's edit, a merge moves posts but not the absorbed ticket's events."""

from __future__ import annotations

import pytest

from app.accounts.service import create_agent_confirmed
from app.errors import Conflict, Forbidden, NotFound
from app.mail.tables import OutboxMail
from app.tickets import service as tickets
from app.tickets.inputs import FieldChanges, Reply, parse_tags
from app.tickets.status import Status
from app.tickets.tables import Attachment, Ticket, TicketTag, TimelineEntry
from tests import factories
from tests.helpers import HTMX, Person, csrf_from, soup
from tests.journeys import login, open_ticket, workspace_with_admin


async def test_an_absorbed_ticket_takes_no_more_writes(desk):
    """After a merge, a reply sent from a stale tab on the absorbed ticket must be refused (or
    go to the survivor), not reopen the absorbed ticket and mail the customer from it."""
    workspace, ann, _ = desk
    await factories.ticket(workspace, subject="Printer jam")
    second = await factories.ticket(workspace, subject="Printer again")
    await tickets.merge(ann, 2, 1)
    mails = await OutboxMail.count()
    try:
        await tickets.agent_reply(ann, 2, Reply("Sent from the tab still open on #2"))
    except (Conflict, NotFound):
        pass
    row = await Ticket.select(Ticket.status).where(Ticket.id == second["id"]).first()
    assert row["status"] == Status.CLOSED, "the merged ticket was reopened"
    assert await OutboxMail.count() == mails, "a reply on the absorbed ticket was mailed"


async def test_the_customer_cannot_write_on_an_absorbed_ticket_reopened_by_a_field_change(desk):
    workspace, ann, _ = desk
    await factories.ticket(workspace)
    second = await factories.ticket(workspace)
    await tickets.merge(ann, 2, 1)
    try:
        await tickets.update_fields(ann, 2, FieldChanges(status=Status.OPEN))
    except Exception:
        pass
    with pytest.raises(Conflict):
        await tickets.customer_reply(workspace, second["hash"], Reply("lost: no agent page shows #2"))


async def test_the_merged_in_first_message_is_not_editable_once_answered(desk):
    """#2's first message was answered on #2; after the merge the customer may not rewrite it."""
    workspace, ann, _ = desk
    first = await factories.ticket(workspace, subject="Printer jam")
    await factories.ticket(workspace, subject="Printer again", text="Original question")
    await tickets.agent_reply(ann, 2, Reply("Answer to the original question"))
    await tickets.merge(ann, 2, 1)
    merged = await TimelineEntry.select().where(
        TimelineEntry.ticket == first["id"], TimelineEntry.kind == "customer").first()
    with pytest.raises(Conflict):
        await tickets.edit_customer_post(workspace, first["hash"], merged["id"], Reply("I never asked that"))


async def test_adding_a_tag_from_a_stale_page_keeps_the_tags_added_meanwhile(desk):
    workspace, ann, bea = desk
    ticket = await factories.ticket(workspace)
    # Ann's page shows no tags; Bea adds "vip"; Ann adds "printer" from her page.
    await tickets.change_tags(ann, 1, parse_tags("vip"), [])
    await tickets.change_tags(ann, 1, parse_tags("printer"), [])
    names = {r["name"] for r in await TicketTag.select(TicketTag.name).where(TicketTag.ticket == ticket["id"])}
    assert names == {"vip", "printer"}


async def test_the_absorbed_tickets_notes_are_not_lost(desk):
    workspace, ann, _ = desk
    first = await factories.ticket(workspace)
    await factories.ticket(workspace)
    await tickets.save_notes(ann, 2, "Customer is on the VIP contract")
    await tickets.merge(ann, 2, 1)
    survivor = await Ticket.select(Ticket.notes).where(Ticket.id == first["id"]).first()
    assert "VIP contract" in survivor["notes"]


async def test_a_plain_agent_cannot_release_someone_elses_ticket_through_the_fields_form(desk):
    workspace, ann, bea = desk
    await factories.ticket(workspace)
    await tickets.take(ann, 1)
    from dataclasses import replace
    bea_all = replace(bea, group_ids=tuple(ann.group_ids))  # Bea sees the ticket through its group
    with pytest.raises(Forbidden):
        await tickets.release(bea_all, 1)
    with pytest.raises((Forbidden, Exception)):
        await tickets.update_fields(bea_all, 1, FieldChanges(assignee=None))
    row = await Ticket.select(Ticket.assignee).where(Ticket.number == 1).first()
    assert row["assignee"] == ann.agent_id


async def test_a_reply_written_against_a_message_the_customer_then_edited_is_held(desk):
    from app.errors import Stale
    from app.tickets import queries
    from app.tickets.service.conversation import version
    workspace, ann, _ = desk
    ticket = await factories.ticket(workspace)
    await tickets.customer_reply(workspace, ticket["hash"], Reply("My printer is an HP"))
    seen = version(await queries.thread(ticket["id"], for_customer=False))  # Ann opens the page
    message = await TimelineEntry.select().where(TimelineEntry.kind == "customer").first()
    await tickets.edit_customer_post(workspace, ticket["hash"], message["id"], Reply("My printer is a Canon"))
    with pytest.raises(Stale):
        await tickets.agent_reply(ann, 1, Reply("Here is the HP driver"), seen=seen)


async def test_the_survivors_customer_thread_does_not_claim_the_absorbed_tickets_status_changes(desk):
    from app.tickets import queries
    from app.tickets.timeline import event_text
    workspace, ann, _ = desk
    first = await factories.ticket(workspace)
    await factories.ticket(workspace)
    await tickets.update_fields(ann, 2, FieldChanges(status=Status.RESOLVED))
    await tickets.merge(ann, 2, 1)
    texts = [event_text(e) for e in await queries.thread(first["id"], for_customer=True) if e["kind"] == "event"]
    assert not any("Resolved" in t for t in texts), texts  # #1 was never resolved


# -- through HTTP ------------------------------------------------------------------------------

XSS = '"><svg onload=alert(1)>'


async def _http_desk(person: Person, tickets: int = 1, **fields):
    workspace, admin = await workspace_with_admin()
    customer = Person(person.client)
    rows = [await open_ticket(customer, workspace, **fields) for _ in range(tickets)]
    await login(person)
    return workspace, admin, rows


async def _post(person: Person, number: int, path: str, data: dict, htmx: bool = True, files=None):
    html = await person.page(f"/tickets/{number}")
    return await person.client.post(f"/tickets/{number}{path}", data={"_csrf_token": csrf_from(html), **data},
                                    files=files, headers=HTMX if htmx else None, follow_redirects=False)


async def test_xss_probes_are_escaped(person: Person):
    workspace, _, rows = await _http_desk(person, tickets=2, name=XSS[:40], subject="S " + XSS)
    await _post(person, 1, "/tags", {"tags": "", "add": XSS})
    await _post(person, 1, "/notes", {"notes": "</textarea>" + XSS})
    await _post(person, 1, "/attachments", {}, files={"file": (XSS[:30] + ".txt", b"x", "text/plain")})
    await _post(person, 1, "/reply", {"text": XSS})
    reply = await TimelineEntry.select(TimelineEntry.id).where(TimelineEntry.kind == "reply").first()
    await _post(person, 1, f"/posts/{reply['id']}", {"text": "edited " + XSS})
    html = await person.page(f"/tickets/1?edit={reply['id']}")
    merge = await person.page("/tickets/2/merge", headers=HTMX)
    sugg = await person.page("/tickets/tags/suggest?add=%22", headers=HTMX)
    dash = await person.page("/dashboard")
    for text in (html, merge, sugg, dash):
        assert "<svg onload" not in text


async def test_download_of_a_file_gone_from_disk_is_not_a_500(person: Person, settings):
    await _http_desk(person)
    await _post(person, 1, "/attachments", {}, files={"file": ("a.txt", b"hello", "text/plain")})
    row = await Attachment.select().first()
    (settings.attachments_path / row["stored_name"]).unlink()  # the delete's on_commit ran meanwhile
    response = await person.client.get(f"/tickets/1/files/{row['id']}")
    assert response.status_code == 404, response.status_code


async def test_customer_edit_form_opens_only_for_editable_messages(person: Person):
    workspace, _, rows = await _http_desk(person)
    await _post(person, 1, "/reply", {"text": "Agent answer"})
    reply = await TimelineEntry.select(TimelineEntry.id).where(TimelineEntry.kind == "reply").first()
    page = soup(await person.page(f"/{workspace['key']}/ticket/show/{rows[0]['hash']}?edit={reply['id']}"))
    assert page.select("form.edit-post") == []


async def test_reply_posted_on_an_absorbed_ticket_via_http(person: Person):
    workspace, _, rows = await _http_desk(person, tickets=2)
    html = await person.page("/tickets/2")  # the tab opened before the merge
    await _post(person, 2, "/merge", {"into": "1"})
    response = await person.client.post("/tickets/2/reply", data={"_csrf_token": csrf_from(html), "text": "late"},
                                         headers=HTMX, follow_redirects=False)
    row = await Ticket.select(Ticket.status).where(Ticket.number == 2).first()
    assert row["status"] == 3, (response.status_code, row)


async def test_a_plain_agent_creating_a_ticket_outside_their_groups_is_not_sent_to_a_404(person: Person):
    from app.accounts.tables import AgentGroup
    from app.tickets.tables import TicketType
    workspace, _ = await workspace_with_admin()
    await create_agent_confirmed(workspace["id"], email="bea@acme.test", first_name="Bea", last_name="Agent",
                                 password="correct horse")
    await login(person, email="bea@acme.test")
    html = await person.page("/tickets/new")
    group = await AgentGroup.select(AgentGroup.id).where(AgentGroup.workspace == workspace["id"]).first()
    type_id = (await TicketType.select(TicketType.id).where(TicketType.workspace == workspace["id"]).first())["id"]
    response = await person.client.post("/tickets/new", data={
        "_csrf_token": csrf_from(html), "name": "Sam", "email": "sam@customer.test", "subject": "Phone call",
        "text": "Called about the printer", "type": str(type_id), "prio": "1", "group": str(group["id"])},
        follow_redirects=True)
    assert response.status_code == 200, response.status_code


async def test_sound_earlier_text_never_reaches_the_customer(person: Person):
    workspace, _, rows = await _http_desk(person)
    await _post(person, 1, "/reply", {"text": "Old agent text"})
    await _post(person, 1, "/note", {"text": "Secret internal note"})
    reply = await TimelineEntry.select(TimelineEntry.id).where(TimelineEntry.kind == "reply").first()
    await _post(person, 1, f"/posts/{reply['id']}", {"text": "New agent text"})
    url = f"/{workspace['key']}/ticket/show/{rows[0]['hash']}"
    html = await person.page(url)
    await person.client.post(url + "/reply", data={"_csrf_token": csrf_from(html), "text": "Old customer text"})
    msg = await TimelineEntry.select(TimelineEntry.id).where(TimelineEntry.kind == "customer").first()
    html = await person.page(url)
    await person.client.post(url + f"/posts/{msg['id']}",
                             data={"_csrf_token": csrf_from(html), "text": "New customer text"})
    customer = await person.page(url)
    assert "New agent text" in customer and "New customer text" in customer
    assert "Old agent text" not in customer and "Old customer text" not in customer and "Secret" not in customer
    agent = await person.page("/tickets/1")
    assert "Old agent text" in agent and "Old customer text" in agent


async def test_a_stale_fields_form_does_not_revert_another_agents_change(person: Person):
    from tests.helpers import form_values
    await _http_desk(person)
    stale = await person.page("/tickets/1")  # a tab left open (or hidden: its stream is closed)
    fresh = form_values(await person.page("/tickets/1"), "form.ticket-fields")
    await person.client.post("/tickets/1/update", data={**fresh, "prio": "3"}, headers=HTMX)  # someone sets High
    data = {**form_values(stale, "form.ticket-fields"), "status": "4"}  # the stale tab changes the status
    await person.client.post("/tickets/1/update", data=data, headers=HTMX)
    row = await Ticket.select(Ticket.prio, Ticket.status).where(Ticket.number == 1).first()
    assert row == {"prio": 3, "status": 4}, row


async def test_a_stale_tag_form_keeps_the_tags_added_meanwhile(person: Person):
    from app.tickets.tables import TicketTag
    from tests.helpers import form_values
    await _http_desk(person)
    stale = form_values(await person.page("/tickets/1"), ".tags form")  # tags=""
    await _post(person, 1, "/tags", {"tags": "", "add": "vip"})  # another agent (or tab) adds "vip"
    await person.client.post("/tickets/1/tags", data={**stale, "add": "printer"}, headers=HTMX)
    names = {r["name"] for r in await TicketTag.select(TicketTag.name)}
    assert names == {"vip", "printer"}, names
