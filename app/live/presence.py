"""Who has a ticket open and who is writing a reply on it.

An agent is *on* a ticket while at least one event stream of that ticket's page is open (one per
tab: app/live/streams.py joins when the stream starts and leaves when it ends, which is when the
browser closes the tab or hides it). An agent is *typing* for a few seconds after each typing
signal (the reply box sends one at most every few seconds while the agent types).

Presence expires by itself: an entry no stream has confirmed for `ttl` seconds (streams confirm
at every heartbeat) is gone, and typing ends `typing_seconds` after the last signal. Nothing polls:
reads filter by the clock, and the end of a typing spell is announced by one timer callback.

Every change is announced on the hub as a "presence" event for the ticket; the streams of that
ticket then read `others()` and send the new list if it differs from what they sent last. (With
several server processes each process would keep this table for its own streams and the hub
would carry the entries: the events already name ticket and workspace.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from app import clock
from app.live.hub import Event, Hub

HEARTBEAT_SECONDS = 20.0  # streams send a comment this often (keeps proxies open, confirms presence)
TTL_SECONDS = 3 * HEARTBEAT_SECONDS  # an entry no stream confirmed for this long is gone
TYPING_SECONDS = 6.0  # "is writing" lasts this long after the last signal (the page sends one every 3 s)


@dataclass
class _Entry:
    name: str
    streams: int = 0
    seen: float = 0.0  # monotonic time of the last join or heartbeat
    typing_until: float = 0.0


@dataclass(frozen=True)
class Present:
    agent_id: int
    name: str
    typing: bool


class Presence:
    def __init__(self, hub: Hub, *, now: Callable[[], float] = clock.monotonic, ttl: float = TTL_SECONDS,
                 typing_seconds: float = TYPING_SECONDS) -> None:
        self.hub = hub
        self.now = now
        self.ttl = ttl
        self.typing_seconds = typing_seconds
        self._tickets: dict[tuple[int, int], dict[int, _Entry]] = {}

    # -- what streams and the typing route call -------------------------------------------------

    def join(self, workspace_id: int, ticket_id: int, agent_id: int, name: str) -> None:
        entries = self._tickets.setdefault((workspace_id, ticket_id), {})
        entry = entries.get(agent_id)
        new = entry is None or not self._alive(entry)
        if entry is None:
            entry = entries[agent_id] = _Entry(name)
        entry.streams += 1
        entry.seen = self.now()
        if new:
            self._announce(workspace_id, ticket_id)

    def leave(self, workspace_id: int, ticket_id: int, agent_id: int) -> None:
        entries = self._tickets.get((workspace_id, ticket_id), {})
        entry = entries.get(agent_id)
        if entry is None:
            return
        entry.streams -= 1
        if entry.streams <= 0:
            del entries[agent_id]
            if not entries:
                del self._tickets[(workspace_id, ticket_id)]
            self._announce(workspace_id, ticket_id)

    def beat(self, workspace_id: int, ticket_id: int, agent_id: int) -> None:
        entry = self._tickets.get((workspace_id, ticket_id), {}).get(agent_id)
        if entry is not None:
            entry.seen = self.now()

    def typing(self, workspace_id: int, ticket_id: int, agent_id: int, name: str) -> None:
        """The agent types in the reply box. Counts only while they have the ticket open."""
        entry = self._tickets.get((workspace_id, ticket_id), {}).get(agent_id)
        if entry is None or not self._alive(entry):
            return
        was_typing = self._typing(entry)
        entry.typing_until = self.now() + self.typing_seconds
        if not was_typing:
            self._announce(workspace_id, ticket_id)
            self._later(self.typing_seconds, workspace_id, ticket_id)

    # -- reading --------------------------------------------------------------------------------

    def others(self, workspace_id: int, ticket_id: int, agent_id: int) -> list[Present]:
        """Everyone on the ticket but `agent_id`, by name; expired entries are dropped here."""
        entries = self._tickets.get((workspace_id, ticket_id))
        if not entries:
            return []
        for gone in [a for a, e in entries.items() if not self._alive(e)]:
            del entries[gone]
        present = [Present(a, e.name, self._typing(e)) for a, e in entries.items() if a != agent_id]
        return sorted(present, key=lambda p: (p.name.lower(), p.agent_id))

    def ticket_count(self) -> int:
        return len(self._tickets)

    # -- inside ---------------------------------------------------------------------------------

    def _alive(self, entry: _Entry) -> bool:
        return entry.streams > 0 and self.now() - entry.seen <= self.ttl

    def _typing(self, entry: _Entry) -> bool:
        return entry.typing_until > self.now()

    def _announce(self, workspace_id: int, ticket_id: int) -> None:
        self.hub.publish(Event("presence", workspace_id, ticket_id))

    def _later(self, seconds: float, workspace_id: int, ticket_id: int) -> None:
        """Announce again once a typing spell may have ended: streams re-read and send what changed.
        (A later signal extends the spell; the streams then find nothing new and send nothing.)"""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        loop.call_later(seconds + 0.05, self._recheck, workspace_id, ticket_id)

    def _recheck(self, workspace_id: int, ticket_id: int) -> None:
        entries = self._tickets.get((workspace_id, ticket_id), {})
        still = [e for e in entries.values() if self._typing(e)]
        if still:  # someone typed again meanwhile: look again when their spell ends
            self._later(max(e.typing_until for e in still) - self.now(), workspace_id, ticket_id)
        self._announce(workspace_id, ticket_id)
