"""The change unit: how every intent changes a ticket.

    async with change(AgentTicket(viewer, number), Actor.agent(viewer)) as c:
        c.post("reply", text)
        c.move(Transition.AGENT_REPLY)
        c.mail(messages.queue_agent_reply, reply_text=text, agent_name=viewer.name)

`change()` opens one write transaction, loads the ticket once through the reference's scope (a
ticket outside it is NotFound) and hands out a `Change`. The intent sets fields, adds posts and
events and asks for mail; when the block ends without an error the unit writes it all: one
UPDATE of the changed columns, the timeline entries, the outbox mails, and a search reindex
registered with `db.on_commit`, so it runs after the outermost COMMIT even when a caller wraps
several intents in one transaction. An exception rolls everything back.

What a newcomer should know:
- Field events come from the difference between the ticket as loaded and as left, in the order
  of FIELD_EVENTS (an assignment before the status move it causes), after the intent's own posts
  and events. A value changed and changed back within one change is no change.
- A column missing from FIELD_EVENTS changes without a timeline entry: add a new column there
  (and decide in app/tickets/queries.py whether customers see its event).
- `updated_at` moves when a column changes, on posts (not internal notes: `touch=False`) and on
  `touch()`; not for an event alone.
- Mails asked for with `mail()` are queued even when nothing else changed: asking is the intent's
  decision.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app import clock, db
from app.errors import Conflict
from app.i18n import _
from app.live import events as live_events
from app.search import events as search_events
from app.tickets import refs, status
from app.tickets.tables import Ticket, TimelineEntry
from app.webhooks import events as webhook_events
from app.workspaces.service import get_by_id

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer


@dataclass(frozen=True)
class Actor:
    """Who makes a change: an agent, the ticket's customer, or HelpRealm itself."""

    kind: str  # "agent", "customer" or "system"
    viewer: Viewer | None = None

    @classmethod
    def agent(cls, viewer: Viewer) -> Actor:
        return cls("agent", viewer)

    @property
    def agent_id(self) -> int | None:
        return self.viewer.agent_id if self.viewer else None

    @property
    def name(self) -> str:
        return self.viewer.name if self.viewer else ""


CUSTOMER = Actor("customer")
SYSTEM = Actor("system")


def _status_event(before: Any, after: Any, label: str | None) -> tuple[str, dict]:
    return "status", {"from": int(before), "to": int(after)}


def _assignee_event(before: Any, after: Any, label: str | None) -> tuple[str, dict]:
    return ("released", {}) if after is None else ("assigned", {"to": label or ""})


# Columns whose change is a timeline event, in the order their events are written (an assignment
# before the status move it causes). Other columns (tokens, last_replier) change silently.
FIELD_EVENTS: dict[str, Callable[[Any, Any, str | None], tuple[str, dict]]] = {
    "subject": lambda before, after, label: ("subject", {"from": before, "to": after}),
    "ticket_type": lambda before, after, label: ("type", {"to": label or ""}),
    "prio": lambda before, after, label: ("priority", {"from": before, "to": after}),
    "group": lambda before, after, label: ("group", {"to": label or ""}),
    "deadline": lambda before, after, label: ("deadline", {"to": after.isoformat() if after else None}),
    "assignee": _assignee_event,
    "status": _status_event,
}


class Change:
    """One intent's change to one ticket; written when the `change()` block ends."""

    def __init__(self, ticket: dict, actor: Actor, now: datetime | None = None) -> None:
        self.ticket = ticket  # current values, as the intent changes them
        self.before = dict(ticket)
        self.actor = actor
        self.now = now or clock.now()  # one timestamp for everything this change writes
        self._labels: dict[str, str] = {}
        self._entries: list[dict] = []
        self._mails: list[tuple[Callable[..., Awaitable[Any]], dict]] = []
        self._touched = False

    # -- what intents call --------------------------------------------------------------------

    def set(self, field: str, value: Any, *, label: str | None = None) -> bool:
        """Change a column; True if the value is new. `label` names the value in the timeline
        (the group's name for a group id)."""
        if self.ticket[field] == value:
            return False
        self.ticket[field] = value
        if label is not None:
            self._labels[field] = label
        return True

    def move(self, transition: status.Transition) -> bool:
        """Move the status the way the transition table says; True if it changed."""
        return self.set("status", int(status.after(self.ticket["status"], transition)))

    def changed(self, field: str) -> bool:
        return self.ticket[field] != self.before[field]

    def post(self, kind: str, body: str, *, touch: bool = True, author: str | None = None, html: str = "",
             data: dict | None = None) -> None:
        """A customer message, agent reply or internal note. `author`: another name than the
        customer's or the agent's (a CC participant writing by mail); `html` and `data`: what a
        mail brought besides its text (the raw HTML, the quoted history, the sender)."""
        if author is None:
            author = self.ticket["customer_name"] if kind == "customer" else self.actor.name
        self._entry(kind, body=body, author_name=author, body_html=html, data=data or {})
        self._touched = self._touched or touch

    def event(self, code: str, data: dict | None = None) -> None:
        """A system event of the intent's own (created, confirmed, attachment, ...)."""
        self._entry("event", event=code, data=data or {})

    def touch(self) -> None:
        """Count as activity (updated_at moves) though no column changed."""
        self._touched = True

    def mail(self, queue: Callable[..., Awaitable[Any]], **context: Any) -> None:
        """Queue a mail with the final state: `queue(workspace=..., ticket=..., **context)`."""
        self._mails.append((queue, context))

    # -- writing ------------------------------------------------------------------------------

    def _entry(self, kind: str, **values: Any) -> None:
        if kind == "event":
            values.setdefault("author_name", self._event_author)
        self._entries.append({"kind": kind, **values})

    @property
    def _event_author(self) -> str:
        """Events carry the agent who caused them; customers' and the system's stay unattributed."""
        return self.actor.name if self.actor.kind == "agent" else ""

    def _field_events(self) -> list[dict]:
        events = []
        for field, describe in FIELD_EVENTS.items():
            if self.changed(field):
                code, data = describe(self.before[field], self.ticket[field], self._labels.get(field))
                events.append({"kind": "event", "event": code, "data": data, "author_name": self._event_author})
        return events

    async def flush(self) -> None:
        now = self.now
        changed = {field: value for field, value in self.ticket.items() if value != self.before.get(field)}
        entries = self._entries + self._field_events()
        if changed or self._touched:
            changed["updated_at"] = now
            await Ticket.update({getattr(Ticket, field): value for field, value in changed.items()}).where(
                Ticket.id == self.ticket["id"]
            )
            self.ticket["updated_at"] = now
        if entries:
            await TimelineEntry.insert(*[
                TimelineEntry(ticket=self.ticket["id"], workspace=self.ticket["workspace"],
                              author_agent=self.actor.agent_id if self.actor.kind == "agent" else None,
                              created_at=now, **entry)
                for entry in entries
            ])
            await webhook_events.record(self, entries)  # deliveries for the workspace's hooks, if any
        if self._mails:
            workspace = await get_by_id(self.ticket["workspace"])
            for queue, context in self._mails:
                await queue(workspace=workspace, ticket=self.ticket, **context)
        if changed or entries:
            ticket_id = self.ticket["id"]
            db.on_commit(lambda: search_events.ticket_changed(ticket_id))
            db.on_commit(live_events.after_commit(self, [e["kind"] for e in entries if e["kind"] != "event"]))


@contextlib.asynccontextmanager
async def change(ref: refs.TicketRef, actor: Actor) -> AsyncIterator[Change]:
    """Load the ticket `ref` names, within its scope, and write the change when the block ends."""
    async with db.write():
        ticket = await refs.load(ref)
        if ticket["merged_into"] is not None:  # it lives on in the surviving ticket; nothing changes here
            raise Conflict(_("This ticket has been merged into another ticket; please continue there."))
        unit = Change(ticket, actor)
        yield unit
        await unit.flush()

