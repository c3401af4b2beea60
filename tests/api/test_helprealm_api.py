"""The HelpRealm API's ticket/create, field for field as the manual documents it: every answer
is JSON with `code` (= the HTTP status) and `workspace`; the check order fields (500) ->
workspace (404) -> access and token (403) -> ticket type (404) -> wait (429) -> 201."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from litestar.testing import AsyncTestClient

from app import clock
from app.asgi import create_app
from app.tickets.tables import Attachment, Ticket, TimelineEntry
from app.workspaces import api_access
from app.workspaces.service import update_settings
from tests.api.helprealm import Api, switched_on

TICKET_KEYS = {"id", "number", "hash", "subject", "text", "name", "email", "type", "prio", "status", "created_at"}


@pytest.fixture
async def api(client) -> Api:
    return await switched_on(client)


def _invalid(response) -> dict:
    """{name: value} of a 500's invalid_fields (each field once)."""
    body = response.json()
    assert response.status_code == 500 and body["code"] == 500, response.text
    names = [entry["name"] for entry in body["invalid_fields"]]
    assert len(names) == len(set(names)) and set(body["messages"]) == set(names)
    assert all(set(entry) == {"name", "value"} for entry in body["invalid_fields"])
    return {entry["name"]: entry["value"] for entry in body["invalid_fields"]}


async def test_create_answers_201_with_the_stored_ticket(api: Api):
    response = await api.call("create", **api.ticket_fields())
    body = response.json()
    assert response.status_code == 201 and body["code"] == 201 and body["workspace"] == api.key
    data = body["data"]
    assert set(data) == TICKET_KEYS  # never the confirmation token, its hash or the agents' notes
    row = await Ticket.select().where(Ticket.id == data["id"]).first()
    assert data == {"id": row["id"], "number": 1, "hash": row["hash"], "subject": "Printer on fire",
                    "text": "It is really on fire.", "name": "Sally Doe", "email": "sally@customer.test",
                    "type": api.type_id, "prio": 2, "status": 1, "created_at": row["created_at"].isoformat()}
    assert datetime.fromisoformat(data["created_at"]).tzinfo is not None
    created = await TimelineEntry.select().where(TimelineEntry.ticket == row["id"]).output(load_json=True).first()
    assert created["event"] == "created" and created["data"]["source"] == "api"


async def test_create_with_confirmation_never_shows_the_token(api: Api):
    await update_settings(api.workspace["id"], confirm_email=True)
    response = await api.call("create", **api.ticket_fields())
    assert response.status_code == 201 and response.json()["data"]["status"] == 0
    row = await Ticket.select().where(Ticket.id == response.json()["data"]["id"]).first()
    assert row["confirmation_token_hash"] and row["confirmation_token_hash"] not in response.text
    assert "confirmation" not in response.text and "token" not in response.text


async def test_the_documented_example_as_a_form_and_as_multipart(api: Api):
    url = f"/api/{api.key}/ticket/create"
    fields = {"apitoken": api.token, **api.ticket_fields()}
    form = await api.client.post(url, content="&".join(f"{k}={v}".replace(" ", "+").replace("@", "%40")
                                                       for k, v in fields.items()),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 201, form.text
    multipart = await api.client.post(url, data=fields, files={"unused": ("a.txt", b"x", "text/plain")})
    assert multipart.status_code == 201, multipart.text
    assert multipart.headers["content-type"].startswith("application/json")
    assert [t["number"] for t in await Ticket.select(Ticket.number).order_by(Ticket.id)] == [1, 2]


@pytest.mark.parametrize(("fields", "failed"), [
    ({"subject": "Help"}, {"subject": "Help"}),  # at least 5 characters
    ({"text": "x" * 4097}, {"text": "x" * 4097}),
    ({"text": ""}, {"text": ""}),
    ({"name": "  "}, {"name": "  "}),
    ({"email": "not-an-address"}, {"email": "not-an-address"}),
    ({"type": "one"}, {"type": "one"}),
    ({"prio": "4"}, {"prio": "4"}),
    ({"prio": "0"}, {"prio": "0"}),
    ({"prio": "²"}, {"prio": "²"}),
    ({"subject": None, "email": None}, {"subject": None, "email": None}),  # not sent: null
])
async def test_invalid_post_data_lists_every_failed_field_with_its_value(api: Api, fields, failed):
    response = await api.call("create", **{**api.ticket_fields(), **fields})
    assert _invalid(response) == failed
    body = response.json()
    assert body["workspace"] == api.key and body["error"]
    assert await Ticket.count() == 0


async def test_every_field_wrong_at_once(api: Api):
    response = await api.call("create", subject="Hi", text="", name="", email="x", type="a", prio="9")
    assert _invalid(response) == {"subject": "Hi", "text": "", "name": "", "email": "x", "type": "a", "prio": "9"}


async def test_a_json_body_or_a_field_sent_twice_is_just_invalid_fields(api: Api):
    url = f"/api/{api.key}/ticket/create"
    response = await api.client.post(url, content=json.dumps({"apitoken": api.token, **api.ticket_fields()}),
                                     headers={"Content-Type": "application/json"})
    assert _invalid(response) == dict.fromkeys(("subject", "text", "name", "email", "type", "prio"))
    twice = await api.client.post(url, data={**api.ticket_fields(), "apitoken": api.token, "prio": ["1", "2"]})
    assert _invalid(twice) == {"prio": ["1", "2"]}
    broken = await api.client.post(url, content=b"--x\r\nbroken", headers={"Content-Type": "multipart/form-data"})
    assert broken.status_code == 500 and "invalid_fields" in broken.json()


async def test_unknown_or_cancelled_workspace_is_404_with_nothing_else(api: Api):
    response = await api.call("create", key="0" * 32, **api.ticket_fields())
    assert response.status_code == 404 and response.json() == {"code": 404, "workspace": "0" * 32}
    response = await api.call("create", key="k" * 5000, **api.ticket_fields())
    assert response.status_code == 404 and set(response.json()) == {"code", "workspace"}
    await update_settings(api.workspace["id"], cancelled_at=clock.now())
    response = await api.call("create", **api.ticket_fields())
    assert response.status_code == 404 and response.json() == {"code": 404, "workspace": api.key}


async def test_access_off_is_403_paidforapi_false(api: Api):
    await api_access.set_access(api.workspace["id"], None, False)
    response = await api.call("create", **api.ticket_fields())
    assert response.status_code == 403
    assert response.json() == {"code": 403, "workspace": api.key, "paidforapi": False}


async def test_a_wrong_or_missing_token_is_403_with_the_token_given(api: Api):
    response = await api.call("create", apitoken="guess", **api.ticket_fields())
    assert response.status_code == 403 and response.json() == {"code": 403, "workspace": api.key, "apitoken": "guess"}
    missing = await api.client.post(f"/api/{api.key}/ticket/create", data=api.ticket_fields())
    assert missing.status_code == 403 and missing.json() == {"code": 403, "workspace": api.key, "apitoken": None}
    assert await Ticket.count() == 0


async def test_tokens_are_compared_in_constant_time(api: Api, monkeypatch):
    compared = []
    real = api_access.hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(api_access.hmac, "compare_digest", spy)
    await api.call("create", apitoken=api.token[:-1] + "x", **api.ticket_fields())
    assert compared and compared[0][0] == api_access.token_hash(api.token)


async def test_unknown_ticket_type_is_404_with_the_value_sent(api: Api, client):
    other = await switched_on(client, email="olga@other.test", company="Other")
    response = await api.call("create", **api.ticket_fields(type=str(other.type_id)))  # another workspace's type
    assert response.status_code == 404
    assert response.json() == {"code": 404, "workspace": api.key, "ticket_type": str(other.type_id)}
    assert await Ticket.count() == 0


async def test_the_check_order(api: Api):
    bad = {"subject": "Hi"}
    # invalid fields come first, even for an unknown workspace with a wrong token
    assert (await api.call("create", key="0" * 32, apitoken="x", **api.ticket_fields(**bad))).status_code == 500
    # then the workspace, before the token
    assert (await api.call("create", key="0" * 32, apitoken="x", **api.ticket_fields())).status_code == 404
    # then the token, before the ticket type
    assert (await api.call("create", apitoken="x", **api.ticket_fields(type="999999"))).status_code == 403
    await api_access.set_access(api.workspace["id"], None, False)
    assert (await api.call("create", apitoken="x", **api.ticket_fields(type="999999"))).json()["paidforapi"] is False
    await api_access.set_access(api.workspace["id"], None, True)
    assert (await api.call("create", **api.ticket_fields(type="999999"))).status_code == 404


@pytest.fixture
async def limited(settings):
    app = create_app(settings.replace(api={"ticket_wait_seconds": 60, "requests_per_minute_per_address": 1000,
                                           "requests_per_minute_per_key": 1000}))
    async with AsyncTestClient(app=app, base_url="http://helprealm.test") as client:
        yield await switched_on(client)


async def test_one_client_creating_too_quickly_waits_429(limited: Api):
    api = limited
    # refused requests do not take the slot
    assert (await api.call("create", **api.ticket_fields(subject="Hi"))).status_code == 500
    assert (await api.call("create", **api.ticket_fields(type="999999"))).status_code == 404
    assert (await api.call("create", **api.ticket_fields())).status_code == 201
    response = await api.call("create", **api.ticket_fields())
    body = response.json()
    assert response.status_code == 429 and body["code"] == 429 and body["workspace"] == api.key
    assert 59 <= body["ticket_wait_time"] <= 61 and int(response.headers["retry-after"]) == body["ticket_wait_time"]
    assert await Ticket.count() == 1
    # only creation waits
    ticket = (await Ticket.select(Ticket.hash).first())["hash"]
    assert (await api.call("info", hash=ticket)).status_code == 200


@pytest.fixture
async def few_requests(settings):
    app = create_app(settings.replace(api={"requests_per_minute_per_address": 3, "requests_per_minute_per_key": 1000}))
    async with AsyncTestClient(app=app, base_url="http://helprealm.test") as client:
        yield await switched_on(client)


async def test_requests_per_address_are_limited_before_anything_else(few_requests: Api):
    api = few_requests
    for _ in range(3):
        assert (await api.call("info", apitoken="guess", hash="0" * 32)).status_code == 403
    response = await api.call("info", hash="0" * 32)
    assert response.status_code == 429 and int(response.headers["retry-after"]) >= 1
    assert response.json()["code"] == 429 and response.json()["workspace"] == api.key


async def test_requests_per_token_are_limited(settings):
    app = create_app(settings.replace(api={"requests_per_minute_per_address": 1000, "requests_per_minute_per_key": 2}))
    async with AsyncTestClient(app=app, base_url="http://helprealm.test") as client:
        api = await switched_on(client)
        codes = [(await api.call("info", hash="0" * 32)).status_code for _ in range(3)]
        assert codes == [404, 404, 429]


async def test_every_route_is_documented(client):
    schema = (await client.get("/schema/openapi.json")).json()
    endpoints = ["create", "info", "thread", "attachments", "comment/add/customer", "comment/edit/customer",
                 "attachment/add", "attachment/delete"]
    for endpoint in endpoints:
        operation = schema["paths"][f"/api/{{workspace}}/ticket/{endpoint}"]["post"]
        assert operation["tags"] == ["HelpRealm API"] and operation["summary"] and operation["description"]
        success = "201" if endpoint == "create" else "200"
        assert set(operation["responses"]) == {success, "403", "404", "413", "429", "500"}
        content = operation["requestBody"]["content"]
        assert "multipart/form-data" in content
        properties = content["multipart/form-data"]["schema"]["properties"]
        assert "apitoken" in properties and all(p.get("description") for p in properties.values())
    create = schema["paths"]["/api/{workspace}/ticket/create"]["post"]
    fields = create["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]["properties"]
    assert fields["subject"]["minLength"] == 5 and fields["text"]["maxLength"] == 4096
    assert fields["prio"]["minimum"] == 1 and fields["prio"]["maximum"] == 3
    ticket = schema["components"]["schemas"]["HelpRealmTicketData"]["properties"]
    assert set(ticket) == TICKET_KEYS


async def test_create_with_an_attachment(api: Api, settings):
    files = {"attachment": ("photo.png", b"\x89PNG data", "image/png")}
    response = await api.call("create", files=files, **api.ticket_fields())
    assert response.status_code == 201, response.text
    ticket_id = response.json()["data"]["id"]
    row = await Attachment.select().where(Attachment.ticket == ticket_id).first()
    assert row["filename"] == "photo.png" and row["uploaded_by"] == "customer" and row["size"] == 9
    assert (settings.attachments_path / row["stored_name"]).read_bytes() == b"\x89PNG data"


async def test_create_with_a_refused_attachment_stores_nothing(api: Api, settings):
    response = await api.call("create", files={"attachment": ("run.exe", b"MZ", "application/octet-stream")},
                              **api.ticket_fields())
    assert response.status_code == 500
    assert response.json()["invalid_fields"] == [{"name": "attachment", "value": "run.exe"}]
    await update_settings(api.workspace["id"], allow_customer_uploads=False)
    response = await api.call("create", files={"attachment": ("a.txt", b"a", "text/plain")}, **api.ticket_fields())
    assert response.status_code == 403 and response.json()["error"]
    assert await Ticket.count() == 0 and await Attachment.count() == 0
    assert not settings.attachments_path.exists() or list(settings.attachments_path.iterdir()) == []


async def test_a_body_over_the_limit_is_413_in_this_shape(api: Api):
    response = await api.call("info", hash="0" * 32, text="x" * 400_000)
    assert response.status_code == 413
    assert response.json()["code"] == 413 and response.json()["workspace"] == api.key and response.json()["error"]
