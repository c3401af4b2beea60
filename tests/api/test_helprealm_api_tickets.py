"""The HelpRealm API on an existing ticket (info, thread, attachments, customer comments and
files): it acts for the customer, through the services the customer's web page uses."""

from __future__ import annotations

import msgspec
import pytest

from app.api.helprealm import shapes
from app.tickets import service
from app.tickets.files import Storage, Upload
from app.tickets.inputs import FieldChanges, Reply
from app.tickets.status import Status
from app.tickets.tables import Attachment, Ticket, TimelineEntry
from app.workspaces.service import update_settings
from tests import factories
from tests.api.helprealm import Api, switched_on

A_FILE = {"attachment": ("a.txt", b"a", "text/plain")}


@pytest.fixture
async def api(client) -> Api:
    return await switched_on(client)


@pytest.fixture
def storage(settings) -> Storage:
    return Storage(directory=settings.attachments_path, max_bytes=settings.limits.upload_max_bytes)


async def _agent(api: Api):
    return await factories.viewer(api.admin)


def _ok(response, status: int = 200) -> dict:
    body = response.json()
    assert response.status_code == status and body["code"] == status, response.text
    return body


async def test_info_shows_the_ticket_with_its_names(api: Api):
    ticket = await api.create()
    body = _ok(await api.call("info", hash=ticket["hash"].upper()))  # a hash is case-insensitive
    assert body["workspace"] == api.key
    data = body["data"]
    assert {k: data[k] for k in ticket} == ticket
    assert data["status_name"] == "open" and data["tags"] == [] and data["assignee"] is None
    assert data["group"] and data["type_name"] and data["updated_at"] and data["merged_into"] is None
    assert "notes" not in data and "confirmation_token_hash" not in data


async def test_every_hash_endpoint_answers_404_for_another_workspaces_ticket(api: Api, client):
    other = await switched_on(client, email="olga@other.test", company="Other")
    theirs = await other.create()
    ours = await api.create()
    calls = [("info", {}), ("thread", {}), ("attachments", {}), ("comment/add/customer", {"text": "Hello"}),
             ("comment/edit/customer", {"cmt_id": "1", "text": "Hello"}), ("attachment/delete", {"file_id": "1"})]
    for endpoint, fields in calls:
        response = await api.call(endpoint, hash=theirs["hash"], **fields)
        assert response.status_code == 404, endpoint
        assert response.json() == {"code": 404, "workspace": api.key, "ticket": theirs["hash"]}, endpoint
        # their token on our workspace is a wrong token
        response = await api.call(endpoint, apitoken=other.token, hash=ours["hash"], **fields)
        assert response.status_code == 403 and response.json()["apitoken"] == other.token
    response = await api.call("attachment/add", hash=theirs["hash"], files=A_FILE)
    assert response.status_code == 404 and response.json()["ticket"] == theirs["hash"]
    assert await Attachment.count() == 0


async def test_malformed_references_are_invalid_fields(api: Api):
    response = await api.call("thread", hash="xyz", paginate="-1", limit="101")
    body = response.json()
    assert response.status_code == 500
    assert {f["name"]: f["value"] for f in body["invalid_fields"]} == {"hash": "xyz", "paginate": "-1", "limit": "101"}
    response = await api.call("comment/edit/customer", hash="0" * 32, cmt_id="99999999999999999999", text="")
    assert {f["name"] for f in response.json()["invalid_fields"]} == {"cmt_id", "text"}
    response = await api.call("attachment/add", hash="0" * 32)
    assert [f["name"] for f in response.json()["invalid_fields"]] == ["attachment"]


async def test_thread_is_posts_newest_first_without_events_or_notes(api: Api):
    ticket = await api.create()
    agent = await _agent(api)
    await service.agent_reply(agent, ticket["number"], Reply("How can we help?"))
    await service.add_note(agent, ticket["number"], Reply("secret internal note"))
    added = _ok(await api.call("comment/add/customer", hash=ticket["hash"], text="It still burns."))
    body = _ok(await api.call("thread", hash=ticket["hash"]))
    assert body["ticket"] == ticket["hash"] and body["workspace"] == api.key
    posts = body["data"]
    assert [(p["kind"], p["text"]) for p in posts] == [("customer", "It still burns."), ("agent", "How can we help?")]
    assert posts[0]["id"] == added["cmt_id"] and posts[0]["author"] == "Sally Doe"
    assert set(posts[0]) == {"id", "kind", "author", "text", "created_at"}
    assert "secret internal note" not in str(body)


async def test_thread_pages_by_id_with_a_default_and_a_cap(api: Api):
    ticket = await api.create()
    for i in range(12):
        await service.customer_reply(api.workspace, ticket["hash"], Reply(f"message {i}"))
    first = _ok(await api.call("thread", hash=ticket["hash"]))["data"]
    assert len(first) == 10 and first[0]["text"] == "message 11"
    rest = _ok(await api.call("thread", hash=ticket["hash"], paginate=str(first[-1]["id"])))["data"]
    assert [p["text"] for p in rest] == ["message 1", "message 0"]
    assert len(_ok(await api.call("thread", hash=ticket["hash"], limit="3"))["data"]) == 3
    assert len(_ok(await api.call("thread", hash=ticket["hash"], limit="100"))["data"]) == 12
    assert (await api.call("thread", hash=ticket["hash"], limit="1000")).status_code == 500


async def test_a_customer_comment_follows_the_web_status_rules(api: Api):
    ticket = await api.create()
    agent = await _agent(api)
    await service.agent_reply(agent, ticket["number"], Reply("Please send a photo."))
    assert (await Ticket.select(Ticket.status).where(Ticket.id == ticket["id"]).first())["status"] == Status.WAITING
    body = _ok(await api.call("comment/add/customer", hash=ticket["hash"], text="Here it is."))
    assert body["ticket"] == ticket["hash"] and body["workspace"] == api.key
    entry = await TimelineEntry.select().where(TimelineEntry.id == body["cmt_id"]).first()
    assert entry["kind"] == "customer" and entry["body"] == "Here it is." and entry["ticket"] == ticket["id"]
    assert (await Ticket.select(Ticket.status).where(Ticket.id == ticket["id"]).first())["status"] == Status.OPEN
    too_long = await api.call("comment/add/customer", hash=ticket["hash"], text="x" * 4097)
    assert too_long.status_code == 500 and too_long.json()["invalid_fields"][0]["name"] == "text"


async def test_a_closed_ticket_takes_no_more_comments_or_files(api: Api):
    ticket = await api.create()
    await service.update_fields(await _agent(api), ticket["number"], FieldChanges(status=Status.CLOSED))
    response = await api.call("comment/add/customer", hash=ticket["hash"], text="Hello again")
    assert response.status_code == 403 and response.json()["error"]
    response = await api.call("attachment/add", hash=ticket["hash"], files=A_FILE)
    assert response.status_code == 403
    assert await TimelineEntry.count().where(TimelineEntry.kind == "customer") == 0
    assert await Attachment.count() == 0


async def test_the_customer_edits_only_their_own_unanswered_posts(api: Api):
    ticket = await api.create()
    agent = await _agent(api)
    first = _ok(await api.call("comment/add/customer", hash=ticket["hash"], text="Frist"))["cmt_id"]
    body = _ok(await api.call("comment/edit/customer", hash=ticket["hash"], cmt_id=str(first), text="First"))
    assert body == {"code": 200, "workspace": api.key, "ticket": ticket["hash"], "cmt_id": first}
    entry = await TimelineEntry.select().where(TimelineEntry.id == first).first()
    assert entry["body"] == "First" and entry["edited_at"] is not None
    await service.agent_reply(agent, ticket["number"], Reply("Answered."))
    await service.add_note(agent, ticket["number"], Reply("note"))
    entries = {e["kind"]: e["id"] for e in await TimelineEntry.select(TimelineEntry.id, TimelineEntry.kind)}
    answered = await api.call("comment/edit/customer", hash=ticket["hash"], cmt_id=str(first), text="Changed")
    assert answered.status_code == 403 and answered.json()["error"]
    reply = await api.call("comment/edit/customer", hash=ticket["hash"], cmt_id=str(entries["reply"]), text="Mine")
    assert reply.status_code == 403
    for hidden in (entries["note"], entries["event"], 999999):  # notes and events do not exist for the customer
        response = await api.call("comment/edit/customer", hash=ticket["hash"], cmt_id=str(hidden), text="x")
        assert response.status_code == 404 and response.json()["workspace"] == api.key
    bodies = {e["body"] for e in await TimelineEntry.select(TimelineEntry.body)}
    assert {"First", "Answered.", "note"} <= bodies and "Changed" not in bodies and "Mine" not in bodies


async def test_attachments_add_list_and_delete(api: Api, storage: Storage):
    ticket = await api.create()
    response = await api.call("attachment/add", hash=ticket["hash"],
                              files={"attachment": ("photo.png", b"\x89PNG data", "image/png")})
    body = _ok(response)
    file = body["file"]
    assert body["ticket"] == ticket["hash"]
    assert {k: file[k] for k in ("name", "size", "content_type", "uploaded_by")} == {
        "name": "photo.png", "size": 9, "content_type": "image/png", "uploaded_by": "customer"}
    assert file["url"] == f"http://helprealm.test/{api.key}/ticket/show/{ticket['hash']}/file/{file['id']}"
    download = await api.client.get(file["url"])
    assert download.status_code == 200 and download.content == b"\x89PNG data"
    listed = _ok(await api.call("attachments", hash=ticket["hash"]))
    assert listed["data"] == [file] and listed["ticket"] == ticket["hash"]
    stored = (await Attachment.select(Attachment.stored_name).first())["stored_name"]
    assert (storage.directory / stored).is_file()
    deleted = _ok(await api.call("attachment/delete", hash=ticket["hash"], file_id=str(file["id"])))
    assert deleted == {"code": 200, "workspace": api.key, "ticket": ticket["hash"], "success": True}
    assert await Attachment.count() == 0 and not (storage.directory / stored).exists()
    again = await api.call("attachment/delete", hash=ticket["hash"], file_id=str(file["id"]))
    assert again.status_code == 404


async def test_an_agents_file_is_not_the_customers_to_delete(api: Api, storage: Storage):
    ticket = await api.create()
    await service.add_agent_attachment(await _agent(api), ticket["number"],
                                       Upload("manual.pdf", "application/pdf", b"%PDF"), storage)
    listed = _ok(await api.call("attachments", hash=ticket["hash"]))["data"]
    assert [f["uploaded_by"] for f in listed] == ["agent"]
    response = await api.call("attachment/delete", hash=ticket["hash"], file_id=str(listed[0]["id"]))
    assert response.status_code == 403 and response.json()["error"]
    assert await Attachment.count() == 1


def _files_on_disk(storage: Storage) -> list:
    return list(storage.directory.iterdir()) if storage.directory.exists() else []


async def test_a_refused_file_stores_nothing(api: Api, storage: Storage):
    ticket = await api.create()
    response = await api.call("attachment/add", hash=ticket["hash"],
                              files={"attachment": ("run.exe", b"MZ", "application/octet-stream")})
    body = response.json()
    assert response.status_code == 500 and body["invalid_fields"] == [{"name": "attachment", "value": "run.exe"}]
    assert body["messages"]["attachment"]
    await update_settings(api.workspace["id"], max_upload_bytes=10)
    response = await api.call("attachment/add", hash=ticket["hash"],
                              files={"attachment": ("big.txt", b"x" * 11, "text/plain")})
    assert response.status_code == 500
    await update_settings(api.workspace["id"], max_upload_bytes=0, allow_customer_uploads=False)
    response = await api.call("attachment/add", hash=ticket["hash"], files=A_FILE)
    assert response.status_code == 403 and response.json()["error"]
    assert await Attachment.count() == 0 and _files_on_disk(storage) == []


async def test_the_ticket_file_cap_stores_nothing(settings):
    from litestar.testing import AsyncTestClient

    from app.asgi import create_app

    app = create_app(settings.replace(limits={"attachments_per_ticket": 1}))
    async with AsyncTestClient(app=app, base_url="http://helprealm.test") as client:
        api = await switched_on(client)
        ticket = await api.create()
        files = A_FILE
        assert (await api.call("attachment/add", hash=ticket["hash"], files=files)).status_code == 200
        response = await api.call("attachment/add", hash=ticket["hash"], files=files)
        assert response.status_code == 500 and response.json()["invalid_fields"][0]["name"] == "attachment"
        assert await Attachment.count() == 1 and len(list(settings.attachments_path.iterdir())) == 1


async def test_a_merged_ticket_follows_the_web_rules(api: Api):
    first, second = await api.create(), await api.create(subject="Printer still on fire")
    await service.merge(await _agent(api), second["number"], first["number"])
    info = _ok(await api.call("info", hash=second["hash"]))["data"]
    assert info["merged_into"] == first["hash"]
    response = await api.call("comment/add/customer", hash=second["hash"], text="Hello?")
    assert response.status_code == 403 and "merged" in response.json()["error"]


async def test_answers_match_their_documented_shapes(api: Api):
    """Every answer decodes strictly into the struct /schema documents for it (no field missing,
    none undocumented)."""
    def conforms(response, struct) -> None:
        body = response.json()
        msgspec.convert(body, struct, strict=True)
        assert set(body) <= set(struct.__struct_fields__), (set(body), struct)

    created = await api.call("create", **api.ticket_fields())
    conforms(created, shapes.HelpRealmCreated)
    ticket_hash = created.json()["data"]["hash"]
    conforms(await api.call("info", hash=ticket_hash), shapes.HelpRealmInfo)
    added = await api.call("comment/add/customer", hash=ticket_hash, text="More.")
    conforms(added, shapes.HelpRealmComment)
    conforms(await api.call("comment/edit/customer", hash=ticket_hash, cmt_id=str(added.json()["cmt_id"]),
                            text="More!"), shapes.HelpRealmComment)
    conforms(await api.call("thread", hash=ticket_hash), shapes.HelpRealmThread)
    file = await api.call("attachment/add", hash=ticket_hash, files=A_FILE)
    conforms(file, shapes.HelpRealmFileAdded)
    conforms(await api.call("attachments", hash=ticket_hash), shapes.HelpRealmFiles)
    conforms(await api.call("attachment/delete", hash=ticket_hash, file_id=str(file.json()["file"]["id"])),
             shapes.HelpRealmFileDeleted)
    conforms(await api.call("info", hash="x"), shapes.HelpRealmInvalidPostData)
    conforms(await api.call("info", hash="0" * 32), shapes.HelpRealmNotFound)
    conforms(await api.call("info", apitoken="nope", hash="0" * 32), shapes.HelpRealmRefused)
