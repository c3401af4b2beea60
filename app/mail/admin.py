"""The quarantine's pages (/admin/quarantine, issue 11 §6): the held messages, one message with
its body in a sandboxed frame, and the superadmin's decision on it.

On the admin router (superadmins only; CSRF by the global middleware). Handlers are thin: the
decisions and the reads are app/mail/release.py, the frame's document app/web/mail_frame.py.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get, post
from litestar.params import QueryParameter
from litestar.response import Template

from app.accounts.viewer import Viewer
from app.errors import Conflict
from app.i18n import _
from app.mail import quarantine, release
from app.services import Services
from app.validation import form_text
from app.web.dependencies import Injected
from app.web.mail_frame import TEXT_MAX, mail_frame
from app.web.params import Form, Id, PageNumber
from app.web.render import is_htmx, redirect, render
from app.workspaces.service import get_by_id

State = Annotated[str, QueryParameter(name="state", max_length=20)]


@get("/quarantine", name="admin.quarantine")
async def quarantine_list(request: Request, viewer: Injected[Viewer], shown: State = quarantine.HELD,
                          page: PageNumber = 1) -> Template:
    """The quarantined messages in one state (held by default), newest first; an HTMX request (the
    filter, paging) gets only the rows."""
    state = shown if shown in release.STATES else quarantine.HELD  # `?state=`: "state" is Litestar's own name
    context = {"listing": await release.listing(viewer.workspace_id, state, page), "state": state,
               "reason_text": release.reason_text}
    if not is_htmx(request):
        context.update(viewer=viewer, workspace=await get_by_id(viewer.workspace_id),
                       counts=await release.counts(viewer.workspace_id))
    return render(request, "admin/quarantine.html", context, fragment="admin/_quarantine_rows.html")


async def _mail_page(request: Request, viewer: Viewer, services: Services, mail_id: int, *, status_code: int = 200,
                     notice: str = "", notice_error: str = "") -> Template:
    row = await release.held_row(viewer.workspace_id, mail_id)
    _raw, parsed = release.parse_held(services.mail_in, row)
    named = await release.named_ticket(viewer.workspace_id, row, parsed) if row["state"] == quarantine.HELD else None
    context = {"row": row, "parsed": parsed, "reason": release.reason_text(row["reason"]), "named": named,
               "notice": notice, "notice_error": notice_error}
    if not is_htmx(request):
        context.update(viewer=viewer, workspace=await get_by_id(viewer.workspace_id))
    return render(request, "admin/quarantine_mail.html", context, fragment="admin/_quarantine_mail.html",
                  status_code=status_code)


@get("/quarantine/{mail_id:int}", name="admin.quarantine_mail")
async def quarantine_mail(request: Request, viewer: Injected[Viewer], services: Injected[Services],
                          mail_id: Id) -> Template:
    return await _mail_page(request, viewer, services, mail_id)


@get("/quarantine/{mail_id:int}/view", name="admin.quarantine_view")
async def quarantine_view(viewer: Injected[Viewer], services: Injected[Services], mail_id: Id) -> Response:
    """The message's body for the page's sandboxed frame: its HTML sanitized (no remote images),
    else its text; a message we could not parse shows its raw beginning as text."""
    row = await release.held_row(viewer.workspace_id, mail_id)
    _raw, parsed = release.parse_held(services.mail_in, row)
    if parsed is not None:
        return mail_frame(html=parsed.html or "", text=parsed.text)
    head = release.raw_head(services.mail_in, row, TEXT_MAX)
    if head is None:
        return mail_frame(text=_("The message's file has been deleted."))
    return mail_frame(text=head.decode("utf-8", "replace"))


@post("/quarantine/{mail_id:int}", name="admin.quarantine_decide")
async def quarantine_decide(request: Request, viewer: Injected[Viewer], services: Injected[Services], mail_id: Id,
                            data: Form) -> Response:
    """Post to the named ticket, open a new ticket, or discard (the form's `action`)."""
    try:
        done = await release.release(services.mail_in, viewer, mail_id, form_text(data, "action"))
    except Conflict as exc:
        return await _mail_page(request, viewer, services, mail_id, status_code=409, notice_error=exc.message)
    if done.ticket is not None:
        notice = _("Released into ticket #%(number)d.", number=done.ticket["number"])
    else:
        notice = _("Message discarded. Its file is deleted after 30 days.")
    if is_htmx(request):
        return await _mail_page(request, viewer, services, mail_id, notice=notice)
    return redirect(request, request.app.route_reverse("admin.quarantine_mail", mail_id=mail_id))


ROUTES = [quarantine_list, quarantine_mail, quarantine_view, quarantine_decide]
