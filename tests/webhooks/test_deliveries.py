"""Webhook deliveries: written with the change, one per event a hook wants, signed and sent by
the loop (its run_once, no sleeps) to a real receiver that verifies the signature; retries with
backoff, no redirects, the address checked at every delivery, switch-off after failures."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest

from app import clock
from app.config import WebhookSettings
from app.errors import NotFound, ValidationFailed
from app.mail.tables import OutboxMail
from app.tickets import service as tickets
from app.tickets.inputs import FieldChanges, Reply
from app.tickets.refs import AgentTicket
from app.tickets.service.unit import Actor, change
from app.tickets.status import Status
from app.webhooks import events, sender, service
from app.webhooks.tables import Webhook, WebhookAttempt, WebhookDelivery
from tests import factories
from tests.webhooks.conftest import verify

ALLOW = WebhookSettings(allow_private_hosts=True, timeout_seconds=5)


async def _setup(receiver, hook_form, events=None, settings=ALLOW):
    workspace, admin = await factories.workspace()
    viewer = await factories.viewer(admin)
    form = hook_form(receiver.url()) if events is None else hook_form(receiver.url(), events=events)
    hook, secret = await service.register(viewer, form, settings)
    return workspace, viewer, hook, secret


async def _deliveries(**where) -> list[dict]:
    query = WebhookDelivery.select().order_by(WebhookDelivery.id)
    for name, value in where.items():
        query = query.where(getattr(WebhookDelivery, name) == value)
    return await query


async def test_a_new_ticket_is_posted_signed_with_its_payload(database, receiver, hook_form):
    workspace, viewer, hook, secret = await _setup(receiver, hook_form)
    ticket = await factories.ticket(workspace)
    [delivery] = await _deliveries()
    assert (delivery["event"], delivery["status"], delivery["ticket"]) == ("ticket.created", "pending", ticket["id"])

    assert await sender.WebhookSender(ALLOW).run_once() == 1
    [got] = receiver.requests
    assert got.method == "POST" and got.path == "/hook"
    assert got.headers["content-type"] == "application/json"
    assert got.headers["user-agent"].startswith("HelpRealm-Webhooks/")
    assert got.headers["x-helprealm-event"] == "ticket.created"
    assert verify(secret, got.headers["x-helprealm-signature"], got.body)
    assert not verify("another secret", got.headers["x-helprealm-signature"], got.body)
    assert got.body.decode() == delivery["payload"]  # the exact stored body
    body = got.json
    assert got.headers["x-helprealm-delivery"] == body["id"]
    assert body["event"] == "ticket.created" and body["workspace"] == workspace["key"]
    t = body["ticket"]
    assert (t["number"], t["subject"], t["status"], t["status_name"], t["priority"]) == (
        ticket["number"], "Printer on fire", 1, "Open", 1)
    assert t["url"] == f"http://helprealm.test/tickets/{ticket['number']}" or t["url"].endswith(f"/{ticket['number']}")
    assert ticket["hash"] not in got.body.decode() and ticket["customer_email"] not in got.body.decode()

    [row] = await _deliveries()
    assert row["status"] == "sent" and row["attempts"] == 1 and row["last_status_code"] == 200
    [attempt] = await WebhookAttempt.select()
    assert attempt["status_code"] == 200 and attempt["error"] == "" and attempt["duration_ms"] >= 0


async def test_each_change_becomes_its_event(database, receiver, hook_form):
    workspace, viewer, hook, _secret = await _setup(receiver, hook_form)
    ticket = await factories.ticket(workspace)
    number = ticket["number"]
    await tickets.agent_reply(viewer, number, Reply("We are on it."))
    await tickets.customer_reply(workspace, ticket["hash"], Reply("Thanks!"))
    await tickets.add_note(viewer, number, Reply("Call the fire brigade"))
    await tickets.update_fields(viewer, number, FieldChanges(status=Status.IN_PROGRESS))
    await tickets.update_fields(viewer, number, FieldChanges(prio=3))
    await tickets.set_tags(viewer, number, ["fire"])
    await tickets.assign(viewer, number, viewer.agent_id)
    await sender.WebhookSender(ALLOW).run_once()
    got = [(r.headers["x-helprealm-event"], r.json) for r in receiver.requests]
    names = [name for name, _body in got]
    # An agent's reply moves the status (open -> waiting), the customer's moves it back.
    assert names == ["ticket.created", "reply.added", "status.changed", "reply.added", "status.changed",
                     "note.added", "status.changed", "ticket.updated", "ticket.updated", "ticket.assigned"]
    assert got[1][1]["post"] == {"kind": "agent", "author": "Ann Admin", "body": "We are on it."}
    assert got[3][1]["post"] == {"kind": "customer", "author": "Sally Doe", "body": "Thanks!"}
    assert got[5][1]["post"] == {"kind": "note", "author": "Ann Admin", "body": "Call the fire brigade"}
    assert got[2][1]["status"] == {"from": 1, "from_name": "Open", "to": 2, "to_name": "Waiting"}
    status = got[6][1]
    assert status["status"]["to"] == 4 and status["status"]["to_name"] == "In progress"
    assert status["ticket"]["status"] == 4
    updates = [b["changes"] for n, b in got if n == "ticket.updated"]
    assert updates[0] == [{"change": "priority", "from": 1, "to": 3}]
    assert updates[1][0]["change"] == "tags" and updates[1][0]["added"] == ["fire"]
    assigned = next(b for n, b in got if n == "ticket.assigned")
    assert assigned["assignee"] == {"id": viewer.agent_id, "name": "Ann Admin"}
    assert assigned["ticket"]["assignee"] == "Ann Admin"


async def test_a_hook_gets_only_the_events_it_chose(database, receiver, hook_form):
    workspace, viewer, _hook, _secret = await _setup(receiver, hook_form, events=("note.added",))
    ticket = await factories.ticket(workspace)
    await tickets.agent_reply(viewer, ticket["number"], Reply("Hello"))
    assert await _deliveries() == []
    await tickets.add_note(viewer, ticket["number"], Reply("Internal"))
    assert [d["event"] for d in await _deliveries()] == ["note.added"]


async def test_a_rolled_back_change_writes_no_delivery(database, receiver, hook_form):
    workspace, viewer, _hook, _secret = await _setup(receiver, hook_form, events=("reply.added",))
    ticket = await factories.ticket(workspace)
    with pytest.raises(RuntimeError):
        async with change(AgentTicket(viewer, ticket["number"]), Actor.agent(viewer)) as c:
            c.post("reply", "never sent")
            await c.flush()  # the delivery row is written inside the transaction...
            assert len(await _deliveries()) == 1
            raise RuntimeError("...and goes with it")
    assert await _deliveries() == []


async def test_a_workspace_without_hooks_costs_no_query(database, receiver, hook_form, monkeypatch):
    workspace, admin = await factories.workspace(company="Beta", email="bea@beta.test")
    viewer = await factories.viewer(admin)
    ticket = await factories.ticket(workspace)  # the first change loads (and caches) "no hooks"

    def no_query(*args, **kwargs):
        raise AssertionError("the hooks were read again")

    monkeypatch.setattr(Webhook, "select", no_query)
    await tickets.agent_reply(viewer, ticket["number"], Reply("Hello"))
    monkeypatch.undo()
    # A hook registered now is seen at the next change (the cache is dropped with the write).
    await service.register(viewer, hook_form(receiver.url(), events=("reply.added",)), ALLOW)
    await tickets.agent_reply(viewer, ticket["number"], Reply("Again"))
    assert [d["event"] for d in await _deliveries()] == ["reply.added"]


async def test_a_failing_receiver_is_retried_with_backoff(database, receiver, hook_form):
    workspace, _viewer, _hook, secret = await _setup(receiver, hook_form, events=("ticket.created",))
    receiver.script = [(500, {})]
    with clock.frozen() as frozen:
        await factories.ticket(workspace)
        loop = sender.WebhookSender(ALLOW)
        assert await loop.run_once() == 1
        [row] = await _deliveries()
        assert row["status"] == "pending" and row["attempts"] == 1 and row["last_status_code"] == 500
        assert row["next_attempt_at"] == clock.now() + sender.retry_delay(1) == clock.now() + timedelta(seconds=30)
        assert await loop.run_once() == 0  # not due yet
        frozen.advance(seconds=30)
        assert await loop.run_once() == 1
    assert len(receiver.requests) == 2 and receiver.requests[0].body == receiver.requests[1].body
    assert all(verify(secret, r.headers["x-helprealm-signature"], r.body) for r in receiver.requests)
    [row] = await _deliveries()
    assert row["status"] == "sent" and row["attempts"] == 2
    attempts = await WebhookAttempt.select().order_by(WebhookAttempt.id)
    assert [a["status_code"] for a in attempts] == [500, 200] and attempts[0]["error"].startswith("HTTP 500")
    assert sender.retry_delay(3) == timedelta(minutes=2) and sender.retry_delay(30) == sender.LONGEST_RETRY


async def test_the_last_attempt_fails_the_delivery(database, receiver, hook_form):
    workspace, _viewer, _hook, _secret = await _setup(receiver, hook_form, events=("ticket.created",))
    receiver.script = [(503, {})] * 2
    settings = dataclasses.replace(ALLOW, max_attempts=2)
    with clock.frozen() as frozen:
        await factories.ticket(workspace)
        loop = sender.WebhookSender(settings)
        await loop.run_once()
        frozen.advance(hours=1)
        await loop.run_once()
    [row] = await _deliveries()
    assert row["status"] == "failed" and row["attempts"] == 2
    assert (await Webhook.select(Webhook.failures_in_row).first())["failures_in_row"] == 1


async def test_a_redirect_is_not_followed(database, receiver, hook_form):
    workspace, _viewer, _hook, _secret = await _setup(receiver, hook_form, events=("ticket.created",))
    receiver.script = [(302, {"Location": receiver.url("/elsewhere")})]
    await factories.ticket(workspace)
    await sender.WebhookSender(ALLOW).run_once()
    assert [r.path for r in receiver.requests] == ["/hook"]
    [row] = await _deliveries()
    assert row["status"] == "pending" and row["last_status_code"] == 302 and "redirect" in row["last_error"]


async def test_private_addresses_are_refused_at_save_and_at_delivery(database, receiver, hook_form):
    strict = WebhookSettings(allow_private_hosts=False)
    workspace, admin = await factories.workspace()
    viewer = await factories.viewer(admin)
    for url in (receiver.url(), receiver.url(host="localhost"), "http://10.0.0.8/hook", "http://[::1]/x",
                "http://169.254.169.254/latest"):
        with pytest.raises(ValidationFailed) as refused:
            await service.register(viewer, hook_form(url), strict)
        assert "private" in refused.value.errors["url"]
    # Saved while allowed (or the name resolved elsewhere then): the check at delivery still refuses.
    await service.register(viewer, hook_form(receiver.url(host="localhost"), events=("ticket.created",)), ALLOW)
    await factories.ticket(workspace)
    await sender.WebhookSender(strict).run_once()
    assert receiver.requests == []
    [row] = await _deliveries()
    assert row["status"] == "pending" and row["last_status_code"] is None and row["last_error"].startswith("Refused")
    with clock.frozen() as frozen:
        frozen.advance(minutes=5)
        await sender.WebhookSender(ALLOW).run_once()
    assert len(receiver.requests) == 1 and receiver.requests[0].headers["host"] == f"localhost:{receiver.port}"


@pytest.mark.parametrize("url", ["ftp://example.com/x", "javascript:alert(1)", "http://", "example.com/hook",
                                 "http://user:pw@example.com/", "http://exa mple.com/", "http://example.com/\x00",
                                 "http://example.com:99999/", "http://exämple.com/", "http://x/" + "a" * 2000])
async def test_bad_urls_are_refused(database, hook_form, url):
    workspace, admin = await factories.workspace()
    viewer = await factories.viewer(admin)
    with pytest.raises(ValidationFailed) as refused:
        await service.register(viewer, hook_form(url), ALLOW)
    assert refused.value.errors["url"]


async def test_a_hook_that_keeps_failing_is_switched_off_and_the_admins_mailed(database, receiver, hook_form):
    settings = dataclasses.replace(ALLOW, max_attempts=1, disable_after_failures=2)
    workspace, viewer, hook, _secret = await _setup(receiver, hook_form, events=("ticket.created", "reply.added"))
    receiver.script = [(500, {}), (200, {}), (500, {}), (500, {})]
    loop = sender.WebhookSender(settings)
    ticket = await factories.ticket(workspace)
    await loop.run_once()  # failed (1 in a row)
    await tickets.agent_reply(viewer, ticket["number"], Reply("one"))
    await loop.run_once()  # sent: the count starts again
    assert (await service.get(workspace["id"], hook["id"]))["failures_in_row"] == 0
    for text in ("two", "three"):
        await tickets.agent_reply(viewer, ticket["number"], Reply(text))
        await loop.run_once()
    row = await service.get(workspace["id"], hook["id"])
    assert not row["active"] and row["disabled_at"] is not None and row["failures_in_row"] == 2
    assert row["disabled_reason"].startswith("HTTP 500")
    [mail] = await OutboxMail.select().where(OutboxMail.purpose == "webhook_disabled")
    assert mail["to_address"] == "ann@acme.test" and receiver.url() in mail["body_text"]
    assert f"/admin/webhooks/{hook['id']}" in mail["body_text"]
    # Off: new changes write no deliveries (the cached list was dropped).
    await tickets.agent_reply(viewer, ticket["number"], Reply("four"))
    assert len(await _deliveries()) == 4


async def test_a_delivery_left_sending_by_a_crash_is_sent_again(database, receiver, hook_form):
    workspace, _viewer, _hook, _secret = await _setup(receiver, hook_form, events=("ticket.created",))
    await factories.ticket(workspace)
    await WebhookDelivery.update({WebhookDelivery.status: "sending"}).where(WebhookDelivery.id > 0)
    loop = sender.WebhookSender(ALLOW)
    assert await loop.run_once() == 0
    assert await loop.recover() == 1
    assert await loop.run_once() == 1
    [row] = await _deliveries()
    assert row["status"] == "sent" and row["attempts"] == 2 and len(receiver.requests) == 1
    assert [a["error"] for a in await WebhookAttempt.select().order_by(WebhookAttempt.id)][0] == sender.INTERRUPTED


async def test_the_ping_and_retry_now(database, receiver, hook_form):
    workspace, viewer, hook, secret = await _setup(receiver, hook_form, events=("ticket.created",))
    done = await service.send_test(viewer, hook["id"], ALLOW)
    assert done["status"] == "sent" and receiver.requests[0].json["event"] == events.PING
    assert verify(secret, receiver.requests[0].headers["x-helprealm-signature"], receiver.requests[0].body)
    receiver.script = [(500, {})]
    settings = dataclasses.replace(ALLOW, max_attempts=1)
    await factories.ticket(workspace)
    await sender.WebhookSender(settings).run_once()
    failed = (await _deliveries(event="ticket.created"))[0]
    assert failed["status"] == "failed"
    done = await service.retry(viewer, hook["id"], failed["id"], settings)
    assert done["status"] == "sent" and len(receiver.requests) == 3
    other, other_admin = await factories.workspace(company="Other", email="o@other.test")
    with pytest.raises(NotFound):  # another workspace's hook
        await service.send_test(await factories.viewer(other_admin), hook["id"], ALLOW)


async def test_the_loop_sends_in_the_background_and_stops_cleanly(database, receiver, hook_form):
    workspace, _viewer, _hook, _secret = await _setup(receiver, hook_form, events=("ticket.created",))
    stop = asyncio.Event()
    task = asyncio.create_task(sender.WebhookSender(dataclasses.replace(ALLOW, send_interval_seconds=0.05))
                               .run_forever(stop))
    await factories.ticket(workspace)  # the loop's event loop stays free: this write and the POST interleave
    assert await asyncio.to_thread(receiver.arrived.wait, 10)
    stop.set()
    await asyncio.wait_for(task, 5)
    [row] = await _deliveries()
    assert row["status"] == "sent" and len(receiver.requests) == 1
