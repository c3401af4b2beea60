"""The agent's home: the dashboard (cards, charts, public link) and the vacation switch on it."""

from __future__ import annotations

from dataclasses import replace

from litestar import Request, get, post
from litestar.response import Redirect, Response, Template

from app.accounts import service as accounts
from app.accounts.viewer import Viewer
from app.errors import BadRequest
from app.i18n import _
from app.services import Services
from app.tickets import charts, stats
from app.tickets.web.common import layout
from app.validation import form_text
from app.web.dependencies import Injected
from app.web.params import Form
from app.web.render import is_htmx, render


@get("/", name="agent.home")
async def home(request: Request) -> Redirect:
    return Redirect(request.app.route_reverse("agent.dashboard"), status_code=303)


async def _numbers(viewer: Viewer) -> dict:
    """Cards and charts: two queries (app/tickets/stats.py)."""
    numbers = await stats.dashboard(viewer)
    per_type = [(name or _("(no type)"), n) for name, n in numbers.charts.per_type]
    return {
        "cards": numbers.cards,
        "donut": charts.donut(per_type, _("Other")),
        "bars": charts.bars(numbers.charts.per_day),
    }


@get("/dashboard", name="agent.dashboard")
async def dashboard(request: Request, viewer: Injected[Viewer], services: Injected[Services]) -> Template:
    """The whole page, or for HTMX (its Refresh link) just #dashboard: the cards and charts."""
    context = await _numbers(viewer)
    if not is_htmx(request):
        context.update(await layout(viewer))
        context["public_link"] = services.links.public_page(context["workspace"]["key"])
        context["vacation"] = viewer.on_vacation
    return render(request, "tickets/dashboard.html", context, fragment="tickets/_dashboard.html")


@post("/vacation", name="agent.vacation")
async def vacation(request: Request, viewer: Injected[Viewer], data: Form) -> Response:
    """The switch: `on=1` or `on=0`. HTMX swaps the switch and, out of band, the sidebar's note."""
    value = form_text(data, "on")
    if value not in ("0", "1"):
        raise BadRequest(_("Vacation mode is either on (1) or off (0)."))
    on = await accounts.set_vacation(viewer, value == "1")
    if not is_htmx(request):
        return Redirect(request.app.route_reverse("agent.dashboard"), status_code=303)
    viewer = replace(viewer, on_vacation=on)  # loaded before the change
    return render(request, "accounts/_vacation.html", {"vacation": on, "viewer": viewer, "oob": True})


ROUTES = [home, dashboard, vacation]
