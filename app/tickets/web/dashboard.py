"""The agent's home: the dashboard."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Redirect, Template

from app.accounts.viewer import Viewer
from app.services import Services
from app.tickets import queries
from app.tickets.scopes import list_scope
from app.tickets.web.common import layout
from app.web.dependencies import Injected
from app.web.render import render


@get("/", name="agent.home")
async def home(request: Request) -> Redirect:
    return Redirect(request.app.route_reverse("agent.dashboard"), status_code=303)


@get("/dashboard", name="agent.dashboard")
async def dashboard(request: Request, viewer: Injected[Viewer], services: Injected[Services]) -> Template:
    context = await layout(viewer)
    context["counts"] = await queries.dashboard_counts(viewer)
    context["public_link"] = services.links.public_page(context["workspace"]["key"])
    context["recent"] = (await queries.list_tickets(list_scope(viewer, "groups"), per_page=5)).rows
    return render(request, "tickets/dashboard.html", context)


ROUTES = [home, dashboard]
