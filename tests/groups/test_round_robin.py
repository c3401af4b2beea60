"""Automatic assignment, round robin: fair turns, the cap of open tickets, vacation and inactive
members skipped, nobody eligible leaves the ticket alone, unconfirmed tickets wait for confirming."""

from __future__ import annotations

import pytest

from app.accounts.service import create_agent_confirmed
from app.accounts.tables import Agent, AgentGroup
from app.errors import ValidationFailed
from app.groups import service as groups
from app.tickets import service as tickets
from app.tickets.inputs import FieldChanges
from app.tickets.service.round_robin import next_in_turn
from app.tickets.status import Status
from app.tickets.tables import Ticket, TimelineEntry
from tests import factories


@pytest.fixture
async def team(database):
    workspace, admin = await factories.workspace()
    ann = await factories.viewer(admin)
    default = (await AgentGroup.select(AgentGroup.id).where(AgentGroup.workspace == workspace["id"]).first())["id"]
    await groups.remove_member(ann, default, admin["id"])  # the team is three agents, the admin aside
    members = []
    for name in ("Bea", "Cid", "Dan"):
        agent = await create_agent_confirmed(workspace["id"], email=f"{name.lower()}@acme.test", first_name=name,
                                             last_name="Agent", password="correct horse")
        await groups.add_member(ann, default, agent["id"])
        members.append(agent["id"])
    return workspace, ann, default, members


async def _assignees() -> list[int | None]:
    return [row["assignee"] for row in await Ticket.select(Ticket.assignee).order_by(Ticket.id)]


def test_turns_wrap_around():
    assert next_in_turn([3, 5, 9], None) == 3
    assert next_in_turn([3, 5, 9], 5) == 9
    assert next_in_turn([3, 5, 9], 9) == 3
    assert next_in_turn([3, 5, 9], 4) == 5  # the last one left the group
    assert next_in_turn([], 1) is None


async def test_everyone_gets_one_before_anyone_gets_two(team):
    workspace, ann, default, members = team
    await groups.set_auto_assign(ann, default, True, 0)
    for i in range(7):
        await factories.ticket(workspace, subject=f"Ticket {i}")
    assert await _assignees() == [*members, *members, members[0]]
    row = await Ticket.select().where(Ticket.number == 1).first()
    assert row["status"] == Status.IN_PROGRESS
    assert await TimelineEntry.count().where(TimelineEntry.event == "assigned") == 7


async def test_vacation_inactive_and_the_cap_are_skipped_and_nobody_means_unassigned(team):
    workspace, ann, default, members = team
    bea, cid, dan = members
    await Agent.update({Agent.on_vacation: True}).where(Agent.id == bea)
    await Agent.update({Agent.active: False}).where(Agent.id == cid)
    await groups.set_auto_assign(ann, default, True, 2)
    for i in range(3):
        await factories.ticket(workspace, subject=f"Ticket {i}")
    assert await _assignees() == [dan, dan, None]  # Dan is full at two open tickets
    await tickets.update_fields(ann, 1, FieldChanges(status=Status.CLOSED))
    await factories.ticket(workspace, subject="After one closed")
    assert (await _assignees())[-1] == dan
    with pytest.raises(ValidationFailed):
        await groups.set_auto_assign(ann, default, True, -1)


async def test_off_by_default_and_unconfirmed_tickets_wait_for_confirmation(team):
    workspace, ann, default, members = team
    await factories.ticket(workspace)
    assert await _assignees() == [None]
    await groups.set_auto_assign(ann, default, True, 0)
    desk = {**workspace, "confirm_email": True}
    from app.tickets.inputs import NewTicket
    from app.tickets.queries import ticket_types

    type_id = (await ticket_types(workspace["id"]))[0]["id"]
    created = await tickets.create_ticket(desk, NewTicket(name="Sue", email="sue@customer.test", subject="Help me",
                                                          text="Please", type_id=type_id, prio=1))
    assert created.ticket["assignee"] is None and created.ticket["status"] == Status.AWAITING_CONFIRMATION
    assert await tickets.confirm_ticket(workspace, created.ticket["hash"], created.confirmation_token)
    row = await Ticket.select().where(Ticket.id == created.ticket["id"]).first()
    assert row["assignee"] == members[0] and row["status"] == Status.IN_PROGRESS
