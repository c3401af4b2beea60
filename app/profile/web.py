"""The agent's profile page (/profile): one card per section, each its own form. With HTMX a form
swaps just its card (#profile-<section>); without, a refused form shows the whole page with the
errors at that card's fields, and a saved one goes back to the page (303)."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.response import Template

from app import formats, i18n
from app.accounts.viewer import SESSION_VERSION, Viewer
from app.errors import BadRequest, Conflict, NotFound, ValidationFailed
from app.i18n import _
from app.profile import avatars, service
from app.services import Services
from app.tickets.web.common import layout
from app.validation import form_text
from app.web.dependencies import Injected
from app.web.params import Form, Id, Multipart, PathText, Text
from app.web.render import is_htmx, redirect, render

log = logging.getLogger("helprealm.accounts")
SECTIONS = ("name", "email", "password", "notify", "signature", "avatar", "language", "twofactor")


async def show(request: Request, viewer: Viewer, section: str | None = None, status_code: int = 200,
               **context: Any) -> Template:
    """The page, or for HTMX the card of `section` (all cards for a GET without one)."""
    context.setdefault("errors", {})
    context.setdefault("values", {})
    context.update(profile=await service.profile(viewer), languages=i18n.language_names(), section=section,
                   time_zones=formats.time_zone_choices(), viewer=viewer)
    if not is_htmx(request):
        context.update(await layout(viewer))
    fragment = f"profile/_{section}.html" if section else "profile/_profile.html"
    return render(request, "profile/page.html", context, fragment=fragment, status_code=status_code)


async def saved(request: Request, viewer: Viewer, section: str, notice: str, **context: Any) -> Response:
    if not is_htmx(request):
        return redirect(request, request.app.route_reverse("agent.profile"))
    return await show(request, viewer, section, notice=notice, **context)


@get("/profile", name="agent.profile")
async def profile_page(request: Request, viewer: Injected[Viewer], done: Text = "") -> Template:
    if done == "language":  # back from save_language, in the new language
        return await show(request, viewer, "language", notice=_("Your language and time zone are saved."))
    return await show(request, viewer)


@post("/profile/name", name="agent.profile_name")
async def save_name(request: Request, viewer: Injected[Viewer], data: Form) -> Response:
    try:
        await service.update_name(viewer, data)
    except ValidationFailed as exc:
        values = {"first_name": form_text(data, "first_name")[:100], "last_name": form_text(data, "last_name")[:100]}
        return await show(request, viewer, "name", 422, errors=exc.errors, values=values)
    return await saved(request, viewer, "name", _("Your name is saved."))


@post("/profile/email", name="agent.profile_email")
async def change_email(request: Request, viewer: Injected[Viewer], data: Form,
                       services: Injected[Services]) -> Response:
    try:
        token = await service.request_email_change(viewer, data)
    except ValidationFailed as exc:
        return await show(request, viewer, "email", 422, errors=exc.errors,
                          values={"email": form_text(data, "email")[:254]})
    if token and not services.settings.mail.smtp_host:
        log.warning(
            "No SMTP configured; e-mail change link: %s", services.links.url("accounts.email_confirm", token=token))
    # The same answer whether or not the address had an account (its owner got a notice instead).
    return await saved(request, viewer, "email", _(
        "We have sent a link to the new address. Your login changes when you open it; until then it stays as it is."))


@post("/profile/password", name="agent.profile_password")
async def change_password(request: Request, viewer: Injected[Viewer], data: Form) -> Response:
    try:
        version = await service.change_password(viewer, data)
    except ValidationFailed as exc:
        return await show(request, viewer, "password", 422, errors=exc.errors)
    # Other sessions carry the old version and end; this one carries the new one and stays.
    request.set_session({**request.session, SESSION_VERSION: version})
    return await saved(request, viewer, "password", _("Your password is changed. Your other sessions have ended."))


@post("/profile/notify", name="agent.profile_notify")
async def set_notify(request: Request, viewer: Injected[Viewer], data: Form) -> Response:
    value = form_text(data, "notify_routed")
    if value not in ("", "1", "on"):
        raise BadRequest(_("The routed-ticket mail is either on or off."))
    on = await service.set_notify_routed(viewer, bool(value))
    return await saved(request, viewer, "notify", _("You will get a mail when a ticket is routed into your groups.")
                       if on else _("You will get no mail when a ticket is routed into your groups."))


@post("/profile/signature", name="agent.profile_signature")
async def save_signature(request: Request, viewer: Injected[Viewer], data: Form) -> Response:
    try:
        await service.set_signature(viewer, data)
    except ValidationFailed as exc:
        return await show(request, viewer, "signature", 422, errors=exc.errors,
                          values={"signature": form_text(data, "signature")[:service.SIGNATURE_MAX + 100]})
    return await saved(request, viewer, "signature", _("Your signature is saved."))


@post("/profile/language", name="agent.profile_language")
async def save_language(request: Request, viewer: Injected[Viewer], data: Form) -> Response:
    try:
        await service.set_language(viewer, data)
    except ValidationFailed as exc:
        return await show(request, viewer, "language", 422, errors=exc.errors)
    # The whole page changes language: load it again rather than swap one card.
    return redirect(request, request.app.route_reverse("agent.profile") + "?done=language")


# 2 MB of image plus the multipart envelope; every other agent form stays under the app's small limit.
@post("/profile/avatar", name="agent.profile_avatar", request_max_body_size=avatars.MAX_BYTES + 64 * 1024)
async def upload_avatar(request: Request, viewer: Injected[Viewer], data: Multipart) -> Response:
    try:
        file = data.get("avatar")
        content = await file.read() if hasattr(file, "read") else b""
        await avatars.save(viewer, content)
    except ValidationFailed as exc:
        return await show(request, viewer, "avatar", 422, errors=exc.errors)
    return await saved(request, viewer, "avatar", _("Your avatar is saved."))


@post("/profile/avatar/remove", name="agent.profile_avatar_remove")
async def remove_avatar(request: Request, viewer: Injected[Viewer]) -> Response:
    await avatars.remove(viewer)
    return await saved(request, viewer, "avatar", _("Your avatar is removed."))


# The URL carries the avatar's version (?v=), so the image may be kept for long; private: only
# agents of the workspace may see it, no shared cache may keep it.
AVATAR_CACHE = CacheControlHeader(private=True, max_age=365 * 24 * 3600, immutable=True)


@get("/avatars/{agent_id:int}", name="agent.avatar", cache_control=AVATAR_CACHE)
async def avatar(viewer: Injected[Viewer], agent_id: Id) -> Response:
    image = await avatars.image(viewer, agent_id)
    return Response(image, media_type=avatars.MEDIA_TYPE, headers={"X-Content-Type-Options": "nosniff"})


@get("/profile/email/confirm/{token:str}", name="accounts.email_confirm")
async def confirm_email(token: PathText) -> Template:
    """The link mailed to the new address (on the accounts router: it may be opened anywhere)."""
    context = {"show_login": True, "values": {}, "errors": {}}
    try:
        email = await service.confirm_email_change(token)
    except (NotFound, Conflict) as exc:
        return Template("accounts/message.html", status_code=exc.status_code,
                        context={**context, "title": _("Link not valid"), "message": exc.message})
    return Template("accounts/message.html", context={**context, "title": _("Address changed"), "message": _(
        "Your login is now %(email)s.", email=email)})


PUBLIC_ROUTES = [confirm_email]
ROUTES = [profile_page, save_name, change_email, change_password, set_notify, save_signature, save_language,
          upload_avatar, remove_avatar, avatar]
