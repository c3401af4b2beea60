"""The HelpRealm API's JSON answers, and how they are described in /schema.

Every answer is `{"code": <its HTTP status>, "workspace": <the key from the path>, ...}`. The
structs below are what the OpenAPI document shows (handlers build plain dicts of the same shape;
a test compares the two). The request bodies are read by hand (forms.py), so their schema is
attached to the operation here (`form_operation`), from the same field list the checks use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import MediaType, Response
from litestar.enums import RequestEncodingType
from litestar.openapi.spec import OpenAPIFormat, OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema

from app.api.helprealm.forms import Field
from app.links import Links
from app.tickets.status import Status

KEY_ECHO_MAX = 64  # the workspace key echoed back (a real key has 32 characters)


def answer(workspace_key: str, status: int, headers: dict | None = None, **data: Any) -> Response:
    return Response({"code": status, "workspace": workspace_key[:KEY_ECHO_MAX], **data}, status_code=status,
                    headers=headers, media_type=MediaType.JSON)


def _when(value) -> str | None:
    return value.isoformat() if value else None


def ticket_data(row: dict, type_name: str | None = None) -> dict:
    """The stored ticket as the API shows it: never its confirmation token (hash) or agents' notes."""
    return {"id": row["id"], "number": row["number"], "hash": row["hash"], "subject": row["subject"],
            "text": row["text"], "name": row["customer_name"], "email": row["customer_email"],
            "type": row["ticket_type"], "prio": row["prio"], "status": int(row["status"]),
            "created_at": _when(row["created_at"])}


def ticket_info(row: dict) -> dict:
    """ticket/info: the ticket with the names its page shows (queries.ticket_page's row)."""
    assignee = " ".join(n for n in (row.get("assignee_first"), row.get("assignee_last")) if n) or None
    return {**ticket_data(row), "type_name": row.get("type_name"), "status_name": Status(row["status"]).slug,
            "group": row.get("group_name"), "assignee": assignee, "tags": row.get("tags", []),
            "merged_into": row.get("merged_into_hash"), "updated_at": _when(row["updated_at"])}


def post_data(entry: dict) -> dict:
    data = {"id": entry["id"], "kind": "customer" if entry["kind"] == "customer" else "agent",
            "author": entry["author_name"], "text": entry["body"], "created_at": _when(entry["created_at"])}
    if entry.get("edited_at"):
        data["edited_at"] = _when(entry["edited_at"])
    return data


def file_data(row: dict, links: Links, workspace_key: str, ticket_hash: str) -> dict:
    return {"id": row["id"], "name": row["filename"], "size": row["size"], "content_type": row["content_type"],
            "created_at": _when(row["created_at"]), "uploaded_by": row["uploaded_by"],
            "url": links.url("portal.file", workspace_key=workspace_key, ticket_hash=ticket_hash,
                             attachment_id=row["id"])}


# -- the OpenAPI description -------------------------------------------------------------------

Code = Annotated[int, msgspec.Meta(description="The HTTP status of the answer, as an integer.")]
WorkspaceKey = Annotated[str, msgspec.Meta(description="The workspace key from the path.")]
TicketHash = Annotated[str, msgspec.Meta(description="The ticket's hash (32 hexadecimal characters).")]
When = Annotated[str, msgspec.Meta(description="A time in ISO 8601 with its UTC offset.")]


class HelpRealmTicketData(msgspec.Struct):
    id: Annotated[int, msgspec.Meta(description="The ticket's id.")]
    number: Annotated[int, msgspec.Meta(description="The ticket's number in its workspace.")]
    hash: TicketHash
    subject: Annotated[str, msgspec.Meta(max_length=200)]
    text: Annotated[str, msgspec.Meta(description="The customer's first message.")]
    name: Annotated[str, msgspec.Meta(description="The customer's name.", max_length=200)]
    email: Annotated[str, msgspec.Meta(description="The customer's e-mail address.", max_length=254)]
    type: Annotated[int | None, msgspec.Meta(description="The ticket type's id.")]
    prio: Annotated[int, msgspec.Meta(description="1 = low, 2 = medium, 3 = high.", ge=1, le=3)]
    status: Annotated[int, msgspec.Meta(description="0 awaiting confirmation, 1 open, 2 waiting, 3 closed, "
                                                    "4 in progress, 5 resolved.", ge=0, le=5)]
    created_at: When


class HelpRealmTicketInfo(HelpRealmTicketData):
    type_name: str | None
    status_name: Annotated[str, msgspec.Meta(description="awaiting_confirmation, open, waiting, closed, "
                                                         "in_progress or resolved.")]
    group: Annotated[str | None, msgspec.Meta(description="The group's name.")]
    assignee: Annotated[str | None, msgspec.Meta(description="The assigned agent's name.")]
    tags: list[str]
    merged_into: Annotated[str | None, msgspec.Meta(description="The hash of the ticket it was merged into.")]
    updated_at: When


class HelpRealmPost(msgspec.Struct):
    id: Annotated[int, msgspec.Meta(description="The post's id (`cmt_id`; `paginate` counts by it).")]
    kind: Annotated[str, msgspec.Meta(description='"customer" (a customer message) or "agent" (a reply).')]
    author: str
    text: str
    created_at: When
    edited_at: Annotated[str | None, msgspec.Meta(description="Only on an edited post.")] = None


class HelpRealmFileInfo(msgspec.Struct):
    id: Annotated[int, msgspec.Meta(description="The attachment's id (`file_id`).")]
    name: Annotated[str, msgspec.Meta(max_length=200)]
    size: Annotated[int, msgspec.Meta(description="Bytes.")]
    content_type: str
    created_at: When
    uploaded_by: Annotated[str, msgspec.Meta(description='"customer" or "agent".')]
    url: Annotated[str, msgspec.Meta(description="The download link (the customer's ticket page's).")]


class HelpRealmCreated(msgspec.Struct):
    code: Code
    workspace: WorkspaceKey
    data: HelpRealmTicketData


class HelpRealmInfo(msgspec.Struct):
    code: Code
    workspace: WorkspaceKey
    data: HelpRealmTicketInfo


class HelpRealmThread(msgspec.Struct):
    code: Code
    workspace: WorkspaceKey
    ticket: TicketHash
    data: Annotated[list[HelpRealmPost], msgspec.Meta(description="Newest first.")]


class HelpRealmFiles(msgspec.Struct):
    code: Code
    workspace: WorkspaceKey
    ticket: TicketHash
    data: list[HelpRealmFileInfo]


class HelpRealmComment(msgspec.Struct):
    code: Code
    workspace: WorkspaceKey
    ticket: TicketHash
    cmt_id: Annotated[int, msgspec.Meta(description="The id of the added or edited comment.")]


class HelpRealmFileAdded(msgspec.Struct):
    code: Code
    workspace: WorkspaceKey
    ticket: TicketHash
    file: HelpRealmFileInfo


class HelpRealmFileDeleted(msgspec.Struct):
    code: Code
    workspace: WorkspaceKey
    ticket: TicketHash
    success: Annotated[bool, msgspec.Meta(description="true: the file is gone.")]


class HelpRealmInvalidField(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(description="The field's name.")]
    value: Annotated[str | list[str] | None, msgspec.Meta(
        description="The value sent (a list for a field sent more than once; null when it was missing).")]


class HelpRealmInvalidPostData(msgspec.Struct):
    code: Code
    workspace: WorkspaceKey
    error: Annotated[str, msgspec.Meta(description="What went wrong, in words.")]
    invalid_fields: Annotated[list[HelpRealmInvalidField], msgspec.Meta(description="Every failed field.")]
    messages: Annotated[dict[str, str], msgspec.Meta(description="Field name -> why it failed, in words.")]


class HelpRealmNotFound(msgspec.Struct):
    code: Code
    workspace: WorkspaceKey
    ticket_type: Annotated[str | None, msgspec.Meta(description="create: the type sent, when no such type.")] = None
    ticket: Annotated[str | None, msgspec.Meta(description="The hash sent, when no such ticket.")] = None
    error: Annotated[str | None, msgspec.Meta(description="No such post or file (cmt_id, file_id).")] = None


class HelpRealmRefused(msgspec.Struct):
    code: Code
    workspace: WorkspaceKey
    paidforapi: Annotated[bool | None, msgspec.Meta(description="false: API access is switched off.")] = None
    apitoken: Annotated[str | None, msgspec.Meta(description="The token sent, when it is not the workspace's "
                                                             "(null when none was sent).")] = None
    error: Annotated[str | None, msgspec.Meta(description="Why the ticket refused the action (closed, "
                                                          "not the customer's post or file, uploads off).")] = None


class HelpRealmTooLarge(msgspec.Struct):
    code: Code
    workspace: WorkspaceKey
    error: str


class HelpRealmTooMany(msgspec.Struct):
    code: Code
    workspace: WorkspaceKey
    error: str
    ticket_wait_time: Annotated[int | None, msgspec.Meta(
        description="create: the seconds to wait before this client may create a ticket again.")] = None


def _schema(field: Field) -> Schema:
    if field.kind == "file":
        return Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY, description=field.description)
    if field.kind == "integer":  # sent as text, read as a whole number
        return Schema(type=OpenAPIType.INTEGER, description=field.description,
                      minimum=field.minimum, maximum=field.maximum)
    return Schema(type=OpenAPIType.STRING, description=field.description, min_length=field.min_length,
                  max_length=field.max_length, pattern=field.pattern)


def form_operation(fields: tuple[Field, ...]) -> type[Operation]:
    """An Operation class whose request body documents `fields`, form-encoded or multipart
    (Litestar documents a body only for a typed `data` parameter, which these handlers avoid)."""
    def schema(of: tuple[Field, ...]) -> Schema:
        return Schema(type=OpenAPIType.OBJECT, properties={f.name: _schema(f) for f in of},
                      required=[f.name for f in of if f.required])

    content = {RequestEncodingType.MULTI_PART.value: OpenAPIMediaType(schema=schema(fields))}
    if not any(f.kind == "file" and f.required for f in fields):  # without a file: a plain form as well
        plain = tuple(f for f in fields if f.kind != "file")
        content = {RequestEncodingType.URL_ENCODED.value: OpenAPIMediaType(schema=schema(plain)), **content}
    body = RequestBody(content=content, required=True, description="Form fields (every one a string).")

    @dataclass
    class FormOperation(Operation):
        def __post_init__(self) -> None:
            self.request_body = body
            # Litestar adds its 400 for a handler with parameters; these never answer it (forms.py).
            if isinstance(self.responses, dict):
                self.responses.pop("400", None)

    return FormOperation
