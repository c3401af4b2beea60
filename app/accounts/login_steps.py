"""The second step of a login: a TOTP or recovery code, or (when the workspace requires two-factor
login and the agent has none) enrolling before anything else.

After the right password, such an agent's session holds only a *pending login* (agent id, the
session version, which step, when it expires, how many codes were tried): not a logged-in agent,
so every agent page still sends them to /login, and /login sends them on to their step. Five
wrong codes, or a pending login older than its few minutes, clear the session: back to the
password. The routes are also under the per-client login rate limit (app/accounts/web.py).
"""

from __future__ import annotations

from datetime import timedelta

from litestar import Request, get, post
from litestar.response import Redirect, Response, Template

from app import clock
from app.accounts import twofactor
from app.accounts.tables import Agent
from app.accounts.viewer import session_for
from app.errors import NotAuthenticated, RateLimited, ValidationFailed
from app.i18n import _
from app.services import Services
from app.validation import form_text
from app.web.csrf import rotate_at_login
from app.web.dependencies import Injected
from app.web.params import Form
from app.web.sessions import rotate_session

PENDING = "pending_login"
VALID_FOR = {"code": timedelta(minutes=5), "enrol": timedelta(minutes=15)}  # enrolling takes a phone
MAX_TRIES = 5
ROUTE = {"code": "accounts.login_2fa", "enrol": "accounts.enrol"}


def pending_session(agent: dict) -> dict:
    """What the password step stores for an agent with a `second_step`."""
    step = agent["second_step"]
    until = (clock.now() + VALID_FOR[step]).timestamp()
    return {PENDING: {"agent": agent["id"], "v": agent.get("session_version", 0), "step": step, "until": until,
                      "tries": 0}}


def pending_step(session: dict | None) -> str | None:
    """The step a session's pending login waits for, if it is still valid (the login page uses it)."""
    pending = (session or {}).get(PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("agent"), int):
        return None
    if not isinstance(pending.get("until"), int | float) or pending["until"] < clock.now().timestamp():
        return None
    return pending.get("step") if pending.get("step") in ROUTE else None


def _pending(request: Request, step: str) -> dict | None:
    session = request.scope.get("session")
    if not isinstance(session, dict) or pending_step(session) != step:
        return None
    return session[PENDING]


def _page(template: str, status_code: int = 200, **context) -> Template:
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return Template(template, context=context, status_code=status_code)


def _back_to_password(request: Request, message: str, status_code: int = 401) -> Template:
    if PENDING in (request.scope.get("session") or {}):  # a logged-in session posting here stays
        request.clear_session()
    return _page("accounts/login.html", status_code, error=message)


def _expired(request: Request) -> Template:
    return _back_to_password(request, _("Your login has expired. Please log in again."))


def _wrong(request: Request, pending: dict, template: str, message: str, status_code: int, **context) -> Template:
    tries = int(pending.get("tries", 0)) + 1
    if tries >= MAX_TRIES:
        return _back_to_password(request, _("Too many wrong codes. Please log in again."))
    request.set_session({PENDING: {**pending, "tries": tries}})
    return _page(template, status_code, errors={"code": message}, **context)


async def _logged_in(request: Request, agent: dict) -> None:
    await rotate_session(request)  # a new session id for the logged-in session
    request.set_session(session_for(agent))


@get("/login/2fa", name="accounts.login_2fa")
async def code_form(request: Request) -> Template | Redirect:
    if _pending(request, "code") is None:
        return Redirect(request.app.route_reverse("accounts.login"), status_code=303)
    return _page("accounts/two_factor.html")


@post("/login/2fa", name="accounts.login_2fa_submit")
async def code_submit(request: Request, data: Form, services: Injected[Services]) -> Response:
    pending = _pending(request, "code")
    if pending is None:
        return _expired(request)
    try:
        agent = await twofactor.complete_login(pending["agent"], pending["v"], form_text(data, "code"))
    except RateLimited as exc:
        return _back_to_password(request, exc.message, 429)
    except NotAuthenticated as exc:
        return _wrong(request, pending, "accounts/two_factor.html", exc.message, 401)
    await _logged_in(request, agent)
    return Redirect(request.app.route_reverse("agent.dashboard"), status_code=303,
                    cookies=[rotate_at_login(services.https)])


def _enrol_context(secret: str, email: str) -> dict:
    uri = twofactor.provisioning_uri(secret, email)
    return {"qr": twofactor.qr_data_uri(uri), "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))}


async def _enrol_secret(request: Request, pending: dict) -> tuple[str, str]:
    """The secret this pending login enrols with (made once, kept sealed in the session) and the
    agent's address for the authenticator app's label."""
    secret = twofactor.unseal(pending.get("secret", ""))
    if secret is None:
        secret = twofactor.new_secret()
        pending = {**pending, "secret": twofactor.seal(secret)}
        request.set_session({PENDING: pending})
    row = await Agent.select(Agent.email).where(Agent.id == pending["agent"]).first()
    return secret, row["email"] if row else ""


@get("/login/enrol", name="accounts.enrol")
async def enrol_form(request: Request) -> Template | Redirect:
    pending = _pending(request, "enrol")
    if pending is None:
        return Redirect(request.app.route_reverse("accounts.login"), status_code=303)
    secret, email = await _enrol_secret(request, pending)
    return _page("accounts/enrol.html", **_enrol_context(secret, email))


@post("/login/enrol", name="accounts.enrol_submit")
async def enrol_submit(request: Request, data: Form, services: Injected[Services]) -> Response:
    pending = _pending(request, "enrol")
    if pending is None:
        return _expired(request)
    secret, email = await _enrol_secret(request, pending)
    try:
        agent, codes = await twofactor.enrol_at_login(pending["agent"], pending["v"], secret, form_text(data, "code"))
    except RateLimited as exc:
        return _back_to_password(request, exc.message, 429)
    except NotAuthenticated as exc:
        return _back_to_password(request, exc.message)
    except ValidationFailed as exc:
        pending = _pending(request, "enrol") or pending
        return _wrong(request, pending, "accounts/enrol.html", exc.errors["code"], 422, **_enrol_context(secret, email))
    await _logged_in(request, agent)
    return Template("accounts/recovery_codes.html", context={"codes": codes, "continue_url": request.app.route_reverse(
        "agent.dashboard")}, cookies=[rotate_at_login(services.https)])


ROUTES = [code_form, code_submit, enrol_form, enrol_submit]
RATE_LIMITED = {"accounts.login_2fa_submit", "accounts.enrol_submit"}
