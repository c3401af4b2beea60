"""The Trivial Tickets mail gateway API through the test client: every case of the contract, the
token, another workspace's mail ids, methods, bodies that break the contract."""

from __future__ import annotations

import json
from datetime import timedelta
from email import message_from_bytes, policy

import pytest

from app import clock
from app.db import write
from app.mail import gateway, outbox
from app.mail.inbound import MailIn, Outcome
from app.mail.tables import MailAttempt, OutboxMail
from app.workspaces import api_access
from app.workspaces.service import update_settings
from tests import factories


@pytest.fixture
async def acme(client):
    """Acme with a mail gateway token, and Other (another workspace) with its own."""
    workspace, ann = await factories.workspace()
    other, _bea = await factories.workspace(company="Other", email="bea@other.test")
    token = await gateway.generate_token(workspace["id"], None)
    other_token = await gateway.generate_token(other["id"], None)
    return {"workspace": workspace, "ann": ann, "token": token, "other": other, "other_token": other_token}


@pytest.fixture
def received(monkeypatch) -> list[tuple[dict, bytes, str]]:
    """Stand in for the pipeline: record what `receive` hands it, answer "created"."""
    calls: list[tuple[dict, bytes, str]] = []

    async def fake(self, workspace, raw, *, source):
        calls.append((workspace, raw, source))
        return Outcome("created", "h" * 32)

    monkeypatch.setattr(MailIn, "receive", fake)
    return calls


def _auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _url(workspace: dict, name: str) -> str:
    return f"/api/{workspace['key']}/mail/{name}"


GOOD = {"from": "sally@customer.test", "subject": "Printer on fire", "message": "It is really on fire.\nHelp!"}


async def test_receive_hands_a_real_mail_to_the_pipeline(client, acme, received):
    response = await client.post(_url(acme["workspace"], "receive"), json=GOOD, headers=_auth(acme["token"]))
    assert response.status_code == 200
    assert response.json() == {"message": "OK", "status": 200, "outcome": "created", "ticket": "h" * 32,
                               "reason": ""}
    [(workspace, raw, source)] = received
    assert workspace["id"] == acme["workspace"]["id"] and source == "gateway"
    message = message_from_bytes(raw, policy=policy.default)
    assert message["From"] == "sally@customer.test" and message["Subject"] == "Printer on fire"
    assert message["Message-ID"].startswith("<") and message["Date"]
    assert message.get_content_type() == "text/plain" and message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n") == "It is really on fire.\nHelp!\n"  # CRLF: as on the wire
    # Each message its own Message-ID: the pipeline's dedup must not fold two submissions into one.
    await client.post(_url(acme["workspace"], "receive"), json=GOOD, headers=_auth(acme["token"]))
    assert message_from_bytes(received[1][1])["Message-ID"] != message["Message-ID"]


async def test_receive_keeps_unicode_and_folds_a_subject_with_line_breaks(client, acme, received):
    body = {"from": "jörg@bücher.example", "subject": "Drucker\r\nBcc: evil@x.test brennt 🔥",
            "message": "Grüße, Ярослав"}
    response = await client.post(_url(acme["workspace"], "receive"), json=body, headers=_auth(acme["token"]))
    assert response.status_code == 200, response.text
    message = message_from_bytes(received[0][1], policy=policy.default)
    assert message["Subject"] == "Drucker Bcc: evil@x.test brennt 🔥" and message["Bcc"] is None
    assert message["From"] == "jörg@bücher.example"
    assert message.get_content().strip() == "Grüße, Ярослав"


@pytest.mark.parametrize("body", [
    b"not json", b"", b"[1, 2]", b'"a string"', b"[" * 100_000,
    json.dumps({"from": "sally@customer.test", "subject": "S"}).encode(),  # missing
    json.dumps({**GOOD, "extra": "x"}).encode(),  # extra
    json.dumps({**GOOD, "message": 42}).encode(),  # not a string
    json.dumps({**GOOD, "subject": None}).encode(),
    json.dumps({**GOOD, "from": "not an address"}).encode(),
    json.dumps({**GOOD, "from": "sally@customer.test\r\nBcc: x@y.test"}).encode(),
    json.dumps({**GOOD, "from": ""}).encode(),
    # Lone surrogates are valid JSON escapes but no text: no mail can carry them.
    b'{"from": "sally@customer.test", "subject": "S\\ud800", "message": "M"}',
    b'{"from": "sally@customer.test", "subject": "S", "message": "\\udfff"}',
    b'{"from": "s\\ud800@customer.test", "subject": "S", "message": "M"}',
    "{\"from\": \"sally@customer.test\", \"subject\": \"S\", \"message\": \"caf\u00e9\"}".encode("latin-1"),
])
async def test_receive_refuses_bodies_that_break_the_contract(client, acme, received, body):
    response = await client.post(_url(acme["workspace"], "receive"), content=body,
                                 headers={**_auth(acme["token"]), "Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == 400 and response.json()["error"]
    assert received == []


async def test_a_huge_body_is_413(client, acme, received):
    body = {**GOOD, "message": "x" * (2 * 1024 * 1024)}
    response = await client.post(_url(acme["workspace"], "receive"), json=body, headers=_auth(acme["token"]))
    assert response.status_code == 413 and response.json()["code"] == 413
    assert received == []


@pytest.mark.parametrize("name", ["receive", "fetchMails", "verifyMail"])
async def test_the_token_is_required_and_must_be_this_workspaces(client, acme, received, name):
    method = client.get if name == "fetchMails" else client.post
    kwargs = {} if name == "fetchMails" else {"json": GOOD if name == "receive" else {"id": "1"}}
    url = _url(acme["workspace"], name)
    api_token = await api_access.generate_token(acme["workspace"]["id"], None)
    await api_access.set_access(acme["workspace"]["id"], None, True)
    for headers in ({}, _auth(""), _auth("wrong"), _auth(acme["other_token"]), _auth(api_token),
                    {"Authorization": acme["token"]}, {"Authorization": f"Basic {acme['token']}"},
                    _auth("x" * 10_000)):
        response = await method(url, headers=headers, **kwargs)
        assert response.status_code == 401, (headers, response.text)
        assert response.json()["code"] == 401
    assert received == []
    # Unknown, malformed and cancelled workspaces are not found (with any token).
    for key in ("0" * 32, "short", acme["other"]["key"][:-1] + "?"):
        response = await method(f"/api/{key}/mail/{name}", headers=_auth(acme["token"]), **kwargs)
        assert response.status_code in (404, 400) and response.json()["code"] == response.status_code
    # API access switched off does not stop mail.
    await api_access.set_access(acme["workspace"]["id"], None, False)
    response = await method(url, headers=_auth(acme["token"]), **kwargs)
    assert response.status_code == 200, response.text
    await update_settings(acme["workspace"]["id"], cancelled_at=clock.now())
    response = await method(url, headers=_auth(acme["token"]), **kwargs)
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["receive", "fetchMails", "verifyMail"])
async def test_other_methods_are_405_json(client, acme, name):
    url = _url(acme["workspace"], name)
    for method in ("PUT", "DELETE", "PATCH", "GET" if name != "fetchMails" else "POST"):
        response = await client.request(method, url, headers=_auth(acme["token"]))
        assert response.status_code == 405, (method, response.text)
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["code"] == 405


async def _queue(workspace_id: int | None, to: str = "sally@customer.test", subject: str = "Re: Printer") -> dict:
    async with write():
        return await outbox.enqueue(to=to, subject=subject, text=f"Hello {to}", html="<p>Hello</p>",
                                    purpose="agent_reply", domain="helprealm.test", workspace_id=workspace_id)


async def test_fetch_answers_the_pending_mails_only_when_the_gateway_delivers(client, acme):
    workspace, other = acme["workspace"], acme["other"]
    first = await _queue(workspace["id"])
    second = await _queue(workspace["id"], to="tom@customer.test", subject="Ticket closed")
    await _queue(other["id"], to="olga@other.test")
    await _queue(None, to="someone@installation.test")
    fetch = _url(workspace, "fetchMails")
    response = await client.get(fetch, headers=_auth(acme["token"]))
    assert response.status_code == 200 and response.json() == {}  # SMTP delivers: nothing to fetch

    await gateway.set_deliver_outgoing(workspace["id"], None, True)
    mails = (await client.get(fetch, headers=_auth(acme["token"]))).json()
    assert list(mails) == [str(first["id"]), str(second["id"])]
    assert mails[str(first["id"])] == {"id": str(first["id"]), "from": "helprealm@localhost",
                                       "to": "sally@customer.test", "subject": "Re: Printer",
                                       "message": "Hello sally@customer.test"}
    # Fetching deletes nothing; a mail not due yet (a retry later) is not fetched.
    assert list((await client.get(fetch, headers=_auth(acme["token"]))).json()) == list(mails)
    later = await _queue(workspace["id"])
    await OutboxMail.update({OutboxMail.next_attempt_at: clock.now() + timedelta(hours=1)}).where(
        OutboxMail.id == later["id"])
    assert str(later["id"]) not in (await client.get(fetch, headers=_auth(acme["token"]))).json()
    # Other's token reads Other's (empty: it delivers through SMTP), never Acme's.
    assert (await client.get(_url(other, "fetchMails"), headers=_auth(acme["other_token"]))).json() == {}


async def test_verify_marks_this_workspaces_mail_sent_once(client, acme):
    workspace, other = acme["workspace"], acme["other"]
    await gateway.set_deliver_outgoing(workspace["id"], None, True)
    await gateway.set_deliver_outgoing(other["id"], None, True)
    mine = await _queue(workspace["id"])
    theirs = await _queue(other["id"])
    verify = _url(workspace, "verifyMail")

    async def verified(mail_id: str) -> bool:
        response = await client.post(verify, json={"id": mail_id}, headers=_auth(acme["token"]))
        assert response.status_code == 200, response.text
        assert response.json()["message"] == "OK" and response.json()["status"] == 200
        return response.json()["verified"]

    assert await verified(str(theirs["id"])) is False  # another workspace's id is unknown here
    assert await verified("999999") is False
    assert await verified("-1") is False and await verified("1e3") is False and await verified("9" * 30) is False
    assert await verified(str(mine["id"])) is True
    assert await verified(str(mine["id"])) is False  # already sent
    row = await OutboxMail.select().where(OutboxMail.id == mine["id"]).first()
    assert row["status"] == "sent" and row["sent_at"] is not None and row["attempts"] == 1
    assert [(a["mail"], a["ok"]) for a in await MailAttempt.select()] == [(mine["id"], True)]
    assert (await OutboxMail.select().where(OutboxMail.id == theirs["id"]).first())["status"] == "pending"
    fetched = (await client.get(_url(workspace, "fetchMails"), headers=_auth(acme["token"]))).json()
    assert fetched == {}  # a sent mail is not fetched again
    for body in (b"{", b"[]", b'{"id": 1}', b'{"id": "1", "x": "y"}', b"{}", b'{"mailId": "1"}'):
        response = await client.post(verify, content=body, headers={**_auth(acme["token"]),
                                                                     "Content-Type": "application/json"})
        assert response.status_code == 400, body


async def test_the_mail_leaves_from_the_workspaces_own_address_when_it_has_one(client, acme):
    from app.mail.workspace_mail import WorkspaceMail

    workspace = acme["workspace"]
    await WorkspaceMail(workspace=workspace["id"], address="help@acme.test", updated_at=clock.now()).save()
    await gateway.set_deliver_outgoing(workspace["id"], None, True)
    await _queue(workspace["id"])
    [mail] = (await client.get(_url(workspace, "fetchMails"), headers=_auth(acme["token"]))).json().values()
    assert mail["from"] == "help@acme.test"


async def test_receive_goes_through_the_real_pipeline(client, acme):
    """A new mail opens a ticket; the customer's reply with [ID:<hash>] lands in it; a stranger's
    copy of the hash is quarantined, never posted (the pipeline's rules, not the gateway's)."""
    from app.tickets.tables import Ticket, TimelineEntry

    url, headers = _url(acme["workspace"], "receive"), _auth(acme["token"])
    created = (await client.post(url, json=GOOD, headers=headers)).json()
    assert created["message"] == "OK" and created["status"] == 200 and created["outcome"] == "created"
    ticket = await Ticket.select().where(Ticket.hash == created["ticket"]).first()
    assert ticket["workspace"] == acme["workspace"]["id"] and ticket["customer_email"] == "sally@customer.test"
    reply = {**GOOD, "subject": f"Re: Printer on fire [ID:{created['ticket']}]", "message": "Still burning."}
    appended = (await client.post(url, json=reply, headers=headers)).json()
    assert (appended["outcome"], appended["ticket"]) == ("appended", created["ticket"])
    stranger = (await client.post(url, json={**reply, "from": "mallory@evil.test"}, headers=headers)).json()
    assert stranger["outcome"] == "quarantined" and stranger["reason"]
    texts = [p["body"] for p in await TimelineEntry.select(TimelineEntry.body).where(
        TimelineEntry.ticket == ticket["id"], TimelineEntry.kind == "customer")]
    assert texts == ["Still burning."]  # the reply; the stranger's copy posted nothing


def test_odd_text_still_makes_a_mail_the_parser_reads():
    from app.mail.gateway_outbox import receive_message
    from app.mail.parse import parse_message

    odd = {"from": "sally@customer.test", "subject": "\x00 " + "s" * 2000, "message": "a\x00b\r\n" + "x" * 5000}
    parsed = parse_message(receive_message(odd, domain="helprealm.test"))
    assert parsed.from_address == "sally@customer.test" and parsed.subject.endswith("s" * 100)
    assert "x" * 5000 in parsed.text.replace("\n", "")
