"""The logged-in agent as handlers and services see it: who, which workspace, which groups."""

from __future__ import annotations

from dataclasses import dataclass

from app.accounts.tables import Agent, full_name

SESSION_AGENT = "agent_id"
SESSION_VERSION = "v"


@dataclass(frozen=True)
class Viewer:
    agent_id: int
    workspace_id: int
    name: str
    email: str
    superadmin: bool
    group_ids: tuple[int, ...]  # sorted, so equal viewers make equal search scopes
    session_version: int = 0
    on_vacation: bool = False  # cannot be assigned; the layout says so on every page
    # What their pages speak and the zone their times are shown in: their profile's choice, else
    # the workspace's (app/web/locale.py).
    lang: str = "en"
    time_zone: str = "UTC"


# One round trip per request: the agent and their groups together.
_VIEWER_SQL = """
SELECT a.id, a.workspace, a.first_name, a.last_name, a.email, a.superadmin, a.active, a.session_version,
       a.on_vacation,
       COALESCE(NULLIF(a.lang, ''), w.lang) AS lang,
       COALESCE(NULLIF(a.time_zone, ''), NULLIF(w.time_zone, ''), 'UTC') AS time_zone,
       (SELECT group_concat(gm."group") FROM group_member gm WHERE gm.agent = a.id) AS group_ids
FROM agent a JOIN workspace w ON w.id = a.workspace WHERE a.id = {}
"""


async def load_viewer(agent_id: int) -> Viewer | None:
    """None when the agent is gone or deactivated (their session no longer counts)."""
    rows = await Agent.raw(_VIEWER_SQL, agent_id)
    if not rows or not rows[0]["active"]:
        return None
    agent = rows[0]
    groups = sorted(int(g) for g in (agent["group_ids"] or "").split(",") if g)
    return Viewer(
        agent_id=agent["id"],
        workspace_id=agent["workspace"],
        name=full_name(agent["first_name"], agent["last_name"]),
        email=agent["email"],
        superadmin=bool(agent["superadmin"]),
        group_ids=tuple(groups),
        session_version=agent["session_version"],
        on_vacation=bool(agent["on_vacation"]),
        lang=agent["lang"],
        time_zone=agent["time_zone"],
    )


def session_for(agent: dict) -> dict:
    """What a login stores in the session."""
    return {SESSION_AGENT: agent["id"], SESSION_VERSION: agent.get("session_version", 0)}


async def viewer_from_session(session: dict | None) -> Viewer | None:
    """The agent a session belongs to, if it is still valid (agent active, version current)."""
    if not session:
        return None
    agent_id = session.get(SESSION_AGENT)
    if not isinstance(agent_id, int):
        return None
    viewer = await load_viewer(agent_id)
    if viewer is None or session.get(SESSION_VERSION, 0) != viewer.session_version:
        return None
    return viewer
