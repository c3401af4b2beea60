"""The event streams of the agent's pages, as async generators of server-sent event messages.

    ticket_stream   one ticket page: "presence" (who else is here, rendered HTML) and "changed"
                    (the page reloads its ticket fragment)
    list_stream     a ticket list: "changed" with the number of tickets (in the viewer's sight)
                    changed since the stream opened; the page shows "N tickets changed, refresh"

A stream ends when the client goes (Litestar cancels the generator on http.disconnect; `finally`
leaves the presence table), or at once when the hub closes (server shutdown): streams never make
a shutdown wait. Between events a stream is idle on its subscription; every HEARTBEAT_SECONDS it
sends a comment, which confirms its presence and finds dead connections. Nothing polls.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING

from litestar.response import ServerSentEventMessage

from app import clock
from app.live.events import concerns
from app.live.hub import Hub, InProcessHub
from app.live.presence import HEARTBEAT_SECONDS, Presence, Present

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer
    from app.tickets.scopes import TicketScope

RETRY_MS = 3000  # how long a browser waits before it reconnects a dropped stream


def _ping() -> ServerSentEventMessage:
    return ServerSentEventMessage(data=None, comment="ping")


class _Beat:
    """The heartbeat's schedule: every `interval` seconds whatever else arrives (in a busy
    workspace other tickets' events come more often than that, and must not postpone it)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.due = clock.monotonic() + interval

    def wait(self) -> float:
        return max(0.0, self.due - clock.monotonic())

    def now(self) -> bool:
        if clock.monotonic() < self.due:
            return False
        self.due = clock.monotonic() + self.interval
        return True


async def ticket_stream(hub: Hub, presence: Presence, viewer: Viewer, ticket: dict,
                        render_presence: Callable[[list[Present]], str], *,
                        recheck: Callable[[], Awaitable[bool]] | None = None,
                        heartbeat: float = HEARTBEAT_SECONDS) -> AsyncIterator[ServerSentEventMessage]:
    """`recheck()` runs at each heartbeat; False (logged out everywhere, deactivated, the ticket
    moved out of sight) ends the stream."""
    ws, ticket_id, me = viewer.workspace_id, int(ticket["id"]), viewer.agent_id
    with hub.subscribe(ws) as subscription:
        presence.join(ws, ticket_id, me, viewer.name)
        try:
            shown = render_presence(presence.others(ws, ticket_id, me))
            beat = _Beat(heartbeat)
            yield ServerSentEventMessage(event="presence", data=shown, retry=RETRY_MS)
            while True:
                event = await subscription.get(timeout=beat.wait())
                if beat.now():
                    if recheck is not None and not await recheck():
                        return
                    presence.beat(ws, ticket_id, me)
                    yield _ping()
                if event is None:
                    continue
                if event.kind == "closed":
                    return
                elif event.kind == "stale":  # missed events: reload both, to be sure
                    yield ServerSentEventMessage(event="changed", data="{}")
                elif event.ticket_id != ticket_id or event.workspace_id != ws:
                    continue
                elif event.kind == "changed":
                    yield ServerSentEventMessage(event="changed", data=json.dumps(
                        {"by": event.data.get("by"), "posts": event.data.get("posts", [])}))
                    continue
                elif event.kind != "presence":
                    continue
                now = render_presence(presence.others(ws, ticket_id, me))
                if now != shown:
                    shown = now
                    yield ServerSentEventMessage(event="presence", data=shown)
        finally:
            presence.leave(ws, ticket_id, me)


async def list_stream(hub: Hub, viewer: Viewer, scope: TicketScope, render_count: Callable[[int], str], *,
                      recheck: Callable[[], Awaitable[bool]] | None = None,
                      heartbeat: float = HEARTBEAT_SECONDS) -> AsyncIterator[ServerSentEventMessage]:
    """Counts the distinct tickets in `scope` changed by someone else since the stream opened
    and sends the rendered notice ("changed") each time the count grows. `recheck()` runs at each
    heartbeat; False (logged out everywhere, deactivated) ends the stream."""
    with hub.subscribe(viewer.workspace_id) as subscription:
        changed: set[int] = set()
        beat = _Beat(heartbeat)
        yield ServerSentEventMessage(data=None, comment="open", retry=RETRY_MS)
        while True:
            event = await subscription.get(timeout=beat.wait())
            if beat.now():
                if recheck is not None and not await recheck():
                    return
                yield _ping()
            if event is None:
                continue
            if event.kind == "closed":
                return
            if event.kind == "stale":
                yield ServerSentEventMessage(event="changed", data=render_count(max(len(changed), 1)))
                continue
            if event.kind != "changed" or event.data.get("by") == viewer.agent_id or not concerns(event, scope):
                continue
            if event.ticket_id not in changed:
                changed.add(event.ticket_id)
                yield ServerSentEventMessage(event="changed", data=render_count(len(changed)))


class Live:
    """What the app makes once for live collaboration: the hub and the presence table."""

    def __init__(self, hub: Hub | None = None, presence: Presence | None = None) -> None:
        self.hub = hub or InProcessHub()
        self.presence = presence or Presence(self.hub)

    def open(self) -> None:
        self.hub.open()

    def close(self) -> None:
        """End every stream now (server shutdown: uvicorn would otherwise wait for them)."""
        self.hub.close()
