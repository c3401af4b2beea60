"""The profile's two-factor card: turn on (a secret and its QR code, confirmed by a current code),
recovery codes (shown once, regenerated with a code), turn off (password and a code).

While turning on, the new secret waits in the agent's session (server-side, sealed), not in the
agent row: a secret nobody confirmed never becomes a second factor.
"""

from __future__ import annotations

from litestar import Request, Response, post

from app.accounts import twofactor
from app.accounts.viewer import Viewer
from app.errors import Conflict, RateLimited, ValidationFailed
from app.i18n import _
from app.profile.web import saved, show
from app.validation import form_text
from app.web.dependencies import Injected
from app.web.params import Form

SETUP = "totp_setup"  # session key: the sealed secret being set up


def _setup_context(secret: str, email: str) -> dict:
    return {"qr": twofactor.qr_data_uri(twofactor.provisioning_uri(secret, email)),
            "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)), "setting_up": True}


def _setup_secret(request: Request) -> str | None:
    return twofactor.unseal((request.session or {}).get(SETUP, ""))


def _forget_setup(request: Request) -> None:
    if SETUP in (request.session or {}):
        request.set_session({k: v for k, v in request.session.items() if k != SETUP})


async def _refused(request: Request, viewer: Viewer, exc: Exception, **context) -> Response:
    if isinstance(exc, ValidationFailed):
        return await show(request, viewer, "twofactor", 422, errors=exc.errors, **context)
    return await show(request, viewer, "twofactor", exc.status_code, notice_error=exc.message, **context)


@post("/profile/2fa/start", name="agent.twofactor_start")
async def start(request: Request, viewer: Injected[Viewer]) -> Response:
    if await twofactor.enabled(viewer):
        return await show(request, viewer, "twofactor", 409, notice_error=_("Two-factor login is already on."))
    secret = _setup_secret(request) or twofactor.new_secret()
    request.set_session({**request.session, SETUP: twofactor.seal(secret)})
    return await show(request, viewer, "twofactor", **_setup_context(secret, viewer.email))


@post("/profile/2fa/confirm", name="agent.twofactor_confirm")
async def confirm(request: Request, viewer: Injected[Viewer], data: Form) -> Response:
    secret = _setup_secret(request)
    if secret is None:
        return await show(request, viewer, "twofactor", 409, notice_error=_("Please start again."))
    try:
        codes = await twofactor.enable(viewer, secret, form_text(data, "code"))
    except (ValidationFailed, RateLimited, Conflict) as exc:
        return await _refused(request, viewer, exc, **_setup_context(secret, viewer.email))
    _forget_setup(request)
    # The codes are in this answer only: without HTMX too (a redirect would lose them).
    return await show(request, viewer, "twofactor", notice=_("Two-factor login is on."), codes=codes)


@post("/profile/2fa/codes", name="agent.twofactor_codes")
async def regenerate(request: Request, viewer: Injected[Viewer], data: Form) -> Response:
    try:
        codes = await twofactor.regenerate_codes(viewer, form_text(data, "code"))
    except (ValidationFailed, RateLimited, Conflict) as exc:
        return await _refused(request, viewer, exc)
    return await show(request, viewer, "twofactor", notice=_("New recovery codes: the old ones no longer work."),
                      codes=codes)


@post("/profile/2fa/disable", name="agent.twofactor_disable")
async def disable(request: Request, viewer: Injected[Viewer], data: Form) -> Response:
    try:
        await twofactor.disable(viewer, form_text(data, "password"), form_text(data, "disable_code"))
    except ValidationFailed as exc:  # its code field has its own name: the codes form above has one too
        errors = {("disable_code" if key == "code" else key): message for key, message in exc.errors.items()}
        return await _refused(request, viewer, ValidationFailed(errors))
    except (RateLimited, Conflict) as exc:
        return await _refused(request, viewer, exc)
    return await saved(request, viewer, "twofactor", _("Two-factor login is off."))


ROUTES = [start, confirm, regenerate, disable]
