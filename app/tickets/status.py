"""Ticket statuses and priorities. The numeric codes are part of the API and exports."""

from enum import IntEnum


class Status(IntEnum):
    AWAITING_CONFIRMATION = 0
    OPEN = 1
    WAITING = 2
    CLOSED = 3
    IN_PROGRESS = 4
    RESOLVED = 5

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def slug(self) -> str:
        return self.name.lower()


STATUS_LABELS = {
    Status.AWAITING_CONFIRMATION: "Awaiting confirmation",
    Status.OPEN: "Open",
    Status.WAITING: "Waiting",
    Status.CLOSED: "Closed",
    Status.IN_PROGRESS: "In progress",
    Status.RESOLVED: "Resolved",
}

# Statuses an agent may pick by hand (0 is only ever set by the confirmation flow).
MANUAL_STATUSES = (Status.OPEN, Status.WAITING, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED)

PRIORITIES = {1: "Low", 2: "Medium", 3: "High"}
