"""Reading agents: the workspace's agents with their groups, as pickers show them."""

from __future__ import annotations

from app.accounts.tables import Agent
from app.cache import TTLCache
from app.formats import DEFAULT_TIME_ZONE, Reader, agent_reader
from app.i18n import DEFAULT_LOCALE

AGENTS_WITH_GROUPS = """
SELECT a.id, a.first_name, a.last_name, a.on_vacation, a.active, a.avatar_version, a.notify_routed,
       COALESCE((SELECT group_concat(name, ', ') FROM (
           SELECT g.name FROM group_member m JOIN agent_group g ON g.id = m."group"
           WHERE m.agent = a.id ORDER BY g.name)), '') AS group_names
FROM agent a WHERE a.workspace = {} ORDER BY a.first_name, a.last_name
"""

_agents: TTLCache[list[dict]] = TTLCache("agents with groups")


async def agents_with_groups(workspace_id: int) -> list[dict]:
    """Every agent of the workspace with the names of their groups (cached: every ticket page's
    assignee picker reads it). What changes an agent's availability or groups calls
    `forget_agents(workspace_id)`; anything else shows within the cache's few seconds."""
    return await _agents.get(workspace_id, lambda: Agent.raw(AGENTS_WITH_GROUPS, workspace_id))


def forget_agents(workspace_id: int) -> None:
    _agents.invalidate(workspace_id)


_READER_SQL = """
SELECT a.lang, a.time_zone, w.lang AS workspace_lang, w.time_zone AS workspace_time_zone
FROM agent a JOIN workspace w ON w.id = a.workspace WHERE a.id = {}
"""


async def reader_of(agent_id: int) -> Reader:
    """The language and time zone agent `agent_id`'s mails are written in (their profile's, else
    their workspace's)."""
    rows = await Agent.raw(_READER_SQL, agent_id)
    if not rows:
        return Reader(DEFAULT_LOCALE, DEFAULT_TIME_ZONE)
    row = rows[0]
    return agent_reader(row, {"lang": row["workspace_lang"], "time_zone": row["workspace_time_zone"]})
