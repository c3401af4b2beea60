"""Signup, confirmation, login, logout and password reset pages."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, get, post
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from app.accounts import service
from app.errors import NotAuthenticated, NotFound, ValidationFailed
from app.web.auth import SESSION_AGENT
from app.web.captcha import check_captcha, new_captcha
from app.web.sessions import rotate_session

log = logging.getLogger("helprealm.accounts")
Form = URLEncodedBody[dict[str, Any]]


def _page(request: Request, template: str, status_code: int = 200, **context: Any) -> Template:
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return Template(template, context=context, status_code=status_code)


def _log_link_without_smtp(request: Request, what: str, link: str) -> None:
    if not request.app.state.settings.mail.smtp_host:
        log.warning("No SMTP configured; %s link: %s", what, link)


@get("/signup")
async def signup_form(request: Request) -> Template:
    return _page(request, "accounts/signup.html", captcha=new_captcha(request.app.state.secret))


@post("/signup")
async def signup(request: Request, data: Form) -> Template:
    links = request.app.state.links
    errors: dict[str, str] = {}
    if not check_captcha(request.app.state.secret, data.get("captcha_token"), data.get("captcha")):
        errors["captcha"] = "The answer to the captcha is wrong."
    try:
        _, link = await service.signup(data, base_url=links.base_url, domain=links.domain, extra_errors=errors)
    except ValidationFailed as exc:
        values = {k: v for k, v in data.items() if "password" not in k and k != "captcha"}
        return _page(
            request, "accounts/signup.html", 422, values=values, errors=exc.errors,
            captcha=new_captcha(request.app.state.secret),
        )
    _log_link_without_smtp(request, "account confirmation", link)
    return _page(request, "accounts/message.html", title="Check your mailbox",
                 message="Your workspace has been created. We have sent you an e-mail with a link to confirm your address; after that you can log in.")


@get("/signup/confirm/{token:str}")
async def confirm(request: Request, token: FromPath[str]) -> Template:
    try:
        await service.confirm_account(token)
    except NotFound as exc:
        return _page(request, "accounts/message.html", 404, title="Link not valid", message=exc.message)
    return _page(request, "accounts/message.html", title="Address confirmed",
                 message="Thank you, your address is confirmed. You can log in now.", show_login=True)


@get("/login")
async def login_form(request: Request) -> Template | Redirect:
    if request.session and request.session.get(SESSION_AGENT):
        return Redirect("/dashboard", status_code=303)
    return _page(request, "accounts/login.html")


@post("/login")
async def login(request: Request, data: Form) -> Template | Redirect:
    try:
        agent = await service.authenticate(data.get("email", ""), data.get("password", ""))
    except NotAuthenticated as exc:
        return _page(request, "accounts/login.html", 401, values={"email": data.get("email", "")}, error=exc.message)
    await rotate_session(request)
    request.set_session({SESSION_AGENT: agent["id"]})
    return Redirect("/dashboard", status_code=303)


@post("/logout")
async def logout(request: Request) -> Redirect:
    old = request.cookies.get(request.app.state.session_config.key)
    if old:
        await request.app.stores.get("sessions").delete(old)
    request.clear_session()
    return Redirect("/login", status_code=303)


@get("/password/forgot")
async def forgot_form(request: Request) -> Template:
    return _page(request, "accounts/forgot.html")


@post("/password/forgot")
async def forgot(request: Request, data: Form) -> Template:
    links = request.app.state.links
    link = await service.request_password_reset(data.get("email", ""), base_url=links.base_url, domain=links.domain)
    if link:
        _log_link_without_smtp(request, "password reset", link)
    # The same answer for known and unknown addresses: this page must not reveal who has an account.
    return _page(request, "accounts/message.html", title="Check your mailbox",
                 message="If an account exists for this address, we have sent it a link to choose a new password.")


@get("/password/reset/{token:str}")
async def reset_form(request: Request, token: FromPath[str]) -> Template:
    try:
        await service.check_reset_token(token)
    except NotFound as exc:
        return _page(request, "accounts/message.html", 404, title="Link not valid", message=exc.message)
    return _page(request, "accounts/reset.html", token=token)


@post("/password/reset/{token:str}")
async def reset(request: Request, token: FromPath[str], data: Form) -> Template:
    try:
        await service.reset_password(token, data)
    except ValidationFailed as exc:
        return _page(request, "accounts/reset.html", 422, token=token, errors=exc.errors)
    except NotFound as exc:
        return _page(request, "accounts/message.html", 404, title="Link not valid", message=exc.message)
    return _page(request, "accounts/message.html", title="Password changed",
                 message="Your new password is set. You can log in now.", show_login=True)


ROUTES = [signup_form, signup, confirm, login_form, login, logout, forgot_form, forgot, reset_form, reset]
RATE_LIMITED_POSTS = {"/login", "/signup", "/password/forgot"}


async def _is_rate_limited(request: Request) -> bool:
    return request.method == "POST" and request.url.path in RATE_LIMITED_POSTS


def login_rate_limit(per_minute: int) -> RateLimitConfig:
    """Per-IP limit on the account forms that guess passwords or send mail; other requests pass."""
    return RateLimitConfig(
        rate_limit=("minute", per_minute), store="login_rate_limit", check_throttle_handler=_is_rate_limited
    )
