"""The API key pages (HelpDeskPro's "API keys"): /admin/api-keys, where a superadmin manages every
agent's keys, and /profile/api-keys, where an agent manages their own.

Both pages show the same fragment (templates/api_keys/_keys.html, #api-keys): the new key in a
box (only in the answer to the POST that made it: never in a URL, never retrievable later), the
generate form and the list. With HTMX a form swaps #api-keys; without JS a generate answers the
whole page and a delete goes back to it (303). Who may do what is the service's rule
(app/api/keys.py); the handlers only parse and render.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from app.accounts.tables import Agent
from app.accounts.viewer import Viewer
from app.api import keys
from app.errors import NotFound, ValidationFailed
from app.i18n import _
from app.tickets.web.common import layout
from app.validation import form_text, parse_int
from app.web.dependencies import Injected
from app.web.params import Form, Id
from app.web.render import is_htmx, redirect, render


async def _agents(viewer: Viewer) -> list[tuple[int, str]]:
    """The agents a superadmin may make a key for: active, not being deleted."""
    rows = await Agent.select(Agent.id, Agent.first_name, Agent.last_name, Agent.email).where(
        Agent.workspace == viewer.workspace_id, Agent.active.eq(True), Agent.retired.eq(False)).order_by(
        Agent.first_name).order_by(Agent.last_name)
    return [(r["id"], f"{r['first_name']} {r['last_name']} <{r['email']}>") for r in rows]


async def _page(request: Request, viewer: Viewer, admin: bool, status_code: int = 200, **context: Any) -> Template:
    context.setdefault("errors", {})
    context.setdefault("values", {})
    mine = None if admin else viewer.agent_id  # a superadmin's profile lists their own keys only
    context.update(admin=admin, viewer=viewer, keys=await keys.list_keys(viewer, mine), label_max=keys.LABEL_MAX,
                   agents=await _agents(viewer) if admin else [])
    if not is_htmx(request):
        context.update(await layout(viewer))
    template = "admin/api_keys.html" if admin else "profile/api_keys.html"
    return render(request, template, context, fragment="api_keys/_keys.html", status_code=status_code)


async def _generate(request: Request, viewer: Viewer, data: dict, admin: bool) -> Template:
    label = form_text(data, "label")
    if admin:
        agent_id = parse_int(form_text(data, "agent"))
        if agent_id is None or agent_id not in {a for a, _name in await _agents(viewer)}:
            return await _page(request, viewer, admin, 422, errors={"agent": _("Please choose: %(label)s.",
                                                                               label=_("Agent"))},
                               values={"label": label[:keys.LABEL_MAX]})
    else:
        agent_id = viewer.agent_id
    try:
        key = await keys.generate_key(viewer, agent_id, label)
    except ValidationFailed as exc:
        return await _page(request, viewer, admin, 422, errors=exc.errors,
                           values={"label": label[:keys.LABEL_MAX + 100], "agent": agent_id})
    # No redirect: the key is in this one answer only.
    return await _page(request, viewer, admin, new_key=key, notice=_("The API key is generated."))


async def _delete(request: Request, viewer: Viewer, key_id: int, admin: bool) -> Response:
    if not admin and key_id not in {k["id"] for k in await keys.list_keys(viewer, viewer.agent_id)}:
        # The profile deletes one's own keys only, a superadmin's too (others' are on the admin page).
        raise NotFound(_("Unknown API key."))
    await keys.delete_key(viewer, key_id)  # another agent's or workspace's key: NotFound (404)
    if not is_htmx(request):
        return redirect(request, request.app.route_reverse("admin.api_keys" if admin else "agent.api_keys"))
    return await _page(request, viewer, admin, notice=_("The API key is deleted. Programs using it are refused now."))


# -- the superadmin's page (admin router) ----------------------------------------------------------

@get("/api-keys", name="admin.api_keys")
async def admin_keys(request: Request, viewer: Injected[Viewer]) -> Template:
    return await _page(request, viewer, admin=True)


@post("/api-keys", name="admin.api_keys_generate")
async def admin_generate(request: Request, viewer: Injected[Viewer], data: Form) -> Template:
    return await _generate(request, viewer, data, admin=True)


@post("/api-keys/{key_id:int}/delete", name="admin.api_keys_delete")
async def admin_delete(request: Request, viewer: Injected[Viewer], key_id: Id) -> Response:
    return await _delete(request, viewer, key_id, admin=True)


# -- the agent's own keys (agent router) -----------------------------------------------------------

@get("/profile/api-keys", name="agent.api_keys")
async def own_keys(request: Request, viewer: Injected[Viewer]) -> Template:
    return await _page(request, viewer, admin=False)


@post("/profile/api-keys", name="agent.api_keys_generate")
async def own_generate(request: Request, viewer: Injected[Viewer], data: Form) -> Template:
    return await _generate(request, viewer, data, admin=False)


@post("/profile/api-keys/{key_id:int}/delete", name="agent.api_keys_delete")
async def own_delete(request: Request, viewer: Injected[Viewer], key_id: Id) -> Response:
    return await _delete(request, viewer, key_id, admin=False)


ADMIN_ROUTES = [admin_keys, admin_generate, admin_delete]
AGENT_ROUTES = [own_keys, own_generate, own_delete]
