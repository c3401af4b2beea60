"""HelpDeskPro's API paths (`/public/api/index.php/...`), so scripts written against its manual
run unchanged: the same operations as REST v1 (actions.py), with the manual's names. The ticket
is `id` in the query (get_ticket, update_ticket) or `ticket_id` in the body (add_comment); bodies
are JSON, form-encoded or multipart, as the manual's curl examples send them.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get, patch, post
from litestar.params import QueryParameter

from app.accounts.viewer import Viewer
from app.api import docs as api_docs
from app.api.rest import actions, models
from app.api.rest.body import Fields, read_body
from app.errors import ValidationFailed
from app.i18n import _
from app.services import Services
from app.web.dependencies import Injected

TAGS = ["HelpDeskPro"]
SECURITY = [{api_docs.REST_KEY: []}]  # the scheme declared in app/api/docs.py
TicketId = Annotated[str | None, QueryParameter(name="id", description="The ticket's number", max_length=20)]
Page = Annotated[str | None, QueryParameter(name="page", description="Page number, from 1", max_length=20)]
PerPage = Annotated[str | None, QueryParameter(name="per_page", description="Per page: default 20, at most 100",
                                          max_length=20)]


def _number(data: dict, field: str) -> int:
    errors = Fields()
    number = errors.number(data, field)
    if number is None:
        raise ValidationFailed({field: errors.get(field) or _("%(label)s is required.", label=field)})
    return number


@post("/create_ticket", name="helpdeskpro.create_ticket", status_code=201, tags=TAGS, security=SECURITY,
      summary="Create a ticket (HelpDeskPro)", description="The same as POST /api/v1/tickets.",
      operation_class=models.with_body(models.TicketIn), responses=models.errors(413, 422))
async def create_ticket(request: Request, viewer: Injected[Viewer]) -> models.TicketAnswer:
    return Response({"data": await actions.create(viewer, await read_body(request))}, status_code=201)  # type: ignore[return-value]


@post("/add_comment", name="helpdeskpro.add_comment", status_code=201, tags=TAGS, security=SECURITY,
      summary="Comment on a ticket (HelpDeskPro)",
      description="The same as POST /api/v1/tickets/{number}/comments, the ticket named by `ticket_id`.",
      operation_class=models.with_body(models.CommentIn, multipart=True),
      responses=models.errors(404, 409, 413, 422))
async def add_comment(request: Request, viewer: Injected[Viewer], services: Injected[Services]) -> models.CommentAnswer:
    data = await read_body(request)
    answer = await actions.comment(viewer, _number(data, "ticket_id"), data, services)
    return Response(answer, status_code=201)  # type: ignore[return-value]


@get("/get_tickets", name="helpdeskpro.get_tickets", tags=TAGS, security=SECURITY,
     summary="List tickets (HelpDeskPro)",
     description="The same as GET /api/v1/tickets (filters status, priority, assignee, group, tag, q).",
     responses=models.errors(422))
async def get_tickets(request: Request, viewer: Injected[Viewer], services: Injected[Services], page: Page = None,
                      per_page: PerPage = None) -> models.TicketList:
    return await actions.list_tickets(viewer, dict(request.query_params), services)  # type: ignore[return-value]


@get("/get_ticket", name="helpdeskpro.get_ticket", tags=TAGS, security=SECURITY, summary="Get a ticket (HelpDeskPro)",
     description="The same as GET /api/v1/tickets/{number}, the ticket named by `id`.",
     responses=models.errors(404, 422))
async def get_ticket(request: Request, viewer: Injected[Viewer], services: Injected[Services], id: TicketId = None,  # noqa: A002
                     page: Page = None, per_page: PerPage = None) -> models.TicketDetailAnswer:
    params = dict(request.query_params)
    base = services.settings.server.base_url.rstrip("/")
    return await actions.show(viewer, _number(params, "id"), params, base)  # type: ignore[return-value]


@patch("/update_ticket", name="helpdeskpro.update_ticket", tags=TAGS, security=SECURITY,
       summary="Update a ticket (HelpDeskPro)",
       description="The same as PATCH /api/v1/tickets/{number}, the ticket named by `id`.",
       operation_class=models.with_body(models.TicketPatch), responses=models.errors(404, 409, 422))
async def update_ticket(request: Request, viewer: Injected[Viewer], id: TicketId = None) -> models.TicketAnswer:  # noqa: A002
    number = _number(dict(request.query_params), "id")
    return {"data": await actions.update(viewer, number, await read_body(request))}  # type: ignore[return-value]


@get("/get_users", name="helpdeskpro.get_users", tags=TAGS, security=SECURITY, summary="List the agents (HelpDeskPro)",
     description="The same as GET /api/v1/users.", responses=models.errors())
async def get_users(viewer: Injected[Viewer]) -> models.UserList:
    return await actions.users(viewer)  # type: ignore[return-value]


ROUTES = [create_ticket, add_comment, get_tickets, get_ticket, update_ticket, get_users]
