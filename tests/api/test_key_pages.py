"""The API key pages (app/api/keys_web.py): /admin/api-keys for a superadmin (any agent of the
workspace) and /profile/api-keys for an agent's own keys. The key is shown once, in the answer to
the POST; full page and HTMX fragment; audited; nobody reaches another agent's or workspace's key."""

from __future__ import annotations

from app.accounts.service import create_agent_confirmed
from app.accounts.tables import Agent
from app.api import keys
from app.api.tables import ApiKey
from app.audit.tables import AuditEntry
from tests import factories
from tests.helpers import HTMX, Person, csrf_from, field_error, soup
from tests.journeys import login, workspace_with_admin


async def _post(person: Person, page: str, url: str, data: dict | None = None, htmx: bool = True):
    html = await person.page(page)
    return await person.client.post(url, data={"_csrf_token": csrf_from(html), **(data or {})},
                                    headers=HTMX if htmx else None, follow_redirects=False)


async def _setup():
    workspace, ann = await workspace_with_admin()
    bea = await create_agent_confirmed(workspace["id"], email="bea@acme.test", first_name="Bea", last_name="Agent",
                                       password="correct horse")
    return workspace, ann, bea


async def test_a_superadmin_generates_a_key_for_an_agent_shown_once(client):
    _workspace, _ann, bea = await _setup()
    retired = await create_agent_confirmed(_workspace["id"], email="rex@acme.test", first_name="Rex",
                                           last_name="Gone", password="correct horse")
    await Agent.update({Agent.active: False}).where(Agent.id == retired["id"])
    person = Person(client)
    await login(person)
    page = soup(await person.page("/admin/api-keys"))
    assert page.select_one(".admin-nav a[aria-current=page]")["href"] == "/admin/api-keys"
    options = {o["value"] for o in page.select("select[name=agent] option")}
    assert str(bea["id"]) in options and str(retired["id"]) not in options  # active agents only
    assert page.select_one("#api-keys tr.empty")

    response = await _post(person, "/admin/api-keys", "/admin/api-keys", {"agent": bea["id"], "label": "Shop sync"})
    assert response.status_code == 200 and "<html" not in response.text  # HTMX: the fragment
    assert "no-store" in response.headers["cache-control"]  # the key is kept by no cache
    fragment = soup(response.text)
    key = fragment.select_one("#api-keys [data-new-key] [data-key]").get_text()
    user = await keys.authenticate(key, "192.0.2.7")
    assert user.viewer.agent_id == bea["id"]
    row = fragment.select_one("#api-keys tr[data-key-id]")
    assert "Bea Agent" in row.get_text() and "Shop sync" in row.get_text() and key[:10] in row.get_text()

    again = await person.page("/admin/api-keys")  # never shown again; the last use and its address are
    assert key not in again and key[:10] in again
    assert soup(again).select_one("tr[data-key-id] [data-from]").get_text() == "from 192.0.2.7"

    full = await _post(person, "/admin/api-keys", "/admin/api-keys", {"agent": bea["id"]}, htmx=False)
    assert full.status_code == 200 and "<html" in full.text  # without JavaScript: the whole page
    second = soup(full.text).select_one("[data-key]").get_text()
    assert second != key and await keys.authenticate(second) is not None
    audit = await AuditEntry.select(AuditEntry.action).where(AuditEntry.action.like("api_key.%"))
    assert [a["action"] for a in audit] == ["api_key.generated"] * 2
    assert key not in str(await AuditEntry.select()) and key not in str(await ApiKey.select())


async def test_refused_input_answers_422_at_its_field(client):
    _workspace, _ann, _bea = await _setup()
    other_ws, olga = await workspace_with_admin(email="olga@other.test", company="Other")
    person = Person(client)
    await login(person)
    for agent in ("", "x", "99999999999999999999", str(olga["id"])):  # another workspace's agent too
        response = await _post(person, "/admin/api-keys", "/admin/api-keys", {"agent": agent, "label": "x"})
        assert response.status_code == 422 and field_error(response.text, "agent"), agent
    response = await _post(person, "/admin/api-keys", "/admin/api-keys", {"agent": _ann["id"], "label": "l" * 101},
                           htmx=False)
    assert response.status_code == 422 and "<html" in response.text and field_error(response.text, "label")
    assert await ApiKey.count() == 0


async def test_delete_stops_the_key_at_once(client):
    _workspace, ann, bea = await _setup()
    key = await keys.generate_key(await factories.viewer(ann), bea["id"], "old")
    [row] = await ApiKey.select(ApiKey.id)
    person = Person(client)
    await login(person)
    page = soup(await person.page("/admin/api-keys"))
    form = page.select_one(f"tr[data-key-id='{row['id']}'] form")
    assert form["hx-confirm"] and form["action"] == f"/admin/api-keys/{row['id']}/delete"
    response = await _post(person, "/admin/api-keys", form["action"])
    assert response.status_code == 200 and soup(response.text).select_one("#api-keys tr.empty")
    assert await keys.authenticate(key) is None
    response = await _post(person, "/admin/api-keys", form["action"], htmx=False)  # gone: 404
    assert response.status_code == 404
    assert await AuditEntry.exists().where(AuditEntry.action == "api_key.deleted")


async def test_an_agent_manages_only_their_own_keys_on_the_profile(client):
    workspace, ann, bea = await _setup()
    other_ws, olga = await workspace_with_admin(email="olga@other.test", company="Other")
    anns = await keys.generate_key(await factories.viewer(ann), ann["id"], "Ann's")
    await keys.generate_key(await factories.viewer(olga), olga["id"], "Olga's")
    ann_key, olga_key = [r["id"] for r in await ApiKey.select(ApiKey.id).order_by(ApiKey.id)]
    person = Person(client)
    await login(person, email="bea@acme.test")
    assert soup(await person.page("/profile")).select_one("#profile-api-keys a")["href"] == "/profile/api-keys"
    page = await person.page("/profile/api-keys")
    assert "Ann's" not in page and soup(page).select_one("tr.empty") and not soup(page).select("select[name=agent]")

    # agent=<Ann> is ignored: the profile makes keys for the agent themselves only
    response = await _post(person, "/profile/api-keys", "/profile/api-keys", {"label": "mine", "agent": ann["id"]})
    assert response.status_code == 200 and "no-store" in response.headers["cache-control"]
    key = soup(response.text).select_one("[data-key]").get_text()
    assert (await keys.authenticate(key)).viewer.agent_id == bea["id"]
    rows = soup(response.text).select("tr[data-key-id]")
    assert len(rows) == 1 and "mine" in rows[0].get_text()

    for key_id in (ann_key, olga_key, 999999):  # a colleague's, another workspace's, none
        response = await _post(person, "/profile/api-keys", f"/profile/api-keys/{key_id}/delete")
        assert response.status_code == 404, key_id
    assert await ApiKey.count() == 3 and await keys.authenticate(anns) is not None
    assert (await person.client.get("/admin/api-keys", follow_redirects=False)).status_code == 403
    response = await _post(person, "/profile/api-keys", f"/admin/api-keys/{ann_key}/delete")
    assert response.status_code == 403 and await ApiKey.count() == 3

    mine = int(rows[0]["data-key-id"])
    response = await _post(person, "/profile/api-keys", f"/profile/api-keys/{mine}/delete", htmx=False)
    assert response.status_code == 303 and response.headers["location"] == "/profile/api-keys"
    assert await keys.authenticate(key) is None


async def test_a_superadmins_profile_lists_and_deletes_only_her_own_keys(client):
    _workspace, ann, bea = await _setup()
    await keys.generate_key(await factories.viewer(ann), bea["id"], "Bea's")
    [beas] = await ApiKey.select(ApiKey.id)
    person = Person(client)
    await login(person)
    page = await person.page("/profile/api-keys")
    assert "Bea's" not in page and soup(page).select_one("tr.empty")
    response = await _post(person, "/profile/api-keys", f"/profile/api-keys/{beas['id']}/delete")
    assert response.status_code == 404 and await ApiKey.count() == 1  # that is the admin page's job
    response = await _post(person, "/admin/api-keys", f"/admin/api-keys/{beas['id']}/delete")
    assert response.status_code == 200 and await ApiKey.count() == 0
