"""Superadmin pages for groups: the list, a group's page (its fields, members, default, delete)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from app.accounts.tables import Agent
from app.accounts.viewer import Viewer
from app.errors import Conflict, ValidationFailed
from app.groups import service
from app.i18n import _
from app.validation import form_text, parse_int
from app.web.dependencies import Injected
from app.web.paging import SEARCH_MAX, like_pattern, paged
from app.web.params import Form, Id, PageNumber, Text
from app.web.render import is_htmx, redirect, render
from app.workspaces.service import get_by_id

GROUPS_WITH_COUNTS = """
SELECT g.id, g.name, g.description, g.is_default, g.retired,
       (SELECT COUNT(*) FROM group_member m WHERE m."group" = g.id) AS members,
       (SELECT COUNT(*) FROM ticket t WHERE t."group" = g.id) AS tickets
FROM agent_group g
WHERE g.workspace = {} AND (g.name LIKE {} ESCAPE '\\' OR g.description LIKE {} ESCAPE '\\')
ORDER BY g.name COLLATE NOCASE, g.id
"""


async def _layout(viewer: Viewer) -> dict:
    return {"viewer": viewer, "workspace": await get_by_id(viewer.workspace_id)}


async def _list_page(request: Request, viewer: Viewer, status_code: int = 200, *, q: str = "", page: int = 1,
                     **context: Any) -> Template:
    context.setdefault("errors", {})
    context.setdefault("values", {})
    pattern = like_pattern(q)
    context.update(listing=await paged(GROUPS_WITH_COUNTS, viewer.workspace_id, pattern, pattern, page=page),
                   q=q[:SEARCH_MAX])
    if not is_htmx(request):
        context.update(await _layout(viewer))
    return render(request, "admin/groups.html", context, fragment="admin/_group_rows.html", status_code=status_code)


@get("/groups", name="admin.groups")
async def groups_page(request: Request, viewer: Injected[Viewer], q: Text = "", page: PageNumber = 1) -> Template:
    """The workspace's groups (name or description containing `q`); the search box and the pager
    swap only the rows."""
    return await _list_page(request, viewer, q=q, page=page)


@post("/groups", name="admin.groups_create")
async def create_group(request: Request, viewer: Injected[Viewer], data: Form) -> Response:
    values = {"name": form_text(data, "name"), "description": form_text(data, "description")}
    try:
        group = await service.create_group(viewer, values["name"], values["description"])
    except ValidationFailed as exc:
        return await _list_page(request, viewer, 422, errors=exc.errors, values=values)
    return redirect(request, request.app.route_reverse("admin.group", group_id=group["id"]))


async def _group_page(request: Request, viewer: Viewer, group_id: int, status_code: int = 200,
                      **context: Any) -> Template:
    group = await service.group_of(viewer.workspace_id, group_id)
    members = await Agent.raw(
        'SELECT a.id, a.first_name, a.last_name, a.email FROM agent a JOIN group_member m ON m.agent = a.id '
        'WHERE m."group" = {} ORDER BY a.first_name, a.last_name', group_id)
    others = await Agent.select(Agent.id, Agent.first_name, Agent.last_name).where(
        Agent.workspace == viewer.workspace_id, Agent.id.not_in([m["id"] for m in members] or [-1]),
        Agent.retired.eq(False)).order_by(Agent.first_name)
    context.setdefault("errors", {})
    context.update(group=group, members=members, candidates=[(a["id"], f"{a['first_name']} {a['last_name']}")
                                                             for a in others])
    if not is_htmx(request):
        context.update(await _layout(viewer))
    return render(request, "admin/group.html", context, fragment="admin/_group.html", status_code=status_code)


@get("/groups/{group_id:int}", name="admin.group")
async def group_page(request: Request, viewer: Injected[Viewer], group_id: Id) -> Template:
    return await _group_page(request, viewer, group_id)


@post("/groups/{group_id:int}", name="admin.group_update")
async def update_group(request: Request, viewer: Injected[Viewer], group_id: Id, data: Form) -> Response:
    try:
        await service.update_group(viewer, group_id, form_text(data, "name"), form_text(data, "description"))
    except ValidationFailed as exc:
        return await _group_page(request, viewer, group_id, 422, errors=exc.errors)
    return await _group_page(request, viewer, group_id, notice=_("Group saved."))


@post("/groups/{group_id:int}/default", name="admin.group_default")
async def set_default(request: Request, viewer: Injected[Viewer], group_id: Id) -> Response:
    try:
        await service.set_default(viewer, group_id)
    except Conflict as exc:
        return await _group_page(request, viewer, group_id, 409, notice_error=exc.message)
    return await _group_page(request, viewer, group_id, notice=_("This is the default group now."))


@post("/groups/{group_id:int}/auto", name="admin.group_auto")
async def auto_assign(request: Request, viewer: Injected[Viewer], group_id: Id, data: Form) -> Response:
    """Automatic assignment: `mode` "off" or "round_robin", `limit` the cap of open tickets."""
    try:
        await service.set_auto_assign(viewer, group_id, form_text(data, "mode") == "round_robin",
                                      parse_int(form_text(data, "limit") or "0"))
    except ValidationFailed as exc:
        return await _group_page(request, viewer, group_id, 422, errors=exc.errors)
    return await _group_page(request, viewer, group_id, notice=_("Automatic assignment saved."))


@post("/groups/{group_id:int}/members", name="admin.group_add_member")
async def add_member(request: Request, viewer: Injected[Viewer], group_id: Id, data: Form) -> Response:
    try:
        agent_id = parse_int(form_text(data, "agent"))
        if agent_id is None:
            raise ValidationFailed({"agent": _("Please choose an agent.")})
        await service.add_member(viewer, group_id, agent_id)
    except ValidationFailed as exc:
        return await _group_page(request, viewer, group_id, 422, errors=exc.errors)
    return await _group_page(request, viewer, group_id, notice=_("Agent added to the group."))


@post("/groups/{group_id:int}/members/{agent_id:int}/remove", name="admin.group_remove_member")
async def remove_member(request: Request, viewer: Injected[Viewer], group_id: Id, agent_id: Id) -> Response:
    await service.remove_member(viewer, group_id, agent_id)
    return await _group_page(request, viewer, group_id, notice=_("Agent removed from the group."))


@post("/groups/{group_id:int}/delete", name="admin.group_delete")
async def delete_group(request: Request, viewer: Injected[Viewer], group_id: Id) -> Response:
    try:
        job = await service.delete_group(viewer, group_id)
    except Conflict as exc:
        return await _group_page(request, viewer, group_id, 409, notice_error=exc.message)
    if job is not None:
        return redirect(request, request.app.route_reverse("admin.job", job_id=job["id"]))
    return redirect(request, request.app.route_reverse("admin.groups"))


ROUTES = [groups_page, create_group, group_page, update_group, set_default, auto_assign, add_member,
          remove_member, delete_group]
