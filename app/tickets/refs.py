"""How a page or an intent names a ticket, and the one loader that finds it, scoped.

An agent names a ticket by its number and sees it only within their visibility
(app/tickets/scopes.py); a customer names it by workspace and secret hash; background work (mail
in, jobs) by id within a workspace. Whatever the reference, `load()` asks SQL for exactly the
tickets that reference may reach, so a ticket outside it is simply "not found".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.errors import NotFound
from app.i18n import _
from app.tickets.scopes import visible_to
from app.tickets.tables import Ticket

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

_HASH = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class AgentTicket:
    viewer: Viewer
    number: int

    def where(self) -> list:
        return [*visible_to(self.viewer).sql_where(), Ticket.number == self.number]


@dataclass(frozen=True)
class CustomerTicket:
    workspace_id: int
    hash: str

    def where(self) -> list:
        return [Ticket.workspace == self.workspace_id, Ticket.hash == self.hash.lower()]

    @property
    def well_formed(self) -> bool:
        return bool(_HASH.fullmatch(self.hash.lower()))


@dataclass(frozen=True)
class TicketById:
    workspace_id: int
    ticket_id: int

    def where(self) -> list:
        return [Ticket.workspace == self.workspace_id, Ticket.id == self.ticket_id]


TicketRef = AgentTicket | CustomerTicket | TicketById


async def load(ref: TicketRef, *columns: Any) -> dict:
    """The ticket's row (all columns unless some are named), or NotFound."""
    if isinstance(ref, CustomerTicket) and not ref.well_formed:
        raise NotFound(_("No such ticket."))
    row = await Ticket.select(*columns).where(*ref.where()).first()
    if row is None:
        raise NotFound(_("No such ticket."))
    return row
