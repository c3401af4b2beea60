"""The REST API's models, for OpenAPI (/schema): what each body takes and each answer holds.

Answers are built by shapes.py and bodies read by body.py (JSON, form-encoded or multipart alike,
which one typed `data` parameter could not take); these models document exactly those fields,
with their limits. `with_body(Model)` puts a request model in a route's OpenAPI operation.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIFormat, OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from msgspec import Meta, Struct

Priority = Annotated[str | int, Meta(description="low, medium or high (or 1-3)", examples=["high"])]
Day = Annotated[str, Meta(description="A day, YYYY-MM-DD", pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2023-12-31"])]
Tags = Annotated[list[str] | str, Meta(description="Tags: a list, or comma-separated text (at most 20 tags of "
                                                   "50 characters)", examples=[["vpn", "billing"]])]
UserId = Annotated[int, Meta(ge=1, description="An agent's id (GET /api/v1/users)", examples=[22])]
Status = Annotated[str | int, Meta(description="open, waiting, in_progress, resolved or closed (or its code)",
                                   examples=["in_progress"])]


# -- errors ------------------------------------------------------------------------------------


class ErrorDetail(Struct):
    code: Annotated[str, Meta(description="A stable word: bad_request, unauthorized, forbidden, not_found, "
                                          "conflict, too_large, invalid or rate_limited", examples=["invalid"])]
    message: Annotated[str, Meta(description="What went wrong, for people (in the key's agent's language)")]
    fields: Annotated[dict[str, str] | None, Meta(description="422: each refused field and why")] = None


class ErrorBody(Struct):
    error: ErrorDetail


ERROR_TEXTS = {
    400: "The body is malformed (not JSON, not an object, a field sent twice).",
    401: "No key, or a key that is unknown, deleted, or of an inactive agent (Authorization: Bearer <key>).",
    403: "The key's agent may not do this.",
    404: "No such ticket or file in the key's workspace, or one the key's agent may not see.",
    409: "The ticket's state does not allow this.",
    413: "The body or the file is too large.",
    422: "Some fields are invalid: each is named in `error.fields` (an agent on vacation cannot be assigned).",
    429: "Too many requests for the key or the address; `Retry-After` says how many seconds to wait.",
}


def errors(*codes: int) -> dict[int, ResponseSpec]:
    """The error answers a route may give (every route: 400, 401, 429)."""
    return {code: ResponseSpec(data_container=ErrorBody, description=ERROR_TEXTS[code], generate_examples=False)
            for code in sorted({400, 401, 429, *codes})}


# -- request bodies ----------------------------------------------------------------------------


class TicketIn(Struct):
    """A new ticket. Without customer_email the key's agent is the requester and nobody is mailed."""

    subject: Annotated[str, Meta(min_length=3, max_length=200, examples=["Sample Ticket"])]
    description: Annotated[str, Meta(max_length=100_000, examples=["This is a sample ticket description."])]
    priority: Priority | None = None
    type: Annotated[str | int | None, Meta(description="The ticket type's id or name (default: the first)")] = None
    group: Annotated[int, Meta(ge=1, description="A group's id (default: the workspace's default group)")] | None = None
    assigned_user_id: UserId | None = None
    customer_name: Annotated[str, Meta(max_length=200)] | None = None
    customer_email: Annotated[str, Meta(max_length=254, description="The customer, mailed the ticket's "
                                                                    "link (no confirmation asked)")] | None = None
    deadline: Day | None = None
    tags: Tags | None = None


class TicketPatch(Struct):
    """The fields to change; a field not sent stays as it is."""

    status: Status | None = None
    priority: Priority | None = None
    deadline: Annotated[str, Meta(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD; null clears the deadline",
                                  examples=["2023-12-31"])] | None = None
    assigned_user_id: Annotated[int, Meta(ge=1, description="null releases the ticket", examples=[22])] | None = None
    type: Annotated[str | int | None, Meta(description="The ticket type's id or name")] = None
    group: Annotated[int, Meta(ge=1)] | None = None
    subject: Annotated[str, Meta(min_length=3, max_length=200)] | None = None
    tags: Annotated[list[str] | str, Meta(description="The ticket's tags from now on (replaces them)")] | None = None


class CommentIn(Struct):
    """A reply mailed to the customer, or with internal=true a note only agents see. As multipart,
    `attachment` carries a file (with or without a comment)."""

    comment: Annotated[str, Meta(max_length=100_000, description="Also accepted as `text`",
                                 examples=["This is a sample comment."])]
    internal: bool = False
    ticket_id: Annotated[int, Meta(ge=1, description="HelpDeskPro's add_comment: the ticket")] | None = None


# -- answers -----------------------------------------------------------------------------------


class Ticket(Struct):
    id: Annotated[int, Meta(description="The ticket's number in its workspace (HelpDeskPro's id and ticket_id)")]
    subject: str
    description: str
    status: Annotated[str, Meta(description="awaiting_confirmation, open, waiting, in_progress, resolved or closed")]
    status_code: int
    priority: Annotated[str, Meta(description="low, medium or high")]
    type_id: int | None
    type: str | None
    group_id: int | None
    group: str | None
    assigned_user_id: int | None
    assigned_user_name: str | None
    customer_name: str
    customer_email: str
    deadline: Annotated[str | None, Meta(description="YYYY-MM-DD")]
    tags: list[str]
    created_at: str
    updated_at: str


class TicketSummary(Struct):
    id: int
    subject: str
    status: str
    status_code: int
    priority: str
    type: str | None
    group: str | None
    assigned_user_name: str | None
    customer_name: str
    deadline: str | None
    tags: list[str]
    updated_at: str


class Comment(Struct):
    id: int
    kind: Annotated[str, Meta(description="customer (the customer's message), reply or note")]
    internal: bool
    author: str
    author_user_id: int | None
    comment: str
    created_at: str
    edited_at: str | None


class Attachment(Struct):
    id: int
    filename: str
    size: int
    content_type: str
    uploaded_by: Annotated[str, Meta(description="customer or agent")]
    created_at: str
    download_url: Annotated[str, Meta(description="GET it with the same key")]


class Paging(Struct):
    page: int
    per_page: int
    total: int
    pages: int


class TicketDetail(Ticket):
    comments: list[Comment]
    comments_page: Paging
    attachments: list[Attachment]


class User(Struct):
    id: int
    name: str
    email: str
    position: str
    active: bool
    vacation: Annotated[bool, Meta(description="On vacation: cannot be assigned tickets")]


class TicketAnswer(Struct):
    data: Ticket


class TicketDetailAnswer(Struct):
    data: TicketDetail


class TicketList(Struct):
    data: list[TicketSummary]
    page: int
    per_page: Annotated[int, Meta(description="Default 20, at most 100")]
    total: Annotated[int, Meta(description="Matching tickets (a search counts up to 1000)")]
    pages: int


class CommentResult(Struct):
    ticket_id: int
    comment: Comment | None
    attachment: Attachment | None


class CommentAnswer(Struct):
    data: CommentResult


class UserList(Struct):
    data: list[User]


# -- request bodies in OpenAPI -----------------------------------------------------------------


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _schema(node: Any) -> Any:
    """msgspec's JSON Schema (a dict) as Litestar's Schema objects."""
    if isinstance(node, list):
        return [_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    values: dict[str, Any] = {}
    for key, value in node.items():
        name = _snake(key)
        if name == "type":
            values["type"] = OpenAPIType(value)
        elif name == "properties":
            values["properties"] = {prop: _schema(sub) for prop, sub in value.items()}
        elif name in ("any_of", "items", "additional_properties"):
            values[name] = _schema(value)
        elif name in ("required", "title", "description", "max_length", "min_length", "minimum", "maximum",
                      "pattern", "examples", "default", "enum"):
            values[name] = value
    return Schema(**values)


def with_body(model: type[Struct], *, multipart: bool = False) -> type[Operation]:
    """An Operation class whose request body is `model` as JSON and form-encoded (and multipart,
    with an `attachment` file, when `multipart`)."""
    generated = msgspec.json.schema(model)
    schema = _schema(generated["$defs"][model.__name__])
    content = {"application/json": OpenAPIMediaType(schema=schema),
               "application/x-www-form-urlencoded": OpenAPIMediaType(schema=schema)}
    if multipart:
        with_file = Schema(type=OpenAPIType.OBJECT, properties={
            **(schema.properties or {}), "attachment": Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)})
        content["multipart/form-data"] = OpenAPIMediaType(schema=with_file)
    else:
        content["multipart/form-data"] = OpenAPIMediaType(schema=schema)

    @dataclass
    class WithBody(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(content=content, required=True,
                                            description=inspect.cleandoc(model.__doc__ or ""))

    return WithBody
