"""The manual's check order, for every HelpRealm API request, and the answer to each refusal.

    address limit (429) -> the fields' form (500 invalid_fields) -> the workspace (404, nothing
    else) -> API access (403 paidforapi: false) and token (403 apitoken) -> token limit (429)
    -> the ticket hash (404 ticket) -> the handler's own steps (ticket type 404, wait 429, ...)

Counting the address first slows a client guessing tokens as much as one using a good token. A
cancelled workspace is unknown. Errors the services raise afterwards keep this shape: a post or
file that is not there is 404, a refused action (closed ticket, not the customer's post or file,
uploads switched off) 403, a file the workspace's rules refuse is invalid post data (500).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from litestar import Request, Response

from app.api.helprealm import forms
from app.api.helprealm.forms import Field, InvalidFields
from app.api.helprealm.shapes import answer
from app.errors import Conflict, Forbidden, NotFound, RateLimited, ValidationFailed
from app.i18n import _
from app.services import Services
from app.tickets import refs
from app.tickets.refs import CustomerTicket
from app.tickets.tables import Ticket
from app.workspaces import api_access
from app.workspaces.service import get_by_key


class Answer(Exception):
    """A finished answer in the API's shape (a refusal found on the way)."""

    def __init__(self, status: int, headers: dict | None = None, **data) -> None:
        super().__init__(status)
        self.status, self.headers, self.data = status, headers, data


@dataclass
class Call:
    """A request that passed the gate."""

    request: Request
    key: str  # the workspace key from the path
    workspace: dict
    data: dict  # the checked text fields
    form: forms.Form  # as read (files)
    address: str  # the client, as every limit counts it
    services: Services
    ticket: dict | None = None  # id, hash and status of the ticket `hash` names, if the endpoint takes one


def retry_after(exc: RateLimited) -> dict:
    return {"Retry-After": str(int(exc.retry_after) + 1)}


async def _open(request: Request, key: str, services: Services, fields: tuple[Field, ...],
                checks: Callable[[dict], dict] | None) -> Call:
    address = services.client.of(request)
    services.api_limits.address(address)
    form = await forms.read_form(request)
    data = forms.check(form, fields, checks)
    try:
        workspace = await get_by_key(key)
    except NotFound:
        raise Answer(404) from None
    token = form.text("apitoken")
    # The good path reads the access row once; only a refusal reads it again, to say why.
    if not await api_access.verify_api_token(workspace, token or ""):
        if not (await api_access.state(workspace["id"]))["enabled"]:
            raise Answer(403, paidforapi=False)
        raise Answer(403, apitoken=None if token is None else token[:api_access.TOKEN_MAX])
    services.api_limits.credential(f"ws:{workspace['id']}")
    call = Call(request, key, workspace, data, form, address, services)
    if "hash" in data:
        try:
            call.ticket = await refs.load(CustomerTicket(workspace["id"], data["hash"].lower()), Ticket.id,
                                          Ticket.hash, Ticket.status)
        except NotFound:
            raise Answer(404, ticket=data["hash"]) from None
    return call


async def run(request: Request, key: str, services: Services, fields: tuple[Field, ...],
              checks: Callable[[dict], dict] | None, action: Callable[[Call], Awaitable[Response]]) -> Response:
    """Gate the request, then run the endpoint's `action`; every refusal answers in the API's shape.
    Anything else (a real server error) reaches the router's handler: 500 with `error`, no `invalid_fields`."""
    try:
        return await action(await _open(request, key, services, fields, checks))
    except Answer as exc:
        return answer(key, exc.status, exc.headers, **exc.data)
    except InvalidFields as exc:
        return invalid(key, exc.fields, await _sent(request))
    except ValidationFailed as exc:  # a service's own check (a refused file, the ticket's file caps)
        return invalid(key, exc.errors, await _sent(request))
    except RateLimited as exc:
        return answer(key, 429, retry_after(exc), error=exc.message)
    except NotFound as exc:
        return answer(key, 404, error=exc.message)
    except (Forbidden, Conflict) as exc:
        return answer(key, 403, error=exc.message)


async def _sent(request: Request) -> forms.Form:
    return await forms.read_form(request)  # parsed once already: Litestar keeps the form


def invalid(key: str, errors: dict[str, str], form: forms.Form) -> Response:
    """The manual's 500 for invalid post data: every failed field with the value that was sent."""
    renamed = {("attachment" if name == "file" else name): message for name, message in errors.items()}
    return answer(key, 500, error=_("The post data is invalid."),
                  invalid_fields=[{"name": name, "value": form.echo(name)} for name in renamed],
                  messages=renamed)
