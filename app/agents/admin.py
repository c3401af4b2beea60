"""Superadmin pages for agents: the list (search, paging) with the create form, and an agent's page
(fields, groups, a new invitation, delete). Behind the admin router's guards."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from app.accounts.viewer import Viewer
from app.agents import queries, service
from app.agents.inputs import checked, edited_agent_from_form, new_agent_from_form
from app.errors import Conflict, ValidationFailed
from app.i18n import _
from app.validation import form_text, parse_int
from app.web.dependencies import Injected
from app.web.paging import SEARCH_MAX
from app.web.params import Form, Id, PageNumber, Text
from app.web.render import is_htmx, redirect, render
from app.workspaces.service import get_by_id

CREATE_FIELDS = ("first_name", "last_name", "email", "position", "superadmin", "access")


async def _list_page(request: Request, viewer: Viewer, *, q: str = "", page: int = 1, status_code: int = 200,
                     **context: Any) -> Template:
    context.setdefault("errors", {})
    context.setdefault("values", {"access": "password"})
    context.update(listing=await queries.agents_page(viewer.workspace_id, q=q, page=page), q=q[:SEARCH_MAX])
    if not is_htmx(request):
        context.update(viewer=viewer, workspace=await get_by_id(viewer.workspace_id))
    return render(request, "admin/agents.html", context, fragment="admin/_agent_rows.html", status_code=status_code)


@get("/agents", name="admin.agents")
async def agents_page(request: Request, viewer: Injected[Viewer], q: Text = "", page: PageNumber = 1) -> Template:
    """Every agent of the workspace; the search box and the pager swap only the rows."""
    return await _list_page(request, viewer, q=q, page=page)


@post("/agents", name="admin.agents_create")
async def create_agent(request: Request, viewer: Injected[Viewer], data: Form) -> Template:
    """Create (with a password) or invite. The answer is the same whether or not the address already
    had an account somewhere (its owner got a notice instead): it names the address, not an agent."""
    values = {name: form_text(data, name) for name in CREATE_FIELDS}
    try:
        fields, password = new_agent_from_form(data)
    except ValidationFailed as exc:
        return await _list_page(request, viewer, status_code=422, errors=exc.errors, values=values)
    if password is None:
        await service.invite_agent(viewer, fields)
        notice = _("We have sent an invitation to %(email)s.", email=fields.email)
    else:
        await service.create_agent(viewer, fields, password)
        notice = _("The account for %(email)s is ready: they can log in with the password you chose.",
                   email=fields.email)
    return await _list_page(request, viewer, notice=notice)


async def _agent_page(request: Request, viewer: Viewer, agent_id: int, status_code: int = 200,
                      **context: Any) -> Template:
    agent = await queries.agent_of(viewer.workspace_id, agent_id)
    member_of, candidates = await queries.groups_of(viewer.workspace_id, agent_id)
    context.setdefault("errors", {})
    context.setdefault("values", agent)
    context.update(agent=agent, member_of=member_of, candidates=candidates, viewer_id=viewer.agent_id)
    if not is_htmx(request):
        context.update(viewer=viewer, workspace=await get_by_id(viewer.workspace_id))
    return render(request, "admin/agent.html", context, fragment="admin/_agent.html", status_code=status_code)


@get("/agents/{agent_id:int}", name="admin.agent")
async def agent_page(request: Request, viewer: Injected[Viewer], agent_id: Id) -> Template:
    return await _agent_page(request, viewer, agent_id)


@post("/agents/{agent_id:int}", name="admin.agent_update")
async def update_agent(request: Request, viewer: Injected[Viewer], agent_id: Id, data: Form) -> Response:
    await queries.agent_of(viewer.workspace_id, agent_id)  # another workspace's agent: 404 first
    values = {name: form_text(data, name) for name in (*CREATE_FIELDS, "active")}
    try:
        fields, password = edited_agent_from_form(data)
        requested = await service.update_agent(viewer, agent_id, fields, password)
    except ValidationFailed as exc:
        return await _agent_page(request, viewer, agent_id, 422, errors=exc.errors,
                                 values={**values, "superadmin": bool(values["superadmin"]),
                                         "active": bool(values["active"])})
    except Conflict as exc:
        return await _agent_page(request, viewer, agent_id, 409, notice_error=exc.message)
    if agent_id == viewer.agent_id and not checked(data, "superadmin"):
        return redirect(request, request.app.route_reverse("agent.dashboard"))  # no admin any more
    notice = _("Agent saved.")
    if requested:
        notice = _("Agent saved. The login changes to %(email)s once the link we mailed there is opened.",
                   email=requested)
    return await _agent_page(request, viewer, agent_id, notice=notice)


@post("/agents/{agent_id:int}/groups", name="admin.agent_add_group")
async def add_group(request: Request, viewer: Injected[Viewer], agent_id: Id, data: Form) -> Response:
    try:
        await service.add_to_group(viewer, agent_id, parse_int(form_text(data, "group")))
    except ValidationFailed as exc:
        return await _agent_page(request, viewer, agent_id, 422, errors=exc.errors)
    except Conflict as exc:
        return await _agent_page(request, viewer, agent_id, 409, notice_error=exc.message)
    return await _agent_page(request, viewer, agent_id, notice=_("Agent added to the group."))


@post("/agents/{agent_id:int}/groups/{group_id:int}/remove", name="admin.agent_remove_group")
async def remove_group(request: Request, viewer: Injected[Viewer], agent_id: Id, group_id: Id) -> Response:
    await service.remove_from_group(viewer, agent_id, group_id)
    return await _agent_page(request, viewer, agent_id, notice=_("Agent removed from the group."))


@post("/agents/{agent_id:int}/invite", name="admin.agent_reinvite")
async def reinvite(request: Request, viewer: Injected[Viewer], agent_id: Id) -> Response:
    try:
        await service.reinvite(viewer, agent_id)
    except Conflict as exc:
        return await _agent_page(request, viewer, agent_id, 409, notice_error=exc.message)
    return await _agent_page(request, viewer, agent_id, notice=_("We have sent a new invitation."))


@post("/agents/{agent_id:int}/delete", name="admin.agent_delete")
async def delete_agent(request: Request, viewer: Injected[Viewer], agent_id: Id) -> Response:
    try:
        job = await service.delete_agent(viewer, agent_id)
    except Conflict as exc:
        return await _agent_page(request, viewer, agent_id, 409, notice_error=exc.message)
    if job is not None:
        return redirect(request, request.app.route_reverse("admin.job", job_id=job["id"]))
    return redirect(request, request.app.route_reverse("admin.agents"))


ROUTES = [agents_page, create_agent, agent_page, update_agent, add_group, remove_group, reinvite, delete_agent]
