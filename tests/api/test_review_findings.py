"""What a hostile review of the APIs found (issue 12), each pinned by a test: an unclear
`internal` is refused, never mailed; a note's file stays with the agents; webhook payloads carry
no e-mail addresses; nested JSON is a 400; a refused customer file never touches the disk; REST
texts follow the control-character rule of every other channel."""

from __future__ import annotations

import json

import pytest

from app.mail.tables import OutboxMail
from app.tickets import files
from app.tickets.refs import TicketById
from app.tickets.service.mail_in import _add_participants
from app.tickets.service.unit import CUSTOMER, change
from app.tickets.tables import Attachment, Ticket, TimelineEntry
from app.webhooks import service as hooks
from app.webhooks.service import HookForm
from app.webhooks.tables import WebhookDelivery
from app.workspaces.service import update_settings
from tests import factories
from tests.api.helprealm import switched_on
from tests.api.rest_world import make_world
from tests.journeys import workspace_with_admin


@pytest.mark.parametrize("body", [
    {"data": {"comment": "INTERNAL: refund fraud suspected", "internal": ["true", "true"]}},  # sent twice
    {"json": {"comment": "INTERNAL: refund fraud suspected", "internal": "y"}},
    {"json": {"comment": "INTERNAL: refund fraud suspected", "internal": {"yes": True}}},
])
async def test_an_unclear_internal_flag_is_refused_and_nothing_is_mailed(client, body):
    world = await make_world()
    before = (await OutboxMail.count(), await TimelineEntry.count())
    r = await client.post(f"/api/v1/tickets/{world.ticket['number']}/comments", headers=world.auth("ann"), **body)
    assert r.status_code == 422 and set(r.json()["error"]["fields"]) == {"internal"}
    assert (await OutboxMail.count(), await TimelineEntry.count()) == before


async def test_a_file_sent_with_an_internal_note_stays_with_the_agents(client):
    world = await make_world()
    r = await client.post(f"/api/v1/tickets/{world.ticket['number']}/comments", headers=world.auth("ann"),
                          data={"comment": "Internal: credit report attached", "internal": "true"},
                          files={"attachment": ("credit-report.txt", b"secret internal data", "text/plain")})
    assert r.status_code == 201 and r.json()["data"]["comment"]["internal"] is True
    file_id = r.json()["data"]["attachment"]["id"]
    assert (await Attachment.select().where(Attachment.id == file_id).first())["visible_to_customer"] is False
    page = f"/{world.workspace['key']}/ticket/show/{world.ticket['hash']}"
    assert "credit-report.txt" not in (await client.get(page)).text
    assert (await client.get(f"{page}/file/{file_id}")).status_code == 404
    agent_view = await client.get(f"/api/v1/tickets/{world.ticket['number']}", headers=world.auth("ann"))
    assert "credit-report.txt" in agent_view.text


async def test_webhook_payloads_carry_no_e_mail_addresses(client, settings):
    workspace, admin = await workspace_with_admin()
    viewer = await factories.viewer(admin)
    await hooks.register(viewer, HookForm(url="http://127.0.0.1:9/hook", events=("ticket.updated",), description="",
                                          active=True, secret="", regenerate=False), settings.webhooks)
    ticket = await factories.ticket(workspace)
    async with change(TicketById(workspace["id"], ticket["id"]), CUSTOMER) as c:  # a reply by mail with a Cc
        await _add_participants(c, ["ceo.private@customer.test"])
    row = await WebhookDelivery.select(WebhookDelivery.payload).where(WebhookDelivery.event == "ticket.updated").first()
    assert json.loads(row["payload"])["changes"] == [{"change": "participants", "added": 1}]
    assert "@" not in row["payload"]


async def test_deeply_nested_json_is_a_clear_400(client):
    world = await make_world()
    body = b'{"subject":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    r = await client.post("/api/v1/tickets", headers={**world.auth("bea"), "Content-Type": "application/json"},
                          content=body)
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request"


async def test_a_file_for_a_closed_ticket_is_refused_before_the_disk(client, monkeypatch):
    api = await switched_on(client)
    await update_settings(api.workspace["id"], allow_customer_uploads=True)
    ticket = await api.create()
    await Ticket.update({Ticket.status: 3}).where(Ticket.id == ticket["id"])  # closed
    written = []
    real = files.store
    monkeypatch.setattr(files, "store", lambda folder, data: written.append(len(data)) or real(folder, data))
    r = await api.call("attachment/add", hash=ticket["hash"],
                       files={"attachment": ("a.txt", b"x" * 1000, "text/plain")})
    assert r.status_code == 403 and written == []


async def test_rest_texts_refuse_control_characters_like_every_channel(client):
    world = await make_world()
    before = await TimelineEntry.count()
    r = await client.post(f"/api/v1/tickets/{world.ticket['number']}/comments", headers=world.auth("ann"),
                          json={"comment": "hi\u0000\u001bthere"})
    assert r.status_code == 422 and "comment" in r.json()["error"]["fields"]
    assert await TimelineEntry.count() == before
