"""Admin page: the embeddable ticket form (/admin/widget). One form, saved with HTMX into its own
fragment (#widget-settings: "Saved" or the field errors), or without JavaScript by a plain POST
that comes back to the page. The rules live in app/workspaces/widget.py; the routes a customer's
site uses in app/portal/widget.py.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from app.accounts.viewer import Viewer
from app.errors import ValidationFailed
from app.services import Services
from app.tickets.web.common import layout
from app.web.dependencies import Injected
from app.web.params import Form, Text
from app.web.render import is_htmx, redirect, render
from app.workspaces import widget


async def _page(request: Request, viewer: Viewer, services: Services, status_code: int = 200,
                **extra: Any) -> Template:
    context = await layout(viewer)
    workspace = context["workspace"]
    extra.setdefault("values", {"enabled": bool(workspace["widget_enabled"]),
                                "origins": workspace["widget_origins"] or ""})
    extra.setdefault("errors", {})
    script_url = services.links.url("portal.widget_js", workspace_key=workspace["key"])
    return render(request, "admin/widget.html",
                  {**context, "snippet": widget.snippet(script_url), "max_origins": widget.MAX_ORIGINS, **extra},
                  fragment="admin/_widget.html", status_code=status_code)


@get("/widget", name="admin.widget")
async def widget_page(request: Request, viewer: Injected[Viewer], services: Injected[Services],
                      saved: Text = "") -> Template:
    return await _page(request, viewer, services, saved=saved == "1")


@post("/widget", name="admin.widget_save")
async def widget_save(request: Request, viewer: Injected[Viewer], services: Injected[Services],
                      data: Form) -> Response:
    try:
        await widget.save(viewer, data)
    except ValidationFailed as exc:
        typed = {"enabled": data.get("enabled") == "on",
                 "origins": data.get("origins") if isinstance(data.get("origins"), str) else ""}
        return await _page(request, viewer, services, 422, values=typed, errors=exc.errors)
    if not is_htmx(request):
        return redirect(request, request.app.route_reverse("admin.widget") + "?saved=1")
    return await _page(request, viewer, services, saved=True)


ROUTES = [widget_page, widget_save]
