"""The customer's side: public form, secret ticket page, replies and uploads."""

from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.mail.tables import OutboxMail
from app.tickets.status import Status
from app.tickets.tables import Attachment, Ticket, TimelineEntry
from app.web.tables import WebSession
from app.workspaces.service import update_settings
from tests.helpers import HTMX, Person, csrf_from, field_error, soup
from tests.journeys import open_ticket, workspace_with_admin


async def test_public_page_full_and_fragment(person: Person):
    workspace, _ = await workspace_with_admin()
    html = await person.page(f"/{workspace['key']}/")
    page = soup(html)
    assert page.find("html") and page.find("link", rel="stylesheet")
    form = page.find("form", attrs={"action": f"/{workspace['key']}/ticket/create"})
    names = {field["name"] for field in form.find_all(["input", "textarea", "select"]) if field.get("name")}
    assert {"name", "email", "subject", "text", "type", "prio", "captcha", "captcha_token", "_csrf_token"} <= names
    assert [o.get_text() for o in form.find("select", attrs={"name": "type"}).find_all("option")] == [
        "Service Request", "Incident", "Change"]

    fragment = await person.page(f"/{workspace['key']}/", headers=HTMX)
    assert "<html" not in fragment and soup(fragment).find("form")
    # customers need no session: no cookie, no session row
    assert "helprealm_session" not in person.client.cookies
    assert await WebSession.count() == 0


async def test_customer_opens_ticket_and_gets_mail_with_permalink(person: Person):
    workspace, _ = await workspace_with_admin()
    ticket = await open_ticket(person, workspace)
    assert ticket["status"] == Status.OPEN and ticket["number"] == 1
    assert len(ticket["hash"]) == 32
    mail = await OutboxMail.select().where(OutboxMail.purpose == "ticket_created").first()
    assert mail["to_address"] == "sally@customer.test"
    assert f"[ID:{ticket['hash']}]" in mail["subject"]
    assert f"http://helprealm.test/{workspace['key']}/ticket/show/{ticket['hash']}" in mail["body_text"]
    assert "confirmation=" not in mail["body_text"]


async def test_success_message_is_the_workspace_one(person: Person):
    workspace, _ = await workspace_with_admin()
    await person.page(f"/{workspace['key']}/")  # the workspace row is cached now...
    await update_settings(workspace["id"], success_message="Thanks, we are on it!")  # ...and dropped here
    html = await person.submit(f"/{workspace['key']}/", f"/{workspace['key']}/ticket/create", {
        "name": "Sally", "email": "sally@customer.test", "subject": "Hello there", "text": "Text", "type": "1",
        "prio": "1"},
        captcha=True)
    assert soup(html.text).select_one(".success-message").get_text() == "Thanks, we are on it!"


async def test_form_errors_are_shown_where_typed_and_nothing_is_saved(person: Person):
    workspace, _ = await workspace_with_admin()
    html = await person.page(f"/{workspace['key']}/")
    response = await person.client.post(f"/{workspace['key']}/ticket/create", data={
        "_csrf_token": csrf_from(html), "name": "", "email": "nope", "subject": "Hi there", "text": "x" * 5000,
        "type": "999", "prio": "7", "captcha": "1", "captcha_token": "bogus"}, headers=HTMX)
    assert response.status_code == 422
    assert "<html" not in response.text  # the HTMX fragment only
    assert field_error(response.text, "name") == "Name is required."
    assert field_error(response.text, "email") == "E-mail address is not a valid e-mail address."
    assert "at most 4096" in field_error(response.text, "text")
    assert field_error(response.text, "captcha") == "The answer to the captcha is wrong."
    assert soup(response.text).find("input", attrs={"name": "subject"})["value"] == "Hi there"
    assert await Ticket.count() == 0 and await OutboxMail.count() == 0


async def test_wrong_captcha_alone_is_refused(person: Person):
    workspace, _ = await workspace_with_admin()
    html = await person.page(f"/{workspace['key']}/")
    token = soup(html).find("input", attrs={"name": "captcha_token"})["value"]
    response = await person.client.post(f"/{workspace['key']}/ticket/create", data={
        "_csrf_token": csrf_from(html), "name": "Sally", "email": "s@customer.test", "subject": "Hello there",
        "text": "Text", "type": "1", "prio": "1", "captcha": "-1", "captcha_token": token})
    assert response.status_code == 422 and field_error(response.text, "captcha")
    assert await Ticket.count() == 0


async def test_second_ticket_too_soon_is_refused(settings):
    async with AsyncTestClient(app=create_app(settings.replace(limits={"ticket_wait_seconds": 10})),
                               base_url="http://helprealm.test") as client:
        person = Person(client)
        workspace, _ = await workspace_with_admin()
        await open_ticket(person, workspace)
        response = await person.submit(f"/{workspace['key']}/", f"/{workspace['key']}/ticket/create", {
            "name": "Sally", "email": "s@customer.test", "subject": "Again me", "text": "Text", "type": "1",
            "prio": "1"}, captcha=True)
        assert response.status_code == 429
        assert "Please wait" in soup(response.text).select_one(".flash-error").get_text()
        assert await Ticket.count() == 1


async def test_confirmation_flow(person: Person):
    workspace, _ = await workspace_with_admin()
    workspace = await update_settings(workspace["id"], confirm_email=True)
    ticket = await open_ticket(person, workspace)
    assert ticket["status"] == Status.AWAITING_CONFIRMATION
    mail = await OutboxMail.select().where(OutboxMail.purpose == "ticket_created").first()
    link = next(word for word in mail["body_text"].split() if "confirmation=" in word)
    path = link.replace("http://helprealm.test", "")
    page = f"/{workspace['key']}/ticket/show/{ticket['hash']}"

    blocked = await person.submit(f"/{workspace['key']}/", f"{page}/reply", {"text": "me again"})
    assert blocked.status_code == 409 and "confirm your e-mail" in blocked.text

    forged = await person.client.get(f"{page}?confirmation=wrong")
    assert forged.status_code == 403
    html = await person.page(path)
    assert "address is confirmed" in html
    row = await Ticket.select(Ticket.status).where(Ticket.id == ticket["id"]).first()
    assert row["status"] == Status.OPEN
    events = await TimelineEntry.select(TimelineEntry.event).where(
        TimelineEntry.ticket == ticket["id"], TimelineEntry.kind == "event")
    assert [e["event"] for e in events] == ["created", "confirmed", "status"]


async def test_unknown_hash_and_other_workspace_are_404(person: Person):
    workspace, _ = await workspace_with_admin()
    other, _ = await workspace_with_admin(email="bob@other.test", company="Other")
    ticket = await open_ticket(person, workspace)
    assert (await person.client.get(f"/{workspace['key']}/ticket/show/{'0' * 32}")).status_code == 404
    assert (await person.client.get(f"/{other['key']}/ticket/show/{ticket['hash']}")).status_code == 404
    assert (await person.client.get(f"/{'f' * 32}/")).status_code == 404
    assert (await person.client.get("/not-a-workspace/")).status_code == 404


async def test_customer_upload_and_download(person: Person, settings):
    workspace, _ = await workspace_with_admin()
    ticket = await open_ticket(person, workspace)
    page = f"/{workspace['key']}/ticket/show/{ticket['hash']}"
    html = await person.page(page)
    response = await person.client.post(f"{page}/upload", data={"_csrf_token": csrf_from(html)},
                                        files={"file": ("<b>report</b>.txt", b"<script>alert(1)</script>",
                                                        "text/html")})  # .html itself is always refused
    assert response.status_code == 200
    row = await Attachment.select().first()
    assert row["filename"].endswith(".txt") and "<" not in row["filename"]
    links = soup(response.text).select(".files a")
    assert len(links) == 1
    download = await person.client.get(links[0]["href"])
    assert download.status_code == 200 and download.content == b"<script>alert(1)</script>"
    assert download.headers["content-type"].startswith("application/octet-stream")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"].startswith("attachment")
    other, _ = await workspace_with_admin(email="bob@other.test", company="Other")
    elsewhere = f"/{other['key']}/ticket/show/{ticket['hash']}/file/{row['id']}"
    assert (await person.client.get(elsewhere)).status_code == 404

    blocked = await person.client.post(f"{page}/upload", data={"_csrf_token": csrf_from(html)},
                                       files={"file": ("run.exe", b"MZ...", "application/octet-stream")})
    assert blocked.status_code == 422 and "not accepted" in field_error(blocked.text, "file")
    page_html = await person.client.post(f"{page}/upload", data={"_csrf_token": csrf_from(html)},
                                         files={"file": ("page.html", b"<p>hi</p>", "text/html")})
    assert page_html.status_code == 422 and "not accepted" in field_error(page_html.text, "file")
    assert await Attachment.count() == 1
    assert len(list((settings.attachments_path).iterdir())) == 1  # the refused file left nothing behind
