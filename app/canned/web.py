"""The canned responses page (list, search, paging, create, edit, delete) and the reply box's
picker (matches, and a response's text filled in for the ticket being answered).

On the agent router: the guard loads `viewer`; every read and intent is scoped by it
(app/canned/service.py), so another agent's or workspace's response answers 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from app.accounts.viewer import Viewer
from app.canned import queries, service
from app.canned.service import BODY_MAX, TITLE_MAX, CannedInput
from app.errors import ValidationFailed
from app.tickets.web.common import layout
from app.web.dependencies import Injected
from app.web.params import MAX_ID, Form, Id, PageNumber, Text
from app.web.render import is_htmx, render

TicketNumber = Annotated[int, QueryParameter(name="ticket", ge=1, le=MAX_ID)]


async def _list(request: Request, viewer: Viewer, q: str, page: int, **extra: Any) -> Template:
    q = q.strip()[: queries.QUERY_MAX]
    context = {"listing": await queries.list_page(viewer, q, page), "q": q, "viewer": viewer, **extra}
    if not is_htmx(request):
        context.update(await layout(viewer))
    return render(request, "canned/index.html", context, fragment="canned/_list.html")


@get("/canned", name="agent.canned")
async def index(request: Request, viewer: Injected[Viewer], q: Text = "", page: PageNumber = 1) -> Template:
    """The page; an HTMX request (search box, paging) gets only #canned-list."""
    return await _list(request, viewer, q, page)


async def _form(viewer: Viewer, response: dict | None, values: dict, errors: dict, status_code: int = 200) -> Template:
    context = {**await layout(viewer), "response": response, "values": values, "errors": errors,
               "title_max": TITLE_MAX, "body_max": BODY_MAX}
    return Template("canned/form.html", context=context, status_code=status_code)


def _values(data: dict) -> dict:
    """What was typed, to show again next to the errors (only plain strings)."""
    return {k: v for k, v in data.items() if k in ("title", "body", "kind") and isinstance(v, str)}


def _back(request: Request) -> Redirect:
    return Redirect(request.app.route_reverse("agent.canned"), status_code=303)


@get("/canned/new", name="agent.canned_new")
async def new(viewer: Injected[Viewer]) -> Template:
    return await _form(viewer, None, {"kind": "personal"}, {})


@post("/canned", name="agent.canned_create")
async def create(request: Request, viewer: Injected[Viewer], data: Form) -> Response:
    try:
        await service.create_canned(viewer, CannedInput.from_form(data))
    except ValidationFailed as exc:
        return await _form(viewer, None, _values(data), exc.errors, 422)
    return _back(request)


@get("/canned/{response_id:int}/edit", name="agent.canned_edit")
async def edit(viewer: Injected[Viewer], response_id: Id) -> Template:
    response = await service.editable(viewer, response_id)
    return await _form(viewer, response, response, {})


@post("/canned/{response_id:int}", name="agent.canned_update")
async def update(request: Request, viewer: Injected[Viewer], response_id: Id, data: Form) -> Response:
    response = await service.editable(viewer, response_id)
    try:
        await service.update_canned(viewer, response_id, CannedInput.from_form(data))
    except ValidationFailed as exc:
        return await _form(viewer, response, _values(data), exc.errors, 422)
    return _back(request)


@post("/canned/{response_id:int}/delete", name="agent.canned_delete")
async def delete(request: Request, viewer: Injected[Viewer], response_id: Id) -> Response:
    """A plain form (redirect to the list) or, from the list with HTMX, the list swapped in place."""
    await service.delete_canned(viewer, response_id)
    if is_htmx(request):
        return await _list(request, viewer, "", 1)
    return _back(request)


@get("/canned/picker", name="agent.canned_picker")
async def picker(viewer: Injected[Viewer], ticket: TicketNumber, q: Text = "") -> Template:
    """The reply box's matches (#canned-matches), each a button that inserts its filled-in text."""
    matches = await queries.picker_matches(viewer, q)
    return Template("canned/_picker_matches.html", context={"matches": matches, "number": ticket, "q": q.strip()})


@get("/canned/{response_id:int}/fill", name="agent.canned_fill", media_type="text/plain")
async def fill(viewer: Injected[Viewer], response_id: Id, ticket: TicketNumber) -> str:
    """The response's text with the placeholders filled in for ticket #`ticket`."""
    return await queries.filled_for_ticket(viewer, response_id, ticket)


ROUTES = [index, new, create, edit, update, delete, picker, fill]
