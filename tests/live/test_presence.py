"""Presence: who has a ticket open and who types; it expires by itself (clock injected, no sleeps)."""

from __future__ import annotations

import asyncio

import pytest

from app.live.hub import InProcessHub
from app.live.presence import Presence, Present


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _setup(**kwargs):
    hub, clock = InProcessHub(), Clock()
    return hub, clock, Presence(hub, now=clock, ttl=60, typing_seconds=6, **kwargs)


async def _kinds(subscription) -> list[tuple[str, int]]:
    events = []
    while (event := await subscription.get(timeout=0)) is not None:
        events.append((event.kind, event.ticket_id))
    return events


async def test_join_and_leave_are_announced_and_seen_by_others_only():
    hub, _, presence = _setup()
    with hub.subscribe(1) as subscription:
        presence.join(1, 10, agent_id=1, name="Ann")
        presence.join(1, 10, agent_id=2, name="Bob")
        presence.join(1, 10, agent_id=2, name="Bob")  # Bob's second tab: no news
        assert await _kinds(subscription) == [("presence", 10), ("presence", 10)]
        assert presence.others(1, 10, agent_id=1) == [Present(2, "Bob", False)]
        assert presence.others(1, 10, agent_id=2) == [Present(1, "Ann", False)]
        assert presence.others(2, 10, agent_id=1) == []  # another workspace's ticket 10

        presence.leave(1, 10, agent_id=2)  # one of Bob's tabs closes: he is still there
        assert presence.others(1, 10, agent_id=1) == [Present(2, "Bob", False)]
        presence.leave(1, 10, agent_id=2)
        assert presence.others(1, 10, agent_id=1) == []
        assert await _kinds(subscription) == [("presence", 10)]


async def test_an_entry_no_heartbeat_confirms_expires():
    _, clock, presence = _setup()
    presence.join(1, 10, agent_id=1, name="Ann")
    presence.join(1, 10, agent_id=2, name="Bob")
    clock.t += 50
    presence.beat(1, 10, agent_id=1)  # Ann's stream is alive; Bob's process died without leaving
    clock.t += 20
    assert presence.others(1, 10, agent_id=3) == [Present(1, "Ann", False)]
    presence.leave(1, 10, agent_id=1)
    assert presence.ticket_count() == 0  # nothing is kept for empty tickets


async def test_typing_lasts_a_few_seconds_after_the_last_signal():
    hub, clock, presence = _setup()
    presence.typing(1, 10, agent_id=1, name="Ann")  # not on the ticket: ignored
    assert presence.others(1, 10, agent_id=2) == []
    presence.join(1, 10, agent_id=1, name="Ann")
    with hub.subscribe(1) as subscription:
        presence.typing(1, 10, agent_id=1, name="Ann")
        assert presence.others(1, 10, agent_id=2) == [Present(1, "Ann", True)]
        clock.t += 4
        presence.typing(1, 10, agent_id=1, name="Ann")  # still typing: no new announcement
        assert await _kinds(subscription) == [("presence", 10)]
        clock.t += 5
        assert presence.others(1, 10, agent_id=2) == [Present(1, "Ann", True)]
        clock.t += 2
        assert presence.others(1, 10, agent_id=2) == [Present(1, "Ann", False)]
        presence._recheck(1, 10)  # what the timer does when a spell may have ended
        assert await _kinds(subscription) == [("presence", 10)]


async def test_a_stream_beats_on_time_in_a_busy_workspace_and_ends_when_its_viewer_may_no_longer_see():
    from app import clock
    from app.accounts.viewer import Viewer
    from app.live.hub import Event
    from app.live.streams import ticket_stream

    hub = InProcessHub()
    presence = Presence(hub)
    viewer = Viewer(agent_id=1, workspace_id=1, name="Ann", email="ann@acme.test", superadmin=True, group_ids=())
    checks = []

    async def recheck() -> bool:
        checks.append(1)
        return len(checks) < 2  # the second check finds the agent logged out

    with clock.frozen() as frozen:
        stream = ticket_stream(hub, presence, viewer, {"id": 10}, lambda others: ",".join(p.name for p in others),
                               recheck=recheck, heartbeat=20)
        assert (await stream.__anext__()).event == "presence"
        for _ in range(2):  # other tickets change every 15 s: a wait for 20 quiet seconds never ends
            frozen.advance(seconds=15)
            hub.publish(Event("changed", 1, 99))
        ping = await asyncio.wait_for(stream.__anext__(), 5)
        assert ping.comment == "ping" and checks == [1]
        frozen.advance(seconds=21)
        hub.publish(Event("changed", 1, 99))
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(stream.__anext__(), 5)
    assert checks == [1, 1] and presence.ticket_count() == 0  # it left the ticket as it ended


async def test_a_list_stream_ends_at_the_heartbeat_once_its_agent_is_logged_out():
    from app import clock
    from app.accounts.viewer import Viewer
    from app.live.hub import Event
    from app.live.streams import list_stream
    from app.tickets.scopes import TicketScope

    hub = InProcessHub()
    viewer = Viewer(agent_id=1, workspace_id=1, name="Ann", email="ann@acme.test", superadmin=True, group_ids=())
    checks = []

    async def recheck() -> bool:
        checks.append(1)
        return False  # logged out (or deactivated) meanwhile

    with clock.frozen() as frozen:
        stream = list_stream(hub, viewer, TicketScope(1), str, recheck=recheck, heartbeat=20)
        assert (await stream.__anext__()).comment == "open"
        frozen.advance(seconds=21)
        hub.publish(Event("changed", 1, 99))
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(stream.__anext__(), 5)
    assert checks == [1]
