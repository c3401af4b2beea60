"""The embeddable ticket form: its setting, its script, and the Origin-checked API it posts to."""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.audit.tables import AuditEntry
from app.mail.tables import OutboxMail
from app.tickets.tables import Ticket
from app.workspaces import widget
from app.workspaces.service import update_settings
from tests.helpers import HTMX, Person, csrf_from, field_error, soup
from tests.journeys import login, workspace_with_admin

SHOP = "https://shop.example.com"
FORM = {"name": "Sally", "email": "sally@customer.test", "subject": "Widget hello", "text": "From the shop.",
        "type": "", "prio": "2"}


async def _on(workspace: dict, origins: str = SHOP) -> dict:
    return await update_settings(workspace["id"], widget_enabled=True, widget_origins=origins)


async def _form_data(client: AsyncTestClient, key: str, origin: str = SHOP) -> dict:
    response = await client.get(f"/api/{key}/widget/form", headers={"Origin": origin})
    assert response.status_code == 200, response.text
    return response.json()


async def _ticket_fields(client: AsyncTestClient, key: str, origin: str = SHOP, **changes) -> dict:
    data = await _form_data(client, key, origin)
    a, b = re.match(r"(\d+) \+ (\d+)", data["captcha"]["question"]).groups()
    return {**FORM, "type": str(data["types"][0]["id"]), "captcha": str(int(a) + int(b)),
            "captcha_token": data["captcha"]["token"], **changes}


# -- the origins' rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "stored"), [
    ("https://Shop.Example.com", "https://shop.example.com"),
    ("https://shop.example.com/", "https://shop.example.com"),
    ("https://shop.example.com:443", "https://shop.example.com"),
    ("http://localhost:8080", "http://localhost:8080"),
    ("http://[::1]:8000", "http://[::1]:8000"),
    ("https://bücher.example", "https://xn--bcher-kva.example"),
])
def test_origins_are_normalised_as_browsers_send_them(given: str, stored: str):
    assert widget.normalise_origin(given) == stored


@pytest.mark.parametrize("bad", ["*", "https://*.example.com", "ftp://shop.example.com", "shop.example.com",
                                 "https://shop.example.com/path", "https://user:pw@shop.example.com",
                                 "https://shop.example.com?x=1", "https://shop.example.com:99999", "null",
                                 "javascript:alert(1)", "https://" + "a" * 300 + ".com"])
def test_bad_origins_are_refused(bad: str):
    with pytest.raises(widget.BadOrigin):
        widget.normalise_origin(bad)


def test_a_request_origin_is_allowed_only_while_on_and_listed():
    row = {"widget_enabled": True, "widget_origins": "https://shop.example.com\nhttp://localhost:8080"}
    assert widget.allows(row, "https://shop.example.com")
    assert widget.allows(row, "http://localhost:8080")
    assert not widget.allows(row, "http://shop.example.com")
    assert not widget.allows(row, "https://shop.example.com.evil.test")
    assert not widget.allows(row, "null")
    assert not widget.allows(row, None)
    assert not widget.allows({**row, "widget_enabled": False}, "https://shop.example.com")


# -- the setting page -----------------------------------------------------------------------------


async def test_the_setting_page_whole_and_as_fragment(person: Person):
    workspace, _ = await workspace_with_admin()
    await login(person)
    page = soup(await person.page("/admin/widget"))
    assert page.find("h1").get_text() == "Embeddable form"
    assert page.select_one("nav.admin-nav a[aria-current=page]").get_text() == "Embeddable form"
    snippet = page.select_one("[data-snippet]").get_text()
    assert f"/{workspace['key']}/widget.js" in snippet and "data-helprealm-form" in snippet
    fragment = soup(await person.page("/admin/widget", headers=HTMX))
    assert fragment.find("html") is None and fragment.select_one("#widget-settings form") is not None


async def test_switching_it_on_normalises_the_origins_and_is_audited(person: Person):
    workspace, _ = await workspace_with_admin()
    await login(person)
    html = await person.page("/admin/widget")
    response = await person.client.post("/admin/widget", headers=HTMX, data={
        "_csrf_token": csrf_from(html), "enabled": "on", "origins": "https://Shop.Example.com/\n\nhttp://localhost:8080\n"})
    assert response.status_code == 200
    assert soup(response.text).select_one("[data-saved]") is not None
    assert soup(response.text).find("textarea", attrs={"name": "origins"}).get_text() == (
        "https://shop.example.com\nhttp://localhost:8080")
    row = await AuditEntry.select().where(AuditEntry.subject == "widget").first()
    assert row["action"] == "settings.changed"
    # Without JavaScript: back to the page.
    plain = await person.client.post("/admin/widget", data={"_csrf_token": csrf_from(html), "origins": SHOP},
                                     follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"].endswith("/admin/widget?saved=1")


@pytest.mark.parametrize("origins", ["*", "https://shop.example.com/contact", "ftp://files.example.com",
                                     "\n".join(f"https://s{i}.example.com" for i in range(21))])
async def test_bad_origins_are_refused_with_a_message_in_the_form(person: Person, origins: str):
    workspace, _ = await workspace_with_admin()
    await login(person)
    html = await person.page("/admin/widget")
    response = await person.client.post("/admin/widget", headers=HTMX, data={
        "_csrf_token": csrf_from(html), "enabled": "on", "origins": origins})
    assert response.status_code == 422
    assert field_error(response.text, "origins")
    assert soup(response.text).find("textarea", attrs={"name": "origins"}).get_text().strip() == origins.strip()
    row = await Ticket.raw("SELECT widget_enabled, widget_origins FROM workspace WHERE id = {}", workspace["id"])
    assert not row[0]["widget_enabled"] and row[0]["widget_origins"] == ""


async def test_switching_it_on_needs_an_origin(person: Person):
    await workspace_with_admin()
    await login(person)
    html = await person.page("/admin/widget")
    response = await person.client.post("/admin/widget", headers=HTMX, data={
        "_csrf_token": csrf_from(html), "enabled": "on", "origins": ""})
    assert response.status_code == 422 and field_error(response.text, "origins")


# -- the script -----------------------------------------------------------------------------------


async def test_the_script_is_served_only_while_the_widget_is_on(client: AsyncTestClient):
    workspace, _ = await workspace_with_admin()
    assert (await client.get(f"/{workspace['key']}/widget.js")).status_code == 404
    await _on(workspace)
    response = await client.get(f"/{workspace['key']}/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert "max-age=300" in response.headers["cache-control"] and "public" in response.headers["cache-control"]
    assert "__HELPREALM_CONFIG__" not in response.text
    assert f"/api/{workspace['key']}/widget/ticket/create" in response.text and "Your e-mail address" in response.text
    assert len(response.content) < 8 * 1024


# -- the API --------------------------------------------------------------------------------------


async def test_an_allowed_origin_opens_a_ticket_and_reads_its_link(client: AsyncTestClient):
    workspace, _ = await workspace_with_admin()
    await _on(workspace)
    key = workspace["key"]
    fields = await _ticket_fields(client, key)
    response = await client.post(f"/api/{key}/widget/ticket/create", data=fields, headers={"Origin": SHOP})
    assert response.status_code == 201, response.text
    assert response.headers["access-control-allow-origin"] == SHOP
    assert "Origin" in response.headers["vary"]
    assert "access-control-allow-credentials" not in response.headers
    body = response.json()
    ticket = await Ticket.select().first()
    assert set(body) == {"code", "number", "awaiting_confirmation"}
    assert body["code"] == 201 and body["number"] == ticket["number"] and body["awaiting_confirmation"] is False
    # The secret link goes to the typed address by mail, never to whoever filled in the form.
    assert ticket["hash"] not in response.text
    mail = await OutboxMail.select().where(OutboxMail.ticket == ticket["id"]).first()
    assert mail["to_address"] == ticket["customer_email"] and ticket["hash"] in mail["body_text"]
    assert ticket["subject"] == "Widget hello" and ticket["prio"] == 2


async def test_the_workspace_confirmation_rule_applies(client: AsyncTestClient):
    workspace, _ = await workspace_with_admin()
    await update_settings(workspace["id"], confirm_email=True)
    await _on(workspace)
    fields = await _ticket_fields(client, workspace["key"])
    response = await client.post(f"/api/{workspace['key']}/widget/ticket/create", data=fields,
                                 headers={"Origin": SHOP})
    assert response.status_code == 201 and response.json()["awaiting_confirmation"] is True


@pytest.mark.parametrize("origin", [None, "https://evil.example.com", "null", "http://shop.example.com"])
async def test_a_refused_or_missing_origin_stores_nothing(client: AsyncTestClient, origin: str | None):
    workspace, _ = await workspace_with_admin()
    await _on(workspace)
    fields = await _ticket_fields(client, workspace["key"])
    headers = {"Origin": origin} if origin else {}
    response = await client.post(f"/api/{workspace['key']}/widget/ticket/create", data=fields, headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == 403
    assert "access-control-allow-origin" not in response.headers
    assert (await client.get(f"/api/{workspace['key']}/widget/form", headers=headers)).status_code == 403
    assert await Ticket.count() == 0


async def test_switched_off_is_not_found_even_for_a_listed_origin(client: AsyncTestClient):
    workspace, _ = await workspace_with_admin()
    await update_settings(workspace["id"], widget_enabled=False, widget_origins=SHOP)
    for response in (await client.get(f"/api/{workspace['key']}/widget/form", headers={"Origin": SHOP}),
                     await client.post(f"/api/{workspace['key']}/widget/ticket/create", data=FORM,
                                       headers={"Origin": SHOP})):
        assert response.status_code == 404
        assert "access-control-allow-origin" not in response.headers
    assert await Ticket.count() == 0


async def test_another_workspaces_origin_does_not_open_this_one(client: AsyncTestClient):
    ours, _ = await workspace_with_admin()
    theirs, _ = await workspace_with_admin(email="bob@other.test", company="Other")
    await _on(ours, "https://ours.example.com")
    await _on(theirs, SHOP)
    fields = await _ticket_fields(client, theirs["key"])
    response = await client.post(f"/api/{ours['key']}/widget/ticket/create", data=fields, headers={"Origin": SHOP})
    assert response.status_code == 403 and "access-control-allow-origin" not in response.headers
    assert await Ticket.count() == 0


async def test_a_wrong_captcha_answers_the_field_and_a_new_captcha(client: AsyncTestClient):
    workspace, _ = await workspace_with_admin()
    await _on(workspace)
    fields = await _ticket_fields(client, workspace["key"], captcha="99", email="not an address", subject="")
    response = await client.post(f"/api/{workspace['key']}/widget/ticket/create", data=fields,
                                 headers={"Origin": SHOP})
    assert response.status_code == 422
    assert response.headers["access-control-allow-origin"] == SHOP  # the script shows the messages
    body = response.json()
    assert body["code"] == 422 and set(body["fields"]) == {"captcha", "email", "subject"}
    assert body["captcha"]["token"] != fields["captcha_token"] and "+" in body["captcha"]["question"]
    assert await Ticket.count() == 0


async def test_limits_and_malformed_bodies_answer_clear_4xx(client: AsyncTestClient):
    workspace, _ = await workspace_with_admin()
    await _on(workspace)
    url = f"/api/{workspace['key']}/widget/ticket/create"
    fields = await _ticket_fields(client, workspace["key"])
    too_long = await client.post(url, data={**fields, "text": "x" * 4097}, headers={"Origin": SHOP})
    assert too_long.status_code == 400 and too_long.headers["access-control-allow-origin"] == SHOP
    twice = await client.post(url, content="name=a&name=b", headers={
        "Origin": SHOP, "Content-Type": "application/x-www-form-urlencoded"})
    assert twice.status_code == 400
    huge = await client.post(url, data={"text": "x" * 400_000}, headers={"Origin": SHOP})
    assert huge.status_code in (400, 413)
    as_json = await client.post(url, json=fields, headers={"Origin": SHOP})  # not a form: nothing is read
    assert 400 <= as_json.status_code < 500
    garbage = await client.post(url, content=b"\xff\xfe%%%=&&==", headers={
        "Origin": SHOP, "Content-Type": "application/x-www-form-urlencoded"})
    assert 400 <= garbage.status_code < 500
    assert await Ticket.count() == 0


async def test_the_wait_between_tickets_answers_429_with_retry_after(settings):
    app = create_app(settings.replace(api={"ticket_wait_seconds": 60}))
    async with AsyncTestClient(app=app, base_url="http://helprealm.test") as client:
        workspace, _ = await workspace_with_admin()
        await _on(workspace)
        url = f"/api/{workspace['key']}/widget/ticket/create"
        first = await client.post(url, data=await _ticket_fields(client, workspace["key"]), headers={"Origin": SHOP})
        assert first.status_code == 201
        second = await client.post(url, data=await _ticket_fields(client, workspace["key"]), headers={"Origin": SHOP})
        assert second.status_code == 429
        assert int(second.headers["retry-after"]) > 0
        assert second.headers["access-control-allow-origin"] == SHOP
        assert second.json()["code"] == 429
    assert await Ticket.count() == 1


async def test_the_per_address_limit_applies(settings):
    app = create_app(settings.replace(api={"requests_per_minute_per_address": 2}))
    async with AsyncTestClient(app=app, base_url="http://helprealm.test") as client:
        workspace, _ = await workspace_with_admin()
        await _on(workspace)
        statuses = [(await client.get(f"/api/{workspace['key']}/widget/form", headers={"Origin": SHOP})).status_code
                    for _ in range(3)]
    assert statuses == [200, 200, 429]


async def test_the_routes_are_documented(client: AsyncTestClient):
    schema = (await client.get("/schema/openapi.json")).json()
    create = schema["paths"]["/api/{workspace}/widget/ticket/create"]["post"]
    assert {"201", "400", "403", "404", "413", "422", "429"} <= set(create["responses"])
    assert "/api/{workspace}/widget/form" in schema["paths"]
    assert not any(path.endswith("widget.js") for path in schema["paths"])
    assert "application/x-www-form-urlencoded" in create["requestBody"]["content"]
    fields = schema["components"]["schemas"]["WidgetTicketForm"]["properties"]
    assert fields["text"]["maxLength"] == 4096 and all(field.get("description") for field in fields.values())


async def test_the_script_and_the_api_speak_the_workspaces_language(client: AsyncTestClient):
    workspace, _ = await workspace_with_admin()
    await update_settings(workspace["id"], lang="de")
    await _on(workspace)
    script = (await client.get(f"/{workspace['key']}/widget.js", headers={"Accept-Language": "en"})).text
    assert "Ihr Name" in script and "Absenden" in script
    fields = await _ticket_fields(client, workspace["key"], captcha="99")
    response = await client.post(f"/api/{workspace['key']}/widget/ticket/create", data=fields,
                                 headers={"Origin": SHOP})
    assert response.status_code == 422 and "Sicherheitsfrage" in response.json()["fields"]["captcha"]


@pytest.mark.parametrize("bad", ["99999999999999999999", "-1", "²", "\x00\r\n\u2028", "🙂" * 50, "<script>", ""])
async def test_odd_values_from_an_allowed_origin_never_get_a_500(client: AsyncTestClient, bad: str):
    workspace, _ = await workspace_with_admin()
    await _on(workspace)
    url = f"/api/{workspace['key']}/widget/ticket/create"
    fields = await _ticket_fields(client, workspace["key"])
    for name in ("name", "email", "subject", "text", "type", "prio", "captcha", "captcha_token"):
        response = await client.post(url, data={**fields, name: bad}, headers={"Origin": SHOP})
        # (Some odd values are fine names or subjects: the first post may open a ticket; the captcha
        # is used up after it, so the rest answer 422.)
        assert response.status_code in (201, 400, 422), (name, response.status_code, response.text[:200])
        assert response.headers["access-control-allow-origin"] == SHOP
