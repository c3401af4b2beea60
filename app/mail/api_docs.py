"""The OpenAPI description of the mail endpoints (app/mail/pipe.py, app/mail/gateway_api.py): their
answers, their bodies (which the handlers read themselves, to answer the contract's own errors)
and every error status they give. Kept apart so the handlers stay as short as the rules they call.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, RequestBody, Schema

from app.api.docs import MAIL_TOKEN, helprealm_errors, with_body

Outcome = Literal["created", "appended", "duplicate", "quarantined", "dropped"]
OUTCOME = msgspec.Meta(description="What became of the message: a new ticket (`created`), a reply added to its "
                                   "ticket (`appended`), one seen before (`duplicate`), held for a superadmin's "
                                   "decision (`quarantined`), or discarded (`dropped`, e.g. an auto-reply).")
TICKET = msgspec.Meta(description="The hash of the ticket created or appended to, else null.")
REASON = msgspec.Meta(description="Why it was quarantined or dropped (empty otherwise).")


class PipeAnswer(msgspec.Struct):
    code: Annotated[int, msgspec.Meta(description="200.")]
    outcome: Annotated[Outcome, OUTCOME]
    ticket: Annotated[str | None, TICKET]
    reason: Annotated[str, REASON]


class GatewayAnswer(msgspec.Struct):
    message: Annotated[str, msgspec.Meta(description="\"OK\".")]
    status: Annotated[int, msgspec.Meta(description="200.")]


class ReceiveAnswer(GatewayAnswer):
    outcome: Annotated[Outcome, OUTCOME]
    ticket: Annotated[str | None, TICKET]
    reason: Annotated[str, REASON]


class VerifyAnswer(GatewayAnswer):
    verified: Annotated[bool, msgspec.Meta(description="True if the mail was waiting and is now marked sent; "
                                                       "false for an unknown id or one verified before.")]


class GatewayMail(msgspec.Struct):
    id: Annotated[str, msgspec.Meta(description="The mail's id, for verifyMail.")]
    from_: Annotated[str, msgspec.Meta(description="The sender address.")] = msgspec.field(name="from")
    to: Annotated[str, msgspec.Meta(description="The recipient address.")]
    subject: Annotated[str, msgspec.Meta(description="The subject.")]
    message: Annotated[str, msgspec.Meta(description="The plain-text body.")]


def _answer(model: object, text: str) -> dict[int, ResponseSpec]:
    return {200: ResponseSpec(data_container=model, description=text, generate_examples=False)}


SECURITY = [{MAIL_TOKEN: []}]
_COMMON = {
    401: "No mail gateway token, or a wrong one (`Authorization: Bearer <token>`).",
    404: "No workspace with this key (or it is cancelled).",
    405: "This path does not take this method.",
}
_BAD_PATH = "The workspace key is malformed (longer than 200 characters)."


def _string(description: str, max_length: int | None = None, fmt: str | None = None) -> Schema:
    return Schema(type=OpenAPIType.STRING, description=description, max_length=max_length, format=fmt)


PIPE = {
    "summary": "Deliver one raw message (the pipe)",
    "description": (
        "Takes one RFC 822 message as the body, exactly as the team's mail server received it (`helprealm "
        "mailgate` sends it from an MTA's pipe), and answers what became of it: a new ticket, a reply to its "
        "ticket (by the `[ID:<hash>]` in the subject or the References header), a duplicate, or quarantined. A "
        "message over `[mail] inbound_max_bytes` is still taken (and quarantined unparsed) up to twice that "
        "size; beyond it the answer is 413."),
    "tags": ["Mail"], "security": SECURITY,
    "operation_class": with_body(RequestBody(required=True, description="The raw message (headers and body).",
                                             content={"message/rfc822": OpenAPIMediaType(schema=Schema(
                                                 type=OpenAPIType.STRING, format="binary"))})),
    "responses": {**_answer(PipeAnswer, "The message was taken; what became of it."),
                  **helprealm_errors({**_COMMON, 400: _BAD_PATH,
                                      413: "The message is larger than twice `[mail] inbound_max_bytes`."})},
}

RECEIVE = {
    "summary": "Receive one mail (Trivial Tickets mail gateway)",
    "description": (
        "The mail gateway hands over one mail it received as JSON; it goes through the same pipeline as any "
        "other mail (a subject with `[ID:<hash>]` replies to that ticket). Exactly the three properties, each "
        "a string; anything else is 400 with the properties named."),
    "tags": ["Mail"], "security": SECURITY,
    "operation_class": with_body(RequestBody(required=True, description="The mail.", content={
        "application/json": OpenAPIMediaType(schema=Schema(
            type=OpenAPIType.OBJECT, required=["from", "subject", "message"], additional_properties=False,
            properties={"from": _string("The sender's e-mail address.", fmt="email"),
                        "subject": _string("The subject."),
                        "message": _string("The plain-text body.")}))})),
    "responses": {**_answer(ReceiveAnswer, "The mail was taken; what became of it."),
                  **helprealm_errors({**_COMMON, 400: "The body is not JSON, or not exactly {from, subject, "
                                                      "message} as strings, or `from` is no e-mail address.",
                                      413: "The body is larger than 1 MB."})},
}

FETCH = {
    "summary": "Mails to send (Trivial Tickets mail gateway)",
    "description": (
        "The mails the gateway is to send for this workspace, oldest first, at most 200 per call, as an object "
        "keyed by mail id (empty when the workspace sends through SMTP instead). Confirm each one sent with "
        "verifyMail, then fetch again."),
    "tags": ["Mail"], "security": SECURITY,
    "responses": {**_answer(dict[str, GatewayMail], "The pending mails by id."),
                  **helprealm_errors({**_COMMON, 400: _BAD_PATH})},
}

VERIFY = {
    "summary": "Confirm a mail was sent (Trivial Tickets mail gateway)",
    "description": "Marks the mail with this id as sent, so it is not fetched again.",
    "tags": ["Mail"], "security": SECURITY,
    "operation_class": with_body(RequestBody(required=True, description="The mail's id from fetchMails.", content={
        "application/json": OpenAPIMediaType(schema=Schema(
            type=OpenAPIType.OBJECT, required=["id"], additional_properties=False,
            properties={"id": _string("The mail's id.")}))})),
    "responses": {**_answer(VerifyAnswer, "Whether a waiting mail was marked sent."),
                  **helprealm_errors({**_COMMON, 400: "The body is not JSON, or not exactly {id} as a string.",
                                      413: "The body is larger than 4 KB."})},
}
