"""Which language and time zone a request is served in (DESIGN §3, the manual's "global language"
and personal "Language"):

    customer pages (portal router)   the workspace's language and time zone   `workspace_locale_guard`
    the HelpRealm API (issue 12)     the workspace's (/api/{workspace}/...)   `workspace_locale_guard`
    agent and admin pages            the agent's, else the workspace's        `agent_guard` (app/accounts/guards.py)
    login, signup, password reset    the visitor's choice (a cookie set by the switcher), else
                                     the best match of Accept-Language        `visitor_locale_guard`

Guards, because they run in the request's own task before anything is translated (a dependency
may be resolved in a task group of its own, where a context variable set would be lost). Before
them, `middleware` starts every request in the visitor's language and UTC, so what is answered
before any guard (a refused CSRF token, the login rate limit, an unknown path) speaks it too. It is
not reset when the request ends: those error pages are rendered after the middleware returns, and
each request runs in a task of its own (the server's; the test client's too), so nothing carries
over to the next.
"""

from __future__ import annotations

from litestar import Request, get
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.response import Redirect
from litestar.types import ASGIApp, Receive, Scope, Send

from app import formats, i18n
from app.errors import NotFound
from app.web.params import PathText, Text
from app.workspaces.service import get_by_key

LANGUAGE_COOKIE = "hr_lang"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


def serve_in(lang: str, time_zone: str = formats.DEFAULT_TIME_ZONE) -> None:
    """Translate and format the rest of this request in `lang` and `time_zone`."""
    i18n.set_locale(lang)
    formats.set_time_zone(time_zone)


def middleware(app: ASGIApp) -> ASGIApp:
    async def visitor_locale(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            serve_in(visitor_language(ASGIConnection(scope)))
        await app(scope, receive, send)

    return visitor_locale


async def workspace_locale_guard(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    """Customer pages speak the workspace's language. (The workspace row is cached; an unknown key
    is left to the handler's 404.)"""
    key = connection.path_params.get("workspace_key") or connection.path_params.get("workspace")
    if not key or not isinstance(key, str):
        return
    try:
        workspace = await get_by_key(key)
    except NotFound:
        return
    serve_in(workspace["lang"], workspace["time_zone"])


def visitor_language(connection: ASGIConnection) -> str:
    chosen = connection.cookies.get(LANGUAGE_COOKIE)
    if chosen in i18n.LANGUAGES:
        return chosen
    return i18n.negotiate(connection.headers.get("accept-language"))


async def visitor_locale_guard(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    serve_in(visitor_language(connection))


def _local_path(target: str | None) -> str:
    """Only a path on this site: "/login", never "//evil.example", "https://…", or anything with a
    backslash or a control character that a browser might read as another host."""
    if (target and target.startswith("/") and not target.startswith("//") and len(target) < 500
            and target.isprintable() and "\\" not in target):
        return target
    return "/login"


@get("/language/{code:str}", name="visitor.language", sync_to_thread=False)
def choose_language(request: Request, code: PathText, next: Text = "/login") -> Redirect:  # noqa: A002 (the query name)
    """The switcher on the login and signup pages: remember the choice for a year and go back."""
    if code not in i18n.LANGUAGES:
        raise NotFound(i18n.gettext("We do not have that language."))
    response = Redirect(_local_path(next), status_code=303)
    response.set_cookie(LANGUAGE_COOKIE, code, max_age=LANGUAGE_COOKIE_AGE, path="/", samesite="lax",
                        httponly=True, secure=request.url.scheme == "https")
    return response


ROUTES = [choose_language]
