"""The logged-in agent as handlers and services see it: who, which workspace, which groups."""

from __future__ import annotations

from dataclasses import dataclass

from app.accounts.tables import Agent, GroupMember


@dataclass(frozen=True)
class Viewer:
    agent_id: int
    workspace_id: int
    name: str
    email: str
    superadmin: bool
    group_ids: tuple[int, ...]


async def load_viewer(agent_id: int) -> Viewer | None:
    """None when the agent is gone or deactivated (their session no longer counts)."""
    agent = await Agent.select(
        Agent.id, Agent.workspace, Agent.first_name, Agent.last_name, Agent.email, Agent.superadmin, Agent.active
    ).where(Agent.id == agent_id).first()
    if agent is None or not agent["active"]:
        return None
    groups = await GroupMember.select(GroupMember.group).where(GroupMember.agent == agent_id)
    return Viewer(
        agent_id=agent["id"],
        workspace_id=agent["workspace"],
        name=f"{agent['first_name']} {agent['last_name']}".strip(),
        email=agent["email"],
        superadmin=agent["superadmin"],
        group_ids=tuple(g["group"] for g in groups),
    )
