"""What the ticket service publishes: "ticket changed", after the change is committed.

The change unit (app/tickets/service/unit.py) registers `ticket_changed` with `db.on_commit`, so
every intent (replies from agents, customers and mail, field changes, uploads, bulk changes,
merges) announces itself without doing anything of its own, and a rolled-back change announces
nothing. The event carries what a listener needs to decide, without a query, whether it concerns
its viewer: the ticket's number, its group and assignee before and after, who did it, and the
kind of post added (a customer message matters to an agent writing a reply).

The running server registers its hub (`register`); other processes (the CLI) have none and their
changes are not pushed (pages pick them up on their next load).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from app.live.hub import Event, Hub

if TYPE_CHECKING:
    from app.tickets.service.unit import Change

_hub: Hub | None = None


def register(hub: Hub | None) -> None:
    global _hub
    _hub = hub


def current() -> Hub | None:
    return _hub


def after_commit(change: Change, posts: list[str]) -> Callable[[], None]:
    """The callback the change unit registers: the event is built now (from the state the change
    leaves) and published once the transaction commits."""
    ticket, before = change.ticket, change.before
    event = Event("changed", int(ticket["workspace"]), int(ticket["id"]), {
        "number": ticket["number"],
        # (group, assignee) before and after: a ticket moved out of a viewer's sight still concerns them
        "states": [[before.get("group"), before.get("assignee")], [ticket.get("group"), ticket.get("assignee")]],
        "by": change.actor.agent_id,
        "actor": change.actor.kind,
        "posts": posts,
    })

    def publish() -> None:
        if _hub is not None:
            _hub.publish(event)

    return publish


def concerns(event: Event, scope) -> bool:
    """Does a "changed" event touch a ticket the scope (app/tickets/scopes.TicketScope) may see,
    before or after the change? Checked on the event alone: no query per event and listener."""
    if event.workspace_id != scope.workspace_id:
        return False
    return any(scope.allows({"workspace": event.workspace_id, "group": group, "assignee": assignee})
               for group, assignee in event.data.get("states", []))
