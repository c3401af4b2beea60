"""Signup, confirmation, login, logout and password reset pages (anyone may reach them)."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.response import Redirect, Template

from app.accounts import login_steps, service
from app.accounts.inputs import NewAccount, NewPassword
from app.accounts.viewer import session_for, viewer_from_session
from app.config import Settings
from app.errors import NotAuthenticated, NotFound, ValidationFailed
from app.i18n import _
from app.links import Links
from app.services import Services
from app.validation import form_text
from app.web.client import ClientAddress
from app.web.csrf import rotate_at_login
from app.web.dependencies import Injected
from app.web.params import Form, PathText
from app.web.sessions import end_session, rotate_session

log = logging.getLogger("helprealm.accounts")


def _page(template: str, status_code: int = 200, **context: Any) -> Template:
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return Template(template, context=context, status_code=status_code)


def _message(title: str, message: str, status_code: int = 200, show_login: bool = False) -> Template:
    return _page("accounts/message.html", status_code, title=title, message=message, show_login=show_login)


def _log_link_without_smtp(settings: Settings, what: str, link: str) -> None:
    if not settings.mail.smtp_host:
        log.warning("No SMTP configured; %s link: %s", what, link)


@get("/signup", name="accounts.signup")
async def signup_form(services: Injected[Services]) -> Template:
    return _page("accounts/signup.html", captcha=services.captchas.new())


@post("/signup", name="accounts.signup_submit")
async def signup(data: Form, services: Injected[Services]) -> Template:
    try:
        new = NewAccount.from_form(data, extra_errors=services.captchas.errors(data))
    except ValidationFailed as exc:
        values = {k: v for k, v in data.items() if k in ("company", "fullname", "email")}
        return _page("accounts/signup.html", 422, values=values, errors=exc.errors, captcha=services.captchas.new())
    token = await service.signup(new)
    if token:
        _log_link_without_smtp(services.settings, "account confirmation", services.links.confirm_account(token))
    # The same answer when the address already had an account (its owner got a notice instead).
    return _message(_("Check your mailbox"), _(
        "Your workspace has been created. We have sent you an e-mail with a link to confirm your address; "
        "after that you can log in."))


@get("/signup/confirm/{token:str}", name="accounts.confirm")
async def confirm(token: PathText) -> Template:
    try:
        await service.confirm_account(token)
    except NotFound as exc:
        return _message(_("Link not valid"), exc.message, 404)
    return _message(_("Address confirmed"), _("Thank you, your address is confirmed. You can log in now."),
                    show_login=True)


@get("/login", name="accounts.login")
async def login_form(request: Request) -> Template | Redirect:
    session = request.scope.get("session") or None
    if await viewer_from_session(session):
        return Redirect(request.app.route_reverse("agent.dashboard"), status_code=303)
    if step := login_steps.pending_step(session):  # password given, second step to do
        return Redirect(request.app.route_reverse(login_steps.ROUTE[step]), status_code=303)
    return _page("accounts/login.html")


@post("/login", name="accounts.login_submit")
async def login(request: Request, data: Form, services: Injected[Services]) -> Template | Redirect:
    email = form_text(data, "email")
    try:
        agent = await service.authenticate(email, form_text(data, "password"))
    except NotAuthenticated as exc:
        return _page("accounts/login.html", 401, values={"email": email[:254]}, error=exc.message)
    await rotate_session(request)
    # Two-factor login: the session holds a pending login until the second step (login_steps.py).
    step = agent["second_step"]
    request.set_session(login_steps.pending_session(agent) if step else session_for(agent))
    target = login_steps.ROUTE[step] if step else "agent.dashboard"
    # A new session id and a new CSRF token: neither a planted session nor a planted token survives.
    return Redirect(request.app.route_reverse(target), status_code=303, cookies=[rotate_at_login(services.https)])


@post("/logout", name="accounts.logout")
async def logout(request: Request) -> Redirect:
    await end_session(request)
    request.clear_session()
    return Redirect(request.app.route_reverse("accounts.login"), status_code=303)


@get("/password/forgot", name="accounts.forgot")
async def forgot_form() -> Template:
    return _page("accounts/forgot.html")


async def _send_reset(email: str, settings: Settings, links: Links) -> None:
    try:
        token = await service.request_password_reset(email)
    except Exception:  # the visitor has their answer already; log, never raise into the void
        log.exception("Queueing a password reset failed")
        return
    if token:
        _log_link_without_smtp(settings, "password reset", links.password_reset(token))


@post("/password/forgot", name="accounts.forgot_submit")
async def forgot(data: Form, services: Injected[Services]) -> Template:
    # The same answer for known and unknown addresses, at the same speed: the lookup and the mail
    # happen after the answer went out.
    email = form_text(data, "email")[:254]
    context = {"title": _("Check your mailbox"), "show_login": False,
               "message": _("If an account exists for this address, we have sent it a link to choose a new password.")}
    return Template("accounts/message.html", context=context,
                    background=BackgroundTask(_send_reset, email, services.settings, services.links))


@get("/password/reset/{token:str}", name="accounts.reset")
async def reset_form(token: PathText) -> Template:
    try:
        await service.check_reset_token(token)
    except NotFound as exc:
        return _message(_("Link not valid"), exc.message, 404)
    return _page("accounts/reset.html", token=token)


@post("/password/reset/{token:str}", name="accounts.reset_submit")
async def reset(token: PathText, data: Form) -> Template:
    try:
        await service.reset_password(token, NewPassword.from_form(data))
    except ValidationFailed as exc:
        return _page("accounts/reset.html", 422, token=token, errors=exc.errors)
    except NotFound as exc:
        return _message(_("Link not valid"), exc.message, 404)
    return _message(_("Password changed"), _("Your new password is set. You can log in now."), show_login=True)


ROUTES = [signup_form, signup, confirm, login_form, login, logout, forgot_form, forgot, reset_form, reset,
          *login_steps.ROUTES]
RATE_LIMITED = {"accounts.login_submit", "accounts.signup_submit", "accounts.forgot_submit",
                *login_steps.RATE_LIMITED}


def login_rate_limit(per_minute: int, client: ClientAddress) -> RateLimitConfig:
    """Per-client limit on the account forms that guess passwords or send mail; others pass."""

    async def is_limited(request: Request) -> bool:
        return request.method == "POST" and request.scope["route_handler"].name in RATE_LIMITED

    return RateLimitConfig(rate_limit=("minute", per_minute), store="login_rate_limit",
                           check_throttle_handler=is_limited, identifier_for_request=client.of)
