"""Administration → Webhooks (/admin/webhooks): the list with the form for a new hook, one hook's
page (its form, "Send test", its deliveries with their attempts, "Retry now", delete).

On the admin router (superadmins only; CSRF by the global middleware). The forms answer their
fragment for HTMX, else the whole page; a secret in clear is only ever in the response that made
it (never in a URL, so no redirect after it). The rules live in app/webhooks/service.py.
"""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.response import Template

from app.accounts.viewer import Viewer
from app.errors import Conflict, ValidationFailed
from app.i18n import _
from app.services import Services
from app.web.dependencies import Injected
from app.web.params import Form, Id, PageNumber
from app.web.render import is_htmx, redirect, render
from app.webhooks import events, service
from app.webhooks.service import HookForm
from app.workspaces.service import get_by_id


def event_choices() -> list[tuple[str, str]]:
    return [
        (events.CREATED, _("Ticket created")),
        (events.UPDATED, _("Ticket updated (other fields, tags, merge, files)")),
        (events.REPLY, _("Reply added (an agent's reply or a customer's message)")),
        (events.NOTE, _("Internal note added")),
        (events.STATUS, _("Status changed")),
        (events.ASSIGNED, _("Ticket assigned")),
    ]


def _form_values(hook: dict | None = None, data: dict | None = None) -> dict:
    """What the form shows: the posted values after an error, else the hook's (a new hook: all events, on)."""
    if data is not None:
        form = HookForm.from_form(data)
        return {"url": form.url, "description": form.description, "events": form.events, "active": form.active}
    if hook is None:
        return {"url": "", "description": "", "events": events.EVENTS, "active": True}
    return {"url": hook["url"], "description": hook["description"], "events": hook["events"], "active": hook["active"]}


async def _page_context(viewer: Viewer, request: Request) -> dict:
    if is_htmx(request):
        return {"choices": event_choices()}
    return {"viewer": viewer, "workspace": await get_by_id(viewer.workspace_id), "choices": event_choices()}


async def _list_page(request: Request, viewer: Viewer, *, status_code: int = 200, values: dict | None = None,
                     errors: dict | None = None, created: dict | None = None, secret: str = "") -> Template:
    context = {**await _page_context(viewer, request), "values": values or _form_values(), "errors": errors or {},
               "created": created, "secret": secret, "action": request.app.route_reverse("admin.webhook_create")}
    if not is_htmx(request):
        context["hooks"] = await service.listing(viewer.workspace_id)
    return render(request, "admin/webhooks.html", context, fragment="admin/_webhook_form.html",
                  status_code=status_code)


@get("/webhooks", name="admin.webhooks")
async def webhooks(request: Request, viewer: Injected[Viewer]) -> Template:
    return await _list_page(request, viewer)


@post("/webhooks", name="admin.webhook_create")
async def webhook_create(request: Request, viewer: Injected[Viewer], services: Injected[Services],
                         data: Form) -> Template:
    try:
        hook, secret = await service.register(viewer, HookForm.from_form(data), services.settings.webhooks)
    except ValidationFailed as exc:
        return await _list_page(request, viewer, status_code=422, values=_form_values(data=data), errors=exc.errors)
    return await _list_page(request, viewer, created=hook, secret=secret)


async def _hook_page(request: Request, viewer: Viewer, hook_id: int, *, page: int = 1, status_code: int = 200,
                     values: dict | None = None, errors: dict | None = None, secret: str = "", saved: bool = False,
                     tested: dict | None = None, notice: str = "", fragment: str = "admin/_webhook_form.html"
                     ) -> Template:
    hook = await service.get(viewer.workspace_id, hook_id)
    secret_stored = service.vault().open(hook["secret_sealed"]) if hook["secret_sealed"] else None
    context = {**await _page_context(viewer, request), "hook": hook, "values": values or _form_values(hook),
               "errors": errors or {}, "secret": secret, "saved": saved, "tested": tested, "notice": notice,
               "masked": service.masked(secret_stored), "secret_unreadable": secret_stored is None,
               "action": request.app.route_reverse("admin.webhook_update", hook_id=hook_id),
               "listing": await service.deliveries(viewer.workspace_id, hook_id, page)}
    return render(request, "admin/webhook.html", context, fragment=fragment, status_code=status_code)


@get("/webhooks/{hook_id:int}", name="admin.webhook")
async def webhook(request: Request, viewer: Injected[Viewer], hook_id: Id, page: PageNumber = 1) -> Template:
    """The hook; an HTMX request (paging, refresh) gets only the deliveries."""
    return await _hook_page(request, viewer, hook_id, page=page, fragment="admin/_webhook_deliveries.html")


@post("/webhooks/{hook_id:int}", name="admin.webhook_update")
async def webhook_update(request: Request, viewer: Injected[Viewer], services: Injected[Services], hook_id: Id,
                         data: Form) -> Template:
    try:
        _hook, secret = await service.edit(viewer, hook_id, HookForm.from_form(data), services.settings.webhooks)
    except ValidationFailed as exc:
        return await _hook_page(request, viewer, hook_id, status_code=422, values=_form_values(data=data),
                                errors=exc.errors)
    return await _hook_page(request, viewer, hook_id, secret=secret, saved=True)


@post("/webhooks/{hook_id:int}/delete", name="admin.webhook_delete")
async def webhook_delete(request: Request, viewer: Injected[Viewer], hook_id: Id) -> Response:
    await service.delete(viewer, hook_id)
    return redirect(request, request.app.route_reverse("admin.webhooks"))


@post("/webhooks/{hook_id:int}/test", name="admin.webhook_test")
async def webhook_test(request: Request, viewer: Injected[Viewer], services: Injected[Services],
                       hook_id: Id) -> Template:
    """A ping sent now; HTMX swaps in its result (#webhook-test), else the whole page shows it."""
    tested = await service.send_test(viewer, hook_id, services.settings.webhooks)
    return await _hook_page(request, viewer, hook_id, tested=tested, fragment="admin/_webhook_test.html")


@post("/webhooks/{hook_id:int}/deliveries/{delivery_id:int}/retry", name="admin.webhook_retry")
async def webhook_retry(request: Request, viewer: Injected[Viewer], services: Injected[Services], hook_id: Id,
                        delivery_id: Id) -> Template:
    """One more attempt of a failed delivery now; HTMX gets the deliveries again."""
    try:
        done = await service.retry(viewer, hook_id, delivery_id, services.settings.webhooks)
    except Conflict as exc:
        return await _hook_page(request, viewer, hook_id, status_code=409, notice=exc.message,
                                fragment="admin/_webhook_deliveries.html")
    notice = _("Delivered.") if done["status"] == "sent" else _("The retry failed too.")
    return await _hook_page(request, viewer, hook_id, notice=notice, fragment="admin/_webhook_deliveries.html")


ROUTES = [webhooks, webhook_create, webhook, webhook_update, webhook_delete, webhook_test, webhook_retry]
