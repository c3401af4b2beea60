"""The "Mail gateway" section of /admin/mail: the token (shown once), the URLs, how outgoing mail
leaves and what a reply to a closed ticket does; full page and HTMX fragment, CSRF, audit,
superadmins only."""

from __future__ import annotations

from app.accounts.service import create_agent_confirmed
from app.audit.tables import AuditEntry
from app.mail import gateway
from app.workspaces.service import get_by_id
from tests.helpers import HTMX, Person, csrf_from, field_error, soup
from tests.journeys import login, workspace_with_admin


async def _post(person: Person, url: str, data: dict | None = None, htmx: bool = True):
    html = await person.page("/admin/mail")
    return await person.client.post(url, data={"_csrf_token": csrf_from(html), **(data or {})},
                                    headers=HTMX if htmx else None, follow_redirects=False)


async def _audit(prefix: tuple[str, ...] = ("mail_token", "mail_delivery", "closed_reply")) -> list[dict]:
    rows = await AuditEntry.select().order_by(AuditEntry.id).output(load_json=True)
    return [r for r in rows if r["action"].startswith(prefix)]


async def test_the_token_is_shown_once_with_the_urls_to_copy(client):
    workspace, _admin = await workspace_with_admin()
    person = Person(client)
    await login(person)
    page = soup(await person.page("/admin/mail"))
    section = page.select_one("#mail-gateway")
    assert section is not None and section.select_one("[data-gateway-token-state=none]")
    key = workspace["key"]
    assert section.select_one("[data-url=pipe]").get_text() == f"http://helprealm.test/api/{key}/mail/inbound"
    assert [c.get_text() for c in section.select("[data-url=gateway]")] == [
        f"http://helprealm.test/api/{key}/mail/{name}" for name in ("receive", "fetchMails", "verifyMail")]
    example = section.select_one("[data-example]").get_text()
    assert "helprealm mailgate --url http://helprealm.test" in example and f"--workspace {key}" in example
    assert page.select_one("form.mail-settings")  # the rest of the mail page is still there

    response = await _post(person, "/admin/mail/gateway-token")  # HTMX: the section only
    assert response.status_code == 200 and "<html" not in response.text
    fragment = soup(response.text)
    first = fragment.select_one("#mail-gateway [data-gateway-token]").get_text()
    assert await gateway.verify_mail_token(workspace["id"], first)

    full = await _post(person, "/admin/mail/gateway-token", htmx=False)  # without JavaScript: the whole page
    assert full.status_code == 200 and "<html" in full.text and soup(full.text).select_one("form.mail-settings")
    second = soup(full.text).select_one("[data-gateway-token]").get_text()
    assert second != first and not await gateway.verify_mail_token(workspace["id"], first)

    again = await person.page("/admin/mail")
    assert second not in again  # never shown again: only its beginning
    state = soup(again).select_one("[data-gateway-token-state=set]")
    assert second[:6] in state.get_text() and state.select_one("time")  # the hint and when it was made
    audit = await _audit()
    assert [r["action"] for r in audit] == ["mail_token.generated"] * 2 and second not in repr(audit)


async def test_delivery_and_closed_reply_mode_are_saved_and_audited(client):
    workspace, _admin = await workspace_with_admin()
    person = Person(client)
    await login(person)
    form = soup(await person.page("/admin/mail")).select_one("form.gateway-settings")
    assert form.select_one("select[name=delivery] option[selected]")["value"] == "smtp"
    assert form.select_one("select[name=closed_reply_mode] option[selected]")["value"] == "reopen"

    response = await _post(person, "/admin/mail/gateway", {"delivery": "gateway", "closed_reply_mode": "new"})
    assert response.status_code == 200 and "<html" not in response.text
    fragment = soup(response.text)
    assert fragment.select_one("#mail-gateway [data-saved]")
    assert fragment.select_one("select[name=delivery] option[selected]")["value"] == "gateway"
    assert fragment.select_one("select[name=closed_reply_mode] option[selected]")["value"] == "new"
    assert (await gateway.state(workspace["id"]))["deliver_outgoing"] is True
    assert workspace["id"] in await gateway.workspaces_delivering_outgoing()
    assert (await get_by_id(workspace["id"]))["closed_reply_mode"] == "new"

    # Without JavaScript: a redirect back to the page, which says it was saved.
    response = await _post(person, "/admin/mail/gateway", {"delivery": "smtp", "closed_reply_mode": "new"},
                           htmx=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin/mail?saved=gateway#mail-gateway"
    assert soup(await person.page("/admin/mail?saved=gateway")).select_one("#mail-gateway [data-saved]")
    assert workspace["id"] not in await gateway.workspaces_delivering_outgoing()
    audit = await _audit()
    assert [(r["action"], r["after"]) for r in audit] == [
        ("mail_delivery.changed", {"deliver_outgoing": True}),
        ("closed_reply_mode.changed", {"closed_reply_mode": "new"}),
        ("mail_delivery.changed", {"deliver_outgoing": False}),
    ]


async def test_bad_values_answer_field_errors_and_change_nothing(client):
    workspace, _admin = await workspace_with_admin()
    person = Person(client)
    await login(person)
    for htmx in (True, False):
        response = await _post(person, "/admin/mail/gateway", {"delivery": "carrier pigeon",
                                                                "closed_reply_mode": "x" * 5000}, htmx=htmx)
        assert response.status_code == 422
        assert ("<html" in response.text) is not htmx
        assert field_error(response.text, "delivery") and field_error(response.text, "closed_reply_mode")
    response = await _post(person, "/admin/mail/gateway", {"delivery": ["smtp", "gateway"]})
    assert response.status_code == 400
    assert (await gateway.state(workspace["id"]))["deliver_outgoing"] is False
    assert (await get_by_id(workspace["id"]))["closed_reply_mode"] == "reopen"
    assert await _audit() == []


async def test_csrf_and_superadmins_only(client):
    workspace, _admin = await workspace_with_admin()
    await create_agent_confirmed(workspace["id"], email="bea@acme.test", first_name="Bea", last_name="Agent",
                                 password="correct horse")
    admin = Person(client)
    await login(admin)
    for url in ("/admin/mail/gateway-token", "/admin/mail/gateway"):
        response = await client.post(url, data={"delivery": "gateway", "closed_reply_mode": "new"}, headers=HTMX)
        assert response.status_code == 403
    client.cookies.clear()
    bea = Person(client)
    await login(bea, email="bea@acme.test")
    token = csrf_from(await bea.page("/dashboard"))
    for url in ("/admin/mail/gateway-token", "/admin/mail/gateway"):
        response = await client.post(url, data={"_csrf_token": token, "delivery": "gateway",
                                                "closed_reply_mode": "new"}, follow_redirects=False)
        assert response.status_code == 403
    assert (await gateway.state(workspace["id"]))["token_hash"] == ""
    assert await _audit() == []
