"""The ticket page's controls as intents (no HTTP): deadline and subject, tags, notes, take and
release, vacation, merge, editing posts, removing files, a ticket created for a customer. Each
rule is tested with the attacker's variants: another workspace, another agent, bad input."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from app.accounts.tables import Agent, AgentGroup
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.mail.tables import OutboxMail
from app.tickets import files
from app.tickets import service as tickets
from app.tickets.inputs import Channel, FieldChanges, NewTicket, Reply, parse_tags
from app.tickets.queries import ticket_types
from app.tickets.status import Status
from app.tickets.tables import Attachment, Ticket, TicketTag, TimelineEntry
from tests import factories


async def _events(ticket_id: int) -> list[str]:
    rows = await TimelineEntry.select(TimelineEntry.event).where(
        TimelineEntry.ticket == ticket_id, TimelineEntry.kind == "event").order_by(TimelineEntry.id)
    return [row["event"] for row in rows]


async def _row(ticket_id: int) -> dict:
    return await Ticket.select().where(Ticket.id == ticket_id).first()


async def test_deadline_and_subject_change_with_one_event_each(desk):
    workspace, ann, _ = desk
    ticket = await factories.ticket(workspace)
    await tickets.update_fields(ann, 1, FieldChanges(deadline=date(2026, 12, 1), subject="Printer still on fire"))
    row = await _row(ticket["id"])
    assert row["deadline"] == date(2026, 12, 1) and row["subject"] == "Printer still on fire"
    await tickets.update_fields(ann, 1, FieldChanges(deadline=date(2026, 12, 1)))  # the same: nothing
    await tickets.update_fields(ann, 1, FieldChanges(deadline=None))
    assert (await _row(ticket["id"]))["deadline"] is None
    assert await _events(ticket["id"]) == ["created", "subject", "deadline", "deadline"]


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-01", "1999-01-01", "2026-1-1", "x" * 5000])
async def test_a_bad_deadline_is_refused_at_its_field(value):
    with pytest.raises(ValidationFailed) as refused:
        FieldChanges.from_form({"deadline": value})
    assert set(refused.value.errors) == {"deadline"}


async def test_tags_are_set_as_a_whole_with_added_and_removed(desk):
    workspace, ann, _ = desk
    ticket = await factories.ticket(workspace)
    await tickets.set_tags(ann, 1, parse_tags("vpn, Billing ,vpn,  urgent  fix"))
    names = {r["name"] for r in await TicketTag.select(TicketTag.name).where(TicketTag.ticket == ticket["id"])}
    assert names == {"vpn", "Billing", "urgent fix"}
    await tickets.set_tags(ann, 1, ["vpn"])
    event = await TimelineEntry.select(TimelineEntry.data).where(TimelineEntry.event == "tags").order_by(
        TimelineEntry.id, ascending=False).output(load_json=True).first()
    assert event["data"] == {"added": [], "removed": ["Billing", "urgent fix"]}
    with pytest.raises(ValidationFailed):
        parse_tags(", ".join(f"t{i}" for i in range(21)))
    with pytest.raises(ValidationFailed):
        parse_tags("a" * 51)
    with pytest.raises(ValidationFailed):
        parse_tags("bad\u202etag")


async def test_notes_are_saved_with_an_event_and_a_limit(desk):
    workspace, ann, _ = desk
    ticket = await factories.ticket(workspace)
    await tickets.save_notes(ann, 1, "Call back on Monday.")
    assert (await _row(ticket["id"]))["notes"] == "Call back on Monday."
    await tickets.save_notes(ann, 1, "Call back on Monday.")
    assert (await _events(ticket["id"])).count("notes") == 1
    with pytest.raises(ValidationFailed):
        await tickets.save_notes(ann, 1, "x" * 20_001)


async def test_take_release_and_who_may_release(desk):
    workspace, ann, bea = desk
    ticket = await factories.ticket(workspace)
    with pytest.raises(NotFound):  # Bea is in no group: the ticket is not hers to see
        await tickets.take(bea, 1)
    await tickets.take(ann, 1)
    row = await _row(ticket["id"])
    assert row["assignee"] == ann.agent_id and row["status"] == Status.IN_PROGRESS
    await tickets.assign(ann, 1, bea.agent_id)  # now Bea sees it (assigned to her)
    with pytest.raises(Forbidden):  # not the assignee, not a superadmin
        await tickets.release(replace(ann, superadmin=False), 1)
    await tickets.release(bea, 1)
    row = await _row(ticket["id"])
    assert row["assignee"] is None and row["status"] == Status.OPEN


async def test_vacation_is_refused_in_every_assignment_path(desk):
    workspace, ann, bea = desk
    await factories.ticket(workspace)
    await Agent.update({Agent.on_vacation: True}).where(Agent.id == bea.agent_id)
    with pytest.raises(ValidationFailed) as refused:
        await tickets.assign(ann, 1, bea.agent_id)
    assert "vacation" in refused.value.errors["assignee"]
    with pytest.raises(ValidationFailed):
        await tickets.update_fields(ann, 1, FieldChanges(assignee=bea.agent_id))
    group = await AgentGroup.select(AgentGroup.id).where(AgentGroup.workspace == workspace["id"]).first()
    type_id = (await ticket_types(workspace["id"]))[0]["id"]
    new = NewTicket(name="Tom", email="tom@x.test", subject="New one", text="Hello", type_id=type_id, prio=1)
    with pytest.raises(ValidationFailed):
        await tickets.create_for_customer(ann, new, group["id"], bea.agent_id)
    assert await Ticket.count() == 1  # nothing half-written
    assert (await _row(1))["assignee"] is None


async def test_merge_moves_posts_and_files_and_closes_the_absorbed(desk, settings):
    workspace, ann, _ = desk
    first = await factories.ticket(workspace, subject="Printer jam", text="Paper stuck")
    second = await factories.ticket(workspace, subject="Printer again", text="Still stuck")
    await tickets.agent_reply(ann, 2, Reply("We are on it."))
    storage = files.Storage(directory=settings.attachments_path, max_bytes=10**6)
    await tickets.add_agent_attachment(ann, 2, files.Upload("log.txt", "text/plain", b"log"), storage)
    stranger = await factories.ticket(workspace, email="other@customer.test")

    assert [c["number"] for c in await tickets.merge_candidates(ann, 2)] == [1]
    with pytest.raises(Conflict):
        await tickets.merge(ann, 3, 1)  # another customer's ticket
    with pytest.raises(Conflict):
        await tickets.merge(ann, 2, 2)
    survivor = await tickets.merge(ann, 2, 1)
    assert survivor["number"] == 1

    absorbed = await _row(second["id"])
    assert absorbed["status"] == Status.CLOSED and absorbed["merged_into"] == first["id"]
    posts = await TimelineEntry.select(TimelineEntry.kind, TimelineEntry.body).where(
        TimelineEntry.ticket == first["id"], TimelineEntry.kind != "event").order_by(TimelineEntry.created_at)
    assert [(p["kind"], p["body"]) for p in posts] == [("customer", "Still stuck"), ("reply", "We are on it.")]
    assert await Attachment.count().where(Attachment.ticket == first["id"]) == 1
    assert await _events(second["id"]) == ["created", "status", "attachment", "merged", "status"]  # they stay
    assert "merged" in await _events(first["id"])
    with pytest.raises(Conflict):
        await tickets.merge(ann, 2, 1)  # already merged
    assert await tickets.merge_candidates(ann, 1) == []
    assert (await _row(stranger["id"]))["merged_into"] is None


async def test_merge_never_reaches_another_workspace(desk):
    workspace, ann, _ = desk
    await factories.ticket(workspace)
    other, _ = await factories.workspace(company="Other", email="bob@other.test")
    await factories.ticket(other)
    await factories.ticket(other)
    with pytest.raises(NotFound):
        await tickets.merge(ann, 1, 2)  # Acme has no #2; Other's #2 is never looked at
    assert await Ticket.count().where(Ticket.merged_into.is_not_null()) == 0


async def test_agents_edit_their_own_posts_and_earlier_text_is_kept(desk):
    workspace, ann, bea = desk
    await factories.ticket(workspace)
    await tickets.agent_reply(ann, 1, Reply("Helo"))
    reply = await TimelineEntry.select().where(TimelineEntry.kind == "reply").first()
    mails = await OutboxMail.count()
    assert await tickets.edit_agent_post(ann, 1, reply["id"], Reply("Hello"))
    edited = await TimelineEntry.select().where(TimelineEntry.id == reply["id"]).output(load_json=True).first()
    assert edited["body"] == "Hello" and edited["edited_at"] is not None
    assert [r["body"] for r in edited["data"]["revisions"]] == ["Helo"]
    assert await OutboxMail.count() == mails  # not mailed again
    await tickets.assign(ann, 1, bea.agent_id)
    with pytest.raises(Forbidden):
        await tickets.edit_agent_post(bea, 1, reply["id"], Reply("Mine now"))
    created = await TimelineEntry.select().where(TimelineEntry.event == "created").first()
    with pytest.raises(Forbidden):
        await tickets.edit_agent_post(ann, 1, created["id"], Reply("An event"))


async def test_customers_edit_their_messages_until_answered(desk):
    workspace, ann, _ = desk
    ticket = await factories.ticket(workspace)
    await tickets.customer_reply(workspace, ticket["hash"], Reply("Forgot: it is the HP"))
    message = await TimelineEntry.select().where(TimelineEntry.kind == "customer").first()
    assert await tickets.edit_customer_post(workspace, ticket["hash"], message["id"], Reply("Forgot: it is the Canon"))
    other, _ = await factories.workspace(company="Other", email="bob@other.test")
    with pytest.raises(NotFound):
        await tickets.edit_customer_post(other, ticket["hash"], message["id"], Reply("hijack"))
    stranger = await factories.ticket(workspace, email="mallory@evil.test")
    with pytest.raises(NotFound):  # the entry is not on the stranger's ticket
        await tickets.edit_customer_post(workspace, stranger["hash"], message["id"], Reply("hijack"))
    await tickets.agent_reply(ann, 1, Reply("Canon it is."))
    with pytest.raises(Conflict):
        await tickets.edit_customer_post(workspace, ticket["hash"], message["id"], Reply("Too late"))
    assert (await TimelineEntry.select(TimelineEntry.body).where(TimelineEntry.id == message["id"]).first())[
        "body"] == "Forgot: it is the Canon"


async def test_removing_a_file_removes_it_from_disk_after_commit(desk, settings):
    workspace, ann, _ = desk
    await factories.ticket(workspace)
    storage = files.Storage(directory=settings.attachments_path, max_bytes=10**6)
    row = await tickets.add_agent_attachment(ann, 1, files.Upload("a.txt", "text/plain", b"abc"), storage)
    path = settings.attachments_path / row["stored_name"]
    assert path.exists()
    other, other_admin = await factories.workspace(company="Other", email="bob@other.test")
    await factories.ticket(other)
    with pytest.raises(NotFound):  # Other's #1 does not hold Acme's file
        await tickets.delete_attachment(await factories.viewer(other_admin), 1, row["id"], storage)
    assert await tickets.delete_attachment(ann, 1, row["id"], storage) == "a.txt"
    assert not path.exists() and await Attachment.count() == 0
    assert "attachment_deleted" in await _events(1)


async def test_a_ticket_created_for_a_customer(desk):
    workspace, ann, bea = desk
    group = await AgentGroup.select(AgentGroup.id).where(AgentGroup.workspace == workspace["id"]).first()
    type_id = (await ticket_types(workspace["id"]))[0]["id"]
    new = NewTicket(name="Tom Baker", email="Tom@Customer.test", subject="Invoice", text="Please fix",
                    type_id=type_id, prio=2, channel=Channel.WEB)
    created = await tickets.create_for_customer(ann, new, group["id"], bea.agent_id)
    row = await _row(created.ticket["id"])
    assert row["status"] == Status.IN_PROGRESS and row["assignee"] == bea.agent_id and row["group"] == group["id"]
    assert row["created_by_agent"] == ann.agent_id and row["customer_email"] == "tom@customer.test"
    mail = await OutboxMail.select().where(OutboxMail.purpose == "ticket_created").first()
    assert mail["to_address"] == "tom@customer.test" and row["hash"] in mail["body_text"]
    other, _ = await factories.workspace(company="Other", email="bob@other.test")
    other_group = await AgentGroup.select(AgentGroup.id).where(AgentGroup.workspace == other["id"]).first()
    with pytest.raises(ValidationFailed):
        await tickets.create_for_customer(ann, new, other_group["id"], None)


async def test_the_agents_signature_is_appended_to_replies_not_notes(desk):
    workspace, ann, _ = desk
    await factories.ticket(workspace)
    await Agent.update({Agent.signature: "Ann Admin\nAcme support"}).where(Agent.id == ann.agent_id)
    await tickets.agent_reply(ann, 1, Reply("Fixed."))
    await tickets.add_note(ann, 1, Reply("Internal."))
    reply = await TimelineEntry.select(TimelineEntry.body).where(TimelineEntry.kind == "reply").first()
    note = await TimelineEntry.select(TimelineEntry.body).where(TimelineEntry.kind == "note").first()
    assert reply["body"] == "Fixed.\n\n-- \nAnn Admin\nAcme support" and note["body"] == "Internal."
    mail = await OutboxMail.select().where(OutboxMail.purpose == "agent_reply").first()
    assert "Acme support" in mail["body_text"]
