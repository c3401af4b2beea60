"""Administration → Webhooks: the list page and a hook's page, whole and as HTMX fragments; bad
input answered in the form; the secret shown once, then masked; "Send test" in place; deliveries
with their attempts and "Retry now"; delete; audit without the secret; superadmins only."""

from __future__ import annotations

import re

from app import clock
from app.accounts.service import create_agent_confirmed
from app.audit.tables import AuditEntry
from app.tickets import service as tickets
from app.tickets.inputs import Reply
from app.webhooks import service
from app.webhooks.tables import Webhook, WebhookDelivery
from tests import factories
from tests.helpers import HTMX, Person, csrf_from, field_error, soup
from tests.journeys import login, workspace_with_admin

ALL = ["ticket.created", "ticket.updated", "reply.added", "note.added", "status.changed", "ticket.assigned"]


async def _post(person: Person, page: str, url: str, data: dict, htmx: bool = True):
    html = await person.page(page)
    return await person.client.post(url, data={"_csrf_token": csrf_from(html), **data},
                                    headers=HTMX if htmx else None, follow_redirects=False)


async def test_register_a_hook_and_see_the_secret_once(client, receiver):
    workspace, _admin = await workspace_with_admin()
    person = Person(client)
    await login(person)
    page = soup(await person.page("/admin/webhooks"))
    assert page.select_one("nav.admin-nav a[aria-current=page]").get_text() == "Webhooks"
    assert page.select_one("tr.empty") and page.select_one("#webhook-form form")
    assert sorted(i["value"] for i in page.select("#webhook-form input[name=events][checked]")) == sorted(ALL)

    response = await _post(person, "/admin/webhooks", "/admin/webhooks", {
        "url": receiver.url(), "description": "Shop", "events": ["reply.added", "note.added"], "active": "1"})
    assert response.status_code == 200 and "<html" not in response.text
    fragment = soup(response.text)
    secret = fragment.select_one("#webhook-form [data-secret]").get_text()
    assert secret.startswith("whsec_") and len(secret) > 30
    hook = await Webhook.select().output(load_json=True).first()
    assert hook["events"] == ["reply.added", "note.added"] and hook["active"] and hook["description"] == "Shop"
    assert secret not in hook["secret_sealed"] and service.vault().open(hook["secret_sealed"]) == secret
    link = fragment.select_one("[data-created] a")["href"]
    assert link == f"/admin/webhooks/{hook['id']}"

    listed = await person.page("/admin/webhooks")
    assert secret not in listed
    assert soup(listed).select_one(f"tr[data-hook='{hook['id']}'] a").get_text() == receiver.url()
    shown = await person.page(link)
    assert secret not in shown and secret[:10] in soup(shown).select_one("[data-secret-state]").get_text()
    audit = await AuditEntry.select().where(AuditEntry.action == "webhook.created")
    assert len(audit) == 1 and secret not in repr(audit)

    # A typed secret, without JavaScript: the whole page answers.
    response = await _post(person, "/admin/webhooks", "/admin/webhooks", {
        "url": receiver.url("/two"), "events": "ticket.created", "secret": "my own secret 1234"}, htmx=False)
    assert response.status_code == 200 and "<html" in response.text
    assert soup(response.text).select_one("[data-secret]").get_text() == "my own secret 1234"
    second = await Webhook.select().where(Webhook.url == receiver.url("/two")).first()
    assert not second["active"]  # the box was not ticked


async def test_bad_input_is_answered_in_the_form(client):
    await workspace_with_admin()
    person = Person(client)
    await login(person)
    cases = [
        ({"url": "", "events": "ticket.created"}, "url"),
        ({"url": "ftp://example.com/hook", "events": "ticket.created"}, "url"),
        ({"url": "not a url", "events": "ticket.created"}, "url"),
        ({"url": "http://example.com/" + "x" * 2000, "events": "ticket.created"}, "url"),
        ({"url": "http://127.0.0.1/hook"}, "events"),
        ({"url": "http://127.0.0.1/hook", "events": "bogus.event"}, "events"),
        ({"url": "http://127.0.0.1/hook", "events": "note.added", "secret": "short"}, "secret"),
        ({"url": "http://127.0.0.1/hook", "events": "note.added", "description": "d" * 201}, "description"),
    ]
    for data, field in cases:
        response = await _post(person, "/admin/webhooks", "/admin/webhooks", data)
        assert response.status_code == 422, data
        assert field_error(response.text, field), (data, response.text[:300])
        assert soup(response.text).select_one("#webhook-form input[name=url]")["value"] == data["url"]
    full = await _post(person, "/admin/webhooks", "/admin/webhooks", {"url": "gopher://x"}, htmx=False)
    assert full.status_code == 422 and "<html" in full.text and field_error(full.text, "url")
    assert field_error(full.text, "events")
    assert await Webhook.count() == 0


async def test_edit_test_deliveries_retry_and_delete(client, receiver, settings):
    workspace, admin = await workspace_with_admin()
    viewer = await factories.viewer(admin)
    hook, secret = await service.register(viewer, service.HookForm(
        url=receiver.url(), events=("reply.added",), description="", active=True, secret="", regenerate=False),
        settings.webhooks)
    person = Person(client)
    await login(person)
    url = f"/admin/webhooks/{hook['id']}"

    # Edit: events, description, a new generated secret (shown once), still on.
    response = await _post(person, url, url, {"url": receiver.url(), "events": ["reply.added", "note.added"],
                                              "description": "CRM", "active": "1", "regenerate": "1"})
    assert response.status_code == 200 and "<html" not in response.text
    fragment = soup(response.text)
    assert fragment.select_one("[data-saved]")
    new_secret = fragment.select_one("[data-secret]").get_text()
    assert new_secret != secret and service.vault().open((await service.get(workspace["id"], hook["id"]))[
        "secret_sealed"]) == new_secret
    response = await _post(person, url, url, {"url": "https://", "events": "note.added"})
    assert response.status_code == 422 and field_error(response.text, "url")

    # Send test: the result in place.
    response = await _post(person, url, f"{url}/test", {})
    assert response.status_code == 200 and "<html" not in response.text
    assert soup(response.text).select_one("#webhook-test [data-test-result=sent]")
    assert receiver.requests[-1].headers["x-helprealm-event"] == "ping"
    receiver.script = [(500, {})]
    response = await _post(person, url, f"{url}/test", {}, htmx=False)
    assert "<html" in response.text
    assert "HTTP 500" in soup(response.text).select_one("[data-test-result=failed]").get_text()

    # Deliveries, newest first, with their attempts; "Retry now" on the failed one.
    page = soup(await person.page(url))
    rows = page.select("#webhook-deliveries tr[data-delivery]")
    assert [r["data-state"] for r in rows] == ["failed", "sent"]
    assert [a["data-code"] for a in rows[0].select("[data-attempt]")] == ["500"]
    attempt = rows[0].select_one("[data-attempt]")
    assert attempt.select_one("time") and re.search(r": HTTP 500: ok \(\d+ ms\)$", attempt.get_text()), attempt
    retry = rows[0].select_one("form")["action"]
    response = await _post(person, url, retry, {})
    assert response.status_code == 200 and "<html" not in response.text
    fragment = soup(response.text)
    assert fragment.select_one("[data-notice]") and fragment.select_one("tr[data-delivery]")["data-state"] == "sent"
    assert [a["data-code"] for a in fragment.select("tr[data-delivery]")[0].select("[data-attempt]")] == ["200", "500"]
    response = await _post(person, url, retry, {})  # sent already
    assert response.status_code == 409
    fragment = await person.client.get(url, headers=HTMX)  # paging/refresh: the deliveries only
    assert fragment.status_code == 200 and "<html" not in fragment.text and "webhook-deliveries" in fragment.text

    # A change of a ticket shows up as a delivery of the hook.
    ticket = await factories.ticket(workspace)
    await tickets.add_note(viewer, ticket["number"], Reply("Internal"))
    assert await WebhookDelivery.count().where(WebhookDelivery.event == "note.added") == 1

    # Delete: the hook and its deliveries; back to the list.
    response = await _post(person, url, f"{url}/delete", {}, htmx=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin/webhooks"
    assert await Webhook.count() == 0 and await WebhookDelivery.count() == 0
    await person.page(url, status=404)
    actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id)]
    assert [a for a in actions if a.startswith("webhook.")] == ["webhook.created", "webhook.updated", "webhook.deleted"]
    assert new_secret not in repr(await AuditEntry.select())


async def test_a_switched_off_hook_shows_a_notice(client, receiver, settings):
    workspace, admin = await workspace_with_admin()
    viewer = await factories.viewer(admin)
    hook, _secret = await service.register(viewer, service.HookForm(
        url=receiver.url(), events=("reply.added",), description="", active=True, secret="", regenerate=False),
        settings.webhooks)
    await Webhook.update({Webhook.active: False, Webhook.disabled_at: clock.now(), Webhook.failures_in_row: 20,
                          Webhook.disabled_reason: "HTTP 500: boom"}).where(Webhook.id == hook["id"])
    person = Person(client)
    await login(person)
    notice = soup(await person.page("/admin/webhooks")).select_one(f"[data-hook-disabled='{hook['id']}']")
    assert notice and "20" in notice.get_text()
    page = soup(await person.page(f"/admin/webhooks/{hook['id']}"))
    assert "HTTP 500: boom" in page.select_one("[data-hook-disabled]").get_text()
    # Switched on again: the count and the notice go.
    url = f"/admin/webhooks/{hook['id']}"
    await _post(person, url, url, {"url": receiver.url(), "events": "reply.added", "active": "1"})
    row = await service.get(workspace["id"], hook["id"])
    assert row["active"] and row["failures_in_row"] == 0 and row["disabled_at"] is None


async def test_only_superadmins_and_only_their_workspace(client, receiver, settings):
    workspace, admin = await workspace_with_admin()
    other, other_admin = await factories.workspace(company="Other", email="olga@other.test")
    hook, _secret = await service.register(await factories.viewer(other_admin), service.HookForm(
        url=receiver.url(), events=("reply.added",), description="", active=True, secret="", regenerate=False),
        settings.webhooks)
    await create_agent_confirmed(workspace["id"], email="bob@acme.test", first_name="Bob", last_name="Agent",
                                 password="correct horse")
    person = Person(client)
    await login(person)
    for path in (f"/admin/webhooks/{hook['id']}",):
        await person.page(path, status=404)
    for action in ("", "/test", "/delete"):
        response = await _post(person, "/admin/webhooks", f"/admin/webhooks/{hook['id']}{action}",
                               {"url": receiver.url(), "events": "note.added"})
        assert response.status_code == 404, action
    assert re.search(r"olga", await person.page("/admin/webhooks")) is None
    assert await Webhook.count() == 1 and receiver.requests == []
    agent = Person(client)
    client.cookies.clear()
    await login(agent, "bob@acme.test")
    await agent.page("/admin/webhooks", status=403)
