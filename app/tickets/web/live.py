"""The live parts of the agent's pages: event streams and the typing signal.

    GET  /tickets/{number}/events   the ticket page's stream (presence, "changed")
    GET  /tickets/events?scope=     a list's stream ("N tickets changed")
    POST /tickets/{number}/typing   the reply box's "I am typing" (throttled by the page; CSRF)

They sit on the agent router like the pages: the guard loads the viewer, a ticket outside the
viewer's sight is 404 before any stream opens, and a stream subscribes only to the viewer's own
workspace's topic. What streams send is built in app/live/streams.py.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request, get, post
from litestar.params import QueryParameter
from litestar.response import ServerSentEvent

from app.accounts.viewer import Viewer, viewer_from_session
from app.errors import NotFound
from app.live.presence import Present
from app.live.streams import list_stream, ticket_stream
from app.services import Services
from app.tickets import refs
from app.tickets.refs import AgentTicket
from app.tickets.scopes import SCOPES, list_scope
from app.tickets.tables import Ticket
from app.web.dependencies import Injected
from app.web.params import Id

ScopeName = Annotated[str, QueryParameter(name="scope", max_length=20)]
PRESENCE_TEMPLATE = "tickets/_live_presence.html"
CHANGES_TEMPLATE = "tickets/_live_changes.html"


def _stream(content) -> ServerSentEvent:
    # ServerSentEvent says "no-cache"; the agent router's "no-store" (never kept) replaces it
    response = ServerSentEvent(content)
    del response.headers["Cache-Control"]
    return response


@get("/tickets/{number:int}/events", name="agent.ticket_events")
async def ticket_events(request: Request, viewer: Injected[Viewer], number: Id,
                        services: Injected[Services]) -> ServerSentEvent:
    ticket = await refs.load(AgentTicket(viewer, number), Ticket.id)
    template = request.app.template_engine.engine.get_template(PRESENCE_TEMPLATE)

    def render(others: list[Present]) -> str:
        return template.render(others=others)

    session = request.scope.get("session")

    async def still_allowed() -> bool:
        """At each heartbeat: is the agent still active, and the ticket still theirs to see?"""
        fresh = await viewer_from_session(session if isinstance(session, dict) else None)
        if fresh is None:
            return False
        try:
            await refs.load(AgentTicket(fresh, number), Ticket.id)
        except NotFound:
            return False
        return True

    live = services.live
    return _stream(ticket_stream(live.hub, live.presence, viewer, ticket, render, recheck=still_allowed))


@get("/tickets/events", name="agent.list_events")
async def list_events(request: Request, viewer: Injected[Viewer], services: Injected[Services],
                      which: ScopeName = "groups") -> ServerSentEvent:
    scope = list_scope(viewer, which if which in SCOPES else "groups")
    template = request.app.template_engine.engine.get_template(CHANGES_TEMPLATE)

    def render(count: int) -> str:
        return template.render(count=count)

    session = request.scope.get("session")

    async def still_allowed() -> bool:
        """At each heartbeat: is the agent still logged in and active?"""
        return await viewer_from_session(session if isinstance(session, dict) else None) is not None

    return _stream(list_stream(services.live.hub, viewer, scope, render, recheck=still_allowed))


@post("/tickets/{number:int}/typing", name="agent.typing", status_code=204)
async def typing(viewer: Injected[Viewer], number: Id, services: Injected[Services]) -> None:
    ticket = await refs.load(AgentTicket(viewer, number), Ticket.id)
    services.live.presence.typing(viewer.workspace_id, ticket["id"], viewer.agent_id, viewer.name)


ROUTES = [ticket_events, list_events, typing]
