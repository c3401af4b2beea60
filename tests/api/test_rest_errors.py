"""REST API errors: each status in the REST shape (429 with Retry-After, 413, 409), and malformed
input of every kind answering 4xx, never 500, with a valid key."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from app import db
from app.asgi import create_app
from app.tickets import service
from tests import factories
from tests.api.rest_world import World, make_world


@pytest.fixture
async def strict(settings):
    """An app with small limits: 3 requests a minute per key, 5 per address, 1 KB uploads."""
    app = create_app(settings.replace(api={"requests_per_minute_per_key": 3, "requests_per_minute_per_address": 5},
                                      limits={"upload_max_bytes": 1024}))
    async with AsyncTestClient(app=app, base_url="http://helprealm.test") as client:
        yield client, await make_world()
    await db.ENGINE.close()


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text[:300]
    error = response.json()["error"]
    assert error["code"] == code and isinstance(error["message"], str) and error["message"]
    return error


async def test_rate_limits_per_key_and_per_address(strict):
    client, world = strict
    for _ in range(3):
        assert (await client.get("/api/v1/users", headers=world.auth("bea"))).status_code == 200
    response = await client.get("/api/v1/users", headers=world.auth("bea"))
    assert_error(response, 429, "rate_limited")
    assert int(response.headers["retry-after"]) >= 1
    # the address is counted before the key is checked: guessing keys runs into it too
    for _ in range(1):
        assert (await client.get("/api/v1/users", headers={"Authorization": "Bearer guess"})).status_code == 401
    response = await client.get("/public/api/index.php/get_users", headers={"Authorization": "Bearer guess"})
    assert_error(response, 429, "rate_limited")
    assert "retry-after" in response.headers


async def test_too_large_bodies_and_files(strict):
    client, world = strict
    response = await client.post("/api/v1/tickets", headers=world.auth("ann"),
                                 content=b'{"subject": "' + b"x" * 200_000 + b'"}')
    assert_error(response, 413, "too_large")
    response = await client.post("/api/v1/tickets/1/comments", headers=world.auth("bea"), data={"comment": "Big"},
                                 files={"attachment": ("big.txt", b"x" * 5000, "text/plain")})
    error = assert_error(response, 422, "invalid")
    assert set(error["fields"]) == {"attachment"}


async def test_a_merged_ticket_is_409(client):
    world = await make_world()
    await factories.ticket(world.workspace, subject="Printer again")
    ann = await factories.viewer({"id": world.ids["ann"]})
    await service.merge(ann, 1, 2)
    response = await client.patch("/api/v1/tickets/1", headers=world.auth("ann"), json={"priority": "high"})
    assert_error(response, 409, "conflict")
    response = await client.post("/api/v1/tickets/1/comments", headers=world.auth("ann"), json={"comment": "Hi"})
    assert_error(response, 409, "conflict")


HUGE = "99999999999999999999"
ODD = [HUGE, "-1", "0", "²", "1e3", "", "NaN", "x" * 5000, "\x00\r\n", "🙂" * 100, None, True, [], {}, 1.5, -4]
FIELDS = ["subject", "description", "priority", "type", "group", "assigned_user_id", "customer_name",
          "customer_email", "deadline", "tags", "status", "comment", "text", "internal", "ticket_id", "attachment"]


async def _fine(client, world: World, method: str, url: str, headers: dict | None = None, **kwargs) -> None:
    response = await client.request(method, url, headers={**world.auth("ann"), **(headers or {})}, **kwargs)
    assert response.status_code < 500, (method, url[:100], str(kwargs)[:200], response.text[:300])
    if response.status_code >= 400:
        assert response.json()["error"]["code"], response.text[:300]


async def test_malformed_input_with_a_valid_key_never_gets_a_500(client):
    world = await make_world()
    writes = [("POST", "/api/v1/tickets"), ("PATCH", "/api/v1/tickets/1"), ("POST", "/api/v1/tickets/1/comments"),
              ("POST", "/public/api/index.php/create_ticket"), ("PATCH", "/public/api/index.php/update_ticket?id=1"),
              ("POST", "/public/api/index.php/add_comment")]
    for method, url in writes:
        for bad in ODD:
            await _fine(client, world, method, url, json={field: bad for field in FIELDS})
            await _fine(client, world, method, url, json={"comment": "Fine", "ticket_id": 1, "subject": "Fine one",
                                                          "description": "Fine", "status": bad})
        await _fine(client, world, method, url, data={field: ["a", "b"] for field in FIELDS})
        await _fine(client, world, method, url, data={field: "x" * 5000 for field in FIELDS})
        await _fine(client, world, method, url, files={"attachment": ("", b"", "text/plain")})
        await _fine(client, world, method, url, content=b"\xff\xfe", headers={"Content-Type": "application/json"})
    for url in ("/api/v1/tickets", "/public/api/index.php/get_tickets", "/api/v1/tickets/1",
                "/public/api/index.php/get_ticket?id=1"):
        for query in (f"page={HUGE}", "page=-3", "per_page=0", "per_page=²", "status=" + "s," * 500, "q=" + "q" * 5000,
                      "assignee=" + HUGE, "priority=9", "group=x", "tag=" + "t" * 5000, "page=1&page=2", "q=a~7&q=(",
                      "id=" + HUGE, "id=-1", "id=abc"):
            sep = "&" if "?" in url else "?"
            await _fine(client, world, "GET", f"{url}{sep}{query}")
    for path in (f"/api/v1/tickets/{HUGE}", "/api/v1/tickets/0", f"/api/v1/tickets/1/attachments/{HUGE}",
                 "/api/v1/tickets/-1/comments"):
        await _fine(client, world, "GET", path)
