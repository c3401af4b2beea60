"""The superadmin area's pages for the workspace (behind the admin router's guards).

For now one read-only overview; the administration issue adds groups, agents, FAQ, types and
settings beside it.
"""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from app.accounts.tables import Agent, AgentGroup
from app.accounts.viewer import Viewer
from app.faq.tables import FaqEntry
from app.links import Links
from app.tickets.tables import Ticket, TicketType
from app.web.dependencies import Injected
from app.web.render import render
from app.workspaces.service import get_by_id


async def overview_counts(workspace_id: int) -> dict[str, int]:
    return {
        "agents": await Agent.count().where(Agent.workspace == workspace_id),
        "groups": await AgentGroup.count().where(AgentGroup.workspace == workspace_id),
        "ticket_types": await TicketType.count().where(TicketType.workspace == workspace_id),
        "faq_entries": await FaqEntry.count().where(FaqEntry.workspace == workspace_id),
        "tickets": await Ticket.count().where(Ticket.workspace == workspace_id),
    }


@get("/", name="admin.workspace")
async def workspace_overview(request: Request, viewer: Injected[Viewer], links: Injected[Links]) -> Template:
    workspace = await get_by_id(viewer.workspace_id)
    return render(request, "admin/workspace.html", {
        "viewer": viewer,
        "workspace": workspace,
        "counts": await overview_counts(workspace["id"]),
        "public_link": links.public_page(workspace["key"]),
    })


ROUTES = [workspace_overview]
