"""Canned responses: who sees and edits which, placeholders, the page, the reply box's picker."""

from __future__ import annotations

import pytest

from app.accounts.service import create_agent_confirmed
from app.canned import queries
from app.canned.demo import seed_canned_demo
from app.canned.service import CannedInput, create_canned, delete_canned, update_canned
from app.canned.tables import CannedResponse
from app.errors import Forbidden, NotFound, ValidationFailed
from tests import factories
from tests.helpers import HTMX, Person, csrf_from, field_error, soup
from tests.journeys import login

BOB = {"email": "bob@acme.test", "first_name": "Bob", "last_name": "Second", "password": "correct horse"}


async def _team():
    """Acme's Ann (superadmin) and Bob (agent), Other's Olga (superadmin), one response each kind."""
    workspace, ann_row = await factories.workspace()
    bob_row = await create_agent_confirmed(workspace["id"], **BOB)
    other, olga_row = await factories.workspace(company="Other", email="olga@other.test")
    ann, bob, olga = [await factories.viewer(a) for a in (ann_row, bob_row, olga_row)]
    made = {
        "shared": await create_canned(ann, CannedInput("Greeting", "Hello {customer_name}", shared=True)),
        "ann": await create_canned(ann, CannedInput("Ann's own", "Ann writes")),
        "bob": await create_canned(bob, CannedInput("Bob's own", "Bob writes")),
        "olga": await create_canned(olga, CannedInput("Olga shared", "Other workspace", shared=True)),
    }
    return workspace, other, ann, bob, olga, made


async def _rows() -> dict[int, dict]:
    return {r["id"]: r for r in await CannedResponse.select()}


def _titles(page) -> list[str]:
    return [r["title"] for r in page.rows]


async def test_shared_and_personal_visibility(database):
    _, _, ann, bob, olga, _ = await _team()
    assert _titles(await queries.list_page(ann)) == ["Greeting", "Ann's own"]  # shared first
    assert _titles(await queries.list_page(bob)) == ["Greeting", "Bob's own"]
    assert _titles(await queries.list_page(olga)) == ["Olga shared"]
    assert [m["title"] for m in await queries.picker_matches(bob, "own")] == ["Bob's own"]


async def test_editing_rights(database):
    _, _, ann, bob, olga, made = await _team()
    before = await _rows()
    # A plain agent: no shared ones, neither new nor existing.
    with pytest.raises(ValidationFailed) as refused:
        await create_canned(bob, CannedInput("Team", "text", shared=True))
    assert "superadmins" in refused.value.errors["kind"]
    with pytest.raises(Forbidden):
        await update_canned(bob, made["shared"]["id"], CannedInput("Hijacked", "x"))
    with pytest.raises(Forbidden):
        await delete_canned(bob, made["shared"]["id"])
    # Another agent's personal response and another workspace's are simply not there.
    for viewer, response in ((ann, made["bob"]), (bob, made["ann"]), (ann, made["olga"]), (olga, made["shared"])):
        with pytest.raises(NotFound):
            await update_canned(viewer, response["id"], CannedInput("Hijacked", "x"))
        with pytest.raises(NotFound):
            await delete_canned(viewer, response["id"])
        with pytest.raises(NotFound):
            await queries.one(viewer, response["id"])
    assert await _rows() == before

    # What each may do: the owner their own, a superadmin the shared ones.
    await update_canned(bob, made["bob"]["id"], CannedInput("Bob's new", "changed"))
    await update_canned(ann, made["shared"]["id"], CannedInput("Greeting!", "Hi {customer_name}"))
    after = await _rows()
    assert (after[made["bob"]["id"]]["title"], after[made["bob"]["id"]]["agent"]) == ("Bob's new", bob.agent_id)
    assert after[made["shared"]["id"]]["agent"] is None and after[made["shared"]["id"]]["body"] == "Hi {customer_name}"
    await delete_canned(ann, made["shared"]["id"])
    await delete_canned(bob, made["bob"]["id"])
    assert set(await _rows()) == {made["ann"]["id"], made["olga"]["id"]}


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"title": "", "body": "x"}, "title", "Title is required."),
    ({"title": "two\nlines", "body": "x"}, "title", "single line"),
    ({"title": "t" * 101, "body": "x"}, "title", "at most 100"),
    ({"title": "ok", "body": "  "}, "body", "Text is required."),
    ({"title": "ok", "body": "b" * 4097}, "body", "at most 4096"),
    ({"title": "ok", "body": "x", "kind": "everyone"}, "kind", "not available"),
])
def test_field_errors(form, field, message):
    with pytest.raises(ValidationFailed) as refused:
        CannedInput.from_form(form)
    assert message in refused.value.errors[field]


def test_placeholders_fill_known_names_and_keep_the_rest():
    text = "Hi {customer_name}, #{ticket_number} ({order_id}) {agent_name} {permalink} {CUSTOMER_NAME} {"
    values = {"customer_name": "Sally", "ticket_number": "7", "agent_name": "Ann", "permalink": "http://x/p"}
    assert queries.fill(text, values) == "Hi Sally, #7 ({order_id}) Ann http://x/p {CUSTOMER_NAME} {"
    assert queries.fill("{customer_name}", {"customer_name": "{agent_name}"}) == "{agent_name}"  # filled once


async def test_filled_for_a_ticket_the_agent_may_see(database):
    workspace, other, ann, bob, olga, made = await _team()
    ticket = await factories.ticket(workspace, name="Sally Doe")
    await factories.ticket(other, name="Someone Else")
    await update_canned(ann, made["shared"]["id"], CannedInput(
        "Greeting", "Hello {customer_name}, about #{ticket_number}: {permalink} {agent_name} {unknown}"))
    text = await queries.filled_for_ticket(ann, made["shared"]["id"], ticket["number"])
    permalink = f"http://helprealm.test/{workspace['key']}/ticket/show/{ticket['hash']}"
    assert text == f"Hello Sally Doe, about #1: {permalink} Ann Admin {{unknown}}"
    with pytest.raises(NotFound):  # Bob is in no group: ticket #1 is not his to see
        await queries.filled_for_ticket(bob, made["shared"]["id"], ticket["number"])
    with pytest.raises(NotFound):  # Olga's #1 exists, but this response is not hers
        await queries.filled_for_ticket(olga, made["shared"]["id"], 1)
    with pytest.raises(NotFound):
        await queries.filled_for_ticket(ann, made["olga"]["id"], 1)


async def test_demo_seed(database):
    workspace, admin = await factories.workspace()
    await seed_canned_demo(workspace["id"], admin["id"])
    rows = await CannedResponse.select().order_by(CannedResponse.id)
    assert [r["agent"] for r in rows] == [None, None, admin["id"]]
    assert all("{customer_name}" in r["body"] for r in rows)


# -- pages -----------------------------------------------------------------------------------------


async def test_page_fragment_search_and_paging(person: Person):
    workspace, _, ann, _, _, _ = await _team()
    for i in range(22):
        await create_canned(ann, CannedInput(f"Reply {i:02d}", f"Body number {i} 100% sure"))
    await login(person)
    page = soup(await person.page("/canned"))
    assert page.find("nav", class_="sidebar").select_one("a[aria-current=page]").get_text() == "Canned responses"
    items = page.select("#canned-list li[data-canned]")
    assert len(items) == 20 and items[0]["data-kind"] == "shared" and items[0].h2.get_text() == "Greeting"
    assert "Showing 1 to 20 of 24 entries" in page.select_one(".pager").get_text()
    assert "Bob's own" not in str(page) and "Olga shared" not in str(page)

    next_page = await person.page("/canned?page=2", headers=HTMX)
    fragment = soup(next_page)
    assert "<html" not in next_page and fragment.select_one("#canned-list")
    assert len(fragment.select("li[data-canned]")) == 4

    found = soup(await person.page("/canned?q=number%201", headers=HTMX))
    assert [h.get_text() for h in found.select("li h2")] == ["Reply 01"] + [f"Reply {i}" for i in range(10, 20)]
    # LIKE's wildcards are searched for as typed: "%" matches only bodies with a percent sign.
    percent = soup(await person.page("/canned?q=%25", headers=HTMX)).select_one(".pager").get_text()
    assert "of 22 entries" in percent
    # "r_0" would match "number 0" if "_" were LIKE's any-character.
    assert len(soup(await person.page("/canned?q=r_0", headers=HTMX)).select("li[data-canned]")) == 0
    nothing = await person.page("/canned?q=zebra")
    assert "No canned responses match “zebra”." in soup(nothing).select_one("#canned-list").get_text()
    assert (await person.client.get("/canned?q=" + "x" * 2000)).status_code == 400


async def test_create_edit_delete_through_the_forms(person: Person):
    _, _, ann, bob, _, made = await _team()
    await login(person, email=BOB["email"])
    form = await person.page("/canned/new")
    assert not soup(form).select_one("select[name=kind]")  # only superadmins choose "shared"
    before = await _rows()
    bad = await person.client.post("/canned", data={"_csrf_token": csrf_from(form), "title": "", "body": "x"})
    assert bad.status_code == 422 and field_error(bad.text, "title") == "Title is required."
    assert soup(bad.text).select_one("textarea[name=body]").get_text() == "x"  # what was typed stays
    shared = await person.client.post("/canned", data={"_csrf_token": csrf_from(form), "title": "T", "body": "x",
                                                       "kind": "shared"})
    assert shared.status_code == 422 and "superadmins" in field_error(shared.text, "kind")
    assert await _rows() == before

    created = await person.client.post("/canned", data={"_csrf_token": csrf_from(form), "title": "Thanks",
                                                        "body": "Thanks {customer_name}!"}, follow_redirects=False)
    assert created.status_code == 303 and created.headers["location"] == "/canned"
    row = await CannedResponse.select().where(CannedResponse.title == "Thanks").first()
    assert row["agent"] == bob.agent_id

    edit = await person.page(f"/canned/{row['id']}/edit")
    assert soup(edit).select_one("input[name=title]")["value"] == "Thanks"
    updated = await person.client.post(f"/canned/{row['id']}", data={"_csrf_token": csrf_from(edit),
                                                                     "title": "Thanks a lot", "body": "Thx"})
    assert updated.status_code == 200 and "Thanks a lot" in updated.text  # followed back to the list

    # The shared one: listed without edit or delete for Bob; asking anyway is refused.
    listing = soup(await person.page("/canned"))
    shared_item = listing.select_one(f"li[data-canned='{made['shared']['id']}']")
    assert shared_item and not shared_item.select("a, form")
    assert (await person.client.get(f"/canned/{made['shared']['id']}/edit")).status_code == 403
    refused = await person.client.post(f"/canned/{made['shared']['id']}/delete", data={"_csrf_token": csrf_from(edit)})
    assert refused.status_code == 403
    for other in (made["ann"]["id"], made["olga"]["id"], 999_999):
        assert (await person.client.get(f"/canned/{other}/edit")).status_code == 404
        response = await person.client.post(f"/canned/{other}/delete", data={"_csrf_token": csrf_from(edit)})
        assert response.status_code == 404

    deleted = await person.client.post(f"/canned/{row['id']}/delete", data={"_csrf_token": csrf_from(edit)},
                                       headers=HTMX)
    assert deleted.status_code == 200 and soup(deleted.text).select_one("#canned-list")
    assert "Thanks a lot" not in deleted.text
    assert not await CannedResponse.exists().where(CannedResponse.id == row["id"])
    assert len(await _rows()) == len(before)


async def test_superadmin_creates_a_shared_response(person: Person):
    await _team()
    await login(person)
    form = await person.page("/canned/new")
    assert soup(form).select_one("select[name=kind]")
    await person.client.post("/canned", data={"_csrf_token": csrf_from(form), "title": "Team", "body": "b",
                                              "kind": "shared"})
    assert (await CannedResponse.select().where(CannedResponse.title == "Team").first())["agent"] is None


async def test_picker_in_the_reply_box_and_fill(person: Person):
    workspace, _, ann, _, _, made = await _team()
    ticket = await factories.ticket(workspace, name="Sally Doe")
    await login(person)
    page = soup(await person.page(f"/tickets/{ticket['number']}"))
    picker = page.select_one("form.reply details.canned-picker")
    assert picker and picker.select_one("input[type=search]")["form"] == "canned-picker-no-form"
    matches_url = picker.select_one(".canned-matches")["hx-get"]
    assert matches_url == f"/canned/picker?ticket={ticket['number']}"

    matches = soup(await person.page(matches_url, headers=HTMX))
    buttons = {b.get_text(): b["data-canned-fill"] for b in matches.select("button[data-canned-fill]")}
    assert set(buttons) == {"Greeting", "Ann's own"}
    assert buttons["Greeting"] == f"/canned/{made['shared']['id']}/fill?ticket={ticket['number']}"
    searched = soup(await person.page(f"{matches_url}&q=ann", headers=HTMX))
    assert [b.get_text() for b in searched.select("button")] == ["Ann's own"]
    assert "No canned responses match" in await person.page(f"{matches_url}&q=zebra", headers=HTMX)

    filled = await person.client.get(buttons["Greeting"])
    assert filled.status_code == 200 and filled.headers["content-type"].startswith("text/plain")
    assert filled.text == "Hello Sally Doe"
    assert (await person.client.get(f"/canned/{made['olga']['id']}/fill?ticket=1")).status_code == 404
    assert (await person.client.get(f"/canned/{made['shared']['id']}/fill?ticket=99")).status_code == 404
    assert (await person.client.get(f"/canned/{made['shared']['id']}/fill?ticket=abc")).status_code == 400
    assert (await person.client.get(f"/canned/{made['shared']['id']}/fill")).status_code == 400


async def test_canned_pages_need_login(client):
    for url in ("/canned", "/canned/new", "/canned/1/edit", "/canned/picker?ticket=1", "/canned/1/fill?ticket=1"):
        response = await client.get(url, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login"
