"""The Trivial Tickets mail gateway API (issue 11, "the Trivial Tickets mail API contract"), on
the `/api` router (JSON errors `{"code", "error"}`, no CSRF: a program calls it).

    POST /api/{workspace}/mail/receive      {"from","subject","message"} -> the pipeline
    GET  /api/{workspace}/mail/fetchMails   the outbox mails the gateway is to send
    POST /api/{workspace}/mail/verifyMail   {"id"}: that mail was sent

Each needs `Authorization: Bearer <the workspace's mail gateway token>` (app/mail/gateway.py),
not the API token: switching API access off does not stop mail. Another method on these paths
answers 405 from the app's JSON handlers. The rules live in app/mail/gateway_outbox.py.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from litestar import MediaType, Request, Response, get, post

from app.errors import BadRequest
from app.i18n import _
from app.mail import api_docs, gateway_outbox
from app.mail.pipe import mail_workspace
from app.services import Services
from app.web.dependencies import Injected
from app.web.params import PathText

# A receive body is one message's text as JSON: a megabyte holds any mail a person writes (an
# attachment cannot come this way), and a larger body is refused with 413 before it is read whole.
RECEIVE_MAX_BYTES = 1024 * 1024
VERIFY_MAX_BYTES = 4 * 1024


async def _json(request: Request) -> object:
    try:
        return json.loads(await request.body())
    except (ValueError, RecursionError) as exc:  # RecursionError: "[[[[…" nested deeper than Python goes
        raise BadRequest(_("The body is not valid JSON.")) from exc


def _ok(**extra: object) -> Response:
    return Response({"message": "OK", "status": 200, **extra}, media_type=MediaType.JSON)


@post("/{workspace:str}/mail/receive", name="api.mail_receive", status_code=200,
      request_max_body_size=RECEIVE_MAX_BYTES, **api_docs.RECEIVE)
async def receive(request: Request, services: Injected[Services], workspace: PathText) -> Response:
    row = await mail_workspace(request, workspace)
    domain = urlsplit(services.settings.server.base_url).hostname or "helprealm.invalid"
    raw = gateway_outbox.receive_message(await _json(request), domain=domain)
    outcome = await services.mail_in.receive(row, raw, source="gateway")
    # The contract's answer, and what the pipeline made of it (extra fields a client ignores).
    return _ok(outcome=outcome.outcome, ticket=outcome.ticket, reason=outcome.reason)


@get("/{workspace:str}/mail/fetchMails", name="api.mail_fetch", **api_docs.FETCH)
async def fetch_mails(request: Request, services: Injected[Services], workspace: PathText) -> Response:
    row = await mail_workspace(request, workspace)
    mails = await gateway_outbox.pending_mails(row["id"], services.settings.mail)
    return Response(mails, media_type=MediaType.JSON)


@post("/{workspace:str}/mail/verifyMail", name="api.mail_verify", status_code=200,
      request_max_body_size=VERIFY_MAX_BYTES, **api_docs.VERIFY)
async def verify_mail(request: Request, workspace: PathText) -> Response:
    row = await mail_workspace(request, workspace)
    mail_id = gateway_outbox.verify_body(await _json(request))
    return _ok(verified=await gateway_outbox.verify(row["id"], mail_id))


ROUTES = [receive, fetch_mails, verify_mail]
