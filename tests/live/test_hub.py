"""The publish/subscribe hub: after commit only, per workspace, never held up by a slow reader."""

from __future__ import annotations

import asyncio

import pytest

from app import db
from app.live import events as live_events
from app.live.hub import Event, InProcessHub
from app.tickets import service
from app.tickets.inputs import Reply
from tests import factories


async def _pending(subscription) -> list[Event]:
    """What the subscription holds right now (without waiting for more)."""
    events = []
    while (event := await subscription.get(timeout=0)) is not None:
        events.append(event)
    return events


@pytest.fixture
async def hub(database):
    hub = InProcessHub()
    live_events.register(hub)
    yield hub
    live_events.register(None)


async def test_a_change_is_published_after_commit_only(hub):
    workspace, admin = await factories.workspace()
    viewer = await factories.viewer(admin)
    ticket = await factories.ticket(workspace)
    with hub.subscribe(workspace["id"]) as subscription:
        async with db.write():
            await service.add_note(viewer, ticket["number"], Reply("Checked the toner."))
            assert await _pending(subscription) == []  # inside the transaction: nothing yet
        [event] = await _pending(subscription)
        assert (event.kind, event.ticket_id, event.workspace_id) == ("changed", ticket["id"], workspace["id"])
        assert event.data["posts"] == ["note"] and event.data["by"] == admin["id"]
        assert Event.from_json(event.to_json()) == event  # plain data: could travel through NOTIFY

        with pytest.raises(RuntimeError):
            async with db.write():
                await service.agent_reply(viewer, ticket["number"], Reply("This is rolled back."))
                raise RuntimeError("roll back")
        assert await _pending(subscription) == []  # rolled back: nothing published


async def test_every_intent_publishes_including_the_customers(hub):
    workspace, admin = await factories.workspace()
    ticket = await factories.ticket(workspace)
    with hub.subscribe(workspace["id"]) as subscription:
        await service.customer_reply(workspace, ticket["hash"], Reply("Any news?"))
        [event] = await _pending(subscription)
        assert event.data["actor"] == "customer" and event.data["posts"] == ["customer"]


async def test_topics_are_per_workspace(hub):
    acme, ann = await factories.workspace()
    other, bob = await factories.workspace(company="Other", email="bob@other.test", name="Bob Other")
    acme_ticket = await factories.ticket(acme)
    other_ticket = await factories.ticket(other)
    with hub.subscribe(acme["id"]) as acme_sub, hub.subscribe(other["id"]) as other_sub:
        await service.add_note(await factories.viewer(bob), other_ticket["number"], Reply("Other's note"))
        assert await _pending(acme_sub) == []
        assert [e.ticket_id for e in await _pending(other_sub)] == [other_ticket["id"]]
        await service.add_note(await factories.viewer(ann), acme_ticket["number"], Reply("Acme's note"))
        assert [e.ticket_id for e in await _pending(acme_sub)] == [acme_ticket["id"]]
        assert await _pending(other_sub) == []


async def test_a_slow_subscriber_is_marked_stale_and_never_blocks_the_publisher():
    hub = InProcessHub(queue_size=3)
    slow, fast = hub.subscribe(1), hub.subscribe(1)
    for n in range(10):  # publish never awaits: a reader that never reads cannot hold it up
        hub.publish(Event("changed", 1, n))
        assert [e.ticket_id for e in await _pending(fast)] == [n]
    first = await slow.get(timeout=0)
    assert first.kind == "stale"  # it missed events: told once, then it starts afresh
    assert [e.ticket_id for e in await _pending(slow)] == [8, 9]  # what came after the last drop
    slow.close()
    hub.publish(Event("changed", 1, 11))
    assert hub.subscriber_count(1) == 1  # a closed subscription is gone from its topic


async def test_closing_the_hub_ends_every_reader_at_once():
    hub = InProcessHub()
    subscription = hub.subscribe(1)
    reader = asyncio.create_task(subscription.get())
    await asyncio.sleep(0)
    hub.close()
    assert (await asyncio.wait_for(reader, 1)).kind == "closed"
    assert (await hub.subscribe(1).get()).kind == "closed"  # and no new one stays open
    assert hub.subscriber_count() == 0
    hub.open()  # the next server start
    assert not hub.subscribe(1).closed and hub.subscriber_count() == 1
