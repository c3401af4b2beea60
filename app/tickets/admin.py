"""Superadmin pages for ticket types, and the progress of background jobs (a type's tickets
moving to another type). Behind the admin router's guards."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from app.accounts.viewer import Viewer
from app.errors import Conflict, NotFound, ValidationFailed
from app.i18n import _
from app.jobs.runner import job_for
from app.tickets import ticket_types
from app.tickets.queries import ticket_types as ticket_types_of
from app.validation import form_text, parse_int
from app.web.dependencies import Injected
from app.web.paging import SEARCH_MAX, like_pattern, paged
from app.web.params import Form, Id, PageNumber, Text
from app.web.render import is_htmx, redirect, render
from app.workspaces.service import get_by_id

TYPES_WITH_COUNTS = """
SELECT t.id, t.name, t.created_at, t.retired,
       (SELECT COUNT(*) FROM ticket WHERE ticket.ticket_type = t.id) AS tickets
FROM ticket_type t WHERE t.workspace = {} AND t.name LIKE {} ESCAPE '\\' ORDER BY t.id
"""


async def _types_page(request: Request, viewer: Viewer, status_code: int = 200, *, q: str = "", page: int = 1,
                      **context: Any) -> Template:
    context.setdefault("errors", {})
    context.setdefault("values", {})
    context.update(viewer=viewer, workspace=await get_by_id(viewer.workspace_id), q=q[:SEARCH_MAX],
                   listing=await paged(TYPES_WITH_COUNTS, viewer.workspace_id, like_pattern(q), page=page),
                   # where a removed type's tickets may go: every type that stays, not only this page's
                   targets=[(t["id"], t["name"]) for t in await ticket_types_of(viewer.workspace_id)])
    return render(request, "admin/types.html", context, fragment="admin/_types.html", status_code=status_code)


@get("/types", name="admin.types")
async def types_page(request: Request, viewer: Injected[Viewer], q: Text = "", page: PageNumber = 1) -> Template:
    """The ticket types (name containing `q`), with their forms; search and paging swap #types."""
    return await _types_page(request, viewer, q=q, page=page)


@post("/types", name="admin.types_add")
async def add_type(request: Request, viewer: Injected[Viewer], data: Form) -> Response:
    try:
        await ticket_types.add_type(viewer, form_text(data, "name"))
    except ValidationFailed as exc:
        return await _types_page(request, viewer, 422, errors=exc.errors, values={"name": form_text(data, "name")})
    return await _types_page(request, viewer, notice=_("Ticket type added.")) if is_htmx(request) else \
        redirect(request, request.app.route_reverse("admin.types"))


@post("/types/{type_id:int}", name="admin.types_rename")
async def rename_type(request: Request, viewer: Injected[Viewer], type_id: Id, data: Form) -> Response:
    try:
        await ticket_types.rename_type(viewer, type_id, form_text(data, "name"))
    except ValidationFailed as exc:
        return await _types_page(request, viewer, 422, errors={f"name-{type_id}": exc.errors["name"]})
    return await _types_page(request, viewer, notice=_("Ticket type renamed.")) if is_htmx(request) else \
        redirect(request, request.app.route_reverse("admin.types"))


@post("/types/{type_id:int}/remove", name="admin.types_remove")
async def remove_type(request: Request, viewer: Injected[Viewer], type_id: Id, data: Form) -> Response:
    move_to = parse_int(form_text(data, "move_to")) if form_text(data, "move_to").strip() else None
    try:
        job = await ticket_types.remove_type(viewer, type_id, move_to)
    except ValidationFailed as exc:
        return await _types_page(request, viewer, 422, errors={f"move_to-{type_id}": exc.errors["move_to"]},
                                 removing=type_id)
    except Conflict as exc:
        return await _types_page(request, viewer, 409, notice_error=exc.message)
    if job is not None:
        return redirect(request, request.app.route_reverse("admin.job", job_id=job["id"]))
    return await _types_page(request, viewer, notice=_("Ticket type removed.")) if is_htmx(request) else \
        redirect(request, request.app.route_reverse("admin.types"))


@get("/jobs/{job_id:int}", name="admin.job")
async def job_progress(request: Request, viewer: Injected[Viewer], job_id: Id) -> Template:
    """A background job's progress: the page, and the partial that reloads itself every second
    until the job has finished."""
    job = await job_for(viewer.workspace_id, job_id)
    if job is None:
        raise NotFound(_("No such job."))
    context = {"job": job}
    if not is_htmx(request):
        context.update(viewer=viewer, workspace=await get_by_id(viewer.workspace_id))
    return render(request, "admin/job.html", context, fragment="admin/_job.html")


ROUTES = [types_page, add_type, rename_type, remove_type, job_progress]
