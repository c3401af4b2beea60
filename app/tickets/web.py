"""The agent's pages: dashboard, ticket list (with search) and the ticket page."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, MultipartBody, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from app.accounts.viewer import Viewer
from app.errors import ValidationFailed
from app.portal.web import attachment_response
from app.search.query import Scope
from app.tickets import queries
from app.tickets import service as tickets
from app.tickets.files import Upload
from app.tickets.status import MANUAL_STATUSES
from app.web.auth import provide_viewer
from app.web.render import is_htmx, render
from app.workspaces.service import get_by_id

Form = URLEncodedBody[dict[str, Any]]
Multipart = MultipartBody[dict[str, Any]]
AGENT = {"viewer": Provide(provide_viewer)}
AgentViewer = NamedDependency[Viewer]
PER_PAGE = 25


async def _layout(viewer: Viewer) -> dict:
    return {"viewer": viewer, "workspace": await get_by_id(viewer.workspace_id)}


@get("/", dependencies=AGENT)
async def home(viewer: AgentViewer) -> Redirect:
    return Redirect("/dashboard", status_code=303)


@get("/dashboard", dependencies=AGENT)
async def dashboard(request: Request, viewer: AgentViewer) -> Template:
    context = await _layout(viewer)
    context["counts"] = await queries.dashboard_counts(viewer)
    context["public_link"] = request.app.state.links.public_page(context["workspace"]["key"])
    context["recent"] = (await queries.list_tickets(viewer, scope="groups", per_page=5)).rows
    return render(request, "tickets/dashboard.html", context)


@get("/tickets", dependencies=AGENT)
async def ticket_list(request: Request, viewer: AgentViewer, which: Annotated[str, QueryParameter(name="scope")] = "groups", q: FromQuery[str] = "", page: FromQuery[int] = 1) -> Template | Redirect:
    """The list page; an HTMX request (search box, paging) gets only the rows."""
    scope = which if which in queries.SCOPES else "groups"
    q = q.strip()
    if q:
        number = await queries.find_by_reference(viewer, q)
        if number is not None:  # an exact #N or hash jumps straight to the ticket
            url = f"/tickets/{number}"
            return Response(None, headers={"HX-Redirect": url}) if is_htmx(request) else Redirect(url, status_code=303)
        listing = await _search_page(request, viewer, scope, q, max(1, page))
    else:
        listing = await queries.list_tickets(viewer, scope=scope, page=max(1, page), per_page=PER_PAGE)
    context = {"listing": listing, "scope": scope, "q": q}
    if not is_htmx(request):
        context.update(await _layout(viewer))
    return render(request, "tickets/list.html", context, fragment="tickets/_rows.html")


def _search_scope(viewer: Viewer, scope: str) -> Scope:
    if scope == "mine":
        return Scope(viewer.workspace_id, assignee_id=viewer.agent_id)
    if scope == "groups":
        return Scope(viewer.workspace_id, group_ids=tuple(sorted(viewer.group_ids)))
    return Scope(viewer.workspace_id)


async def _search_page(request: Request, viewer: Viewer, scope: str, q: str, page: int) -> queries.Page:
    """One page of search hits, most relevant first; the index pages and filters, SQL fills rows."""
    search, where = request.app.state.search, _search_scope(viewer, scope)
    result = await search.search(where, q, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    last_page = max(1, -(-result.total // PER_PAGE))
    if page > last_page:  # a stale "next" link or a typed ?page=: show the last page instead
        page = last_page
        result = await search.search(where, q, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    rows = await queries.rows_in_order(viewer, scope, [hit.ticket_id for hit in result.hits])
    return queries.Page(rows=rows, total=result.total, page=page, per_page=PER_PAGE, more=result.more)


async def _ticket_context(request: Request, viewer: Viewer, number: int) -> dict:
    ticket = await queries.ticket_for_agent(viewer, number)
    return {
        "ticket": ticket,
        "entries": await queries.thread(ticket["id"], for_customer=False),
        "attachments": await queries.attachments(ticket["id"], for_customer=False),
        "options": await queries.ticket_options(viewer.workspace_id),
        "statuses": MANUAL_STATUSES,
        "errors": {},
    }


async def _ticket_page(request: Request, viewer: Viewer, number: int, status_code: int = 200, **extra: Any) -> Template:
    context = await _ticket_context(request, viewer, number)
    context.update(extra)
    if not is_htmx(request):
        context.update(await _layout(viewer))
    return render(request, "tickets/show.html", context, fragment="tickets/_detail.html", status_code=status_code)


@get("/tickets/{number:int}", dependencies=AGENT)
async def show_ticket(request: Request, viewer: AgentViewer, number: FromPath[int]) -> Template:
    return await _ticket_page(request, viewer, number)


async def _after_change(request: Request, viewer: Viewer, number: int, notice: str) -> Template | Redirect:
    if is_htmx(request):
        return await _ticket_page(request, viewer, number, notice=notice)
    return Redirect(f"/tickets/{number}", status_code=303)


@post("/tickets/{number:int}/reply", dependencies=AGENT)
async def reply(request: Request, viewer: AgentViewer, number: FromPath[int], data: Form) -> Template | Redirect:
    internal = data.get("internal") in ("1", "on", "true")
    workspace = await get_by_id(viewer.workspace_id)
    try:
        await tickets.agent_reply(viewer, number, data, internal=internal, links=request.app.state.links, workspace=workspace)
    except ValidationFailed as exc:
        return await _ticket_page(request, viewer, number, 422, errors=exc.errors, draft=data.get("text", ""))
    return await _after_change(request, viewer, number, "Note saved." if internal else "Reply sent to the customer.")


@post("/tickets/{number:int}/update", dependencies=AGENT)
async def update(request: Request, viewer: AgentViewer, number: FromPath[int], data: Form) -> Template | Redirect:
    """One form field per change: status, prio, type, group or assignee (empty = release)."""
    workspace = await get_by_id(viewer.workspace_id)
    try:
        if "status" in data:
            await tickets.set_status(viewer, number, _int(data, "status"), links=request.app.state.links, workspace=workspace)
        if "prio" in data:
            await tickets.set_priority(viewer, number, _int(data, "prio"))
        if "type" in data:
            await tickets.set_type(viewer, number, _int(data, "type"))
        if "group" in data:
            await tickets.set_group(viewer, number, _int(data, "group"))
        if "assignee" in data:
            value = data.get("assignee") or ""
            await tickets.assign(viewer, number, int(value) if value.isdigit() else None)
    except ValidationFailed as exc:
        return await _ticket_page(request, viewer, number, 422, errors=exc.errors)
    return await _after_change(request, viewer, number, "Ticket updated.")


def _int(data: dict, field: str) -> int:
    try:
        return int(data.get(field, ""))
    except (TypeError, ValueError):
        raise ValidationFailed({field: "Please choose a value."}) from None


@post("/tickets/{number:int}/attachments", dependencies=AGENT)
async def upload(request: Request, viewer: AgentViewer, number: FromPath[int], data: Multipart) -> Template | Redirect:
    workspace = await get_by_id(viewer.workspace_id)
    file = data.get("file")
    try:
        if not isinstance(file, UploadFile) or not file.filename:
            raise ValidationFailed({"file": "Please choose a file."})
        content = await file.read()
        await tickets.add_agent_attachment(
            viewer, number, Upload(file.filename, file.content_type, content), request.app.state.storage, workspace
        )
    except ValidationFailed as exc:
        return await _ticket_page(request, viewer, number, 422, errors=exc.errors)
    return await _after_change(request, viewer, number, "File uploaded.")


@get("/tickets/{number:int}/files/{attachment_id:int}", dependencies=AGENT)
async def download(request: Request, viewer: AgentViewer, number: FromPath[int], attachment_id: FromPath[int]) -> Response:
    row = await queries.attachment_for_agent(viewer, number, attachment_id)
    return attachment_response(request, row)


ROUTES = [home, dashboard, ticket_list, show_ticket, reply, update, upload, download]
