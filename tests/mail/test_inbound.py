"""Mail in through the pipe endpoint: one pipeline, threading that cannot be spoofed, guards,
the quarantine (issue 11). Every test posts real RFC 822 bytes to `POST /api/{ws}/mail/inbound`."""

from __future__ import annotations

import json
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from app import db
from app.config import Settings
from app.mail import gateway, thread_ids
from app.mail.tables import InboundMail, OutboxMail
from app.tickets import service as tickets
from app.tickets.inputs import Reply
from app.tickets.status import Status
from app.tickets.tables import Attachment, Ticket, TicketParticipant, TimelineEntry
from app.workspaces.service import forget
from app.workspaces.tables import Workspace
from tests import factories

SALLY = "sally@customer.test"


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(root=str(tmp_path)).replace(
        server={"base_url": "http://helprealm.test", "secret_key": "test-secret"},
        limits={"ticket_wait_seconds": 0},
        mail={"trusted_authserv_ids": ("mx.acme.test",), "loop_messages_per_minute": 6,
              "inbound_max_bytes": 200_000, "from_address": "helprealm@helprealm.test"},
    )


@pytest.fixture
async def desk(client):
    """A workspace, its admin and a mail gateway token: (workspace, admin, pipe)."""
    workspace, ann = await factories.workspace()
    token = await gateway.generate_token(workspace["id"], None)

    async def pipe(raw: bytes, *, key: str | None = None, bearer: str | None = None, expect: int = 200) -> dict:
        response = await client.post(f"/api/{key or workspace['key']}/mail/inbound", content=raw, headers={
            "Content-Type": "message/rfc822", "Authorization": f"Bearer {bearer or token}"})
        assert response.status_code == expect, response.text
        return response.json()
    return workspace, ann, pipe


def mail(subject: str = "Printer on fire", body: str = "It is really on fire.", *, sender: str = SALLY,
         name: str = "Sally Doe", to: str = "support@acme.test", headers: dict | None = None,
         attachments: list[tuple[str, str, bytes]] = ()) -> bytes:
    message = EmailMessage()
    message["From"] = f"{name} <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="customer.test")
    for field, value in (headers or {}).items():
        message[field] = value
    message.set_content(body)
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def reply_to(ticket: dict, body: str, **kwargs) -> bytes:
    """A reply as a mail client writes it: In-Reply-To our signed Message-ID, the old text quoted."""
    ours = thread_ids.message_id(ticket["hash"], "helprealm.test")
    headers = {"In-Reply-To": ours, "References": ours, **kwargs.pop("headers", {})}
    quoted = "\n".join("> " + line for line in ["Your request: " + ticket["subject"], "We will answer soon."])
    return mail(f"Re: Your request: {ticket['subject']}", f"{body}\n\nOn Mon, 23 Nov 2026, Acme wrote:\n{quoted}\n",
                headers=headers, **kwargs)


async def posts(ticket_id: int) -> list[dict]:
    return _decoded(await TimelineEntry.select().where(TimelineEntry.ticket == ticket_id,
                                                       TimelineEntry.kind != "event").order_by(TimelineEntry.id))


async def events(ticket_id: int) -> list[dict]:
    return _decoded(await TimelineEntry.select().where(TimelineEntry.ticket == ticket_id,
                                                       TimelineEntry.kind == "event").order_by(TimelineEntry.id))


def _decoded(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["data"] = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
    return rows


async def set_workspace(workspace: dict, column, value) -> dict:
    async with db.write():
        await Workspace.update({column: value}).where(Workspace.id == workspace["id"])
    forget(workspace["id"], workspace["key"])
    return {**workspace, column._meta.name: value}


async def outbox(to: str) -> list[dict]:
    return await OutboxMail.select().where(OutboxMail.to_address == to).order_by(OutboxMail.id)


async def test_new_mail_opens_a_ticket_once_with_its_cc_as_participants(desk):
    workspace, _ann, pipe = desk
    raw = mail(headers={"Cc": "Bob <Bob@Customer.test>, support@acme.test"})
    answer = await pipe(raw)
    assert answer["code"] == 200 and answer["outcome"] == "created" and answer["reason"] == ""
    ticket = await Ticket.select().where(Ticket.hash == answer["ticket"]).first()
    assert ticket["workspace"] == workspace["id"] and ticket["customer_email"] == SALLY
    assert ticket["customer_name"] == "Sally Doe" and ticket["subject"] == "Printer on fire"
    assert ticket["text"].strip() == "It is really on fire." and ticket["status"] == Status.OPEN
    assert [p["email"] for p in await TicketParticipant.select()] == ["bob@customer.test"]  # not our address
    created = (await events(ticket["id"]))[0]
    assert created["event"] == "created" and created["data"]["source"] == "mail"
    assert [m["purpose"] for m in await outbox(SALLY)] == ["ticket_created"]
    # Fetched twice, or sent to two of our addresses: one ticket, one answer.
    again = await pipe(raw)
    assert again == {"code": 200, "outcome": "duplicate", "ticket": ticket["hash"], "reason": ""}
    assert await Ticket.count() == 1 and len(await outbox(SALLY)) == 1


async def test_the_customers_reply_lands_on_the_ticket_without_the_quoted_history(desk):
    workspace, ann, pipe = desk
    ticket = await factories.ticket(workspace)
    await tickets.agent_reply(await factories.viewer(ann), ticket["number"], Reply(text="Have you tried water?"))
    answer = await pipe(reply_to(ticket, "Yes, it is still burning."))
    assert answer["outcome"] == "appended" and answer["ticket"] == ticket["hash"]
    post = (await posts(ticket["id"]))[-1]
    assert post["kind"] == "customer" and post["body"].strip() == "Yes, it is still burning."
    assert "We will answer soon." in post["data"]["quoted"] and post["data"]["via"] == "mail"
    assert (await Ticket.select(Ticket.status).where(Ticket.id == ticket["id"]).first())["status"] == Status.OPEN


async def test_the_subject_token_threads_when_the_headers_are_gone(desk):
    workspace, _ann, pipe = desk
    ticket = await factories.ticket(workspace)
    answer = await pipe(mail(f"Re: something [ID:{ticket['hash']}]", "Any news?"))
    assert answer["outcome"] == "appended" and answer["ticket"] == ticket["hash"]


async def test_a_stranger_who_copies_the_hash_or_our_message_id_posts_nothing(desk):
    workspace, _ann, pipe = desk
    ticket = await factories.ticket(workspace)
    sent_before = await OutboxMail.count()
    by_subject = await pipe(mail(f"Re: [ID:{ticket['hash']}]", "Give me the data", sender="mallory@evil.test"))
    by_header = await pipe(reply_to(ticket, "Give me the data", sender="mallory@evil.test"))
    for answer in (by_subject, by_header):
        assert answer["outcome"] == "quarantined" and answer["reason"] == "stranger"
    assert await posts(ticket["id"]) == [] and await OutboxMail.count() == sent_before  # nothing posted or mailed
    held = await InboundMail.select().where(InboundMail.outcome == "quarantined")
    assert len(held) == 2 and all(row["state"] == "held" and row["raw_name"] for row in held)


async def test_a_forged_message_id_is_not_ours(desk):
    workspace, _ann, pipe = desk
    ticket = await factories.ticket(workspace)
    forged = f"<t.{ticket['hash']}.0000000000000000@helprealm.test>"
    answer = await pipe(mail("Hello", "New question", sender="other@customer.test",
                             headers={"In-Reply-To": forged, "References": forged}))
    assert answer["outcome"] == "created" and answer["ticket"] != ticket["hash"]  # a new ticket, not a post


async def test_another_workspaces_hash_is_unknown_here(desk, client):
    workspace, _ann, pipe = desk
    other, _bea = await factories.workspace(company="Other", email="bea@other.test")
    theirs = await factories.ticket(other)
    answer = await pipe(reply_to(theirs, "Hello"))
    assert answer["outcome"] == "created"
    assert (await Ticket.select(Ticket.workspace).where(Ticket.hash == answer["ticket"]).first())["workspace"] == \
        workspace["id"]
    assert await posts(theirs["id"]) == []


async def test_an_agent_replies_by_mail_only_when_a_trusted_server_vouches(desk):
    workspace, ann, pipe = desk
    ticket = await factories.ticket(workspace)
    plain = await pipe(reply_to(ticket, "We are on it.", sender="ann@acme.test", name="Ann Admin"))
    assert plain["outcome"] == "quarantined" and plain["reason"] == "unvouched_agent"
    untrusted = "mx.evil.test; dkim=pass header.d=acme.test; dmarc=pass header.from=acme.test"
    other = await pipe(reply_to(ticket, "We are on it!", sender="ann@acme.test",
                                headers={"Authentication-Results": untrusted}))
    assert other["outcome"] == "quarantined"
    trusted = "mx.acme.test; spf=pass smtp.mailfrom=acme.test; dkim=pass (good) header.d=acme.test header.s=s1"
    answer = await pipe(reply_to(ticket, "We are on it, truly.", sender="ann@acme.test",
                                 headers={"Authentication-Results": trusted}))
    assert answer["outcome"] == "appended"
    post = (await posts(ticket["id"]))[-1]
    assert post["kind"] == "reply" and post["author_agent"] == ann["id"] and "We are on it, truly." in post["body"]
    assert [m["purpose"] for m in await outbox(SALLY)][-1] == "agent_reply"  # mailed on to the customer
    assert (await Ticket.select(Ticket.status).where(Ticket.id == ticket["id"]).first())["status"] == Status.WAITING


async def test_a_reply_to_the_confirmation_mail_confirms_the_ticket(desk):
    workspace, _ann, pipe = desk
    workspace = await set_workspace(workspace, Workspace.confirm_email, True)
    ticket = await factories.ticket(workspace)
    assert ticket["status"] == Status.AWAITING_CONFIRMATION
    answer = await pipe(reply_to(ticket, "Yes, that was me."))
    assert answer["outcome"] == "appended"
    row = await Ticket.select().where(Ticket.id == ticket["id"]).first()
    assert row["status"] == Status.OPEN and row["confirmation_token_hash"] is None
    assert "confirmed" in [e["event"] for e in await events(ticket["id"])]


async def test_a_reply_to_a_closed_ticket_reopens_it_or_opens_a_linked_one(desk):
    workspace, ann, pipe = desk
    ann_viewer = await factories.viewer(ann)
    first = await factories.ticket(workspace)
    await tickets.update_fields(ann_viewer, first["number"], _status(Status.CLOSED))
    assert (await pipe(reply_to(first, "It burns again.")))["outcome"] == "appended"
    assert (await Ticket.select(Ticket.status).where(Ticket.id == first["id"]).first())["status"] == Status.OPEN

    await set_workspace(workspace, Workspace.closed_reply_mode, "new")
    second = await factories.ticket(workspace, "Invoice wrong")
    await tickets.update_fields(ann_viewer, second["number"], _status(Status.CLOSED))
    answer = await pipe(reply_to(second, "Another invoice is wrong too."))
    assert answer["outcome"] == "created" and answer["ticket"] != second["hash"]
    new = await Ticket.select().where(Ticket.hash == answer["ticket"]).first()
    assert (await Ticket.select(Ticket.status).where(Ticket.id == second["id"]).first())["status"] == Status.CLOSED
    assert {"from": second["number"]} in [e["data"] for e in await events(new["id"])]
    assert {"to": new["number"]} in [e["data"] for e in await events(second["id"])]


def _status(code: Status):
    from app.tickets.inputs import FieldChanges
    return FieldChanges.from_form({"status": str(int(code))})


async def test_a_reply_to_a_merged_ticket_lands_in_the_surviving_one(desk):
    workspace, ann, pipe = desk
    kept, absorbed = await factories.ticket(workspace), await factories.ticket(workspace, "Printer again")
    await tickets.merge(await factories.viewer(ann), absorbed["number"], kept["number"])
    answer = await pipe(reply_to(absorbed, "Still burning."))
    assert answer["outcome"] == "appended" and answer["ticket"] == kept["hash"]


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-replied"}, {"X-Autoreply": "yes"}, {"Precedence": "bulk"},
])
async def test_auto_replies_are_dropped_without_an_answer(desk, headers):
    workspace, _ann, pipe = desk
    ticket = await factories.ticket(workspace)
    before = await OutboxMail.count()
    answer = await pipe(reply_to(ticket, "I am out of office.", headers=headers))
    assert answer["outcome"] == "dropped" and answer["reason"] == "auto_reply"
    assert await posts(ticket["id"]) == [] and await OutboxMail.count() == before
    assert (await pipe(mail("Out of office", "Back on Monday", headers=headers)))["outcome"] == "dropped"
    assert await Ticket.count() == 1


async def test_our_own_mail_is_dropped(desk):
    _workspace, _ann, pipe = desk
    answer = await pipe(mail(sender="helprealm@helprealm.test"))
    assert answer["outcome"] == "dropped" and answer["reason"] == "from_ourselves"


async def test_a_bounce_marks_the_mail_it_answers_and_posts_nothing(desk):
    workspace, ann, pipe = desk
    ticket = await factories.ticket(workspace, email="gone@customer.test")
    await tickets.agent_reply(await factories.viewer(ann), ticket["number"], Reply(text="Here is your answer."))
    sent = (await outbox("gone@customer.test"))[-1]
    dsn = bounce_for(sent)
    before = await OutboxMail.count()
    answer = await pipe(dsn)
    assert answer["outcome"] == "dropped" and answer["reason"] == "bounce"
    marked = await OutboxMail.select().where(OutboxMail.id == sent["id"]).first()
    assert marked["bounced_at"] is not None
    assert await OutboxMail.count() == before  # nobody is answered
    assert [e["data"] for e in await events(ticket["id"]) if e["event"] == "bounced"] == [{"to": "gone@customer.test"}]
    assert [p["kind"] for p in await posts(ticket["id"])] == ["reply"]


def bounce_for(sent: dict) -> bytes:
    """An RFC 3464 DSN as Postfix sends it, with the original message's headers."""
    return (
        "From: MAILER-DAEMON@mx.customer.test (Mail Delivery System)\r\n"
        "To: helprealm@helprealm.test\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn.1@mx.customer.test>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.customer.test\r\n\r\n"
        f"Final-Recipient: rfc822; {sent['to_address']}\r\nOriginal-Recipient: rfc822;{sent['to_address']}\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: helprealm@helprealm.test\r\nTo: {sent['to_address']}\r\nMessage-ID: {sent['message_id']}\r\n"
        f"Subject: {sent['subject']}\r\n--B--\r\n"
    ).encode()


async def test_a_sender_looping_is_quarantined(desk):
    _workspace, _ann, pipe = desk
    outcomes = [(await pipe(mail(f"Ping {n}", "ping", sender="robot@customer.test")))["outcome"] for n in range(8)]
    assert outcomes[:6] == ["created"] * 6 and outcomes[6:] == ["quarantined"] * 2
    # and only the first five got the automatic answer (auto_answers_per_hour)
    assert len(await outbox("robot@customer.test")) == 5


async def test_files_follow_the_workspace_rules_and_a_refused_one_is_named(desk):
    _workspace, _ann, pipe = desk
    answer = await pipe(mail(attachments=[("report.pdf", "application/pdf", b"%PDF-1.4 report"),
                                          ("tool.exe", "application/octet-stream", b"MZ..."),
                                          ("notes.txt", "text/plain", b"some notes")]))
    ticket = await Ticket.select().where(Ticket.hash == answer["ticket"]).first()
    files = await Attachment.select().where(Attachment.ticket == ticket["id"]).order_by(Attachment.id)
    assert [f["filename"] for f in files] == ["report.pdf", "notes.txt"]
    refused = [e["data"] for e in await events(ticket["id"]) if e["event"] == "files_refused"]
    assert refused == [{"files": [{"filename": "tool.exe", "why": "type"}]}]


async def test_too_large_and_unparseable_messages_are_quarantined(desk, settings):
    _workspace, _ann, pipe = desk
    big = await pipe(mail(body="x" * 300_000))
    assert big["outcome"] == "quarantined" and big["reason"] == "too_large"
    junk = await pipe(b"\x00\x01 not a mail at all")
    assert junk["outcome"] == "quarantined"
    held = await InboundMail.select().where(InboundMail.state == "held")
    assert {row["reason"] for row in held} == {"too_large", "unparseable"}
    assert all((settings.quarantine_path / row["raw_name"]).is_file() for row in held)
    assert await Ticket.count() == 0


async def test_the_pipe_wants_the_mail_token_not_the_api_token(desk, client):
    workspace, _ann, pipe = desk
    assert (await pipe(mail(), bearer="wrong", expect=401))["code"] == 401
    response = await client.post(f"/api/{workspace['key']}/mail/inbound", content=mail())
    assert response.status_code == 401 and response.json()["code"] == 401
    assert (await pipe(mail(), key="0" * 32, expect=404))["code"] == 404
    assert await Ticket.count() == 0


async def test_every_sample_of_the_corpus_goes_through(desk):
    from pathlib import Path
    _workspace, _ann, pipe = desk
    samples = sorted(Path("tests/fixtures/mail").glob("*.eml"))
    assert len(samples) >= 15
    for sample in samples:
        answer = await pipe(sample.read_bytes())
        assert answer["outcome"] in ("created", "duplicate", "quarantined", "dropped"), (sample.name, answer)


async def test_the_same_message_twice_at_once_has_one_effect(desk):
    import asyncio
    _workspace, _ann, pipe = desk
    raw = mail("Two deliveries", "Sent to support@ and help@ at once.")
    answers = await asyncio.gather(*(pipe(raw) for _ in range(4)))
    assert sorted(a["outcome"] for a in answers) == ["created", "duplicate", "duplicate", "duplicate"]
    assert len({a["ticket"] for a in answers}) == 1
    assert await Ticket.count() == 1 and len(await outbox(SALLY)) == 1
    assert await InboundMail.count() == 1


async def test_a_delayed_notice_is_dropped_without_marking_the_mail(desk):
    workspace, ann, pipe = desk
    ticket = await factories.ticket(workspace, email="slow@customer.test")
    await tickets.agent_reply(await factories.viewer(ann), ticket["number"], Reply(text="Here is your answer."))
    sent = (await outbox("slow@customer.test"))[-1]
    delayed = bounce_for(sent).replace(b"Action: failed\r\nStatus: 5.1.1", b"Action: delayed\r\nStatus: 4.4.1")
    answer = await pipe(delayed)
    assert answer["outcome"] == "dropped" and answer["reason"] == "bounce"
    assert (await OutboxMail.select().where(OutboxMail.id == sent["id"]).first())["bounced_at"] is None
