"""The agent's ticket page and the changes made on it.

Every route here sits on the agent router, whose guard loads the logged-in `viewer`; every
query and intent is scoped by the viewer's visibility (app/tickets/scopes.py), so a ticket an
agent may not see answers 404 like one that does not exist.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect

from app import links
from app.accounts.tables import full_name
from app.accounts.viewer import Viewer
from app.errors import NotFound, Stale, ValidationFailed
from app.i18n import _
from app.services import Services
from app.tickets import queries, service
from app.tickets.files import Upload
from app.tickets.inputs import FieldChanges, Reply
from app.tickets.refs import AgentTicket
from app.tickets.service.conversation import version
from app.tickets.status import MANUAL_STATUSES, PRIORITIES, Status
from app.tickets.web.common import layout
from app.validation import form_text, parse_int
from app.web.dependencies import Injected
from app.web.files import download as file_download
from app.web.files import read_upload
from app.web.params import EntryId, Form, Id, Multipart
from app.web.render import is_htmx, redirect, render
from app.workspaces.service import get_by_id, today_in

# -- the ticket page -------------------------------------------------------------------------


def agent_choices(agents: list[dict], current: int | None) -> list[tuple]:
    """The assignee picker: the active agents, marked by their groups; one on vacation is shown but
    cannot be picked, so the reason is visible (the service refuses them too). The current
    assignee stays selectable, whatever their state: the fields form sends it back unchanged."""
    choices = []
    for agent in agents:
        if not agent["active"] and current != agent["id"]:
            continue
        name = full_name(agent["first_name"], agent["last_name"])
        if agent["group_names"]:
            name = f"{name} · {agent['group_names']}"
        if agent["on_vacation"]:
            label = _("%(name)s (on vacation)", name=name)
        elif not agent["active"]:
            label = _("%(name)s (inactive)", name=name)
        else:
            label = name
        unavailable = (agent["on_vacation"] or not agent["active"]) and current != agent["id"]
        choices.append((agent["id"], label, unavailable))
    return choices


def _field_choices(ticket: dict, options: dict) -> dict[str, list[tuple]]:
    """The fields form's selects as (value, label[, disabled]) options."""
    status = [(s.value, s.label) for s in MANUAL_STATUSES]
    if ticket["status"] == Status.AWAITING_CONFIRMATION:  # shown, but only confirming leaves it
        status.append((int(Status.AWAITING_CONFIRMATION), Status.AWAITING_CONFIRMATION.label, True))
    group = [(g["id"], g["name"]) for g in options["groups"]]
    if not ticket["group"]:
        group.insert(0, ("", _("(none)"), True))
    assignee = agent_choices(options["agents"], current=ticket["assignee"])
    return {
        "status": status,
        "prio": [(code, str(label)) for code, label in PRIORITIES.items()],
        "type": [(t["id"], t["name"]) for t in options["types"]],
        "group": group,
        "assignee": assignee,
    }


def is_overdue(ticket: dict, today: date) -> bool:
    """The deadline has passed and the ticket is not done (`today` where the workspace is: its
    time zone; the overdue list and the dashboard card count the same way)."""
    done = (Status.CLOSED, Status.RESOLVED)
    return ticket["deadline"] is not None and ticket["deadline"] < today and ticket["status"] not in done


def editable_posts(entries: list[dict], viewer: Viewer) -> set[int]:
    """The viewer's own replies and notes: what the thread offers to edit."""
    return {e["id"] for e in entries if e["kind"] in ("reply", "note") and e["author_agent"] == viewer.agent_id}


async def ticket_page(request: Request, viewer: Viewer, number: int, status_code: int = 200,
                      edit_request: int | None = None, **extra: Any) -> Response:
    """The ticket page, or for HTMX its #ticket fragment (every change on the page swaps it). An
    absorbed ticket lives on in the one it was merged into: its page leads there.

    `edit_request`: the post whose edit form to open (if it is the viewer's). `extra` adds to the
    context what a refused change shows: `errors`, `notice`/`notice_error`, the reply `draft`,
    `held` (a reply held by the optimistic check), `editing` and `post_draft` (a refused edit)."""
    ticket = await queries.ticket_page(AgentTicket(viewer, number))
    survivor = ticket["merged_into_number"]
    if survivor is not None:
        if not (is_htmx(request) and request.method == "GET"):
            return redirect(request, request.app.route_reverse("agent.ticket", number=survivor))
        # A live refresh of a page left open: say where the ticket went instead of navigating
        # away, so a reply being written is not lost.
        extra["merged_into"] = {"number": survivor, "url": request.app.route_reverse("agent.ticket", number=survivor)}
    workspace = await get_by_id(viewer.workspace_id)
    entries = await queries.thread(ticket["id"], for_customer=False)
    context = {
        "ticket": ticket,
        "entries": entries,
        "editable": editable_posts(entries, viewer),
        "editing": None,  # the post whose edit form is open (?edit=<id>), set just below
        "post_draft": None,
        "edit_post_url": lambda entry_id: request.app.route_reverse("agent.edit_post", number=number,
                                                                    entry_id=entry_id),
        "mail_post_url": lambda entry_id: request.app.route_reverse("agent.post_mail", number=number,
                                                                    entry_id=entry_id),
        "tags": ticket["tags"],
        "version": version(entries),  # the reply form sends it back: the optimistic reply check
        "attachments": await queries.attachments(ticket["id"], for_customer=False),
        "choices": _field_choices(ticket, options := await queries.ticket_options(viewer.workspace_id)),
        "avatars": {agent["id"]: agent["avatar_version"] for agent in options["agents"] if agent["avatar_version"]},
        "permalink": links.current().permalink(workspace["key"], ticket["hash"]),
        "viewer": viewer,
        "overdue": is_overdue(ticket, today_in(workspace)),
        "errors": {},
        **extra,
    }
    if edit_request in context["editable"]:
        context["editing"] = edit_request
    if not is_htmx(request):
        context.update(await layout(viewer))
    return render(request, "tickets/show.html", context, fragment="tickets/_ticket.html", status_code=status_code)


@get("/tickets/{number:int}", name="agent.ticket")
async def show_ticket(request: Request, viewer: Injected[Viewer], number: Id, edit: EntryId = None) -> Response:
    """The ticket page; `?edit=<post id>` opens that post's edit form (the "Edit" link, with or
    without JavaScript)."""
    return await ticket_page(request, viewer, number, edit_request=edit)


async def after_change(request: Request, viewer: Viewer, number: int, notice: str) -> Response:
    """The updated ticket (HTMX) or a redirect to it; the list if the change took it out of the
    viewer's sight (moved to another group, given to someone else)."""
    try:
        if is_htmx(request):
            return await ticket_page(request, viewer, number, notice=notice)
        await queries.ticket_page(AgentTicket(viewer, number))
    except NotFound:
        return redirect(request, request.app.route_reverse("agent.tickets"))
    return Redirect(request.app.route_reverse("agent.ticket", number=number), status_code=303)


@post("/tickets/{number:int}/reply", name="agent.reply")
async def reply(request: Request, viewer: Injected[Viewer], number: Id, data: Form) -> Response:
    try:
        message = Reply.from_form(data, label=_("Message"))
        await service.agent_reply(viewer, number, message, seen=parse_int(form_text(data, "seen")))
    except ValidationFailed as exc:
        return await ticket_page(request, viewer, number, 422, errors=exc.errors, draft=_draft(data))
    except Stale as exc:  # held: the page shows the new messages, the draft and "send anyway"
        return await ticket_page(request, viewer, number, 409, held=exc, draft=_draft(data))
    return await after_change(request, viewer, number, _("Reply sent to the customer."))


@post("/tickets/{number:int}/note", name="agent.note")
async def note(request: Request, viewer: Injected[Viewer], number: Id, data: Form) -> Response:
    try:
        await service.add_note(viewer, number, Reply.from_form(data, label=_("Message")))
    except ValidationFailed as exc:
        return await ticket_page(request, viewer, number, 422, errors=exc.errors, draft=_draft(data))
    return await after_change(request, viewer, number, _("Note saved."))


def _draft(data: dict) -> str:
    text = data.get("text")
    return text if isinstance(text, str) else ""


@post("/tickets/{number:int}/update", name="agent.update")
async def update(request: Request, viewer: Injected[Viewer], number: Id, data: Form) -> Response:
    """The fields form: status, priority, type, group, assignee (empty = nobody), in one change."""
    try:
        await service.update_fields(viewer, number, FieldChanges.from_form(data))
    except ValidationFailed as exc:
        return await ticket_page(request, viewer, number, 422, errors=exc.errors)
    return await after_change(request, viewer, number, _("Ticket updated."))


@post("/tickets/{number:int}/attachments", name="agent.upload")
async def upload(request: Request, viewer: Injected[Viewer], number: Id, data: Multipart,
                 services: Injected[Services]) -> Response:
    try:
        upload = Upload(*await read_upload(data))
        await service.add_agent_attachment(viewer, number, upload, services.storage)
    except ValidationFailed as exc:
        return await ticket_page(request, viewer, number, 422, errors=exc.errors)
    return await after_change(request, viewer, number, _("File uploaded."))


@get("/tickets/{number:int}/files/{attachment_id:int}", name="agent.file")
async def download(viewer: Injected[Viewer], number: Id, attachment_id: Id, services: Injected[Services]) -> Response:
    row = await queries.attachment(AgentTicket(viewer, number), attachment_id, for_customer=False)
    return file_download(services.storage.directory / row["stored_name"], row["filename"])


ROUTES = [show_ticket, reply, note, update, download]
UPLOADS = [upload]  # the only bodies larger than a form: create_app gives them the upload limit
