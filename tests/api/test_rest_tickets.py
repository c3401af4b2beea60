"""REST API v1: a contract test per endpoint, the key acting with its agent's rights."""

from __future__ import annotations

import asyncio
import time

import pytest

from app.accounts.tables import Agent
from app.mail.tables import OutboxMail
from app.tickets.tables import Ticket, TimelineEntry
from tests.api.rest_world import World, make_world

TICKET_FIELDS = {"id", "subject", "description", "status", "status_code", "priority", "type_id", "type", "group_id",
                 "group", "assigned_user_id", "assigned_user_name", "customer_name", "customer_email", "deadline",
                 "tags", "created_at", "updated_at"}


@pytest.fixture
async def world(client) -> World:
    return await make_world()


async def test_create_without_customer_makes_the_agent_the_requester_and_mails_no_one(client, world):
    before = await OutboxMail.count()
    response = await client.post("/api/v1/tickets", headers=world.auth("bea"), json={
        "subject": "VPN down", "description": "Nothing connects.", "priority": "high",
        "deadline": "2030-01-31", "tags": ["vpn", "Network"]})
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert set(data) == TICKET_FIELDS
    assert data["id"] == 2 and data["subject"] == "VPN down" and data["description"] == "Nothing connects."
    assert data["priority"] == "high" and data["status"] == "open" and data["status_code"] == 1
    assert data["customer_email"] == "bea@acme.test" and data["customer_name"] == "Bea Agent"
    assert data["deadline"] == "2030-01-31" and data["tags"] == ["Network", "vpn"]
    assert data["group_id"] == world.group_id and data["assigned_user_id"] is None
    assert await OutboxMail.count() == before


async def test_create_for_a_customer_mails_them_and_assigns(client, world):
    before = await OutboxMail.count()
    response = await client.post("/api/v1/tickets", headers=world.auth("ann"), json={
        "subject": "Order 17", "description": "Where is it?", "priority": 3, "customer_name": "Sam Shop",
        "customer_email": "Sam@Shop.test", "assigned_user_id": world.ids["bea"], "tags": "shop, orders"})
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["customer_email"] == "sam@shop.test" and data["status"] == "in_progress"
    assert data["assigned_user_id"] == world.ids["bea"] and data["assigned_user_name"] == "Bea Agent"
    assert data["priority"] == "high" and data["tags"] == ["orders", "shop"]
    recipients = {row["to_address"] for row in await OutboxMail.select(OutboxMail.to_address)}
    assert await OutboxMail.count() > before and "sam@shop.test" in recipients


async def test_create_names_every_invalid_field(client, world):
    response = await client.post("/api/v1/tickets", headers=world.auth(), json={
        "subject": "x", "description": "", "priority": "urgent", "type": "No such type", "deadline": "31.12.2023",
        "group": 999999, "customer_email": "not-an-address", "tags": 5})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["message"]
    assert {"subject", "description", "priority", "type", "deadline", "customer_email", "tags"} <= set(error["fields"])
    response = await client.post("/api/v1/tickets", headers=world.auth(), json={
        "subject": "Fine subject", "description": "Fine", "group": 999999})
    assert response.status_code == 422 and set(response.json()["error"]["fields"]) == {"group"}
    assert await Ticket.count() == 2  # nothing stored


async def test_malformed_bodies_are_400(client, world):
    for body, kind in (("{not json", "application/json"), ("[1, 2]", "application/json"), ("x", "text/plain")):
        response = await client.post("/api/v1/tickets", headers={**world.auth(), "Content-Type": kind}, content=body)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "bad_request"


async def test_auth_401_and_inactive_agent(client, world):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = await client.get("/api/v1/tickets", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
    await Agent.update({Agent.active: False}).where(Agent.id == world.ids["bea"])
    assert (await client.get("/api/v1/users", headers=world.auth("bea"))).status_code == 401


async def test_list_filters_pages_and_searches(client, world):
    for n in range(3):
        await client.post("/api/v1/tickets", headers=world.auth("ann"), json={
            "subject": f"Toner number {n}", "description": "Empty toner cartridge", "priority": "high"})
    response = await client.get("/api/v1/tickets?per_page=2&page=2", headers=world.auth("ann"))
    body = response.json()
    assert response.status_code == 200 and body["total"] == 4 and body["pages"] == 2 and body["per_page"] == 2
    assert body["page"] == 2 and len(body["data"]) == 2
    high = (await client.get("/api/v1/tickets?priority=high", headers=world.auth("ann"))).json()
    assert high["total"] == 3 and all(row["priority"] == "high" for row in high["data"])
    assert (await client.get("/api/v1/tickets?per_page=1000", headers=world.auth("ann"))).json()["per_page"] == 100
    deadline = time.monotonic() + 10  # the index is written just after the commit
    while (found := (await client.get("/api/v1/tickets?q=cartridge", headers=world.auth("ann"))).json())[
            "total"] < 3 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert found["total"] == 3 and {row["subject"] for row in found["data"]} == {f"Toner number {n}" for n in range(3)}
    response = await client.get("/api/v1/tickets?status=bogus", headers=world.auth("ann"))
    assert response.status_code == 422 and "status" in response.json()["error"]["fields"]
    mine = (await client.get("/api/v1/tickets?assignee=none&status=open,1", headers=world.auth("ann"))).json()
    assert all(row["assigned_user_name"] is None for row in mine["data"])


async def test_visibility_is_the_agents(client, world):
    # Carl is in no group: he sees none of the group's tickets; Bea and Ann do.
    assert (await client.get("/api/v1/tickets", headers=world.auth("carl"))).json()["total"] == 0
    assert (await client.get("/api/v1/tickets", headers=world.auth("bea"))).json()["total"] == 1
    assert (await client.get("/api/v1/tickets/1", headers=world.auth("carl"))).status_code == 404


async def test_another_workspaces_ticket_is_404_everywhere(client, world):
    # Olga's ticket is number 1 in her workspace; Bea's key names number 1 of Acme, Olga's key none of Acme's.
    auth = world.auth("olga")
    await Ticket.delete().where(Ticket.id == world.other_ticket["id"])
    checks = [
        await client.get("/api/v1/tickets/1", headers=auth),
        await client.patch("/api/v1/tickets/1", headers=auth, json={"priority": "high"}),
        await client.post("/api/v1/tickets/1/comments", headers=auth, json={"comment": "Hi"}),
        await client.get("/api/v1/tickets/1/attachments/1", headers=auth),
        await client.get("/public/api/index.php/get_ticket?id=1", headers=auth),
        await client.patch("/public/api/index.php/update_ticket?id=1", headers=auth, json={"priority": "high"}),
        await client.post("/public/api/index.php/add_comment", headers=auth, json={"ticket_id": 1, "comment": "Hi"}),
    ]
    assert [r.status_code for r in checks] == [404] * len(checks)
    assert all(r.json()["error"]["code"] == "not_found" for r in checks)
    assert (await Ticket.select(Ticket.prio).where(Ticket.id == world.ticket["id"]).first())["prio"] == 1


async def test_get_ticket_with_comments_paged_and_attachments(client, world):
    auth = world.auth("bea")
    await client.post("/api/v1/tickets/1/comments", headers=auth, json={"comment": "Public answer"})
    await client.post("/api/v1/tickets/1/comments", headers=auth, json={"text": "Secret note", "internal": True})
    await client.post("/api/v1/tickets/1/comments", headers=auth, data={"comment": "Log attached"},
                      files={"attachment": ("log.txt", b"line 1\n", "text/plain")})
    response = await client.get("/api/v1/tickets/1?page=1&per_page=2", headers=auth)
    data = response.json()["data"]
    assert response.status_code == 200 and set(data) >= TICKET_FIELDS | {"comments", "attachments", "comments_page"}
    # The customer's first message is the ticket's description; the comments are what followed.
    assert data["comments_page"] == {"page": 1, "per_page": 2, "total": 3, "pages": 2}
    assert [(c["comment"], c["kind"]) for c in data["comments"]] == [("Public answer", "reply"),
                                                                     ("Secret note", "note")]
    page2 = (await client.get("/api/v1/tickets/1?page=2&per_page=2", headers=auth)).json()["data"]["comments"]
    assert [(c["comment"], c["internal"]) for c in page2] == [("Log attached", False)]
    [file] = data["attachments"]
    assert file["filename"] == "log.txt" and file["uploaded_by"] == "agent"
    path = file["download_url"].removeprefix("http://helprealm.test")
    download = await client.get(path, headers=auth)
    assert download.status_code == 200 and download.content == b"line 1\n"
    assert (await client.get(path)).status_code == 401
    assert (await client.get(path, headers=world.auth("carl"))).status_code == 404


async def test_reply_vs_internal_note(client, world):
    auth = world.auth("bea")
    before = await OutboxMail.count()
    response = await client.post("/api/v1/tickets/1/comments", headers=auth,
                                 json={"comment": "Note", "internal": "true"})
    assert response.status_code == 201
    result = response.json()["data"]
    assert result["comment"]["kind"] == "note" and result["comment"]["internal"] is True and result["ticket_id"] == 1
    assert await OutboxMail.count() == before
    response = await client.post("/api/v1/tickets/1/comments", headers=auth, json={"comment": "We are on it."})
    assert response.json()["data"]["comment"]["kind"] == "reply"
    assert await OutboxMail.count() == before + 1  # the customer hears of the reply
    kinds = [row["kind"] for row in await TimelineEntry.select(TimelineEntry.kind).where(
        TimelineEntry.kind != "event").order_by(TimelineEntry.id)]
    assert kinds[-2:] == ["note", "reply"]
    response = await client.post("/api/v1/tickets/1/comments", headers=auth, json={"comment": "  "})
    assert response.status_code == 422 and "comment" in response.json()["error"]["fields"]


async def test_patch_changes_fields_in_one_go_and_refuses_vacation(client, world):
    auth = world.auth("ann")
    response = await client.patch("/api/v1/tickets/1", headers=auth, json={
        "status": "in_progress", "priority": "high", "deadline": "2023-12-31", "assigned_user_id": world.ids["bea"],
        "tags": ["a", "b"]})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert (data["status"], data["priority"], data["deadline"], data["assigned_user_id"], data["tags"]) == (
        "in_progress", "high", "2023-12-31", world.ids["bea"], ["a", "b"])
    response = await client.patch("/api/v1/tickets/1", headers=auth, json={"deadline": None,
                                                                           "assigned_user_id": None})
    data = response.json()["data"]
    assert data["deadline"] is None and data["assigned_user_id"] is None
    await Agent.update({Agent.on_vacation: True}).where(Agent.id == world.ids["carl"])
    response = await client.patch("/api/v1/tickets/1", headers=auth, json={"priority": "low",
                                                                           "assigned_user_id": world.ids["carl"]})
    assert response.status_code == 422
    assert "vacation" in response.json()["error"]["fields"]["assigned_user_id"]
    ticket = await Ticket.select(Ticket.prio, Ticket.assignee).where(Ticket.id == world.ticket["id"]).first()
    assert ticket == {"prio": 3, "assignee": None}  # nothing of the refused change was written
    response = await client.patch("/api/v1/tickets/1", headers=auth, json={"status": "nonsense", "priority": []})
    assert response.status_code == 422 and set(response.json()["error"]["fields"]) == {"status", "priority"}


async def test_users_lists_the_workspaces_agents(client, world):
    await Agent.update({Agent.on_vacation: True, Agent.position: "Support"}).where(Agent.id == world.ids["carl"])
    response = await client.get("/api/v1/users", headers=world.auth("bea"))
    users = response.json()["data"]
    assert [u["email"] for u in users] == ["ann@acme.test", "bea@acme.test", "carl@acme.test"]
    carl = users[2]
    assert carl == {"id": world.ids["carl"], "name": "Carl Nogroup", "email": "carl@acme.test",
                    "position": "Support", "active": True, "vacation": True}


async def test_schema_documents_every_rest_route(client):
    schema = (await client.get("/schema/openapi.json")).json()
    assert schema["components"]["securitySchemes"]["restKey"]["scheme"] == "bearer"
    for path, methods in schema["paths"].items():
        if not path.startswith(("/api/v1/", "/public/api/")):
            continue
        for method, operation in methods.items():
            assert operation["summary"] and operation["description"], (method, path)
            assert set(operation["tags"]) & {"REST v1", "HelpDeskPro"}
            assert operation["security"] == [{"restKey": []}], (method, path)
            assert {"400", "401", "429"} <= set(operation["responses"]), (method, path)
            if method in ("post", "patch"):
                assert "application/json" in operation["requestBody"]["content"], (method, path)
    routes = {route.path.replace(":int}", "}") for route in client.app.routes
              if route.path.startswith(("/api/v1/", "/public/api/"))}
    assert len(routes) == 11 and routes <= set(schema["paths"])
