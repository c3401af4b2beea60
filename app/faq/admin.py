"""Superadmin pages for the FAQ (manual: "FAQ"): the list (search, paging, order, a create form)
and an entry's page (edit, delete)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import QueryParameter
from litestar.response import Template

from app.accounts.viewer import Viewer
from app.errors import ValidationFailed
from app.faq import service
from app.i18n import _
from app.validation import form_text, parse_int
from app.web.dependencies import Injected
from app.web.params import MAX_PAGE, Form, Id, PageNumber
from app.web.render import is_htmx, redirect, render
from app.workspaces.service import get_by_id

SearchText = Annotated[str, QueryParameter(name="q", max_length=service.SEARCH_MAX)]


async def _list_page(request: Request, viewer: Viewer, *, q: str = "", page: int = 1, status_code: int = 200,
                     **context: Any) -> Template:
    """The whole list page, or for HTMX (search, paging, moving) the rows only."""
    context.setdefault("errors", {})
    context.setdefault("values", {})
    context.update(listing=await service.admin_page(viewer.workspace_id, q=q.strip(), page=page), q=q.strip())
    if not is_htmx(request) or context.get("whole"):
        context.update(viewer=viewer, workspace=await get_by_id(viewer.workspace_id))
        return render(request, "admin/faq.html", context, status_code=status_code)
    return render(request, "admin/faq.html", context, fragment="admin/_faq_rows.html", status_code=status_code)


@get("/faq", name="admin.faq")
async def faq_list(request: Request, viewer: Injected[Viewer], q: SearchText = "", page: PageNumber = 1) -> Template:
    return await _list_page(request, viewer, q=q, page=page)


@post("/faq", name="admin.faq_create")
async def create_entry(request: Request, viewer: Injected[Viewer], data: Form) -> Response:
    values = {"question": form_text(data, "question"), "answer": form_text(data, "answer")}
    try:
        await service.create_entry(viewer, values["question"], values["answer"])
    except ValidationFailed as exc:
        # The form is on the whole page: an HTMX post gets the whole page's content too.
        return await _list_page(request, viewer, status_code=422, errors=exc.errors, values=values, whole=True)
    return redirect(request, request.app.route_reverse("admin.faq"))


async def _entry_page(request: Request, viewer: Viewer, faq_id: int, status_code: int = 200,
                      **context: Any) -> Template:
    entry = await service.entry_of(viewer.workspace_id, faq_id)
    context.setdefault("errors", {})
    context.setdefault("values", {"question": entry["question"], "answer": entry["answer"]})
    context["entry"] = entry
    if not is_htmx(request):
        context.update(viewer=viewer, workspace=await get_by_id(viewer.workspace_id))
    return render(request, "admin/faq_entry.html", context, fragment="admin/_faq_entry.html",
                  status_code=status_code)


@get("/faq/{faq_id:int}", name="admin.faq_entry")
async def entry_page(request: Request, viewer: Injected[Viewer], faq_id: Id) -> Template:
    return await _entry_page(request, viewer, faq_id)


@post("/faq/{faq_id:int}", name="admin.faq_update")
async def update_entry(request: Request, viewer: Injected[Viewer], faq_id: Id, data: Form) -> Response:
    values = {"question": form_text(data, "question"), "answer": form_text(data, "answer")}
    try:
        await service.update_entry(viewer, faq_id, values["question"], values["answer"])
    except ValidationFailed as exc:
        await service.entry_of(viewer.workspace_id, faq_id)  # another workspace's entry: 404, not the errors
        return await _entry_page(request, viewer, faq_id, 422, errors=exc.errors, values=values)
    return await _entry_page(request, viewer, faq_id, notice=_("FAQ entry saved."))


@post("/faq/{faq_id:int}/delete", name="admin.faq_delete")
async def delete_entry(request: Request, viewer: Injected[Viewer], faq_id: Id) -> Response:
    await service.delete_entry(viewer, faq_id)
    return redirect(request, request.app.route_reverse("admin.faq"))


@post("/faq/{faq_id:int}/move", name="admin.faq_move")
async def move_entry(request: Request, viewer: Injected[Viewer], faq_id: Id, data: Form) -> Response:
    """One step up or down in the public order; the list (or its rows, for HTMX) comes back."""
    try:
        await service.move_entry(viewer, faq_id, form_text(data, "direction"))
    except ValidationFailed as exc:
        return await _list_page(request, viewer, status_code=422, notice_error=exc.message)
    page = min(max(parse_int(form_text(data, "page")) or 1, 1), MAX_PAGE)  # the page the list was on
    if is_htmx(request):
        return await _list_page(request, viewer, page=page, moved=faq_id)
    return redirect(request, request.app.route_reverse("admin.faq") + f"?page={page}")


ROUTES = [faq_list, create_entry, entry_page, update_entry, delete_entry, move_entry]
