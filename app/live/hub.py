"""Publish/subscribe, one topic per workspace.

Features publish small JSON-able events and subscribe to a workspace's topic; they never see how
events travel. `InProcessHub` is the default: one server process, events are handed from the
publisher's call straight into each subscriber's queue. A deployment with several server
processes would implement `Hub` on PostgreSQL LISTEN/NOTIFY (`publish` = NOTIFY on the topic's
channel from a sender task, one LISTEN connection per process feeding `_deliver`); that is why an
`Event` is plain data (kind, workspace, ticket, a dict) with `to_json`/`from_json`, and why
`publish` is synchronous and never blocks: it is called from `db.on_commit` callbacks.

A slow or gone subscriber must never hold up a publisher or the other subscribers: each
subscription has a bounded queue; when it is full the queue is emptied and the subscription is
marked stale, and its reader gets one `STALE` event instead of the ones it missed (a page then
reloads what it shows, which is what the missed events would have caused anyway).
"""

from __future__ import annotations

import abc
import asyncio
import json
import logging
from collections import deque
from dataclasses import dataclass, field

log = logging.getLogger("helprealm.live")

QUEUE_SIZE = 64  # events a subscriber may lag behind before it is marked stale


@dataclass(frozen=True)
class Event:
    kind: str  # "changed", "presence", "stale", "closed"
    workspace_id: int
    ticket_id: int | None = None
    data: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "workspace": self.workspace_id, "ticket": self.ticket_id,
                           "data": self.data}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Event:
        raw = json.loads(text)
        return cls(raw["kind"], int(raw["workspace"]), raw.get("ticket"), raw.get("data") or {})


def topic(workspace_id: int) -> str:
    return f"ws{int(workspace_id)}"


class Subscription:
    """One reader of one topic: `await subscription.get()` until it answers `closed`."""

    def __init__(self, hub: Hub, topic: str, maxsize: int = QUEUE_SIZE) -> None:
        self.hub = hub
        self.topic = topic
        self.maxsize = maxsize
        self.stale = False  # events were dropped since the last read
        self.closed = False
        self._queue: deque[Event] = deque()
        self._ready = asyncio.Event()

    def offer(self, event: Event) -> None:
        """Called by the hub; never blocks. A full queue is dropped and the reader told once."""
        if self.closed:
            return
        if len(self._queue) >= self.maxsize:
            self._queue.clear()
            self.stale = True
        else:
            self._queue.append(event)
        self._ready.set()

    async def get(self, timeout: float | None = None) -> Event | None:
        """The next event, a `stale` event after drops, a `closed` event once closed, or None
        when `timeout` seconds pass without one."""
        while True:
            if self.stale:
                self.stale = False
                return Event("stale", 0)
            if self._queue:
                return self._queue.popleft()
            if self.closed:
                return Event("closed", 0)
            self._ready.clear()
            try:
                await asyncio.wait_for(self._ready.wait(), timeout)
            except TimeoutError:
                return None

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.hub._remove(self)
            self._ready.set()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Hub(abc.ABC):
    """The interface features use. Topics are per workspace (`topic(workspace_id)`)."""

    @abc.abstractmethod
    def publish(self, event: Event) -> None:
        """Send `event` to every subscriber of its workspace's topic. Never blocks, never raises."""

    @abc.abstractmethod
    def subscribe(self, workspace_id: int) -> Subscription:
        """A subscription to the workspace's topic; close it (or use `with`) when done."""

    @abc.abstractmethod
    def _remove(self, subscription: Subscription) -> None: ...

    @abc.abstractmethod
    def open(self) -> None:
        """Accept subscribers (again): the server starts (a LISTEN connection would open here)."""

    @abc.abstractmethod
    def close(self) -> None:
        """End every subscription at once (server shutdown): each reader gets `closed`, and later
        subscriptions are closed from the start until `open()`."""


class InProcessHub(Hub):
    def __init__(self, queue_size: int = QUEUE_SIZE) -> None:
        self.queue_size = queue_size
        self._topics: dict[str, set[Subscription]] = {}
        self.closed = False

    def publish(self, event: Event) -> None:
        self._deliver(topic(event.workspace_id), event)

    def _deliver(self, name: str, event: Event) -> None:
        for subscription in list(self._topics.get(name, ())):
            try:
                subscription.offer(event)
            except Exception:  # one broken subscriber must not stop the others
                log.exception("live: dropping a subscriber of %s", name)
                subscription.close()

    def subscribe(self, workspace_id: int) -> Subscription:
        subscription = Subscription(self, topic(workspace_id), self.queue_size)
        if self.closed:
            subscription.closed = True
        else:
            self._topics.setdefault(subscription.topic, set()).add(subscription)
        return subscription

    def _remove(self, subscription: Subscription) -> None:
        subscribers = self._topics.get(subscription.topic)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._topics[subscription.topic]

    def subscriber_count(self, workspace_id: int | None = None) -> int:
        if workspace_id is not None:
            return len(self._topics.get(topic(workspace_id), ()))
        return sum(len(s) for s in self._topics.values())

    def close(self) -> None:
        self.closed = True
        for subscribers in list(self._topics.values()):
            for subscription in list(subscribers):
                subscription.close()

    def open(self) -> None:
        self.closed = False
