"""Who may reach a router: the guards of the agent and admin routers, and the `viewer` they load.

The agent guard loads the logged-in agent once per request from the session and keeps it in the
request's state; handlers receive it as the `viewer` dependency. The superadmin guard runs after
it and turns other agents away with 403.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.params import SkipValidation

from app.accounts.viewer import Viewer, viewer_from_session
from app.errors import Forbidden, NotAuthenticated
from app.i18n import _
from app.web.locale import serve_in

STATE_VIEWER = "viewer"


async def agent_guard(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    session = connection.scope.get("session")
    viewer = await viewer_from_session(session if isinstance(session, dict) else None)
    if viewer is None:
        raise NotAuthenticated(_("Please log in."))
    connection.state[STATE_VIEWER] = viewer
    serve_in(viewer.lang, viewer.time_zone)  # the agent's language from here on, error pages included


async def superadmin_guard(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    viewer = connection.state.get(STATE_VIEWER)
    if viewer is None:  # the agent guard did not run first: refuse rather than guess
        raise NotAuthenticated(_("Please log in."))
    if not viewer.superadmin:
        raise Forbidden(_("Only superadmins may open this page."))


def provide_viewer(request: ASGIConnection, services: SkipValidation[object]) -> Viewer:
    """The `viewer` dependency of guarded routers. (It takes `services`, unused, so that Litestar
    resolves the two in turn instead of in a task group: see app/services.py.)"""
    return request.state[STATE_VIEWER]
