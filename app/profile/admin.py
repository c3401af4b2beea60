"""/admin/security: the workspace's switch "require two-factor login for every agent", and who has
it on. Agents without it enrol at their next login (app/accounts/login_steps.py)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from app import db
from app.accounts.tables import Agent
from app.accounts.viewer import Viewer
from app.audit import service as audit
from app.errors import BadRequest
from app.i18n import _
from app.validation import form_text
from app.web.dependencies import Injected
from app.web.params import Form
from app.web.render import is_htmx, redirect, render
from app.workspaces.service import get_by_id, update_settings

AGENTS_2FA = """
SELECT id, first_name, last_name, email, active, avatar_version, totp_secret != '' AS two_factor
FROM agent WHERE workspace = {} ORDER BY first_name, last_name
"""


async def set_require_2fa(viewer: Viewer, on: bool) -> bool:
    """The intent: one write, audited with the value before and after."""
    async with db.write():
        before = bool((await get_by_id(viewer.workspace_id)).get("require_2fa"))
        await update_settings(viewer.workspace_id, require_2fa=on)
        if before != on:
            await audit.record(viewer.workspace_id, viewer, "security.require_2fa", before={"require_2fa": before},
                               after={"require_2fa": on})
        if on and not before:
            # Agents without a second factor log in again now and enrol then, instead of keeping a
            # session that never ends while they use it.
            await Agent.raw("UPDATE agent SET session_version = session_version + 1 "
                            "WHERE workspace = {} AND totp_secret = '' AND id != {}",
                            viewer.workspace_id, viewer.agent_id)
    return on


async def _page(request: Request, viewer: Viewer, **context: Any) -> Template:
    workspace = await get_by_id(viewer.workspace_id)
    agents = await Agent.raw(AGENTS_2FA, viewer.workspace_id)
    context.update(require_2fa=bool(workspace.get("require_2fa")), agents=agents)
    if not is_htmx(request):
        context.update(viewer=viewer, workspace=workspace)
    return render(request, "admin/security.html", context, fragment="admin/_security.html")


@get("/security", name="admin.security")
async def security_page(request: Request, viewer: Injected[Viewer]) -> Template:
    return await _page(request, viewer)


@post("/security", name="admin.security_save")
async def save(request: Request, viewer: Injected[Viewer], data: Form) -> Response:
    value = form_text(data, "require_2fa")
    if value not in ("", "1", "on"):
        raise BadRequest(_("Two-factor login is either required or not."))
    on = await set_require_2fa(viewer, bool(value))
    if not is_htmx(request):
        return redirect(request, request.app.route_reverse("admin.security"))
    return await _page(request, viewer, notice=_("Every agent must use two-factor login from their next login on.")
                       if on else _("Two-factor login is up to each agent."))


ROUTES = [security_page, save]
