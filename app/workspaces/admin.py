"""The superadmin area's pages for the workspace (behind the admin router's guards).

For now one read-only overview; the administration issue adds groups, agents, FAQ, types and
settings beside it.
"""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from app.accounts.viewer import Viewer
from app.services import Services
from app.web.dependencies import Injected
from app.web.render import render
from app.workspaces.queries import overview_counts
from app.workspaces.service import get_by_id


@get("/", name="admin.workspace")
async def workspace_overview(request: Request, viewer: Injected[Viewer], services: Injected[Services]) -> Template:
    workspace = await get_by_id(viewer.workspace_id)
    return render(request, "admin/workspace.html", {
        "viewer": viewer,
        "workspace": workspace,
        "counts": await overview_counts(workspace["id"]),
        "public_link": services.links.public_page(workspace["key"]),
    })


ROUTES = [workspace_overview]
