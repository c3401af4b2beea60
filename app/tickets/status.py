"""Ticket statuses, priorities, and the one table of automatic status moves.

The numeric codes are part of the HelpRealm API and exports. Agents may pick any of
MANUAL_STATUSES by hand; every other move happens through a `Transition` here, so the rules of
DESIGN.md §4 live in one place and are tested without HTTP (tests/tickets/test_status.py).
"""

from __future__ import annotations

from enum import Enum, IntEnum

from app.i18n import lazy_gettext as _l


class Status(IntEnum):
    AWAITING_CONFIRMATION = 0
    OPEN = 1
    WAITING = 2
    CLOSED = 3
    IN_PROGRESS = 4
    RESOLVED = 5

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])

    @property
    def slug(self) -> str:
        return self.name.lower()


STATUS_LABELS = {
    Status.AWAITING_CONFIRMATION: _l("Awaiting confirmation"),
    Status.OPEN: _l("Open"),
    Status.WAITING: _l("Waiting"),
    Status.CLOSED: _l("Closed"),
    Status.IN_PROGRESS: _l("In progress"),
    Status.RESOLVED: _l("Resolved"),
}

# Statuses an agent may pick by hand (0 is only ever set by the confirmation flow).
MANUAL_STATUSES = (Status.OPEN, Status.WAITING, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED)

PRIORITIES = {1: _l("Low"), 2: _l("Medium"), 3: _l("High")}

# Statuses whose manual setting tells the customer by mail.
ANNOUNCED_STATUSES = (Status.RESOLVED, Status.CLOSED)


class Transition(Enum):
    """Something that happened to a ticket and may move its status."""

    CONFIRM = "confirm"  # the customer confirmed their address
    CUSTOMER_REPLY = "customer_reply"  # web page or mail
    AGENT_REPLY = "agent_reply"  # external reply, mailed to the customer
    ASSIGN = "assign"  # given to an agent
    RELEASE = "release"  # the assignee let go of it
    MERGE = "merge"  # absorbed into another ticket


_ANY = frozenset(Status)

# transition -> (statuses it applies to, status it leads to). From any other status the
# transition leaves the status alone (for example assigning a ticket that is waiting).
TRANSITIONS: dict[Transition, tuple[frozenset[Status], Status]] = {
    Transition.CONFIRM: (frozenset({Status.AWAITING_CONFIRMATION}), Status.OPEN),
    Transition.CUSTOMER_REPLY: (
        frozenset({Status.OPEN, Status.WAITING, Status.IN_PROGRESS, Status.RESOLVED}),
        Status.OPEN,
    ),
    # An agent's reply waits for the customer from any status; it also reopens a closed ticket.
    Transition.AGENT_REPLY: (_ANY, Status.WAITING),
    Transition.ASSIGN: (frozenset({Status.OPEN}), Status.IN_PROGRESS),
    Transition.RELEASE: (frozenset({Status.IN_PROGRESS}), Status.OPEN),
    Transition.MERGE: (_ANY, Status.CLOSED),
}


def after(current: int | Status, transition: Transition) -> Status:
    """The status a ticket in `current` has once `transition` happened."""
    sources, target = TRANSITIONS[transition]
    status = Status(current)
    return target if status in sources else status
