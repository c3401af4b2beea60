"""Admin page part: the "Mail gateway" section of /admin/mail (templates/admin/_mail_gateway.html,
#mail-gateway). On the admin router (superadmins only; CSRF by the global middleware). Its two
forms answer the section's fragment for HTMX, else the whole mail page; the rules live in
app/mail/gateway.py and app/mail/gateway_settings.py.
"""

from __future__ import annotations

from litestar import Request, Response, post
from litestar.response import Template

from app import links
from app.accounts.viewer import Viewer
from app.errors import ValidationFailed
from app.mail import gateway, gateway_settings
from app.web.dependencies import Injected
from app.web.params import Form
from app.web.render import is_htmx, redirect, render
from app.workspaces.service import get_by_id

FRAGMENT = "admin/_mail_gateway.html"


async def context(viewer: Viewer, *, token: str = "", gateway_values: dict | None = None,
                  gateway_errors: dict | None = None, saved_gateway: bool = False) -> dict:
    # (Names of their own: the mail page hands them through beside its form's `values`/`errors`.)
    """What the section shows; the mail page (app/workspaces/admin_mail.py) adds it to its own."""
    site = links.current()
    key = (await get_by_id(viewer.workspace_id))["key"]
    return {"gateway": {
        "state": await gateway.state(viewer.workspace_id),
        "token": token,  # a new token: in this one response only
        "values": gateway_values if gateway_values is not None else await gateway_settings.form_values(
            viewer.workspace_id),
        "errors": gateway_errors or {},
        "saved": saved_gateway,
        "base_url": site.base_url,
        "key": key,
        # The pipe is the lead's route (`helprealm mailgate` posts there); its path is fixed by issue 11.
        "pipe_url": f"{site.base_url}/api/{key}/mail/inbound",
        "urls": [site.url(name, workspace=key) for name in ("api.mail_receive", "api.mail_fetch",
                                                                  "api.mail_verify")],
        # Postfix's aliases(5) line: the token from a file (a command line shows in process listings).
        "example": f'support: "|helprealm mailgate --url {site.base_url} --workspace {key} '
                   f'--token-file /etc/helprealm/mail-token"',
        "delivery": gateway_settings.delivery_choices(),
        "closed_reply": gateway_settings.closed_reply_choices(),
    }}


async def _section(request: Request, viewer: Viewer, status_code: int = 200, **extra) -> Template:
    """The section's fragment for HTMX, else the whole mail page around it."""
    if not is_htmx(request):
        from app.workspaces.admin_mail import _mail_page  # the page this section sits on (it imports us)

        return await _mail_page(request, viewer, status_code=status_code, **extra)
    return render(request, FRAGMENT, await context(viewer, **extra), status_code=status_code)


@post("/mail/gateway-token", name="admin.mail_gateway_token")
async def gateway_token(request: Request, viewer: Injected[Viewer]) -> Template:
    """The new token is in this one response only (no redirect: it must never be in a URL)."""
    token = await gateway.generate_token(viewer.workspace_id, viewer)
    return await _section(request, viewer, token=token)


@post("/mail/gateway", name="admin.mail_gateway_save")
async def gateway_save(request: Request, viewer: Injected[Viewer], data: Form) -> Response:
    try:
        await gateway_settings.save(viewer, gateway_settings.GatewaySettings.from_form(data))
    except ValidationFailed as exc:
        typed = {k: v for k, v in data.items() if k in ("delivery", "closed_reply_mode") and isinstance(v, str)}
        return await _section(request, viewer, 422, gateway_values=typed, gateway_errors=exc.errors)
    if not is_htmx(request):
        return redirect(request, request.app.route_reverse("admin.mail") + "?saved=gateway#mail-gateway")
    return await _section(request, viewer, saved_gateway=True)


ROUTES = [gateway_token, gateway_save]
