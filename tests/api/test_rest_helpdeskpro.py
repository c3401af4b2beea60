"""HelpDeskPro's paths (/public/api/index.php/...): the manual's names, JSON, form-encoded and
multipart bodies, and the same answers as REST v1."""

from __future__ import annotations

import pytest

from tests.api.rest_world import World, make_world

BASE = "/public/api/index.php"


@pytest.fixture
async def world(client) -> World:
    return await make_world()


async def test_create_takes_form_json_and_multipart(client, world):
    form = await client.post(f"{BASE}/create_ticket", headers=world.auth(), data={
        "subject": "Form ticket", "description": "Sent form-encoded.", "priority": "medium"})
    json_ = await client.post(f"{BASE}/create_ticket", headers=world.auth(), json={
        "subject": "JSON ticket", "description": "Sent as JSON.", "priority": 1})
    multipart = await client.post(f"{BASE}/create_ticket", headers=world.auth(), data={
        "subject": "Multipart ticket", "description": "Sent as multipart.", "priority": "high"},
        files={"unused": ("a.txt", b"a", "text/plain")})
    assert [r.status_code for r in (form, json_, multipart)] == [201, 201, 201]
    assert [r.json()["data"]["priority"] for r in (form, json_, multipart)] == ["medium", "low", "high"]
    assert [r.json()["data"]["id"] for r in (form, json_, multipart)] == [2, 3, 4]


async def test_get_ticket_and_get_tickets_answer_as_v1(client, world):
    legacy = await client.get(f"{BASE}/get_ticket?id=1&page=1&per_page=5", headers=world.auth())
    v1 = await client.get("/api/v1/tickets/1?page=1&per_page=5", headers=world.auth())
    assert legacy.status_code == 200 and legacy.json() == v1.json()
    listed = await client.get(f"{BASE}/get_tickets?page=1&per_page=5", headers=world.auth())
    assert listed.json() == (await client.get("/api/v1/tickets?page=1&per_page=5", headers=world.auth())).json()
    users = await client.get(f"{BASE}/get_users", headers=world.auth())
    assert users.json() == (await client.get("/api/v1/users", headers=world.auth())).json()


async def test_the_ticket_id_is_required_and_checked(client, world):
    response = await client.get(f"{BASE}/get_ticket", headers=world.auth())
    assert response.status_code == 422 and set(response.json()["error"]["fields"]) == {"id"}
    response = await client.patch(f"{BASE}/update_ticket?id=abc", headers=world.auth(), json={"priority": "high"})
    assert response.status_code == 422 and set(response.json()["error"]["fields"]) == {"id"}
    response = await client.post(f"{BASE}/add_comment", headers=world.auth(), json={"comment": "Where to?"})
    assert response.status_code == 422 and set(response.json()["error"]["fields"]) == {"ticket_id"}
    response = await client.get(f"{BASE}/get_ticket?id=77", headers=world.auth())
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


async def test_update_and_comment_take_form_bodies(client, world):
    response = await client.patch(f"{BASE}/update_ticket?id=1", headers=world.auth("ann"), data={
        "status": "waiting", "priority": "3", "deadline": "2031-05-01", "tags": "one, two"})
    data = response.json()["data"]
    assert response.status_code == 200
    assert (data["status"], data["priority"], data["deadline"], data["tags"]) == ("waiting", "high", "2031-05-01",
                                                                                   ["one", "two"])
    response = await client.post(f"{BASE}/add_comment", headers=world.auth("bea"), data={
        "ticket_id": "1", "comment": "Noted.", "internal": "1"})
    assert response.status_code == 201 and response.json()["data"]["comment"]["kind"] == "note"


async def test_unknown_paths_and_methods_answer_the_rest_shape(client, world):
    response = await client.get(f"{BASE}/no_such_thing", headers=world.auth())
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    response = await client.get(f"{BASE}/update_ticket?id=1", headers=world.auth())
    assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"
    response = await client.post(f"{BASE}/create_ticket", data={"subject": "No key"})
    assert response.status_code == 401  # no CSRF check on the API: the key is the credential


async def test_the_paths_leave_the_portal_alone(client, world):
    # Workspace keys are 32 hex characters, so "public" is never one; the portal answers beside the paths.
    assert (await client.get(f"/{world.workspace['key']}/")).status_code == 200
    response = await client.get("/public/api/index.php/get_users", headers=world.auth())
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
