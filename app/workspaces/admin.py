"""The superadmin area's pages for the workspace (behind the admin router's guards): the
overview and the audit log. Each page extends templates/layouts/admin.html.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from app.accounts.viewer import Viewer
from app.audit import queries as audit_queries
from app.services import Services
from app.web.dependencies import Injected
from app.web.params import PageNumber
from app.web.render import is_htmx, render
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


ActionCode = Annotated[str, QueryParameter(name="action", max_length=50)]


@get("/audit", name="admin.audit")
async def audit_log(request: Request, viewer: Injected[Viewer], action: ActionCode = "",
                    page: PageNumber = 1) -> Template:
    """Every admin change and security event of the workspace, newest first; an HTMX request (the
    action filter, paging) gets only the rows."""
    listing = await audit_queries.audit_page(viewer.workspace_id, action=action, page=page)
    context = {"listing": listing, "action": action}
    if not is_htmx(request):
        context.update(viewer=viewer, workspace=await get_by_id(viewer.workspace_id),
                       action_codes=await audit_queries.actions(viewer.workspace_id))
    return render(request, "admin/audit.html", context, fragment="admin/_audit_rows.html")


ROUTES = [workspace_overview, audit_log]
