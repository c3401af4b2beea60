"""Bulk changes from the ticket list: the same rules as a single change, refusals listed with the
reason, the allowed rows committed together, nothing of a refused row written."""

import pytest

from app.accounts.tables import Agent
from app.errors import ValidationFailed
from app.mail.tables import OutboxMail
from app.tickets import service
from app.tickets.service import BulkAction, BulkChange
from app.tickets.status import Status
from app.tickets.tables import Ticket, TimelineEntry
from tests import factories
from tests.helpers import HTMX, Person, csrf_from, soup
from tests.journeys import login
from tests.tickets.lists_setup import desk, login_bob


async def state(workspace_id: int, *numbers_: int) -> dict[int, dict]:
    """The tickets' fields, by number, in one workspace."""
    found = await Ticket.select(Ticket.number, Ticket.status, Ticket.prio, Ticket.group, Ticket.assignee,
                                Ticket.updated_at).where(Ticket.workspace == workspace_id,
                                                         Ticket.number.is_in(list(numbers_)))
    return {row["number"]: row for row in found}


async def events_of(workspace_id: int, number: int) -> list[str]:
    ticket = await Ticket.select(Ticket.id).where(Ticket.workspace == workspace_id, Ticket.number == number).first()
    rows = await TimelineEntry.select(TimelineEntry.event).where(
        TimelineEntry.ticket == ticket["id"], TimelineEntry.kind == "event").order_by(TimelineEntry.id)
    return [row["event"] for row in rows]


async def bulk_post(person: Person, numbers_: list[int], action: str, value: str, *, htmx: bool = True,
                    list_state: str = "view=all&sort=number&dir=asc"):
    html = await person.page(f"/tickets?{list_state}")
    data = {"_csrf_token": csrf_from(html), "list": list_state, "action": action, action: value,
            "ticket": [str(n) for n in numbers_]}
    return await person.client.post("/tickets/bulk", data=data, headers=HTMX if htmx else None)


async def test_bulk_status_change_answers_the_rows_with_a_notice(person: Person):
    d = await desk()
    await login(person)
    response = await bulk_post(person, [1, 3, 5], "status", str(int(Status.WAITING)))
    assert response.status_code == 200 and "<html" not in response.text
    fragment = soup(response.text)
    assert fragment.select_one("#ticket-rows")
    assert fragment.select_one("#bulk-notice").get_text() == "3 tickets changed."
    assert [int(r["data-ticket"]) for r in fragment.select("tr[data-ticket]")] == [1, 2, 3, 4, 5, 6, 7]  # same list
    rows = await state(d.workspace["id"], 1, 3, 5)
    assert {n: rows[n]["status"] for n in rows} == {1: Status.WAITING, 3: Status.WAITING, 5: Status.WAITING}
    for number in (1, 3, 5):
        assert (await events_of(d.workspace["id"], number))[-1] == "status"


async def test_bulk_close_announces_to_each_customer_like_a_single_change(person: Person):
    await desk()
    await login(person)
    before = await OutboxMail.count().where(OutboxMail.purpose == "status_changed")
    response = await bulk_post(person, [2, 3], "status", str(int(Status.CLOSED)))
    assert "2 tickets changed." in response.text
    assert await OutboxMail.count().where(OutboxMail.purpose == "status_changed") == before + 2


async def test_partial_refusal_commits_the_others_and_writes_nothing_of_the_refused(person: Person):
    d = await desk()
    other, _ = await factories.workspace(company="Other", email="olga@other.test", name="Olga Other")
    for i in range(9):  # the other workspace has a #8 and #9, which this one has not
        await factories.ticket(other, subject=f"Other's ticket {i}")
    others_before = await state(other["id"], 8, 9)
    await login_bob(person)
    before = await state(d.workspace["id"], 1, 2, 3, 7)
    events_before = {n: await events_of(d.workspace["id"], n) for n in (2, 7)}
    # Bob sees Support's tickets (#1, #3) but not Billing's (#2, #7), and #8, #9 are another workspace's
    response = await bulk_post(person, [1, 2, 3, 7, 8, 9], "prio", "3", list_state="view=all")
    assert response.status_code == 200
    page = soup(response.text)
    assert page.select_one("#bulk-notice").get_text() == "2 tickets changed."
    refused = {int(li["data-refused"]): li.get_text() for li in page.select(".bulk-refusals li")}
    assert refused == {2: "#2: Not found.", 7: "#7: Not found.", 8: "#8: Not found.", 9: "#9: Not found."}
    after = await state(d.workspace["id"], 1, 2, 3, 7)
    assert after[1]["prio"] == 3 and after[3]["prio"] == 3
    assert after[2] == before[2] and after[7] == before[7]  # untouched, updated_at included
    assert {n: await events_of(d.workspace["id"], n) for n in (2, 7)} == events_before
    assert (await events_of(d.workspace["id"], 3))[-1] == "priority"
    assert await state(other["id"], 8, 9) == others_before


async def test_an_agent_on_vacation_is_refused_in_bulk(person: Person):
    d = await desk()
    await Agent.update({Agent.on_vacation: True}).where(Agent.id == d.bob["id"])
    await login(person)
    before = await state(d.workspace["id"], 2, 3, 6)
    events_before = await events_of(d.workspace["id"], 3)
    response = await bulk_post(person, [2, 3, 6], "assign", str(d.bob["id"]))
    page = soup(response.text)
    assert page.select_one("#bulk-notice").get_text() == "0 tickets changed."
    reasons = {int(li["data-refused"]): li.get_text() for li in page.select(".bulk-refusals li")}
    assert sorted(reasons) == [2, 3, 6] and all("on vacation" in reason for reason in reasons.values())
    assert await state(d.workspace["id"], 2, 3, 6) == before
    assert await events_of(d.workspace["id"], 3) == events_before


async def test_bulk_assign_and_release_follow_the_status_rules(person: Person):
    d = await desk()
    await login(person)
    response = await bulk_post(person, [1, 2, 3], "assign", str(d.ann["id"]))
    assert "3 tickets changed." in response.text
    rows = await state(d.workspace["id"], 1, 2, 3)
    assert all(rows[n]["assignee"] == d.ann["id"] for n in (1, 2, 3))
    assert rows[2]["status"] == Status.IN_PROGRESS and rows[3]["status"] == Status.IN_PROGRESS  # open → in progress
    assert (await events_of(d.workspace["id"], 2))[-2:] == ["assigned", "status"]
    response = await bulk_post(person, [2, 3, 4], "assign", "")  # nobody: released
    assert "2 tickets changed. 1 already had that value." in response.text
    rows = await state(d.workspace["id"], 2, 3)
    assert rows[2]["assignee"] is None and rows[2]["status"] == Status.OPEN


async def test_bulk_group_move_and_unknown_group(person: Person):
    d = await desk()
    await login(person)
    assert "2 tickets changed." in (await bulk_post(person, [1, 3], "group", str(d.billing))).text
    assert {row["group"] for row in (await state(d.workspace["id"], 1, 3)).values()} == {d.billing}
    other, _ = await factories.workspace(company="Other", email="olga@other.test", name="Olga Other")
    from app.accounts.tables import AgentGroup

    foreign = await AgentGroup.select(AgentGroup.id).where(AgentGroup.workspace == other["id"]).first()
    page = soup((await bulk_post(person, [5], "group", str(foreign["id"]))).text)
    assert [li.get_text() for li in page.select(".bulk-refusals li")] == ["#5: Unknown group."]
    assert (await state(d.workspace["id"], 5))[5]["group"] == d.support


async def test_more_than_100_tickets_are_refused_and_nothing_changes(person: Person):
    await desk()
    await login(person)
    response = await bulk_post(person, list(range(1, 102)), "prio", "3")
    assert response.status_code == 422
    assert "At most 100 tickets" in soup(response.text).select_one("#err-bulk").get_text()
    assert await Ticket.count().where(Ticket.prio == 3) == 1  # only #5, as before
    response = await bulk_post(person, list(range(1, 101)), "prio", "3")  # exactly 100: fine
    assert response.status_code == 200 and "7 tickets changed." not in response.text
    assert "93" in soup(response.text).select_one(".bulk-refusals p").get_text()  # #8..#100 are not found


@pytest.mark.parametrize("data", [
    {"action": "prio", "prio": "3"},  # nothing selected
    {"action": "explode", "ticket": "1"},
    {"action": "prio", "prio": "high", "ticket": "1"},
    {"action": "status", "ticket": ["1", "one"], "status": "2"},
])
async def test_bad_bulk_forms_answer_a_message_not_an_error(person: Person, data: dict):
    await desk()
    await login(person)
    html = await person.page("/tickets")
    response = await person.client.post("/tickets/bulk", data={"_csrf_token": csrf_from(html), **data}, headers=HTMX)
    assert response.status_code == 422 and soup(response.text).select_one("#err-bulk").get_text()
    assert await Ticket.count().where(Ticket.prio == 3) == 1


async def test_bulk_without_javascript_renders_the_whole_list(person: Person):
    d = await desk()
    await login(person)
    response = await bulk_post(person, [1], "prio", "2", htmx=False, list_state="view=closed")
    page = soup(response.text)
    assert response.status_code == 200 and page.find("nav", class_="sidebar")
    assert page.select_one("#bulk-notice").get_text() == "1 ticket changed."
    assert page.select_one("nav.sidebar a[aria-current=page]")["data-view"] == "closed"  # back on the same list
    response = await person.client.post("/tickets/bulk", data={"ticket": "1", "action": "prio", "prio": "3"})
    assert response.status_code == 403  # no CSRF token, no change
    assert (await state(d.workspace["id"], 1))[1]["prio"] == 2


async def test_service_refuses_a_status_that_cannot_be_set_and_more_than_the_limit(database):
    workspace, ann = await factories.workspace()
    for _ in range(2):
        await factories.ticket(workspace)
    viewer = await factories.viewer(ann)
    result = await service.bulk_change(viewer, BulkChange((1, 2), BulkAction.STATUS, int(Status.AWAITING_CONFIRMATION)))
    assert result.changed == [] and [r.number for r in result.refused] == [1, 2]
    result = await service.bulk_change(viewer, BulkChange((2, 1), BulkAction.STATUS, 77))
    assert [r.reason for r in result.refused] == ["Unknown status.", "Unknown status."]
    with pytest.raises(ValidationFailed):
        await service.bulk_change(viewer, BulkChange(tuple(range(1, 102)), BulkAction.PRIO, 2))
    result = await service.bulk_change(viewer, BulkChange((2, 1), BulkAction.PRIO, 3))
    assert result.changed == [2, 1] and result.refused == []


async def test_bulk_picker_offers_available_agents_and_the_filter_everyone(person: Person):
    from app.accounts.service import create_agent_confirmed

    d = await desk()
    ivy = await create_agent_confirmed(d.workspace["id"], email="ivy@acme.test", first_name="Ivy", last_name="Gone",
                                       password="whatever1")
    await Agent.update({Agent.active: False}).where(Agent.id == ivy["id"])
    await Agent.update({Agent.on_vacation: True}).where(Agent.id == d.bob["id"])
    await login(person)
    page = soup(await person.page("/tickets"))
    bulk = {o["value"]: o for o in page.select("#bulk-form select[name=assign] option")}
    assert bulk[str(d.bob["id"])].has_attr("disabled") and "(vacation)" in bulk[str(d.bob["id"])].get_text()
    assert str(ivy["id"]) not in bulk and not bulk[str(d.ann["id"])].has_attr("disabled")
    assert bulk[""].get_text() == "Nobody"
    wanted = {o["value"] for o in page.select("#list-filters select[name=assignee] option")}
    assert {"", "nobody", str(d.ann["id"]), str(d.bob["id"]), str(ivy["id"])} == wanted
