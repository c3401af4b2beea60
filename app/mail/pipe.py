"""The pipe: `POST /api/{workspace}/mail/inbound` takes one raw RFC 822 message from the team's
own MTA (through `helprealm mailgate`) and answers what became of it (issue 11 §1).

Authenticated by the workspace's mail gateway token (app/mail/gateway.py), not its API token:
switching the HelpRealm API off does not stop mail. Everything about the message itself is the
pipeline's (app/mail/inbound.py); this handler only checks who is knocking and hands the bytes
over. A message over app.toml's `inbound_max_bytes` is still taken (and quarantined unparsed) up
to twice that size: refusing it would bounce a customer's mail; beyond that the answer is 413.
"""

from __future__ import annotations

from litestar import Request, post

from app.errors import NotAuthenticated
from app.i18n import _
from app.mail import api_docs
from app.mail.gateway import verify_mail_token
from app.services import Services
from app.web.dependencies import Injected
from app.web.params import PathText
from app.workspaces.service import get_by_key

DEFAULT_MAX_BYTES = 25 * 1024 * 1024


def bearer_token(request: Request) -> str:
    """The token of an `Authorization: Bearer <token>` header, or ""."""
    scheme, _space, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def mail_workspace(request: Request, key: str) -> dict:
    """The workspace whose mail gateway token the request carries; NotFound for an unknown or
    cancelled key, NotAuthenticated (401) for a missing or wrong token."""
    workspace = await get_by_key(key)
    if not await verify_mail_token(workspace["id"], bearer_token(request)):
        raise NotAuthenticated(_("A valid mail gateway token is required (Authorization: Bearer <token>)."))
    return workspace


@post("/{workspace:str}/mail/inbound", name="api.mail_inbound", status_code=200,
      request_max_body_size=2 * DEFAULT_MAX_BYTES + 64 * 1024, **api_docs.PIPE)
async def mail_inbound(request: Request, workspace: PathText, services: Injected[Services]) -> dict:
    row = await mail_workspace(request, workspace)
    raw = await request.body()
    outcome = await services.mail_in.receive(row, raw, source="pipe")
    return outcome.as_json()


ROUTES = [mail_inbound]
