"""Demo agents for the administration's list: one invited who has not chosen a password yet, and
one who left the team (inactive). Made through the services, as an admin would."""

from __future__ import annotations

from app.accounts.viewer import load_viewer
from app.agents import service
from app.agents.inputs import AgentFields


async def seed_agents_demo(admin_id: int, password: str) -> None:
    admin = await load_viewer(admin_id)
    await service.invite_agent(admin, AgentFields(first_name="Nina", last_name="New", email="nina@demo.example",
                                                  position="Trainee", superadmin=False))
    otto = AgentFields(first_name="Otto", last_name="Gone", email="otto@demo.example", position="Support (left)",
                       superadmin=False)
    otto_id = await service.create_agent(admin, otto, password)
    await service.update_agent(admin, otto_id, AgentFields(**{**otto.__dict__, "active": False}))
