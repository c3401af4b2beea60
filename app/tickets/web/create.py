"""Creating a ticket for a customer (manual: the "+" icon): name, e-mail, subject, text, type,
priority and group, optionally an agent. The customer gets the permalink mail."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from app.accounts.viewer import Viewer
from app.errors import ValidationFailed
from app.i18n import _
from app.tickets import queries, service
from app.tickets.inputs import Channel, NewTicket
from app.tickets.scopes import visible_to
from app.tickets.web.common import layout
from app.tickets.web.ticket import agent_choices
from app.validation import FieldErrors, form_text
from app.web.dependencies import Injected
from app.web.params import Form
from app.web.render import redirect, render

FIELDS = ("name", "email", "subject", "text", "type", "prio", "group", "assignee")


async def _form(request: Request, viewer: Viewer, status_code: int = 200, **context: Any) -> Template:
    options = await queries.ticket_options(viewer.workspace_id)
    default_group = await queries.default_group_id(viewer.workspace_id)
    context.setdefault("values", {"prio": "1", "group": str(default_group or "")})
    context.setdefault("errors", {})
    context.update(await layout(viewer))
    context.update(
        types=[(t["id"], t["name"]) for t in options["types"]],
        groups=[(g["id"], g["name"]) for g in options["groups"]],
        agents=agent_choices(options["agents"], current=None),
    )
    return render(request, "tickets/new.html", context, fragment="tickets/_new_form.html", status_code=status_code)


@get("/tickets/new", name="agent.new_ticket")
async def new_ticket_form(request: Request, viewer: Injected[Viewer]) -> Template:
    return await _form(request, viewer)


@post("/tickets/new", name="agent.create_ticket")
async def create_ticket(request: Request, viewer: Injected[Viewer], data: Form) -> Response:
    values = {k: v for k, v in data.items() if k in FIELDS and isinstance(v, str)}
    try:
        types = {row["id"] for row in await queries.ticket_types(viewer.workspace_id)}
        errors = FieldErrors()
        group_id = errors.choice(data, "group", _("Group"), None)
        assignee = errors.choice(data, "assignee", _("Agent"), None) if form_text(data, "assignee").strip() else None
        new = NewTicket.from_form(data, channel=Channel.WEB, type_ids=types, extra_errors=dict(errors))
        created = await service.create_for_customer(viewer, new, group_id, assignee)
    except ValidationFailed as exc:
        return await _form(request, viewer, 422, values=values, errors=exc.errors)
    number = created.ticket["number"]
    if not visible_to(viewer).allows(created.ticket):  # opened for a group the agent is not in
        return redirect(request, request.app.route_reverse("agent.tickets"))
    return redirect(request, request.app.route_reverse("agent.ticket", number=number))


ROUTES = [new_ticket_form, create_ticket]
