"""Ticket types in the administration: add, rename, remove (at least one remains; a used type's
tickets move to another type in a background job, in batches, each with its timeline entry)."""

from __future__ import annotations

import pytest

from app.audit.tables import AuditEntry
from app.errors import Conflict, NotFound, ValidationFailed
from app.jobs.runner import JobRunner
from app.jobs.tables import BackgroundJob
from app.tickets import queries, ticket_types
from app.tickets.tables import Ticket, TicketType, TimelineEntry
from tests import factories
from tests.helpers import HTMX, Person, csrf_from, field_error, soup
from tests.journeys import login, workspace_with_admin


@pytest.fixture
async def desk(database):
    workspace, admin = await factories.workspace()
    return workspace, await factories.viewer(admin)


async def _types(workspace_id: int) -> dict[str, int]:
    return {row["name"]: row["id"] for row in await queries.ticket_types(workspace_id)}


async def test_add_and_rename_with_unique_names_and_audit(desk):
    workspace, ann = desk
    await ticket_types.add_type(ann, "  Question  ")
    assert "Question" in await _types(workspace["id"])
    for bad in ("question", "", "x" * 101, "evil\u202etxt"):
        with pytest.raises(ValidationFailed):
            await ticket_types.add_type(ann, bad)
    await ticket_types.rename_type(ann, (await _types(workspace["id"]))["Question"], "Questions")
    actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id)]
    assert actions == ["ticket_type.created", "ticket_type.renamed"]
    other, other_admin = await factories.workspace(company="Other", email="bob@other.test")
    with pytest.raises(NotFound):  # another workspace's type
        await ticket_types.rename_type(await factories.viewer(other_admin), (await _types(workspace["id"]))["Incident"],
                                       "Mine now")


async def test_an_unused_type_goes_at_once_and_the_last_one_stays(desk):
    workspace, ann = desk
    types = await _types(workspace["id"])
    await ticket_types.remove_type(ann, types["Change"], None)
    await ticket_types.remove_type(ann, types["Incident"], None)
    assert list(await _types(workspace["id"])) == ["Service Request"]
    with pytest.raises(Conflict):
        await ticket_types.remove_type(ann, types["Service Request"], None)


async def test_a_used_type_moves_its_tickets_in_batches_then_goes(desk, monkeypatch):
    workspace, ann = desk
    types = await _types(workspace["id"])
    for i in range(5):
        await factories.ticket(workspace, subject=f"Ticket {i}")  # the first type: Service Request
    with pytest.raises(ValidationFailed):
        await ticket_types.remove_type(ann, types["Service Request"], None)  # must say where they go
    with pytest.raises(ValidationFailed):
        await ticket_types.remove_type(ann, types["Service Request"], types["Service Request"])
    monkeypatch.setattr(ticket_types, "MOVE_BATCH", 2)
    job = await ticket_types.remove_type(ann, types["Service Request"], types["Incident"])
    assert "Service Request" not in await _types(workspace["id"])  # no longer offered, at once
    assert job["total"] == 5
    runner = JobRunner()
    assert await runner.run_once()  # one batch of two
    row = await BackgroundJob.select().where(BackgroundJob.id == job["id"]).first()
    assert (row["status"], row["done"]) == ("running", 2)
    await runner.run_until_idle()
    row = await BackgroundJob.select().where(BackgroundJob.id == job["id"]).first()
    assert (row["status"], row["done"]) == ("done", 5)
    assert {r["ticket_type"] for r in await Ticket.select(Ticket.ticket_type)} == {types["Incident"]}
    assert await TicketType.count().where(TicketType.id == types["Service Request"]) == 0
    assert await TimelineEntry.count().where(TimelineEntry.event == "type") == 5
    with pytest.raises(NotFound):
        await ticket_types.remove_type(ann, types["Service Request"], types["Incident"])


async def test_pages_the_job_progress_and_its_partial(person: Person):
    workspace, _ = await workspace_with_admin()
    customer = Person(person.client)
    from tests.journeys import open_ticket

    await open_ticket(customer, workspace)
    await login(person)
    page = soup(await person.page("/admin/types"))
    assert page.select_one("nav.admin-nav a[aria-current=page]").get_text() == "Ticket types"
    assert [r["data-type"] for r in page.select("tr[data-type]")] == [str(i) for i in sorted(
        (await _types(workspace["id"])).values())]
    token = csrf_from(str(page))
    bad = await person.client.post("/admin/types", data={"_csrf_token": token, "name": ""}, headers=HTMX)
    assert bad.status_code == 422 and field_error(bad.text, "name")
    added = await person.client.post("/admin/types", data={"_csrf_token": token, "name": "Question"}, headers=HTMX)
    assert "Question" in added.text and "<html" not in added.text
    types = await _types(workspace["id"])
    used = next(t for t in (await Ticket.select(Ticket.ticket_type)))["ticket_type"]
    refused = await person.client.post(f"/admin/types/{used}/remove", data={"_csrf_token": token}, headers=HTMX)
    assert refused.status_code == 422 and field_error(refused.text, "move_to")
    moved = await person.client.post(f"/admin/types/{used}/remove",
                                     data={"_csrf_token": token, "move_to": str(types["Question"])}, headers=HTMX)
    job_url = moved.headers["hx-redirect"]
    running = soup(await person.page(job_url, headers=HTMX)).select_one("#job")
    assert running["data-status"] in ("queued", "running", "done")
    await JobRunner().run_until_idle()
    done = soup(await person.page(job_url, headers=HTMX)).select_one("#job")
    assert done["data-status"] == "done" and not done.has_attr("hx-trigger")
    other, other_admin = await workspace_with_admin(email="bob@other.test", company="Other")
    await person.client.post("/logout", data={"_csrf_token": token})
    await login(person, email="bob@other.test")
    assert (await person.client.get(job_url)).status_code == 404  # another workspace's job
