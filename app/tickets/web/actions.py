"""The ticket page's other controls: take and release, tags, notes, merge, editing a post,
removing a file. Each answers like the fields form: the updated #ticket for HTMX, a redirect
to the ticket page otherwise; a refused change re-renders the ticket with the message."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.response import Template

from app.accounts.viewer import Viewer
from app.errors import Conflict, Forbidden, ValidationFailed
from app.i18n import _
from app.services import Services
from app.tickets import queries, service
from app.tickets.inputs import Reply, parse_tags
from app.tickets.refs import AgentTicket
from app.tickets.web.common import layout
from app.tickets.web.ticket import after_change, ticket_page
from app.validation import form_text, parse_int
from app.web.dependencies import Injected
from app.web.params import Form, Id, Text
from app.web.render import is_htmx, redirect, render


async def _refused(request: Request, viewer: Viewer, number: int, exc: Exception) -> Response:
    if isinstance(exc, ValidationFailed):
        return await ticket_page(request, viewer, number, 422, errors=exc.errors)
    message = getattr(exc, "message", str(exc))
    return await ticket_page(request, viewer, number, getattr(exc, "status_code", 409), notice_error=message)


@post("/tickets/{number:int}/take", name="agent.take")
async def take(request: Request, viewer: Injected[Viewer], number: Id) -> Response:
    try:
        await service.take(viewer, number)
    except (ValidationFailed, Forbidden, Conflict) as exc:
        return await _refused(request, viewer, number, exc)
    return await after_change(request, viewer, number, _("The ticket is yours now."))


@post("/tickets/{number:int}/release", name="agent.release")
async def release(request: Request, viewer: Injected[Viewer], number: Id) -> Response:
    try:
        await service.release(viewer, number)
    except (Forbidden, Conflict) as exc:
        return await _refused(request, viewer, number, exc)
    return await after_change(request, viewer, number, _("Ticket released."))


@post("/tickets/{number:int}/tags", name="agent.tags")
async def tags(request: Request, viewer: Injected[Viewer], number: Id, data: Form) -> Response:
    """The tag chips: `add` what was typed (comma-separated), `remove` a chip's ×."""
    try:
        remove = [form_text(data, "remove")] if form_text(data, "remove").strip() else []
        await service.change_tags(viewer, number, parse_tags(form_text(data, "add")), remove)
    except ValidationFailed as exc:
        return await _refused(request, viewer, number, exc)
    return await after_change(request, viewer, number, _("Tags saved."))


@get("/tickets/tags/suggest", name="agent.tag_suggestions")
async def tag_suggestions(viewer: Injected[Viewer], add: Text = "") -> Template:
    """<option>s for the tag input's datalist: the workspace's tags starting with what is typed."""
    prefix = add.split(",")[-1].strip()[:50]
    names = await queries.tag_suggestions(viewer.workspace_id, prefix) if prefix else []
    return Template(template_name="tickets/_tag_options.html", context={"names": names})


@post("/tickets/{number:int}/notes", name="agent.notes")
async def notes(request: Request, viewer: Injected[Viewer], number: Id, data: Form) -> Response:
    try:
        text = form_text(data, "notes").replace("\r\n", "\n").strip()
        await service.save_notes(viewer, number, text)
    except ValidationFailed as exc:
        return await _refused(request, viewer, number, exc)
    return await after_change(request, viewer, number, _("Notes saved."))


@get("/tickets/{number:int}/merge", name="agent.merge_form")
async def merge_form(request: Request, viewer: Injected[Viewer], number: Id) -> Template:
    """"Merge into…": the other open tickets of the same customer."""
    ticket = await queries.ticket_page(AgentTicket(viewer, number))
    context = {"ticket": ticket, "candidates": await service.merge_candidates(viewer, number)}
    if not is_htmx(request):
        context.update(await layout(viewer))
    return render(request, "tickets/merge.html", context, fragment="tickets/_merge.html")


@post("/tickets/{number:int}/merge", name="agent.merge")
async def merge(request: Request, viewer: Injected[Viewer], number: Id, data: Form) -> Response:
    into = parse_int(form_text(data, "into"))
    try:
        if into is None:
            raise ValidationFailed({"into": _("Please choose the ticket to merge into.")})
        survivor = await service.merge(viewer, number, into)
    except (ValidationFailed, Conflict) as exc:
        return await _refused(request, viewer, number, exc)
    return redirect(request, request.app.route_reverse("agent.ticket", number=survivor["number"]))


@post("/tickets/{number:int}/posts/{entry_id:int}", name="agent.edit_post")
async def edit_post(request: Request, viewer: Injected[Viewer], number: Id, entry_id: Id, data: Form) -> Response:
    try:
        await service.edit_agent_post(viewer, number, entry_id, Reply.from_form(data, label=_("Message")))
    except ValidationFailed as exc:
        errors = {f"post-{entry_id}": exc.errors.get("text", exc.message)}
        return await ticket_page(request, viewer, number, 422, errors=errors, editing=entry_id,
                                 post_draft=form_text(data, "text"))
    except Forbidden as exc:
        return await _refused(request, viewer, number, exc)
    return await after_change(request, viewer, number, _("Post updated."))


@post("/tickets/{number:int}/files/{attachment_id:int}/delete", name="agent.delete_file")
async def delete_file(request: Request, viewer: Injected[Viewer], number: Id, attachment_id: Id,
                      services: Injected[Services]) -> Response:
    filename = await service.delete_attachment(viewer, number, attachment_id, services.storage)
    return await after_change(request, viewer, number, _("File removed: %(filename)s", filename=filename))


ROUTES = [take, release, tags, tag_suggestions, notes, merge_form, merge, edit_post, delete_file]
