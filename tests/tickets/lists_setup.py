"""A workspace whose tickets fill every list view (shared by the list and bulk tests).

Ann Admin (superadmin, in the default group "Support") and Bob Plain (agent, in "Support" only);
a second group "Billing" nobody is in. Tickets, made through the services:

  #1 Support, Bob, in progress, low          #5 Support, Ann, open→in progress, high, tag "vip"
  #2 Billing, nobody, open, medium           #6 Support, nobody, resolved, deadline yesterday
  #3 Support, nobody, open, deadline -1 day  #7 Billing, Ann, in progress (Bob cannot see it)
  #4 Support, nobody, closed
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app import clock
from app.accounts.service import create_agent_confirmed
from app.accounts.tables import AgentGroup, GroupMember
from app.accounts.viewer import Viewer
from app.tickets import service
from app.tickets.inputs import FieldChanges
from app.tickets.status import Status
from tests import factories
from tests.helpers import Person
from tests.journeys import login

BOB = {"email": "bob@acme.test", "password": "bob's password"}


@dataclass
class Desk:
    workspace: dict
    ann: dict
    bob: dict
    support: int
    billing: int
    ann_viewer: Viewer
    bob_viewer: Viewer


async def desk() -> Desk:
    workspace, ann = await factories.workspace()
    support = (await AgentGroup.select(AgentGroup.id).where(AgentGroup.workspace == workspace["id"]).first())["id"]
    billing = AgentGroup(workspace=workspace["id"], name="Billing", description="", is_default=False,
                         created_at=clock.now())
    await billing.save()
    bob = await create_agent_confirmed(workspace["id"], email=BOB["email"], first_name="Bob", last_name="Plain",
                                       password=BOB["password"])
    await GroupMember(group=support, agent=bob["id"]).save()
    admin = await factories.viewer(ann)
    subjects = ["Printer jam", "Invoice wrong", "Overdue report", "Old closed thing", "VIP outage",
                "Resolved but late", "Billing secret"]
    prios = [1, 2, 2, 1, 3, 1, 2]
    for subject, prio in zip(subjects, prios, strict=True):
        await factories.ticket(workspace, subject=subject, prio=prio, email=f"{subject.split()[0].lower()}@c.test")
    await service.update_fields(admin, 1, FieldChanges(assignee=bob["id"]))
    await service.update_fields(admin, 2, FieldChanges(group_id=billing.id))
    await service.update_fields(admin, 4, FieldChanges(status=Status.CLOSED))
    await service.update_fields(admin, 5, FieldChanges(assignee=ann["id"], prio=3))
    await service.update_fields(admin, 6, FieldChanges(status=Status.RESOLVED))
    await service.update_fields(admin, 7, FieldChanges(group_id=billing.id, assignee=ann["id"]))
    yesterday = clock.now().date() - timedelta(days=1)
    for number, deadline in ((3, yesterday), (6, yesterday), (1, yesterday + timedelta(days=30))):
        await service.update_fields(admin, number, FieldChanges(deadline=deadline))
    await service.set_tags(admin, 5, ["vip", "outage"])
    return Desk(workspace, ann, bob, support, billing.id, admin, await factories.viewer(bob))


async def login_bob(person: Person):
    return await login(person, BOB["email"], BOB["password"])
