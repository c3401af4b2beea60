"""Reading a workspace's figures for its administration pages."""

from __future__ import annotations

from app.accounts.tables import Agent, AgentGroup
from app.faq.tables import FaqEntry
from app.tickets.tables import Ticket, TicketType


async def overview_counts(workspace_id: int) -> dict[str, int]:
    """How many of each thing the workspace has (the admin overview)."""
    return {
        "agents": await Agent.count().where(Agent.workspace == workspace_id),
        "groups": await AgentGroup.count().where(AgentGroup.workspace == workspace_id),
        "ticket_types": await TicketType.count().where(TicketType.workspace == workspace_id),
        "faq_entries": await FaqEntry.count().where(FaqEntry.workspace == workspace_id),
        "tickets": await Ticket.count().where(Ticket.workspace == workspace_id),
    }
