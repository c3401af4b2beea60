"""What REST v1 and the HelpDeskPro paths do, shared by both: parse the body's fields, call the
ticket services as the key's agent, shape the answer (shapes.py). Handlers only read the request
and pick the ticket number out of the path, the query (`id`) or the body (`ticket_id`).

Everything runs through the same services as the agent's pages, scoped by `AgentTicket(viewer,
number)`: a ticket the agent may not see, or another workspace's, is 404 whatever the id form.
"""

from __future__ import annotations

from typing import Any

from app import db
from app.accounts.tables import Agent
from app.accounts.viewer import Viewer
from app.api.rest import shapes
from app.api.rest.body import Fields
from app.errors import ValidationFailed
from app.i18n import _
from app.services import Services
from app.tickets import list_rows, queries, service
from app.tickets.files import Upload
from app.tickets.inputs import UNCHANGED, Channel, FieldChanges, NewTicket, Reply, parse_tags
from app.tickets.listing import NOBODY, ListQuery
from app.tickets.refs import AgentTicket, TicketById
from app.tickets.tables import Ticket, TimelineEntry
from app.validation import FieldErrors
from app.web.params import MAX_PAGE

DEFAULT_PRIORITY = 2  # medium, when a program names none
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_Q = 200


def _fail_if(errors: dict) -> None:
    if errors:
        raise ValidationFailed(dict(errors))


# -- create ------------------------------------------------------------------------------------


async def _type_id(viewer: Viewer, errors: Fields, data: dict) -> int:
    """The type by id or name; the workspace's first type when none is named."""
    types = await queries.ticket_types(viewer.workspace_id)
    value = data.get("type", data.get("type_id"))
    if value is None or value == "":
        return types[0]["id"] if types else 0
    if isinstance(value, str) and not value.strip().isdigit():
        found = [t["id"] for t in types if t["name"].casefold() == value.strip().casefold()]
    else:
        number = errors.number({"type": value}, "type")
        found = [t["id"] for t in types if t["id"] == number]
    if not found:
        errors["type"] = _("Unknown ticket type.")
        return 0
    return found[0]


async def create(viewer: Viewer, data: dict) -> dict:
    """A new ticket; without a customer the key's agent is its requester and nobody is mailed."""
    errors = Fields()
    texts = {field: errors.text(data, field) or "" for field in ("subject", "description", "text",
                                                                 "customer_name", "customer_email")}
    prio = errors.priority(data, "priority")
    type_id = await _type_id(viewer, errors, data)
    group_id = errors.number(data, "group") or errors.number(data, "group_id")
    assignee = errors.number(data, "assigned_user_id") or errors.number(data, "assignee")
    deadline = errors.deadline(data, "deadline")
    tags_text = errors.tags(data, "tags")
    form = FieldErrors()
    subject = form.line(texts, "subject", _("Subject"), min_len=Channel.REST.min_subject)
    text = form.text(texts, "description" if texts["description"] or not texts["text"] else "text",
                     _("Description"), max_len=Channel.REST.max_text)
    errors.update({("description" if key == "text" else key): message for key, message in form.items()})
    customer = bool(texts["customer_email"].strip())
    if customer:
        form = FieldErrors()
        email = form.email(texts, "customer_email")
        name = form.line(texts, "customer_name", _("Name"), min_len=0) or email.split("@")[0]
        errors.update(form)
    else:
        email, name = viewer.email, viewer.name
    tags: list[str] = []
    if tags_text is not None:
        try:
            tags = parse_tags(tags_text)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if group_id is None:
        group_id = await queries.default_group_id(viewer.workspace_id)
        if group_id is None:
            errors["group"] = _("Please choose a group.")
    _fail_if(errors)
    new = NewTicket(name=name[:200], email=email, subject=subject, text=text, type_id=type_id,
                    prio=prio or DEFAULT_PRIORITY, channel=Channel.REST)
    try:
        created = await service.create_for_customer(viewer, new, group_id or 0, assignee, quiet=not customer,
                                                    deadline=deadline, tags=tags)
    except ValidationFailed as exc:
        raise ValidationFailed(shapes.api_field_names(exc.errors)) from None
    ref = TicketById(viewer.workspace_id, created.ticket["id"])
    return shapes.ticket(await queries.ticket_page(ref))


# -- list, show --------------------------------------------------------------------------------


def _per_page(errors: Fields, params: dict) -> tuple[int, int]:
    page = errors.number(params, "page") or 1
    per_page = errors.number(params, "per_page") or DEFAULT_PER_PAGE
    return min(page, MAX_PAGE), min(per_page, MAX_PER_PAGE)


async def list_tickets(viewer: Viewer, params: dict, services: Services) -> dict:
    errors = Fields()
    page, per_page = _per_page(errors, params)
    statuses = []
    for raw in str(params.get("status") or "").split(",")[:20]:
        if raw.strip() and (status := errors.status({"status": raw}, "status")) is not None:
            statuses.append(int(status))
    assignee: int | str | None = None
    raw_assignee = str(params.get("assignee") or params.get("assigned_user_id") or "").strip().lower()
    if raw_assignee in ("none", NOBODY):
        assignee = NOBODY
    elif raw_assignee == "me":
        assignee = viewer.agent_id
    elif raw_assignee:
        assignee = errors.number({"assignee": raw_assignee}, "assignee")
    lq = ListQuery(view="all", q=str(params.get("q") or "")[:MAX_Q], statuses=tuple(sorted(set(statuses))),
                   prio=errors.priority(params, "priority"), group_id=errors.number(params, "group"),
                   type_id=errors.number(params, "type"), assignee=assignee,
                   tag=str(params.get("tag") or "")[:MAX_Q], per_page=per_page, page=page)
    _fail_if(errors)
    listing = await list_rows.list_page(viewer, lq, services.search)
    return {"data": [shapes.summary(row, listing.tags.get(row["id"], [])) for row in listing.rows],
            "page": listing.page, "per_page": per_page, "total": listing.total, "pages": listing.pages}


COMMENT_KINDS = ("customer", "reply", "note")


async def show(viewer: Viewer, number: int, params: dict, base: str) -> dict:
    """The ticket with one page of its comments (oldest first) and every attachment."""
    errors = Fields()
    page, per_page = _per_page(errors, params)
    _fail_if(errors)
    ticket = await queries.ticket_page(AgentTicket(viewer, number))
    posts = [e for e in reversed(await queries.thread(ticket["id"], for_customer=False)) if e["kind"] in COMMENT_KINDS]
    pages = max(1, -(-len(posts) // per_page))
    page = min(page, pages)
    shown = posts[(page - 1) * per_page: page * per_page]
    files = await queries.attachments(ticket["id"], for_customer=False)
    return {"data": {
        **shapes.ticket(ticket),
        "comments": [shapes.comment(entry) for entry in shown],
        "comments_page": {"page": page, "per_page": per_page, "total": len(posts), "pages": pages},
        "attachments": [shapes.attachment(row, base, number) for row in files],
    }}


# -- update ------------------------------------------------------------------------------------


async def update(viewer: Viewer, number: int, data: dict) -> dict:
    """The fields sent, in one transaction: a field not sent stays; `deadline` or
    `assigned_user_id` null clears it (releases the ticket)."""
    errors = Fields()

    def sent(*names: str) -> str | None:
        return next((name for name in names if name in data), None)

    changes: dict[str, Any] = {}
    if sent("status") and (status := errors.status(data, "status")) is not None:
        changes["status"] = status
    if sent("priority") and (prio := errors.priority(data, "priority")) is not None:
        changes["prio"] = prio
    if data.get("type", data.get("type_id")) not in (None, ""):
        changes["type_id"] = await _type_id(viewer, errors, data)
    if field := sent("group", "group_id"):
        changes["group_id"] = errors.number(data, field) or UNCHANGED
    if field := sent("assigned_user_id", "assignee"):
        changes["assignee"] = errors.number(data, field)
    if "deadline" in data:
        changes["deadline"] = errors.deadline(data, "deadline")
    if sent("subject"):
        form = FieldErrors()
        changes["subject"] = form.line({"subject": errors.text(data, "subject") or ""}, "subject", _("Subject"),
                                       min_len=Channel.REST.min_subject)
        errors.update(form)
    tags = None
    if "tags" in data and (tags_text := errors.tags(data, "tags")) is not None:
        try:
            tags = parse_tags(tags_text)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    _fail_if(errors)
    try:
        async with db.write():  # one intent, one transaction: every field or none
            await service.update_fields(viewer, number, FieldChanges(**changes))
            if tags is not None:
                await service.set_tags(viewer, number, tags)
    except ValidationFailed as exc:
        raise ValidationFailed(shapes.api_field_names(exc.errors)) from None
    return shapes.ticket(await queries.ticket_page(TicketById(viewer.workspace_id, await _id_of(viewer, number))))


async def _id_of(viewer: Viewer, number: int) -> int:
    """The ticket's id once changed: the change may have taken it out of the agent's sight (moved
    to another group), and the answer still shows what became of it."""
    row = await Ticket.select(Ticket.id).where(Ticket.workspace == viewer.workspace_id, Ticket.number == number).first()
    return row["id"] if row else 0


# -- comments ----------------------------------------------------------------------------------


async def comment(viewer: Viewer, number: int, data: dict, services: Services) -> dict:
    """A reply (mailed to the customer) or, with `internal`, a note; with a file, the file too."""
    errors = Fields()
    text = errors.text(data, "comment") or errors.text(data, "text") or ""
    internal = errors.flag(data, "internal")
    file = errors.upload(data, "attachment")
    if file is None and "attachment" in data:
        errors["attachment"] = _("Please choose a file.")
    if not text.strip() and file is None:
        errors["comment"] = _("%(label)s is required.", label=_("Comment"))
    _fail_if(errors)
    reply = None
    if text.strip():
        try:
            reply = Reply(text=text.replace("\r\n", "\n"), channel=Channel.REST)
        except ValidationFailed as exc:
            raise ValidationFailed({"comment": next(iter(exc.errors.values()))}) from None
    upload = Upload(file.filename, file.content_type, await file.read()) if file is not None else None
    attachment = None
    try:
        async with db.write():  # the comment and its file together (the file is checked first)
            if upload is not None:
                attachment = await service.add_agent_attachment(viewer, number, upload, services.storage,
                                                                internal=internal)
            if reply is not None:
                post = service.add_note if internal else service.agent_reply
                await post(viewer, number, reply)
    except ValidationFailed as exc:
        raise ValidationFailed({("attachment" if key == "file" else "comment"): message
                                for key, message in exc.errors.items()}) from None
    entry = None
    if reply is not None:
        ticket = await queries.ticket_page(TicketById(viewer.workspace_id, await _id_of(viewer, number)))
        entry = await TimelineEntry.select().where(
            TimelineEntry.ticket == ticket["id"], TimelineEntry.kind == ("note" if internal else "reply"),
            TimelineEntry.author_agent == viewer.agent_id).order_by(TimelineEntry.id, ascending=False).first()
    base = services.settings.server.base_url.rstrip("/")
    return {"data": {
        "ticket_id": number,
        "comment": shapes.comment(entry) if entry else None,
        "attachment": shapes.attachment(attachment, base, number) if attachment else None,
    }}


# -- users -------------------------------------------------------------------------------------


async def users(viewer: Viewer) -> dict:
    rows = await Agent.select(Agent.id, Agent.first_name, Agent.last_name, Agent.email, Agent.position,
                              Agent.active, Agent.on_vacation).where(
        Agent.workspace == viewer.workspace_id, Agent.retired.eq(False)).order_by(Agent.id)
    return {"data": [shapes.user(row) for row in rows]}
