"""The embeddable ticket form (issue 12 §6): the script a customer's site includes, and the two
JSON routes it talks to.

    GET  /{workspace}/widget.js                    the script (portal router): renders the form
                                                   inline into `<div data-helprealm-form>`
    GET  /api/{workspace}/widget/form              a fresh captcha, the types and priorities
    POST /api/{workspace}/widget/ticket/create     the ticket (form-encoded: a "simple" CORS request,
                                                   so browsers send it without a preflight)

Security. A page on any site can make a browser post a form here whatever CORS says, so the
server itself refuses (403, nothing stored) a request whose `Origin` header is missing or not on
the workspace's list, and answers 404 while the widget is off. These API routes are exempt from
CSRF (app/asgi.py API_PREFIXES): no cookie is read or needed, the Origin check and the signed
captcha take the token's place, and the API's rate limits apply. CORS headers go only to listed
origins (`widget_cors`), so only their pages can read an answer; an answer never holds more than
the new ticket's own number and link.
"""

from __future__ import annotations

import functools
import json
from typing import Annotated

from litestar import MediaType, Request, Response, get, post
from litestar.datastructures import CacheControlHeader, Headers
from litestar.enums import RequestEncodingType
from litestar.openapi import ResponseSpec
from litestar.params import Body
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from msgspec import Meta, Struct
from msgspec.structs import asdict

from app.errors import Forbidden, NotFound, ValidationFailed
from app.i18n import _
from app.paths import resource_dir
from app.services import Services
from app.tickets import queries, service
from app.tickets.inputs import Channel, NewTicket
from app.tickets.status import PRIORITIES
from app.web.captcha import Captcha
from app.web.dependencies import Injected
from app.web.params import PathText
from app.workspaces import widget
from app.workspaces.service import get_by_key, public_text

SCRIPT_CACHE = CacheControlHeader(public=True, max_age=300)  # a settings change shows within minutes
NO_STORE = CacheControlHeader(no_store=True)  # every answer holds a one-time captcha or a secret link
TAGS = ["Widget"]  # the tag declared in app/api/docs.py


# -- CORS: only for the workspace's listed origins ---------------------------------------------


def widget_cors(app: ASGIApp) -> ASGIApp:
    """Route middleware: `Access-Control-Allow-Origin: <that origin>` on every answer (errors
    included: the script shows them) when the request's Origin is on the list; `Vary: Origin`
    on all. No credentials: the widget never uses cookies."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        origin = Headers.from_scope(scope).get("origin")
        key = (scope.get("path_params") or {}).get("workspace")
        allowed = False
        if origin and isinstance(key, str):
            try:
                allowed = widget.allows(await get_by_key(key), origin)
            except NotFound:
                pass

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"vary", b"Origin")]
                if allowed:
                    extra += [(b"access-control-allow-origin", origin.encode("latin-1")),
                              (b"access-control-expose-headers", b"Retry-After")]
                message["headers"] = [*(message.get("headers") or []), *extra]
            await send(message)

        await app(scope, receive, send_with_cors)

    return middleware


async def _open_workspace(key: str, request: Request) -> dict:
    """The workspace, if its widget is on (404 otherwise) and the request comes from one of its
    origins (403 otherwise)."""
    workspace = await get_by_key(key)
    if not workspace["widget_enabled"]:
        raise NotFound(_("Not found."))
    if not widget.allows(workspace, request.headers.get("origin")):
        raise Forbidden(_("This web site may not use the ticket form."))
    return workspace


# -- the models (documented in /schema; msgspec Structs: Litestar reads their Meta into the schema) --


class CaptchaOut(Struct):
    question: Annotated[str, Meta(description='The question to show, e.g. "3 + 4 = ?".')]
    token: Annotated[str, Meta(description="Signed; send it back as `captcha_token`. Works once, for an hour.")]


class Choice(Struct):
    id: Annotated[int, Meta(description="The value to send.")]
    name: Annotated[str, Meta(description="The label, in the workspace's language.")]


class WidgetForm(Struct):
    captcha: CaptchaOut
    types: Annotated[list[Choice], Meta(description="The workspace's ticket types (field `type`).")]
    priorities: Annotated[list[Choice], Meta(description="1 low, 2 medium, 3 high (field `prio`).")]


class WidgetTicketForm(Struct):
    """Every field a string, as a form sends it; the rules are checked by the handler so that
    each failed field answers its own message (422)."""

    name: Annotated[str, Meta(max_length=200, description="The customer's name. Required.")] = ""
    email: Annotated[str, Meta(max_length=254, description="The customer's e-mail address. Required.")] = ""
    subject: Annotated[str, Meta(max_length=200, description="3 to 200 characters.")] = ""
    text: Annotated[str, Meta(max_length=4096, description="The message, at most 4096 characters.")] = ""
    type: Annotated[str, Meta(max_length=20, description="A ticket type id from the form data.")] = ""
    prio: Annotated[str, Meta(max_length=20, description="1 (low), 2 (medium) or 3 (high).")] = ""
    captcha: Annotated[str, Meta(max_length=20, description="The answer to the captcha question.")] = ""
    captcha_token: Annotated[str, Meta(max_length=512, description="The captcha's token from the form data.")] = ""


class WidgetCreated(Struct):
    code: Annotated[int, Meta(description="201.")]
    number: Annotated[int, Meta(description="The ticket's number in the workspace.")]
    awaiting_confirmation: Annotated[bool, Meta(
        description="True when the workspace asks customers to confirm their e-mail address first.")]


class WidgetError(Struct):
    code: Annotated[int, Meta(description="The HTTP status.")]
    error: Annotated[str, Meta(description="What went wrong, in the workspace's language.")]
    fields: Annotated[dict[str, str] | None, Meta(description="422: the message for each failed field.")] = None
    captcha: Annotated[CaptchaOut | None, Meta(description="422: a new captcha (the sent one is used up).")] = None


def _error(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=WidgetError, description=description, generate_examples=False)


ERRORS = {
    400: _error("A field is longer than its limit, sent twice, or the body is not a form."),
    403: _error("The request's Origin header is missing or not among the workspace's allowed web sites."),
    404: _error("No such workspace, or its embeddable form is switched off."),
    429: _error("Too many requests, or a ticket from this address too recently (see Retry-After)."),
}


def _captcha(captcha: Captcha) -> CaptchaOut:
    return CaptchaOut(question=captcha.question, token=captcha.token)


# -- the routes ----------------------------------------------------------------------------------


@get("/{workspace:str}/widget/form", name="api.widget_form", cache_control=NO_STORE, middleware=[widget_cors],
     summary="Embeddable form: the form's data",
     description="What the embeddable form (`/{workspace}/widget.js`) shows: a fresh captcha, the ticket "
                 "types and the priorities. Only for a request whose Origin is one of the workspace's allowed "
                 "web sites, which alone get CORS headers.",
     tags=TAGS, responses={k: v for k, v in ERRORS.items() if k in (400, 403, 404, 429)})
async def widget_form(request: Request, workspace: PathText, services: Injected[Services]) -> WidgetForm:
    row = await _open_workspace(workspace, request)
    services.api_limits.address(services.client.of(request))
    types = await queries.ticket_types(row["id"])
    return WidgetForm(captcha=_captcha(services.captchas.new()),
                      types=[Choice(id=t["id"], name=t["name"]) for t in types],
                      priorities=[Choice(id=k, name=str(v)) for k, v in PRIORITIES.items()])


@post("/{workspace:str}/widget/ticket/create", name="api.widget_create", status_code=201, cache_control=NO_STORE,
      middleware=[widget_cors], summary="Embeddable form: open a ticket",
      description="The embeddable form's post (form-encoded, so browsers send it without a preflight). Refused "
                  "with 403 unless the Origin header is one of the workspace's allowed web sites; the captcha "
                  "from the form data must be answered; the API's rate limits and the wait between two tickets "
                  "from one address apply. The workspace's rules for new tickets apply as on its public page "
                  "(e-mail confirmation). Answers the new ticket's number and secret link, nothing else.",
      tags=TAGS,
      responses={**ERRORS, 413: _error("The body is too large."),
                 422: _error("Fields failed their checks (`fields`); a new captcha comes along.")})
async def widget_create(request: Request, workspace: PathText, services: Injected[Services],
                        data: Annotated[WidgetTicketForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
                        ) -> Response[WidgetCreated]:
    row = await _open_workspace(workspace, request)
    address = services.client.of(request)
    limits, captchas = services.api_limits, services.captchas
    limits.address(address)
    # Claimed before any await, so simultaneous posts from one address cannot all pass.
    limits.ticket_wait.claim(address, _("Please wait %(seconds)d seconds before opening another ticket."))
    fields = asdict(data)
    try:
        types = {t["id"] for t in await queries.ticket_types(row["id"])}
        new = NewTicket.from_form(fields, channel=Channel.WEB, type_ids=types, extra_errors=captchas.errors(fields))
        created = await service.create_ticket(row, new)
    except ValidationFailed as exc:
        limits.ticket_wait.release(address)  # nothing was opened: fixing the form needs no wait
        body = WidgetError(code=422, error=exc.message, fields=exc.errors, captcha=_captcha(captchas.new()))
        return Response(body, status_code=422, media_type=MediaType.JSON)  # type: ignore[arg-type]
    except BaseException:
        limits.ticket_wait.release(address)
        raise
    ticket = created.ticket
    # Not the secret link: whoever fills in the form may type anyone's address, and the link is the
    # customer's credential (their replies, our answers). It goes to that address by mail, as from
    # the public page.
    return Response(WidgetCreated(code=201, number=ticket["number"],
                                  awaiting_confirmation=created.confirmation_token is not None), status_code=201)


@functools.cache
def _script_source() -> str:
    return (resource_dir("static") / "js" / "widget.js").read_text(encoding="utf-8")


@get("/{workspace_key:str}/widget.js", name="portal.widget_js", cache_control=SCRIPT_CACHE)
async def widget_script(request: Request, workspace_key: PathText) -> Response:
    """The script, with this workspace's texts and choices in front of it (its language: the
    portal router's guard). Served only while the widget is on; other sites may load it."""
    workspace = await get_by_key(workspace_key)
    if not workspace["widget_enabled"]:
        raise NotFound(_("Not found."))
    config = {
        "types": [[t["id"], t["name"]] for t in await queries.ticket_types(workspace["id"])],
        "priorities": [[k, str(v)] for k, v in PRIORITIES.items()],
        "form": request.app.route_reverse("api.widget_form", workspace=workspace["key"]),
        "create": request.app.route_reverse("api.widget_create", workspace=workspace["key"]),
        "texts": {
            "title": public_text(workspace, "form_title"),
            "intro": public_text(workspace, "welcome_message"),
            "name": _("Your name"), "email": _("Your e-mail address"), "subject": _("Subject"),
            "text": _("How can we help?"), "type": _("Type"), "prio": _("Priority"), "captcha": _("Captcha:"),
            "submit": _("Submit"), "fix": _("Please correct the marked fields."),
            "created": public_text(workspace, "success_message"),  # as the public page says it
            "confirm": _("Please confirm your e-mail address with the link in our mail before we can start."),
            "unavailable": _("The ticket form cannot be used on this web site."),
            "failed": _("The ticket could not be sent. Please try again later."),
        },
    }
    # ensure_ascii: the JSON is pasted into JavaScript source, where U+2028 once ended a line.
    source = _script_source().replace("__HELPREALM_CONFIG__", json.dumps(config, ensure_ascii=True), 1)
    return Response(source, media_type="text/javascript; charset=utf-8",
                    headers={"Cross-Origin-Resource-Policy": "cross-origin"})


API_ROUTES = [widget_form, widget_create]  # the /api router (HelpRealm shape of errors)
PORTAL_ROUTES = [widget_script]
