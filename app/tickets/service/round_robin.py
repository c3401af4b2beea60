"""Automatic assignment: a group that assigns automatically gives each new ticket (or each one
confirmed by its customer) to the next eligible member, round robin.

Eligible: a member of the group, active, not on vacation, with fewer than the group's limit of
tickets assigned to them that are open, in progress or waiting (no limit when it is 0). "Next"
means the eligible member with the smallest id above the one who got the last ticket, wrapping
around, so nobody gets two before everyone eligible got one. Nobody eligible: the ticket stays
unassigned. The assignment follows the rules of a manual one (open → in progress, an entry).
"""

from __future__ import annotations

from app.accounts.tables import AgentGroup
from app.tickets import queries
from app.tickets.service.assignment import assign_step
from app.tickets.service.unit import Change
from app.tickets.status import Status

OPEN_FOR_LIMIT = (int(Status.OPEN), int(Status.IN_PROGRESS), int(Status.WAITING))

_ELIGIBLE = f"""
SELECT a.id FROM group_member m JOIN agent a ON a.id = m.agent
WHERE m."group" = {{}} AND a.active AND NOT a.on_vacation
  AND ({{}} = 0 OR (SELECT COUNT(*) FROM ticket t WHERE t.assignee = a.id
                    AND t.status IN ({", ".join(str(s) for s in OPEN_FOR_LIMIT)})) < {{}})
ORDER BY a.id
"""


def next_in_turn(eligible: list[int], last: int | None) -> int | None:
    """The first eligible agent after `last` (by id), wrapping around."""
    if not eligible:
        return None
    return next((agent for agent in eligible if last is None or agent > last), eligible[0])


async def auto_assign_step(c: Change) -> int | None:
    """Assign the ticket if its group assigns automatically and it is open; the agent, if any."""
    if c.ticket["assignee"] is not None or c.ticket["status"] != Status.OPEN or c.ticket["group"] is None:
        return None
    if c.ticket["group"] not in await queries.auto_assigning_groups(c.ticket["workspace"]):
        return None
    group = await AgentGroup.select(AgentGroup.auto_assign, AgentGroup.auto_assign_limit,
                                    AgentGroup.last_assigned).where(AgentGroup.id == c.ticket["group"]).first()
    if group is None or not group["auto_assign"]:
        return None
    limit = group["auto_assign_limit"]
    rows = await AgentGroup.raw(_ELIGIBLE, c.ticket["group"], limit, limit)
    agent = next_in_turn([row["id"] for row in rows], group["last_assigned"])
    if agent is None or await assign_step(c, agent):
        return None
    await AgentGroup.update({AgentGroup.last_assigned: agent}).where(AgentGroup.id == c.ticket["group"])
    return agent
