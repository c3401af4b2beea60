""""Send me an e-mail when a ticket is routed into my groups": new tickets and group moves mail the
group's active, opted-in members (not whoever moved it), in the change's transaction."""

from __future__ import annotations

from app.accounts.service import create_agent_confirmed
from app.accounts.tables import Agent
from app.groups import service as groups
from app.mail.tables import OutboxMail
from app.profile import service as profile
from app.tickets import service as tickets
from app.tickets.inputs import Channel, FieldChanges, NewTicket
from app.tickets.queries import default_group_id, ticket_types
from app.workspaces.service import update_settings
from tests import factories


async def _routed() -> list[tuple[str, str]]:
    rows = await OutboxMail.select(OutboxMail.to_address, OutboxMail.body_text).where(
        OutboxMail.purpose == "ticket_routed").order_by(OutboxMail.id)
    return [(row["to_address"], row["body_text"]) for row in rows]


async def _team(database):
    workspace, admin = await factories.workspace()
    ann = await factories.viewer(admin)
    default = await default_group_id(workspace["id"])
    agents = {}
    for first, opted in (("bea", True), ("cy", False), ("dan", True)):
        row = await create_agent_confirmed(workspace["id"], email=f"{first}@acme.test", first_name=first.title(),
                                           last_name="Agent", password="correct horse")
        await groups.add_member(ann, default, row["id"])
        if opted:
            await profile.set_notify_routed(await factories.viewer(row), True)
        agents[first] = row
    await Agent.update({Agent.active: False}).where(Agent.id == agents["dan"]["id"])  # inactive: no mail
    await profile.set_notify_routed(ann, True)
    return workspace, ann, agents


async def test_new_ticket_mails_opted_in_active_members(database):
    workspace, _ann, _agents = await _team(database)
    ticket = await factories.ticket(workspace, subject="Printer on fire")
    routed = await _routed()
    assert sorted(to for to, _body in routed) == ["ann@acme.test", "bea@acme.test"]
    body = dict(routed)["bea@acme.test"]
    assert f"http://helprealm.test/tickets/{ticket['number']}" in body and "Printer on fire" in body


async def test_unconfirmed_ticket_is_routed_when_confirmed(database):
    workspace, _ann, _agents = await _team(database)
    workspace = await update_settings(workspace["id"], confirm_email=True)
    type_id = (await ticket_types(workspace["id"]))[0]["id"]
    created = await tickets.create_ticket(workspace, NewTicket(
        name="Sally", email="sally@customer.test", subject="Hi", text="Hello", type_id=type_id, prio=1,
        channel=Channel.WEB))
    assert await _routed() == []
    await tickets.confirm_ticket(workspace, created.ticket["hash"], created.confirmation_token)
    assert sorted(to for to, _body in await _routed()) == ["ann@acme.test", "bea@acme.test"]


async def test_moving_to_another_group_mails_its_members_not_the_mover(database):
    workspace, ann, agents = await _team(database)
    await profile.set_notify_routed(ann, False)
    await factories.ticket(workspace)
    await OutboxMail.delete(force=True)
    second = await groups.create_group(ann, "Second level")
    for agent_id in (ann.agent_id, agents["bea"]["id"], agents["cy"]["id"]):
        await groups.add_member(ann, second["id"], agent_id)
    await profile.set_notify_routed(ann, True)
    ann = await factories.viewer({"id": ann.agent_id})
    await tickets.update_fields(ann, 1, FieldChanges(group_id=second["id"]))
    assert [to for to, _body in await _routed()] == ["bea@acme.test"]  # Ann moved it; Cy did not opt in
    assert "Second level" in (await _routed())[0][1]
    await tickets.update_fields(ann, 1, FieldChanges(group_id=second["id"], prio=3))  # same group: no mail
    assert len(await _routed()) == 1
