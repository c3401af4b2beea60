"""Groups in the administration: one default group, members, delete with the tickets moving to
the default group in a background job, workspace isolation, the pages and their fragment."""

from __future__ import annotations

import pytest

from app.accounts.service import create_agent_confirmed
from app.accounts.tables import AgentGroup, GroupMember
from app.audit.tables import AuditEntry
from app.errors import Conflict, NotFound, ValidationFailed
from app.groups import service as groups
from app.jobs.runner import JobRunner
from app.tickets import queries
from app.tickets.tables import Ticket, TimelineEntry
from tests import factories
from tests.helpers import HTMX, Person, csrf_from, field_error, soup
from tests.journeys import login, workspace_with_admin


@pytest.fixture
async def desk(database):
    workspace, admin = await factories.workspace()
    return workspace, await factories.viewer(admin)


async def _default(workspace_id: int) -> int:
    rows = await AgentGroup.select(AgentGroup.id).where(AgentGroup.workspace == workspace_id,
                                                        AgentGroup.is_default == True)  # noqa: E712
    assert len(rows) == 1, "exactly one default group"
    return rows[0]["id"]


async def test_exactly_one_default_and_it_cannot_be_deleted(desk):
    workspace, ann = desk
    first = await _default(workspace["id"])
    second = await groups.create_group(ann, "2nd level", "Escalations")
    await groups.set_default(ann, second["id"])
    assert await _default(workspace["id"]) == second["id"]
    assert await queries.default_group_id(workspace["id"]) == second["id"]  # the cache heard of it
    with pytest.raises(Conflict):
        await groups.delete_group(ann, second["id"])
    assert await groups.delete_group(ann, first) is None  # no tickets: gone at once
    assert await AgentGroup.count().where(AgentGroup.id == first) == 0


async def test_members_are_added_once_and_removed(desk):
    workspace, ann = desk
    bea = await create_agent_confirmed(workspace["id"], email="bea@acme.test", first_name="Bea", last_name="Agent",
                                       password="correct horse")
    group = await groups.create_group(ann, "Billing")
    await groups.add_member(ann, group["id"], bea["id"])
    await groups.add_member(ann, group["id"], bea["id"])
    assert await GroupMember.count().where(GroupMember.group == group["id"]) == 1
    other, other_admin = await factories.workspace(company="Other", email="bob@other.test")
    with pytest.raises(ValidationFailed):  # another workspace's agent
        await groups.add_member(ann, group["id"], other_admin["id"])
    with pytest.raises(NotFound):  # another workspace's group
        await groups.add_member(await factories.viewer(other_admin), group["id"], bea["id"])
    await groups.remove_member(ann, group["id"], bea["id"])
    assert await GroupMember.count().where(GroupMember.group == group["id"]) == 0
    actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id)]
    assert actions == ["group.created", "group.member_added", "group.member_removed"]


async def test_deleting_a_group_moves_its_tickets_to_the_default_in_batches(desk, monkeypatch):
    workspace, ann = desk
    default = await _default(workspace["id"])
    billing = await groups.create_group(ann, "Billing")
    for i in range(5):
        await factories.ticket(workspace, subject=f"Invoice {i}")
    await Ticket.update({Ticket.group: billing["id"]}).where(Ticket.workspace == workspace["id"])
    monkeypatch.setattr(groups, "MOVE_BATCH", 2)
    job = await groups.delete_group(ann, billing["id"])
    assert job["total"] == 5
    assert billing["id"] not in {g["id"] for g in (await queries.ticket_options(workspace["id"]))["groups"]}
    await JobRunner().run_until_idle()
    assert {r["group"] for r in await Ticket.select(Ticket.group)} == {default}
    assert await TimelineEntry.count().where(TimelineEntry.event == "group") == 5
    assert await AgentGroup.count().where(AgentGroup.id == billing["id"]) == 0


async def test_the_pages(person: Person):
    workspace, _ = await workspace_with_admin()
    await login(person)
    page = soup(await person.page("/admin/groups"))
    assert page.select_one("nav.admin-nav a[aria-current=page]").get_text() == "Groups"
    token = csrf_from(str(page))
    bad = await person.client.post("/admin/groups", data={"_csrf_token": token, "name": ""})
    assert bad.status_code == 422 and field_error(bad.text, "name")
    made = await person.client.post("/admin/groups", data={"_csrf_token": token, "name": "Billing",
                                                           "description": "Invoices"}, follow_redirects=False)
    group_url = made.headers["location"]
    page = soup(await person.page(group_url))
    agent = page.select_one("select[name=agent] option")["value"]
    added = await person.client.post(f"{group_url}/members", data={"_csrf_token": token, "agent": agent},
                                     headers=HTMX)
    fragment = soup(added.text)
    assert fragment.select_one("#group") and not fragment.find("nav", class_="sidebar")
    assert fragment.select("li[data-member]")
    renamed = await person.client.post(group_url, data={"_csrf_token": token, "name": "Billing & refunds",
                                                        "description": ""}, headers=HTMX)
    assert "Billing &amp; refunds" in renamed.text
    deleted = await person.client.post(f"{group_url}/delete", data={"_csrf_token": token}, headers=HTMX)
    assert deleted.headers["hx-redirect"] == "/admin/groups"
