"""The change unit and the intents on it, without HTTP: what a change writes, what it does not
write, and that the search index hears about it only after the outermost commit."""

from __future__ import annotations

import pytest

from app import db
from app.errors import NotFound, ValidationFailed
from app.mail.tables import OutboxMail
from app.search import events as search_events
from app.tickets import service as tickets
from app.tickets.inputs import UNCHANGED, FieldChanges, Reply
from app.tickets.status import Status
from app.tickets.tables import Ticket, TimelineEntry
from tests import factories


@pytest.fixture
def reindexed(monkeypatch):
    """Ticket ids announced to the search index, in order."""
    seen: list[int] = []
    search_events.register(seen.append)
    yield seen
    search_events.register(None)


async def _events(ticket_id: int) -> list[tuple[str, dict]]:
    rows = await TimelineEntry.select(TimelineEntry.event, TimelineEntry.data).where(
        TimelineEntry.ticket == ticket_id, TimelineEntry.kind == "event"
    ).order_by(TimelineEntry.id).output(load_json=True)
    return [(row["event"], row["data"]) for row in rows]


async def test_the_same_values_sent_back_write_nothing(database, reindexed):
    workspace, admin = await factories.workspace()
    ticket = await factories.ticket(workspace)
    viewer = await factories.viewer(admin)
    reindexed.clear()
    before = await Ticket.select().where(Ticket.id == ticket["id"]).first()
    await tickets.update_fields(viewer, 1, FieldChanges(status=Status.OPEN, prio=ticket["prio"],
                                                        type_id=ticket["ticket_type"], group_id=ticket["group"],
                                                        assignee=None))
    assert await _events(ticket["id"]) == [("created", {"source": "web", "status": 1})]
    assert await Ticket.select().where(Ticket.id == ticket["id"]).first() == before  # not even updated_at
    assert reindexed == []


async def test_one_update_one_transaction_one_event_per_changed_field(database, reindexed):
    workspace, admin = await factories.workspace()
    ticket = await factories.ticket(workspace)
    viewer = await factories.viewer(admin)
    reindexed.clear()
    await tickets.update_fields(viewer, 1, FieldChanges(prio=3, assignee=admin["id"], status=Status.OPEN))
    events = await _events(ticket["id"])
    assert events[1:] == [("priority", {"from": 1, "to": 3}), ("assigned", {"to": "Ann Admin"}),
                          ("status", {"from": 1, "to": 4})]  # assigning an open ticket: in progress
    assert reindexed == [ticket["id"]]


async def test_a_refused_field_writes_none_of_the_others(database):
    workspace, admin = await factories.workspace()
    ticket = await factories.ticket(workspace)
    viewer = await factories.viewer(admin)
    with pytest.raises(ValidationFailed) as refused:
        await tickets.update_fields(viewer, 1, FieldChanges(prio=3, group_id=999_999, status=Status.CLOSED))
    assert set(refused.value.errors) == {"group"}
    row = await Ticket.select(Ticket.prio, Ticket.status).where(Ticket.id == ticket["id"]).first()
    assert row == {"prio": 1, "status": 1}
    assert len(await _events(ticket["id"])) == 1


async def test_a_status_picked_by_hand_wins_over_the_assignment_move(database):
    workspace, admin = await factories.workspace()
    await factories.ticket(workspace)
    viewer = await factories.viewer(admin)
    ticket = await tickets.update_fields(viewer, 1, FieldChanges(assignee=admin["id"], status=Status.RESOLVED))
    assert ticket["status"] == Status.RESOLVED and ticket["assignee"] == admin["id"]
    assert await OutboxMail.count().where(OutboxMail.purpose == "status_changed") == 1  # resolved is announced
    await tickets.update_fields(viewer, 1, FieldChanges(assignee=UNCHANGED, prio=2))
    assert await OutboxMail.count().where(OutboxMail.purpose == "status_changed") == 1  # nothing new to say


async def test_reindex_waits_for_the_outermost_commit_and_is_dropped_on_rollback(database, reindexed):
    workspace, admin = await factories.workspace()
    first = await factories.ticket(workspace, "First")
    second = await factories.ticket(workspace, "Second")
    viewer = await factories.viewer(admin)
    reindexed.clear()
    async with db.write():  # a caller (merge, mail-in) wraps two intents in one transaction
        await tickets.add_note(viewer, 1, Reply("one"))
        await tickets.add_note(viewer, 2, Reply("two"))
        assert reindexed == []  # the intents' own blocks ended, the data is not committed yet
    assert reindexed == [first["id"], second["id"]]

    reindexed.clear()
    with pytest.raises(RuntimeError):
        async with db.write():
            await tickets.add_note(viewer, 1, Reply("never"))
            raise RuntimeError("the caller failed after the intent")
    assert reindexed == []
    assert await TimelineEntry.count().where(TimelineEntry.body == "never") == 0


async def test_agents_act_only_on_tickets_they_may_see(database):
    workspace, admin = await factories.workspace()
    from app.accounts.service import create_agent_confirmed

    bea = await create_agent_confirmed(workspace["id"], email="bea@acme.test", first_name="Bea", last_name="Lee",
                                       password="correct horse")  # in no group
    await factories.ticket(workspace)
    outsider = await factories.viewer(bea)
    with pytest.raises(NotFound):
        await tickets.add_note(outsider, 1, Reply("peek"))
    # Assigned to her, the ticket is hers to work although it is not in her groups.
    await tickets.assign(await factories.viewer(admin), 1, bea["id"])
    await tickets.add_note(outsider, 1, Reply("on it"))
    assert await TimelineEntry.count().where(TimelineEntry.body == "on it") == 1


async def test_status_and_assignment_intents_follow_the_table(database):
    workspace, admin = await factories.workspace()
    await factories.ticket(workspace)
    viewer = await factories.viewer(admin)
    assert (await tickets.assign(viewer, 1, admin["id"]))["status"] == Status.IN_PROGRESS
    assert (await tickets.release(viewer, 1))["status"] == Status.OPEN
    assert (await tickets.agent_reply(viewer, 1, Reply("hi")))["status"] == Status.WAITING
    assert (await tickets.assign(viewer, 1, admin["id"]))["status"] == Status.WAITING  # not open: stays
    assert (await tickets.release(viewer, 1))["status"] == Status.WAITING


async def test_a_ticket_whose_assignee_went_on_vacation_can_still_be_changed(database):
    """The form sends the current assignee back with every change; that is no new assignment."""
    from app.accounts.tables import Agent

    workspace, admin = await factories.workspace()
    await factories.ticket(workspace)
    viewer = await factories.viewer(admin)
    await tickets.assign(viewer, 1, admin["id"])
    await Agent.update({Agent.on_vacation: True}).where(Agent.id == admin["id"])
    ticket = await tickets.update_fields(viewer, 1, FieldChanges(prio=3, assignee=admin["id"]))
    assert ticket["prio"] == 3 and ticket["assignee"] == admin["id"]
    with pytest.raises(ValidationFailed):  # but nobody can newly give it to someone away
        await tickets.update_fields(viewer, 1, FieldChanges(assignee=None))
        await tickets.assign(viewer, 1, admin["id"])


@pytest.mark.parametrize("text", ["", "   \n ", "x" * 4097])
def test_a_reply_cannot_be_built_empty_or_over_its_channels_limit(text):
    with pytest.raises(ValidationFailed) as refused:
        Reply(text)
    assert set(refused.value.errors) == {"text"}
