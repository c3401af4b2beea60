"""Admin pages: the workspace's own mail service (/admin/mail) and API access (/admin/api).

On the admin router (superadmins only; CSRF by the global middleware). Handlers are thin: the
rules live in app/mail/workspace_mail.py, app/mail/probe.py and app/workspaces/api_access.py.
"""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage

import aiosmtplib
from litestar import Request, Response, post
from litestar import get as get_route
from litestar.response import Template

from app import clock
from app.accounts.viewer import Viewer
from app.errors import ValidationFailed
from app.i18n import _
from app.mail import imap_in, probe, workspace_mail
from app.mail.compose import ascii_address, envelope, single_line
from app.services import Services
from app.tickets.web.common import layout
from app.web.dependencies import Injected
from app.web.params import Form, Text
from app.web.render import redirect, render
from app.workspaces import admin_mail_gateway, api_access

SECURITY_LABELS = {"none": "None", "starttls": "STARTTLS", "tls": "TLS"}


async def _mail_page(request: Request, viewer: Viewer, values: dict | None = None, errors: dict | None = None,
                     saved: bool = False, status_code: int = 200, **gateway) -> Template:
    stored, passwords = await workspace_mail.form_values(viewer.workspace_id)
    context = {**await layout(viewer), "values": values if values is not None else stored, "errors": errors or {},
               "passwords": passwords, "saved": saved, "security": list(SECURITY_LABELS.items()),
               "imap_state": await imap_in.fetch_state(viewer.workspace_id)}
    context.update(await admin_mail_gateway.context(viewer, **gateway))  # the "Mail gateway" section
    return render(request, "admin/mail.html", context, status_code=status_code)


@get_route("/mail", name="admin.mail")
async def mail_page(request: Request, viewer: Injected[Viewer], saved: Text = "") -> Template:
    return await _mail_page(request, viewer, saved=saved == "true", saved_gateway=saved == "gateway")


@post("/mail", name="admin.mail_save")
async def mail_save(request: Request, viewer: Injected[Viewer], data: Form) -> Response:
    try:
        await workspace_mail.save(viewer, workspace_mail.MailInput.from_form(data))
    except ValidationFailed as exc:
        typed = {k: v for k, v in data.items() if isinstance(v, str) and k not in workspace_mail.PASSWORDS}
        typed["enabled"] = typed.get("enabled") in ("on", "1", "true")
        return await _mail_page(request, viewer, typed, exc.errors, status_code=422)
    return redirect(request, request.app.route_reverse("admin.mail") + "?saved=true")


def _result(request: Request, ok: bool, text: str) -> Template:
    return render(request, "admin/_mail_test.html", {"ok": ok, "answer": text},
                  fragment="admin/_mail_test.html")


@post("/mail/test-smtp", name="admin.mail_test_smtp")
async def mail_test_smtp(request: Request, viewer: Injected[Viewer], services: Injected[Services]) -> Template:
    """Send a test mail through the stored SMTP server to the admin's own address."""
    server = (await workspace_mail.test_servers(viewer.workspace_id))["smtp"]
    if not server.host or not server.address:
        return _result(request, False, _("Save an SMTP host and an e-mail address first."))
    message = EmailMessage()
    message["From"] = ascii_address(Address(single_line(server.sender_name), addr_spec=server.address))
    message["To"] = viewer.email
    message["Subject"] = _("HelpRealm test mail")
    message.set_content(_("This test mail was sent at %(when)s through your own SMTP server.",
                          when=clock.now().isoformat(timespec="seconds")))
    sender, recipients = envelope(message)
    try:
        answer = await probe.smtp_send(server, message, sender, recipients,
                                       allow_private=services.settings.mail.allow_private_hosts)
    except (aiosmtplib.SMTPException, OSError, probe.Unusable, ValueError) as exc:
        return _result(request, False, _error(exc))
    return _result(request, True, _("Sent to %(address)s. The server answered: %(answer)s",
                                    address=viewer.email, answer=answer))


@post("/mail/test-imap", name="admin.mail_test_imap")
async def mail_test_imap(request: Request, viewer: Injected[Viewer], services: Injected[Services]) -> Template:
    server = (await workspace_mail.test_servers(viewer.workspace_id))["imap"]
    if not server.host:
        return _result(request, False, _("Save an IMAP host first."))
    try:
        answer = await probe.imap_login(server, allow_private=services.settings.mail.allow_private_hosts)
    except Exception as exc:  # noqa: BLE001 - any failure is the answer the admin asked for
        return _result(request, False, _error(exc))
    return _result(request, True, answer)


def _error(exc: BaseException) -> str:
    if isinstance(exc, probe.Unusable):
        return str(exc)
    if isinstance(exc, TimeoutError) or type(exc).__name__ in ("SMTPTimeoutError", "CommandTimeout"):
        return _("The server did not answer in time.")
    if isinstance(exc, ConnectionRefusedError):
        return _("The server refused the connection.")
    return f"{type(exc).__name__}: {exc}"[:500]


# -- API access ---------------------------------------------------------------------------------

async def _api_page(request: Request, viewer: Viewer, token: str = "") -> Template:
    context = {**await layout(viewer), "api": await api_access.state(viewer.workspace_id), "token": token}
    return render(request, "admin/api.html", context, fragment="admin/_api.html")


@get_route("/api", name="admin.api")
async def api_page(request: Request, viewer: Injected[Viewer]) -> Template:
    return await _api_page(request, viewer)


@post("/api/token", name="admin.api_token")
async def api_token(request: Request, viewer: Injected[Viewer]) -> Template:
    """The new token is in this one response only (no redirect: it must never be in a URL)."""
    token = await api_access.generate_token(viewer.workspace_id, viewer)
    return await _api_page(request, viewer, token)


@post("/api/access", name="admin.api_access")
async def api_access_switch(request: Request, viewer: Injected[Viewer], data: Form) -> Response:
    await api_access.set_access(viewer.workspace_id, viewer, data.get("enabled") == "on")
    return redirect(request, request.app.route_reverse("admin.api"))


ROUTES = [mail_page, mail_save, mail_test_smtp, mail_test_imap, api_page, api_token, api_access_switch]
