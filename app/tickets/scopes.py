"""Which tickets an agent may see, and the ticket list's scopes ("mine", "my groups", "all").

One rule, from the manual: an agent works the tickets assigned to them and the tickets of the
groups they are in; a superadmin every ticket of the workspace. Lists, the ticket page, search
and every intent read it from here: SQL through `sql_where()`, the search index through the
scope's fields (app/search/query.py), single rows through `allows()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.tickets.tables import Ticket

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

SCOPES = ("mine", "groups", "all")


@dataclass(frozen=True)
class TicketScope:
    """Tickets of one workspace, narrowed by group and/or assignee.

    With `either` the ticket must be in one of `group_ids` *or* assigned to `assignee_id` (an
    agent's visibility); without it every condition that is set must hold (a list's scope).
    """

    workspace_id: int
    group_ids: tuple[int, ...] | None = None  # None: any group
    assignee_id: int | None = None  # None: anyone or nobody
    either: bool = False

    def allows(self, ticket: dict) -> bool:
        """Does a ticket row (with `workspace`, `group`, `assignee`) fall in this scope?"""
        if ticket["workspace"] != self.workspace_id:
            return False
        in_groups = self.group_ids is None or ticket["group"] in self.group_ids
        assigned = self.assignee_id is None or ticket["assignee"] == self.assignee_id
        if self.either and self.group_ids is not None and self.assignee_id is not None:
            return in_groups or assigned
        return in_groups and assigned

    def sql_where(self) -> list:
        """Piccolo conditions for `Ticket` that select exactly the tickets of this scope."""
        where = [Ticket.workspace == self.workspace_id]
        groups = None
        if self.group_ids is not None:  # in no group at all: the group condition can never hold
            groups = Ticket.group.is_in(list(self.group_ids)) if len(self.group_ids) else Ticket.id == -1
        assignee = Ticket.assignee == self.assignee_id if self.assignee_id is not None else None
        if self.either and groups is not None and assignee is not None:
            where.append(groups | assignee)
        else:
            where.extend(c for c in (groups, assignee) if c is not None)
        return where


def visible_to(viewer: Viewer) -> TicketScope:
    """Every ticket the viewer may list, open, search and act on."""
    if viewer.superadmin:
        return TicketScope(viewer.workspace_id)
    return TicketScope(viewer.workspace_id, group_ids=viewer.group_ids, assignee_id=viewer.agent_id, either=True)


def list_scope(viewer: Viewer, which: str) -> TicketScope:
    """The list's scope by name; "all" is everything the viewer may see."""
    if which == "mine":
        return TicketScope(viewer.workspace_id, assignee_id=viewer.agent_id)
    if which == "groups":
        return TicketScope(viewer.workspace_id, group_ids=viewer.group_ids)
    return visible_to(viewer)
