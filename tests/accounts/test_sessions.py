"""Sessions and account links under attack: each test here failed before its fix."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from urllib.parse import urlencode

import httpx

from app import clock
from app.accounts import service, web
from app.accounts.tables import AccountToken
from app.mail.tables import OutboxMail
from app.system.cleanup import Cleanup
from app.web.tables import WebSession
from tests.helpers import Person, cookies, csrf_from
from tests.journeys import login, workspace_with_admin


async def _reset_paths() -> list[str]:
    mails = await OutboxMail.select(OutboxMail.body_text).where(OutboxMail.purpose == "password_reset").order_by(
        OutboxMail.id)
    return [re.search(r"http://helprealm\.test(/password/reset/\S+)", m["body_text"]).group(1) for m in mails]


async def _logged_in(person: Person) -> bool:
    response = await person.client.get("/dashboard", follow_redirects=False)
    return response.status_code == 200


async def test_a_password_reset_ends_every_other_session_and_spends_other_links(client):
    await workspace_with_admin()
    mine, thiefs = httpx.Cookies(), httpx.Cookies()
    with cookies(client, mine):
        await login(Person(client))
    with cookies(client, thiefs):  # e.g. someone who signed up under the owner's address first
        await login(Person(client))
        assert await _logged_in(Person(client))

    stranger = Person(client)
    await stranger.submit("/password/forgot", "/password/forgot", {"email": "ann@acme.test"})
    await stranger.submit("/password/forgot", "/password/forgot", {"email": "ann@acme.test"})
    first, second = await _reset_paths()
    done = await stranger.submit(first, first, {"password": "a new secret", "password_confirmation": "a new secret"})
    assert done.status_code == 200

    with cookies(client, thiefs):
        assert not await _logged_in(Person(client))  # the session made with the old password is over
    with cookies(client, mine):
        assert not await _logged_in(Person(client))  # so is every other one
    assert (await client.get(second)).status_code == 404  # the other mailed link is spent
    await login(stranger, password="a new secret")
    assert await _logged_in(stranger)


async def test_a_cookie_we_never_issued_costs_no_row(client):
    for value in ("a" * 64, "not-hex-" * 8, "f" * 5000):
        client.cookies.set("helprealm_session", value)
        response = await client.get("/login")
        assert response.status_code == 200
    assert await WebSession.count() == 0


async def test_cleanup_deletes_expired_sessions_and_spent_links(person: Person):
    await workspace_with_admin()
    await login(person)
    await person.submit("/password/forgot", "/password/forgot", {"email": "ann@acme.test"})
    assert await WebSession.count() == 1 and await AccountToken.count() == 1
    assert await Cleanup().run_once() == {"sessions": 0, "tokens": 0}  # nothing is due yet
    with clock.frozen(clock.now() + timedelta(days=15)):
        assert await Cleanup().run_once() == {"sessions": 1, "tokens": 1}
    assert await WebSession.count() == 0 and await AccountToken.count() == 0


async def test_forgot_password_answers_before_looking_the_address_up(app, person: Person, monkeypatch):
    """The answer must not take longer for a known address: the lookup runs after it went out.
    Checked at the ASGI level, where the order of "answer sent" and "address looked up" shows."""
    await workspace_with_admin()
    order: list[str] = []
    original = service.request_password_reset

    async def recorded_lookup(email: str):
        order.append("lookup")
        return await original(email)

    monkeypatch.setattr(web.service, "request_password_reset", recorded_lookup)
    html = await person.page("/password/forgot")
    body = urlencode({"_csrf_token": csrf_from(html), "email": "ann@acme.test"}).encode()
    cookie = "; ".join(f"{name}={value}" for name, value in person.client.cookies.items())
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/password/forgot", "raw_path": b"/password/forgot", "query_string": b"", "root_path": "",
        "headers": [(b"host", b"helprealm.test"), (b"content-type", b"application/x-www-form-urlencoded"),
                    (b"content-length", str(len(body)).encode()), (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 50000), "server": ("helprealm.test", 80),
    }
    received = False

    async def receive():
        nonlocal received
        if received:
            await asyncio.sleep(3600)
        received = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            order.append(f"status {message['status']}")
        elif message["type"] == "http.response.body" and not message.get("more_body"):
            order.append("answer sent")

    await app(scope, receive, send)
    assert order == ["status 200", "answer sent", "lookup"]
    assert await OutboxMail.count().where(OutboxMail.purpose == "password_reset") == 1


async def _asgi_get(app, path: str, cookie: str) -> int:
    """A GET straight into the app (the test client runs one request at a time)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"helprealm.test"), (b"cookie", cookie.encode())],
             "client": ("127.0.0.1", 50001), "server": ("helprealm.test", 80)}
    status: list[int] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    return status[0]


async def test_a_request_in_flight_does_not_bring_back_a_session_logout_ended(app, client, monkeypatch):
    await workspace_with_admin()
    person = Person(client)
    await login(person)
    session = client.cookies.get("helprealm_session")
    store = app.stores.get("sessions")
    loaded, go_on = asyncio.Event(), asyncio.Event()
    original_get = type(store).get

    async def get_then_pause(self, key, renew_for=None):
        value = await original_get(self, key, renew_for)
        if key == session and not loaded.is_set():
            loaded.set()  # request A has read its session...
            await go_on.wait()
        return value

    monkeypatch.setattr(type(store), "get", get_then_pause)
    request_a = asyncio.create_task(_asgi_get(app, "/dashboard", f"helprealm_session={session}"))
    await loaded.wait()
    dashboard = await person.page("/dashboard")  # ...while the same person logs out in another tab
    await client.post("/logout", data={"_csrf_token": csrf_from(dashboard)})
    assert await WebSession.count().where(WebSession.key == session) == 0
    go_on.set()
    assert await request_a == 200  # A finishes and writes its session back...
    assert await WebSession.count().where(WebSession.key == session) == 0  # ...which must not revive it
    client.cookies.set("helprealm_session", session)
    assert (await client.get("/dashboard", follow_redirects=False)).status_code == 303
