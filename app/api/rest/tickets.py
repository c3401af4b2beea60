"""REST API v1 (`/api/v1/...`): tickets and users for agents' programs, with a per-agent key.

Thin handlers: read the body (body.py), call actions.py (shared with the HelpDeskPro paths),
answer JSON. The router (app/asgi.py) provides `viewer` from the key (auth.py) and the REST
error shape. `{number}` is the ticket's number in the key's workspace.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get, patch, post
from litestar.params import Parameter, QueryParameter

from app.accounts.viewer import Viewer
from app.api import docs as api_docs
from app.api.rest import actions, models
from app.api.rest.body import read_body
from app.services import Services
from app.tickets import queries
from app.tickets.refs import AgentTicket
from app.web.dependencies import Injected
from app.web.files import download
from app.web.params import Id

TAGS = ["REST v1"]
SECURITY = [{api_docs.REST_KEY: []}]  # the scheme declared in app/api/docs.py
Page = Annotated[str | None, QueryParameter(name="page", description="Page number, from 1", max_length=20)]
PerPage = Annotated[str | None, QueryParameter(name="per_page", description="Per page: default 20, at most 100",
                                          max_length=20)]
Filter = Annotated[str | None, Parameter(max_length=200)]


def _base(services: Services) -> str:
    return services.settings.server.base_url.rstrip("/")


@post("/tickets", name="rest.create_ticket", status_code=201, tags=TAGS, security=SECURITY,
      summary="Create a ticket",
      description="Opens a ticket as the key's agent. Without `customer_email` the agent is the requester and "
                  "no mail goes out; with it, the customer is mailed the ticket's link (no confirmation). "
                  "JSON, form-encoded or multipart.",
      operation_class=models.with_body(models.TicketIn), responses=models.errors(413, 422))
async def create_ticket(request: Request, viewer: Injected[Viewer]) -> models.TicketAnswer:
    return Response({"data": await actions.create(viewer, await read_body(request))}, status_code=201)  # type: ignore[return-value]


@get("/tickets", name="rest.list_tickets", tags=TAGS, security=SECURITY, summary="List tickets",
     description="The tickets the key's agent may see, newest activity first (by relevance with `q`), "
                 "filtered and paged.",
     responses=models.errors(422))
async def list_tickets(
    request: Request, viewer: Injected[Viewer], services: Injected[Services], page: Page = None,
    per_page: PerPage = None,
    status: Annotated[str | None, Parameter(description="Status names or codes, comma-separated (open,in_progress)",
                                            max_length=200)] = None,
    priority: Annotated[str | None, Parameter(description="low, medium, high or 1-3", max_length=20)] = None,
    assignee: Annotated[str | None, Parameter(description="An agent's id, me or none", max_length=20)] = None,
    group: Annotated[str | None, Parameter(description="A group's id", max_length=20)] = None,
    tag: Filter = None,
    q: Annotated[str | None, Parameter(description="Search words (full text)", max_length=200)] = None,
) -> models.TicketList:
    return await actions.list_tickets(viewer, dict(request.query_params), services)  # type: ignore[return-value]


@get("/tickets/{number:int}", name="rest.get_ticket", tags=TAGS, security=SECURITY, summary="Get a ticket",
     description="The ticket with one page of its comments (customer messages, replies and internal notes, "
                 "oldest first) and its attachments.",
     responses=models.errors(404, 422))
async def get_ticket(request: Request, viewer: Injected[Viewer], services: Injected[Services], number: Id,
                     page: Page = None, per_page: PerPage = None) -> models.TicketDetailAnswer:
    return await actions.show(viewer, number, dict(request.query_params), _base(services))  # type: ignore[return-value]


@patch("/tickets/{number:int}", name="rest.update_ticket", tags=TAGS, security=SECURITY, summary="Update a ticket",
       description="Changes the fields sent, all in one transaction or none: status, priority, deadline (null "
                   "clears), assigned_user_id (null releases; an agent on vacation is refused with 422), type, "
                   "group, subject, tags.",
       operation_class=models.with_body(models.TicketPatch), responses=models.errors(404, 409, 422))
async def update_ticket(request: Request, viewer: Injected[Viewer], number: Id) -> models.TicketAnswer:
    return {"data": await actions.update(viewer, number, await read_body(request))}  # type: ignore[return-value]


@post("/tickets/{number:int}/comments", name="rest.add_comment", status_code=201, tags=TAGS, security=SECURITY,
      summary="Comment on a ticket",
      description="A reply (mailed to the customer; the ticket then waits for them) or, with `internal: true`, "
                  "an internal note. As multipart, `attachment` adds a file.",
      operation_class=models.with_body(models.CommentIn, multipart=True),
      responses=models.errors(404, 409, 413, 422))
async def add_comment(request: Request, viewer: Injected[Viewer], services: Injected[Services],
                      number: Id) -> models.CommentAnswer:
    return Response(await actions.comment(viewer, number, await read_body(request), services),  # type: ignore[return-value]
                    status_code=201)


@get("/tickets/{number:int}/attachments/{attachment_id:int}", name="rest.attachment", tags=TAGS, security=SECURITY,
     summary="Download an attachment", description="The file, as a download (application/octet-stream).",
     responses=models.errors(404), media_type="application/octet-stream")
async def get_attachment(viewer: Injected[Viewer], services: Injected[Services], number: Id,
                         attachment_id: Id) -> bytes:
    row = await queries.attachment(AgentTicket(viewer, number), attachment_id, for_customer=False)
    return download(services.storage.directory / row["stored_name"], row["filename"])  # type: ignore[return-value]


@get("/users", name="rest.users", tags=TAGS, security=SECURITY, summary="List the agents",
     description="The workspace's agents (not deleted ones), for assigned_user_id.",
     responses=models.errors())
async def users(viewer: Injected[Viewer]) -> models.UserList:
    return await actions.users(viewer)  # type: ignore[return-value]


ROUTES = [create_ticket, list_tickets, get_ticket, update_ticket, add_comment, get_attachment, users]
