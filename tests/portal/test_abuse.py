"""The customer side under a hostile visitor: each test here failed before its fix."""

from __future__ import annotations

import asyncio

import pytest
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.mail.tables import OutboxMail
from app.tickets.files import safe_filename
from app.tickets.tables import Attachment, Ticket, TimelineEntry
from tests.helpers import HTMX, Person, csrf_from, field_error, solve_captcha
from tests.journeys import open_ticket, workspace_with_admin

FORM = {"name": "Sally", "email": "sally@customer.test", "subject": "Hello there", "text": "Text", "type": "1",
        "prio": "1"}


@pytest.mark.parametrize("breaker", ["\r", "\n", "\r\n", "\u2028", "\u2029", "\x0b", "\x0c", "\x85", "\x00"])
async def test_line_breaks_in_single_line_fields_are_refused_where_typed(person: Person, breaker: str):
    workspace, _ = await workspace_with_admin()
    response = await person.submit(f"/{workspace['key']}/", f"/{workspace['key']}/ticket/create", {
        **FORM, "subject": f"Hello{breaker}Bcc: victim@example.test", "name": f"Sally{breaker}Doe"}, captcha=True)
    assert response.status_code == 422
    assert "single line" in field_error(response.text, "subject")
    assert "single line" in field_error(response.text, "name")
    assert await Ticket.count() == 0 and await OutboxMail.count() == 0


async def test_simultaneous_tickets_from_one_address_get_one_through(settings):
    app = create_app(settings.replace(limits={"ticket_wait_seconds": 30}))
    async with AsyncTestClient(app=app, base_url="http://helprealm.test") as client:
        person = Person(client)
        workspace, _ = await workspace_with_admin()
        forms = [await person.page(f"/{workspace['key']}/") for _ in range(8)]

        async def submit(html: str):
            data = {"_csrf_token": csrf_from(html), **FORM, **solve_captcha(html)}
            return await client.post(f"/{workspace['key']}/ticket/create", data=data, headers=HTMX)

        statuses = sorted(r.status_code for r in await asyncio.gather(*[submit(html) for html in forms]))
    assert statuses == [200] + [429] * 7
    assert await Ticket.count() == 1


async def test_a_form_with_errors_does_not_start_the_wait(settings):
    app = create_app(settings.replace(limits={"ticket_wait_seconds": 30}))
    async with AsyncTestClient(app=app, base_url="http://helprealm.test") as client:
        person = Person(client)
        workspace, _ = await workspace_with_admin()
        bad = await person.submit(f"/{workspace['key']}/", f"/{workspace['key']}/ticket/create",
                                  {**FORM, "email": "nope"}, captcha=True)
        assert bad.status_code == 422
        await open_ticket(person, workspace)  # the corrected form goes through at once
    assert await Ticket.count() == 1


async def test_a_solved_captcha_works_once(person: Person):
    workspace, _ = await workspace_with_admin()
    html = await person.page(f"/{workspace['key']}/")
    solved = {"_csrf_token": csrf_from(html), **FORM, **solve_captcha(html)}
    first = await person.client.post(f"/{workspace['key']}/ticket/create", data=solved)
    again = await person.client.post(f"/{workspace['key']}/ticket/create", data={**solved, "subject": "Replayed"})
    assert first.status_code == 200
    assert again.status_code == 422 and field_error(again.text, "captcha") == "The answer to the captcha is wrong."
    assert await Ticket.count() == 1


@pytest.mark.parametrize("name, shown", [
    ("probe.js.", "probe.js"), ("probe.js ", "probe.js"), ("probe.js. . ", "probe.js"), ("probe.JS..", "probe.JS"),
    ("probe.exe.\u00a0.", "probe.exe"), ("probe.exe.\u3000.", "probe.exe"), ("x.exe\u2060", "x.exe"),
    ("report\u202efdp.hta", "reportfdp.hta"), ("run.exe\u0000.txt.", "run.exe_.txt"),
    ("नमस्ते\u200d.pdf", "नमस्ते\u200d.pdf"),  # a joiner is part of the word, not a disguise
])
def test_names_cannot_hide_their_extension(name: str, shown: str):
    assert safe_filename(name) == shown


@pytest.mark.parametrize("name", ["probe.js.", "probe.exe.\u00a0.", "x.exe\u2060", "report\u202efdp.hta", "tool.ps1"])
async def test_disguised_or_dangerous_extensions_are_refused(person: Person, name: str):
    workspace, _ = await workspace_with_admin()
    ticket = await open_ticket(person, workspace)
    page = f"/{workspace['key']}/ticket/show/{ticket['hash']}"
    response = await _upload(person, page, name, b"MZ...")
    assert response.status_code == 422 and "not accepted" in field_error(response.text, "file")
    assert await Attachment.count() == 0


async def test_a_huge_form_body_is_refused_before_it_is_parsed(person: Person):
    html = await person.page("/login")
    body = "&".join(f"f{i}=x" for i in range(200_000))  # ~1.6 MB of fields
    response = await person.client.post("/login", content=f"_csrf_token={csrf_from(html)}&{body}",
                                        headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413


async def test_a_forged_captcha_token_with_odd_characters_is_just_wrong(person: Person):
    import base64

    workspace, _ = await workspace_with_admin()
    html = await person.page(f"/{workspace['key']}/")
    for payload in ("1:2:9999999999:abcd:é", "1:2:x:y:z", "é"):
        token = base64.urlsafe_b64encode(payload.encode()).decode()
        response = await person.client.post(f"/{workspace['key']}/ticket/create", data={
            "_csrf_token": csrf_from(html), **FORM, "captcha": "3", "captcha_token": token})
        assert response.status_code == 422 and field_error(response.text, "captcha")


async def _upload(person: Person, page: str, name: str, data: bytes):
    html = await person.page(page)
    return await person.client.post(f"{page}/upload", data={"_csrf_token": csrf_from(html)},
                                    files={"file": (name, data, "text/plain")})


async def test_a_ticket_holds_a_limited_number_and_size_of_files(settings):
    limits = {"attachments_per_ticket": 2, "attachment_bytes_per_ticket": 1000, "customer_posts_per_minute": 100}
    app = create_app(settings.replace(limits=limits))
    async with AsyncTestClient(app=app, base_url="http://helprealm.test") as client:
        person = Person(client)
        workspace, _ = await workspace_with_admin()
        ticket = await open_ticket(person, workspace)
        page = f"/{workspace['key']}/ticket/show/{ticket['hash']}"
        assert (await _upload(person, page, "a.txt", b"x" * 600)).status_code == 200
        too_big = await _upload(person, page, "b.txt", b"x" * 600)
        assert too_big.status_code == 422 and "MB of files" in field_error(too_big.text, "file")
        assert (await _upload(person, page, "c.txt", b"x" * 300)).status_code == 200
        too_many = await _upload(person, page, "d.txt", b"x")
        assert too_many.status_code == 422 and "most files" in field_error(too_many.text, "file")
    assert await Attachment.count() == 2
    assert len(list(settings.attachments_path.iterdir())) == 2  # refused files left nothing on disk


async def test_customer_posts_are_rate_limited(settings):
    app = create_app(settings.replace(limits={"customer_posts_per_minute": 3}))
    async with AsyncTestClient(app=app, base_url="http://helprealm.test") as client:
        person = Person(client)
        workspace, _ = await workspace_with_admin()
        ticket = await open_ticket(person, workspace)
        page = f"/{workspace['key']}/ticket/show/{ticket['hash']}"
        statuses = []
        for i in range(4):
            statuses.append((await person.submit(page, f"{page}/reply", {"text": f"message {i}"})).status_code)
        upload = await _upload(person, page, "late.txt", b"x")
    assert statuses == [200, 200, 200, 429]
    assert upload.status_code == 429 and "too fast" in upload.text
    assert await TimelineEntry.count().where(TimelineEntry.kind == "customer") == 3
