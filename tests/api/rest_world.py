"""The people and keys the REST API tests share: Ann (superadmin), Bea (in the default group),
Carl (in no group), and Olga of another workspace, each with a key; one customer ticket."""

from __future__ import annotations

from dataclasses import dataclass

from app.accounts.service import create_agent_confirmed
from app.accounts.tables import AgentGroup, GroupMember
from app.api import keys
from tests import factories
from tests.journeys import workspace_with_admin


@dataclass
class World:
    workspace: dict
    other: dict
    group_id: int
    ids: dict[str, int]
    keys: dict[str, str]
    ticket: dict
    other_ticket: dict

    def auth(self, who: str = "bea") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}


async def make_world() -> World:
    workspace, ann = await workspace_with_admin()
    other, olga = await workspace_with_admin(email="olga@other.test", company="Other")
    bea = await create_agent_confirmed(workspace["id"], email="bea@acme.test", first_name="Bea", last_name="Agent",
                                       password="correct horse")
    carl = await create_agent_confirmed(workspace["id"], email="carl@acme.test", first_name="Carl", last_name="Nogroup",
                                        password="correct horse")
    group = await AgentGroup.select(AgentGroup.id).where(AgentGroup.workspace == workspace["id"]).first()
    await GroupMember(group=group["id"], agent=bea["id"]).save()
    ids = {"ann": ann["id"], "bea": bea["id"], "carl": carl["id"], "olga": olga["id"]}
    made = {}
    for who, ws in (("ann", workspace), ("bea", workspace), ("carl", workspace), ("olga", other)):
        made[who] = await keys.generate_key(None, ids[who], workspace_id=ws["id"])
    ticket = await factories.ticket(workspace)
    other_ticket = await factories.ticket(other, subject="Other's printer")
    return World(workspace, other, group["id"], ids, made, ticket, other_ticket)
