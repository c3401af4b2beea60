"""The HelpRealm API's ticket endpoints (manual: "API Endpoint"). Each handler is the gate
(gate.py: the manual's check order), one service call, and the answer's shape; the services are
the ones the customer's web pages use, so the API and the portal cannot disagree on a rule."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, post
from litestar.datastructures import UploadFile
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import PathParameter

from app.api.helprealm import forms, reads, shapes
from app.api.helprealm.forms import APITOKEN, HASH, TEXT, Field
from app.api.helprealm.gate import Answer, Call, retry_after, run
from app.errors import NotFound, RateLimited
from app.i18n import _
from app.services import Services
from app.tickets import queries, service
from app.tickets.files import Upload
from app.tickets.inputs import Channel, NewTicket, Reply
from app.tickets.queries import CUSTOMER_POSTS
from app.tickets.refs import CustomerTicket
from app.web.dependencies import Injected

TAGS = ["HelpRealm API"]
# The workspace key: any text, unbounded (an unknown one is the manual's 404, never Litestar's 400).
Path = Annotated[str, PathParameter(description="The workspace key (its public page's address).")]

CREATE = (APITOKEN,
          Field("subject", "The subject of the ticket.", min_length=Channel.API.min_subject, max_length=200),
          TEXT,
          Field("name", "The customer's name.", max_length=200),
          Field("email", "The customer's e-mail address.", max_length=254),
          Field("type", "The id of one of the workspace's ticket types.", kind="integer", minimum=1),
          Field("prio", "1 = low, 2 = medium, 3 = high.", kind="integer", minimum=1, maximum=3),
          Field("attachment", "A file to attach (multipart; the workspace's upload rules apply).", kind="file",
                required=False))
BY_HASH = (APITOKEN, HASH)
THREAD = (*BY_HASH,
          Field("paginate", "Only posts with an id below this one (the next page).", kind="integer", required=False,
                minimum=1),
          Field("limit", f"At most this many posts (default {forms.LIMIT_DEFAULT}).", kind="integer", required=False,
                minimum=1, maximum=forms.LIMIT_MAX))
COMMENT_ADD = (*BY_HASH, TEXT)
COMMENT_EDIT = (*BY_HASH, Field("cmt_id", "The id of the customer's comment.", kind="integer", minimum=1), TEXT)
FILE_ADD = (*BY_HASH, Field("attachment", "The file (the workspace's upload rules apply).", kind="file"))
FILE_DELETE = (*BY_HASH, Field("file_id", "The id of an attachment the customer added.", kind="integer", minimum=1))

_500 = ResponseSpec(generate_examples=False, data_container=shapes.HelpRealmInvalidPostData, description=(
    "Invalid post data: `invalid_fields` lists every failed field with the value sent. (A real server "
    "error also answers 500, with `error` and no `invalid_fields`.)"))
_404 = ResponseSpec(generate_examples=False, data_container=shapes.HelpRealmNotFound, description=(
    "No such workspace (only `code` and `workspace`), ticket (`ticket`: the hash sent), post or file (`error`)."))
_403 = ResponseSpec(generate_examples=False, data_container=shapes.HelpRealmRefused, description=(
    "API access is switched off (`paidforapi`: false) or the token is wrong (`apitoken`: the token sent); "
    "or the ticket refuses the action (`error`)."))
_429 = ResponseSpec(generate_examples=False, data_container=shapes.HelpRealmTooMany,
                    description="Too many requests: see the Retry-After header.")
_413 = ResponseSpec(generate_examples=False, data_container=shapes.HelpRealmTooLarge,
                    description="The body is larger than the server takes (app.toml `[limits] upload_max_bytes` "
                                "for the routes with a file, 256 KB for the others).")
ERRORS = {403: _403, 404: _404, 413: _413, 429: _429, 500: _500}
CHECK_ORDER = ("Checked in this order: the fields (500), the workspace (404), API access and token (403), "
               "the ticket (404). Form-encoded or multipart.")


def _route(path: str, name: str, summary: str, description: str, fields: tuple[Field, ...], **options):
    return post(f"/{{workspace:str}}/ticket/{path}", name=f"api.ticket_{name}", summary=summary,
                description=f"{description}\n\n{CHECK_ORDER}", tags=TAGS, responses=ERRORS,
                operation_class=shapes.form_operation(fields), **options)


# -- create ------------------------------------------------------------------------------------


async def _create(call: Call) -> Response:
    types = {row["id"] for row in await queries.ticket_types(call.workspace["id"])}
    if forms.number(call.data, "type") not in types:
        raise Answer(404, ticket_type=call.data["type"])
    wait = call.services.api_limits.ticket_wait
    try:  # claimed before the next await: simultaneous requests of one client cannot all pass
        wait.claim(call.address, _("Please wait %(seconds)d seconds before opening another ticket."))
    except RateLimited as exc:
        raise Answer(429, retry_after(exc), error=exc.message, ticket_wait_time=int(exc.retry_after) + 1) from None
    try:
        new = NewTicket.from_form(call.data, channel=Channel.API, type_ids=types)
        file = call.form.values.get("attachment")
        if isinstance(file, UploadFile):
            upload = Upload(file.filename, file.content_type, await file.read())
            created, _row = await service.create_ticket_with_file(call.workspace, new, upload, call.services.storage)
        else:
            created = await service.create_ticket(call.workspace, new)
    except BaseException:
        wait.release(call.address)  # nothing was opened
        raise
    return shapes.answer(call.key, 201, data=shapes.ticket_data(created.ticket))


@_route("create", "create", "Create a ticket",
        "Opens a ticket for a customer, as the public form does (confirmation mail where the workspace asks "
        "for it). A ticket type that is not the workspace's is 404 with `ticket_type`; one client creating "
        "tickets too quickly gets 429 with `ticket_wait_time` (seconds). Answers 201 with the stored ticket.",
        CREATE, status_code=201)
async def create(request: Request, workspace: Path, services: Injected[Services]) -> Response[shapes.HelpRealmCreated]:
    return await run(request, workspace, services, CREATE, forms.ticket_fields, _create)


# -- reading -----------------------------------------------------------------------------------


async def _info(call: Call) -> Response:
    ticket = await queries.ticket_page(CustomerTicket(call.workspace["id"], call.ticket["hash"]))
    return shapes.answer(call.key, 200, data=shapes.ticket_info(ticket))


@_route("info", "info", "Ticket information",
        "The ticket with its type, status, group, assignee, tags and times.", BY_HASH, status_code=200)
async def info(request: Request, workspace: Path, services: Injected[Services]) -> Response[shapes.HelpRealmInfo]:
    return await run(request, workspace, services, BY_HASH, forms.reference_fields, _info)


async def _thread(call: Call) -> Response:
    limit = forms.number(call.data, "limit", forms.LIMIT_DEFAULT)
    rows = await reads.posts(call.ticket["id"], forms.number(call.data, "paginate"), limit)
    return shapes.answer(call.key, 200, ticket=call.ticket["hash"], data=[shapes.post_data(row) for row in rows])


@_route("thread", "thread", "Ticket thread",
        "The customer's messages and the agents' replies, newest first (no events, never internal notes). "
        "`paginate`: posts with an id below it (pass the last id you got for the next page).",
        THREAD, status_code=200)
async def thread(request: Request, workspace: Path, services: Injected[Services]) -> Response[shapes.HelpRealmThread]:
    return await run(request, workspace, services, THREAD, forms.reference_fields, _thread)


async def _attachments(call: Call) -> Response:
    rows = await queries.attachments(call.ticket["id"], for_customer=True)
    links, key, ticket_hash = call.services.links, call.workspace["key"], call.ticket["hash"]
    return shapes.answer(call.key, 200, ticket=ticket_hash,
                         data=[shapes.file_data(row, links, key, ticket_hash) for row in rows])


@_route("attachments", "attachments", "Ticket attachments",
        "The files the customer sees on their ticket page, with their download links.", BY_HASH, status_code=200)
async def attachments(request: Request, workspace: Path,
                     services: Injected[Services]) -> Response[shapes.HelpRealmFiles]:
    return await run(request, workspace, services, BY_HASH, forms.reference_fields, _attachments)


# -- the customer's comments -------------------------------------------------------------------


async def _comment_add(call: Call) -> Response:
    reply = Reply.from_form(call.data, channel=Channel.API)
    _ticket, entry_id = await reads.customer_reply(call.workspace, call.ticket["hash"], reply)
    return shapes.answer(call.key, 200, ticket=call.ticket["hash"], cmt_id=entry_id)


@_route("comment/add/customer", "comment_add", "Add a customer comment",
        "A message from the customer, as on their ticket page: the ticket needs the team again (a waiting "
        "ticket opens). A closed ticket, or one still awaiting its confirmation, refuses it (403).",
        COMMENT_ADD, status_code=200)
async def comment_add(request: Request, workspace: Path,
                     services: Injected[Services]) -> Response[shapes.HelpRealmComment]:
    return await run(request, workspace, services, COMMENT_ADD, forms.reference_fields, _comment_add)


async def _comment_edit(call: Call) -> Response:
    entry_id = forms.number(call.data, "cmt_id")
    if await reads.post_kind(call.ticket["id"], entry_id) not in CUSTOMER_POSTS:  # notes and events do not exist here
        raise NotFound(_("No such post."))
    await service.edit_customer_post(call.workspace, call.ticket["hash"], entry_id,
                                     Reply.from_form(call.data, channel=Channel.API))
    return shapes.answer(call.key, 200, ticket=call.ticket["hash"], cmt_id=entry_id)


@_route("comment/edit/customer", "comment_edit", "Edit a customer comment",
        "Replaces the text of one of the customer's own messages, under the ticket page's rule: only until an "
        "agent has replied after it. An agent's reply, or an answered message, is 403.",
        COMMENT_EDIT, status_code=200)
async def comment_edit(request: Request, workspace: Path,
                      services: Injected[Services]) -> Response[shapes.HelpRealmComment]:
    return await run(request, workspace, services, COMMENT_EDIT, forms.reference_fields, _comment_edit)


# -- the customer's files ----------------------------------------------------------------------


async def _file_add(call: Call) -> Response:
    file = call.form.values["attachment"]
    upload = Upload(file.filename, file.content_type, await file.read())
    row = await service.add_customer_attachment(call.workspace, call.ticket["hash"], upload, call.services.storage)
    return shapes.answer(call.key, 200, ticket=call.ticket["hash"],
                         file=shapes.file_data(row, call.services.links, call.workspace["key"], call.ticket["hash"]))


@_route("attachment/add", "attachment_add", "Add an attachment",
        "A file from the customer (multipart). The workspace's upload rules (customer uploads on, the "
        "extension, the size, the ticket's file caps) refuse it before anything is stored: uploads "
        "switched off is 403, a refused file 500 with `invalid_fields` naming `attachment`.",
        FILE_ADD, status_code=200)
async def attachment_add(request: Request, workspace: Path,
                         services: Injected[Services]) -> Response[shapes.HelpRealmFileAdded]:
    return await run(request, workspace, services, FILE_ADD, forms.reference_fields, _file_add)


async def _file_delete(call: Call) -> Response:
    await service.delete_customer_attachment(call.workspace, call.ticket["hash"], forms.number(call.data, "file_id"),
                                             call.services.storage)
    return shapes.answer(call.key, 200, ticket=call.ticket["hash"], success=True)


@_route("attachment/delete", "attachment_delete", "Delete an attachment",
        "Removes a file the customer added; an agent's file is 403.", FILE_DELETE, status_code=200)
async def attachment_delete(request: Request, workspace: Path,
                            services: Injected[Services]) -> Response[shapes.HelpRealmFileDeleted]:
    return await run(request, workspace, services, FILE_DELETE, forms.reference_fields, _file_delete)


ROUTES = [info, thread, attachments, comment_add, comment_edit, attachment_delete]
UPLOADS = [create, attachment_add]  # create_app gives them the upload body limit (both take a file)
