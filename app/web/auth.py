"""Logged-in agents: the `viewer` dependency and the superadmin guard."""

from __future__ import annotations

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from app.accounts.viewer import Viewer, load_viewer
from app.errors import Forbidden, NotAuthenticated

SESSION_AGENT = "agent_id"


async def provide_viewer(request: Request) -> Viewer:
    agent_id = request.session.get(SESSION_AGENT) if request.session else None
    viewer = await load_viewer(agent_id) if agent_id else None
    if viewer is None:
        raise NotAuthenticated("Please log in.")
    return viewer


def superadmin_guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    viewer = connection.scope.get("state", {}).get("viewer")
    if viewer is not None and not viewer.superadmin:
        raise Forbidden("Only superadmins may do this.")
