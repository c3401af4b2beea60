"""Reading agents for the administration: the list with search and paging, one agent, their groups.
Every query takes the workspace: another workspace's agent is simply not found."""

from __future__ import annotations

from app.accounts.tables import Agent, AgentGroup
from app.errors import NotFound
from app.i18n import _
from app.tickets.queries import Page, pages_for
from app.web.paging import PER_PAGE, like_pattern

COLUMNS = ("id, first_name, last_name, email, position, active, superadmin, on_vacation, confirmed, retired, "
           "avatar_version")

_LIST = f"""
SELECT {COLUMNS} FROM agent
WHERE workspace = {{}} AND (first_name || ' ' || last_name LIKE {{}} ESCAPE '\\' OR email LIKE {{}} ESCAPE '\\')
ORDER BY first_name COLLATE NOCASE, last_name COLLATE NOCASE, id LIMIT {{}} OFFSET {{}}
"""
_COUNT = """
SELECT COUNT(*) AS n FROM agent
WHERE workspace = {} AND (first_name || ' ' || last_name LIKE {} ESCAPE '\\' OR email LIKE {} ESCAPE '\\')
"""


async def agents_page(workspace_id: int, *, q: str = "", page: int = 1, per_page: int = PER_PAGE) -> Page:
    """The workspace's agents whose name or e-mail contains `q`, by name, one page of them."""
    pattern = like_pattern(q)
    total = (await Agent.raw(_COUNT, workspace_id, pattern, pattern))[0]["n"]
    page = min(page, pages_for(total, per_page))
    rows = await Agent.raw(_LIST, workspace_id, pattern, pattern, per_page, (page - 1) * per_page)
    return Page(rows=rows, total=total, page=page, per_page=per_page)


async def agent_of(workspace_id: int, agent_id: int) -> dict:
    row = await Agent.select(*(getattr(Agent, c.strip()) for c in COLUMNS.split(","))).where(
        Agent.id == agent_id, Agent.workspace == workspace_id).first()
    if row is None:
        raise NotFound(_("No such agent."))
    return row


async def groups_of(workspace_id: int, agent_id: int) -> tuple[list[dict], list[tuple[int, str]]]:
    """The agent's groups, and the workspace's other groups as picker options (not those being
    deleted)."""
    rows = await AgentGroup.raw(
        'SELECT g.id, g.name, g.retired, EXISTS(SELECT 1 FROM group_member m WHERE m."group" = g.id AND m.agent = {}) '
        'AS member FROM agent_group g WHERE g.workspace = {} ORDER BY g.name COLLATE NOCASE, g.id',
        agent_id, workspace_id)
    return ([r for r in rows if r["member"]],
            [(r["id"], r["name"]) for r in rows if not r["member"] and not r["retired"]])
