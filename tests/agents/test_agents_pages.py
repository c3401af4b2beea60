"""The agents pages: the list (search, paging, page and fragment), the create form (errors at the
field, the same answer for a taken address), an agent's page and its HTMX forms, the invitation
link in a browser, a deactivated agent's open session, and another workspace's ids."""

from __future__ import annotations

import io
import re

import httpx
from PIL import Image

from app.accounts.service import create_agent_confirmed
from app.accounts.tables import Agent, AgentGroup, GroupMember
from app.agents import service as agents
from app.agents.inputs import AgentFields
from app.jobs.runner import JobRunner
from app.mail.tables import OutboxMail
from app.profile import avatars
from app.tickets import service as tickets
from app.web.tables import WebSession
from tests import factories
from tests.helpers import HTMX, Person, cookies, csrf_from, field_error, form_values, soup
from tests.journeys import login, workspace_with_admin

NEW = {"first_name": "Bea", "last_name": "Agent", "email": "bea@acme.test", "position": "Support",
       "password": "correct horse", "password_confirmation": "correct horse"}


def _flash(html: str) -> str:
    node = soup(html).select_one(".flash")
    return node.get_text(strip=True) if node else ""


async def test_the_list_searches_and_pages_as_page_and_fragment(person: Person):
    workspace, _admin = await workspace_with_admin()
    ann = await factories.viewer(_admin)
    for i in range(30):
        await agents.invite_agent(ann, AgentFields(first_name=f"Zed{i:02d}", last_name="Helper",
                                                   email=f"zed{i}@acme.test", position="", superadmin=False))
    await login(person)
    page = soup(await person.page("/admin/agents"))
    assert page.select_one("nav.admin-nav a[aria-current=page]").get_text() == "Agents"
    assert len(page.select("tr[data-agent]")) == 25 and page.select_one("#agent-create")
    first = page.select_one("tr[data-agent]").get_text(" ", strip=True)
    assert "Ann Admin" in first and "ann@acme.test" in first
    assert "invited" in page.select("tr[data-agent]")[1].get_text()
    second = soup(await person.page("/admin/agents?page=2", headers=HTMX))
    assert second.select_one("#agent-rows") and not second.find("nav", class_="sidebar")
    assert len(second.select("tr[data-agent]")) == 6
    found = soup(await person.page("/admin/agents?q=zed07", headers=HTMX))
    assert [r.select("td")[2].get_text() for r in found.select("tr[data-agent]")] == ["zed7@acme.test"]
    by_name = soup(await person.page("/admin/agents?q=Zed03+Helper"))
    assert len(by_name.select("tr[data-agent]")) == 1 and by_name.select_one("#agent-create")
    none = soup(await person.page("/admin/agents?q=%25_"))  # wildcards are letters here
    assert none.select_one("tr.empty")


async def test_the_create_form_shows_errors_at_the_field_and_saves_nothing(person: Person):
    await workspace_with_admin()
    await login(person)
    html = await person.page("/admin/agents")
    bad = {**NEW, "first_name": "", "email": "not-an-address", "password_confirmation": "other words",
           "position": "x" * 101}
    response = await person.client.post("/admin/agents", data={"_csrf_token": csrf_from(html), **bad})
    assert response.status_code == 422
    for name in ("first_name", "email", "password_confirmation", "position"):
        assert field_error(response.text, name), name
    assert form_values(response.text, "#agent-create")["last_name"] == "Agent"  # what was typed stays
    assert await Agent.count() == 1


async def test_a_taken_address_gets_the_same_answer_as_a_free_one(person: Person):
    await workspace_with_admin()
    await factories.workspace(company="Other", email="bob@other.test", name="Bob Other")
    await login(person)
    token = csrf_from(await person.page("/admin/agents"))
    answers = []
    for email in ("cid@acme.test", "bob@other.test"):
        for access in ("invite", "password"):
            response = await person.client.post("/admin/agents", data={
                "_csrf_token": token, **NEW, "email": email, "access": access, "first_name": "Cid"})
            assert response.status_code == 200
            answers.append(_flash(response.text).replace(email, "ADDRESS"))
            cid = await Agent.select(Agent.id).where(Agent.email == "cid@acme.test").first()
            if cid and access == "invite":  # make room for the password variant
                await Agent.delete().where(Agent.id == cid["id"])
    assert answers[0] == answers[2] and answers[1] == answers[3], answers
    assert await Agent.count().where(Agent.email == "bob@other.test") == 1
    assert await OutboxMail.count().where(OutboxMail.purpose == "agent_exists") == 2


async def test_the_agent_page_and_its_forms(person: Person):
    workspace, admin = await workspace_with_admin()
    ann = await factories.viewer(admin)
    bea_id = await agents.create_agent(ann, AgentFields("Bea", "Agent", "bea@acme.test", "", False), "correct horse")
    other, bob = await factories.workspace(company="Other", email="bob@other.test", name="Bob Other")
    await login(person)
    url = f"/admin/agents/{bea_id}"
    page = soup(await person.page(url))
    assert page.select_one("#agent") and page.select_one("nav.admin-nav")
    token = csrf_from(str(page))
    values = form_values(str(page), "#agent-form")
    assert values["first_name"] == "Bea" and values["active"] == "1" and "superadmin" not in values
    saved = await person.client.post(url, data={**values, "position": "2nd level", "superadmin": "1"}, headers=HTMX)
    fragment = soup(saved.text)
    assert saved.status_code == 200 and fragment.select_one("#agent") and not fragment.find("nav", class_="sidebar")
    assert _flash(saved.text) == "Agent saved."
    mismatch = await person.client.post(url, data={**values, "password": "correct horse 2",
                                                   "password_confirmation": "other"}, headers=HTMX)
    assert mismatch.status_code == 422 and field_error(mismatch.text, "password_confirmation")
    assert (await Agent.select(Agent.position, Agent.superadmin).where(Agent.id == bea_id).first()) == {
        "position": "2nd level", "superadmin": True}
    # Groups of agent: add from the picker, remove.
    group = fragment.select_one("select[name=group] option")["value"]
    added = await person.client.post(f"{url}/groups", data={"_csrf_token": token, "group": group}, headers=HTMX)
    assert soup(added.text).select(f"li[data-group='{group}']")
    other_group = (await AgentGroup.select(AgentGroup.id).where(AgentGroup.workspace == other["id"]).first())["id"]
    refused = await person.client.post(f"{url}/groups", data={"_csrf_token": token, "group": str(other_group)},
                                       headers=HTMX)
    assert refused.status_code == 422 and field_error(refused.text, "group")
    removed = await person.client.post(f"{url}/groups/{group}/remove", data={"_csrf_token": token}, headers=HTMX)
    assert removed.status_code == 200 and await GroupMember.count().where(GroupMember.agent == bea_id) == 0
    # The last superadmin rule at the field, on her own page.
    mine = form_values(await person.page(f"/admin/agents/{ann.agent_id}"), "#agent-form")
    await person.client.post(url, data={**values, "superadmin": ""}, headers=HTMX)  # Bea steps down again
    kept = await person.client.post(f"/admin/agents/{ann.agent_id}", data={**mine, "superadmin": ""}, headers=HTMX)
    assert kept.status_code == 422 and "last active superadmin" in field_error(kept.text, "superadmin")
    assert not soup(await person.page(f"/admin/agents/{ann.agent_id}")).select_one("form[action$='/delete']")
    # Another workspace's agent is not found, whatever is asked.
    assert (await person.client.get(f"/admin/agents/{bob['id']}")).status_code == 404
    for path in ("", "/groups", "/invite", "/delete", f"/groups/{other_group}/remove"):
        response = await person.client.post(f"/admin/agents/{bob['id']}{path}",
                                            data={"_csrf_token": token, **NEW, "group": str(other_group)})
        assert response.status_code == 404, path
    assert await Agent.count().where(Agent.id == bob["id"]) == 1
    # Delete, confirmed in the browser (hx-confirm), back to the list.
    deleted = await person.client.post(f"{url}/delete", data={"_csrf_token": token}, headers=HTMX)
    assert deleted.headers["hx-redirect"] == "/admin/agents"
    assert await Agent.count().where(Agent.id == bea_id) == 0


async def test_an_invitation_link_sets_the_password_once(person: Person):
    await workspace_with_admin()
    await login(person)
    token = csrf_from(await person.page("/admin/agents"))
    sent = await person.client.post("/admin/agents", data={"_csrf_token": token, **NEW, "password": "",
                                                           "password_confirmation": "", "access": "invite"})
    assert sent.status_code == 200 and "invitation" in _flash(sent.text)
    mail = await OutboxMail.select().where(OutboxMail.purpose == "agent_invite").first()
    link = re.search(r"http://helprealm\.test(/invitation/\S+)", mail["body_text"]).group(1)
    bea = Person(person.client)
    with cookies(person.client, httpx.Cookies()):
        form = await bea.page(link)
        assert "bea@acme.test" in soup(form).get_text()
        mismatch = await bea.client.post(link, data={"_csrf_token": csrf_from(form), "password": "correct horse",
                                                     "password_confirmation": "other words"})
        assert mismatch.status_code == 422 and field_error(mismatch.text, "password_confirmation")
        accepted = await bea.client.post(link, data={"_csrf_token": csrf_from(form), "password": "correct horse",
                                                     "password_confirmation": "correct horse"})
        assert accepted.status_code == 200 and "Log in now" in soup(accepted.text).select_one(".message").get_text()
        await login(bea, email="bea@acme.test")  # the login page's rules apply to the new password too
        again = await bea.client.get(link)
        assert again.status_code == 404 and "already been used" in again.text


async def test_deactivating_ends_an_open_session_at_once(person: Person):
    _workspace, admin = await workspace_with_admin()
    ann = await factories.viewer(admin)
    bea_id = await agents.create_agent(ann, AgentFields("Bea", "Agent", "bea@acme.test", "", False), "correct horse")
    jar = httpx.Cookies()
    with cookies(person.client, jar):
        await login(person, email="bea@acme.test")
        assert (await person.client.get("/dashboard", follow_redirects=False)).status_code == 200
    assert await WebSession.count().where(WebSession.key == jar["helprealm_session"]) == 1
    await login(person)
    values = form_values(await person.page(f"/admin/agents/{bea_id}"), "#agent-form")
    values.pop("active")
    saved = await person.client.post(f"/admin/agents/{bea_id}", data=values)
    assert saved.status_code == 200 and "inactive" in soup(saved.text).h1.get_text()
    with cookies(person.client, jar):
        after = await person.client.get("/dashboard", follow_redirects=False)
        assert after.status_code == 303 and after.headers["location"] == "/login"
    assert await WebSession.count().where(WebSession.key == jar["helprealm_session"]) == 0  # the row is gone too


async def test_deleting_an_agent_with_many_tickets_shows_the_jobs_progress(person: Person, monkeypatch):
    workspace, admin = await workspace_with_admin()
    ann = await factories.viewer(admin)
    bea_id = await agents.create_agent(ann, AgentFields("Bea", "Agent", "bea@acme.test", "", False), "correct horse")
    for i in range(3):
        ticket = await factories.ticket(workspace, subject=f"Printer {i}")
        await tickets.assign(ann, ticket["number"], bea_id)
    monkeypatch.setattr(agents, "RELEASE_BATCH", 2)
    await login(person)
    token = csrf_from(await person.page(f"/admin/agents/{bea_id}"))
    deleted = await person.client.post(f"/admin/agents/{bea_id}/delete", data={"_csrf_token": token}, headers=HTMX)
    job_url = deleted.headers["hx-redirect"]
    assert re.fullmatch(r"/admin/jobs/\d+", job_url)
    progress = soup(await person.page(job_url, headers=HTMX))
    assert "Releasing the deleted agent's tickets" in progress.get_text()
    listed = soup(await person.page("/admin/agents")).select_one(f"tr[data-agent='{bea_id}']").get_text()
    assert "being deleted" in listed and "inactive" in listed
    await JobRunner().run_until_idle()
    done = soup(await person.page(job_url, headers=HTMX))
    assert done.select_one("#job")["data-status"] == "done" and done.find("a", string="Back to the agents")
    assert await Agent.count().where(Agent.id == bea_id) == 0


async def test_an_admin_who_steps_down_leaves_the_administration(person: Person):
    _workspace, admin = await workspace_with_admin()
    ann = await factories.viewer(admin)
    await agents.create_agent(ann, AgentFields("Bea", "Agent", "bea@acme.test", "", True), "correct horse")
    await login(person)
    url = f"/admin/agents/{ann.agent_id}"
    mine = form_values(await person.page(url), "#agent-form")
    assert not soup(await person.page(url)).select_one("form[action$='/delete']")  # not herself
    stepped = await person.client.post(url, data={**mine, "superadmin": ""}, headers=HTMX)
    assert stepped.headers["hx-redirect"] == "/dashboard"
    assert (await person.client.get("/admin/agents")).status_code == 403


async def test_the_list_shows_avatars_or_initials(person: Person):
    workspace, admin = await workspace_with_admin()
    await create_agent_confirmed(workspace["id"], email="bea@acme.test", first_name="Bea", last_name="Agent",
                                 password="correct horse")
    image = io.BytesIO()
    Image.new("RGB", (200, 200), "teal").save(image, "PNG")
    version = await avatars.save(await factories.viewer(admin), image.getvalue())
    await login(person)
    rows = {r.select("td")[2].get_text(): r for r in soup(await person.page("/admin/agents")).select("tr[data-agent]")}
    assert rows["ann@acme.test"].select_one("img.avatar")["src"].endswith(f"?v={version}")
    assert rows["bea@acme.test"].select_one(".avatar.initials").get_text() == "BA"
