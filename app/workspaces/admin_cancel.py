"""The danger zone (/admin/cancel): a superadmin cancels the workspace, and the goodbye page.

The form asks for the captcha and the company name typed exactly; the deletion itself is a
background job (app/workspaces/cancel.py). The goodbye page is public: by the time it shows, the
agent's session has ended with every other session of the workspace.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from app.accounts.viewer import Viewer
from app.errors import ValidationFailed
from app.exports.jobs import exports_dir
from app.i18n import _
from app.services import Services
from app.validation import form_text
from app.web.dependencies import Injected
from app.web.params import Form
from app.web.render import redirect, render
from app.workspaces import cancel
from app.workspaces.service import get_by_id


async def _page(request: Request, viewer: Viewer, services: Services, status_code: int = 200,
                **context: Any) -> Template:
    context.setdefault("errors", {})
    context.setdefault("values", {})
    context.update(viewer=viewer, workspace=await get_by_id(viewer.workspace_id), captcha=services.captchas.new())
    return render(request, "admin/cancel.html", context, fragment="admin/_cancel.html", status_code=status_code)


@get("/cancel", name="admin.cancel")
async def cancel_page(request: Request, viewer: Injected[Viewer], services: Injected[Services]) -> Template:
    return await _page(request, viewer, services)


@post("/cancel", name="admin.cancel_submit")
async def cancel_workspace(request: Request, viewer: Injected[Viewer], services: Injected[Services],
                           data: Form) -> Response:
    company = form_text(data, "company")
    settings = services.settings
    try:
        await cancel.cancel_workspace(viewer, company, captcha_errors=services.captchas.errors(data),
                                      attachments_dir=settings.attachments_path,
                                      exports_dir=exports_dir(settings.data_path),
                                      backgrounds_dir=settings.backgrounds_path,
                                      quarantine_dir=settings.quarantine_path)
    except ValidationFailed as exc:
        return await _page(request, viewer, services, 422, errors=exc.errors, values={"company": company[:200]})
    request.clear_session()  # (its row is gone already; this drops the cookie)
    return redirect(request, request.app.route_reverse("workspace.goodbye"))


@get("/goodbye", name="workspace.goodbye")
async def goodbye() -> Template:
    return Template("accounts/message.html", context={
        "title": _("Goodbye"),
        "message": _("Your workspace has been cancelled. It and all its data (tickets, files, agents and "
                     "settings) are being deleted now; this cannot be undone. Thank you for using HelpRealm."),
        "show_login": False,
    })


ROUTES = [cancel_page, cancel_workspace]  # the admin router's
PUBLIC_ROUTES = [goodbye]  # anyone's (the accounts router)
