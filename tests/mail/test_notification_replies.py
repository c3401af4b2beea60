"""Answers to our notifications: the REPLY_ABOVE marker cuts a reply by mail in text and HTML,
and through the pipe endpoint a customer's and a CC participant's answers land in their ticket
(the confirmation by reply sends the "confirmed" mail; the answer to a new mail is auto-replied)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from app.mail import gateway
from app.mail.quotes import REPLY_ABOVE, split_reply
from app.mail.safe_html import split_quote
from app.tickets import service as tickets
from app.tickets.inputs import Reply
from app.tickets.status import Status
from app.tickets.tables import Ticket, TimelineEntry
from app.workspaces.service import update_settings
from tests import factories
from tests.mail.test_notifications import _desk, _mails


async def _reply_mail(workspace: dict, ann) -> dict:
    ticket = await factories.ticket(workspace)
    await tickets.agent_reply(ann, ticket["number"], Reply("Please restart the printer."))
    [mail] = await _mails("agent_reply")
    return mail


@pytest.mark.parametrize("attribution", ["On Tue, 24 Nov 2026 at 10:06, Acme <desk@helprealm.test> wrote:", ""])
async def test_split_reply_stops_at_the_quoted_marker(database, attribution):
    """A client quotes our mail with "> " (with an attribution line, or without one, as some phones
    do): the post keeps what the customer wrote, not our mail."""
    workspace, ann, _bea = await _desk()
    mail = await _reply_mail(workspace, ann)
    quoted = "\n".join(f"> {line}" if line else ">" for line in mail["body_text"].split("\n"))
    reply = split_reply(f"Done, it works again.\nThanks!\n\n{attribution}\n{quoted}\n")
    assert reply.text == "Done, it works again.\nThanks!"
    assert "Please restart the printer." in reply.quoted and REPLY_ABOVE in reply.quoted
    # A client that does not quote at all (the marker as it was sent) is cut at the marker too.
    bare = split_reply(f"Done.\n\n{mail['body_text']}")
    assert bare.text == "Done." and bare.quoted.startswith(REPLY_ABOVE)


async def test_split_quote_honours_the_marker_in_html(database):
    workspace, ann, _bea = await _desk()
    mail = await _reply_mail(workspace, ann)
    ours = mail["body_html"].split("<body", 1)[1].split(">", 1)[1].rsplit("</body>", 1)[0]
    # A client without a quote class of its own: a plain <blockquote> around our mail.
    mine = '<html><body><div dir="ltr">Done, it works <b>again</b>.</div>'
    written, quoted = split_quote(f"{mine}<br><blockquote>{ours}</blockquote></body></html>")
    assert written == mine  # the empty tags before the marker's line go with the quote
    assert quoted.startswith("<br><blockquote>\n<p") and REPLY_ABOVE in quoted and "Please restart" in quoted
    # Our mail forwarded as it is, marker first: nothing written above it is kept as all of it.
    assert split_quote(mail["body_html"]) == (mail["body_html"], "")
    # A client's own quote markup that comes first still wins.
    gmail = f'Thanks<div class="gmail_quote">On … wrote:<blockquote>{ours}</blockquote></div>'
    assert split_quote(gmail) == ("Thanks", gmail[len("Thanks"):])
    assert split_quote(f"Hi {REPLY_ABOVE}") == ("Hi ", REPLY_ABOVE)  # the marker inside a line



# -- by mail and back: the pipeline (app/mail/inbound.py) reads what these mails make ----------

@pytest.fixture
async def pipe(client):
    """(workspace, admin viewer, pipe): `pipe(raw)` posts a message to the workspace's pipe endpoint."""
    workspace, admin = await factories.workspace()
    token = await gateway.generate_token(workspace["id"], None)

    async def post(raw: bytes) -> dict:
        response = await client.post(f"/api/{workspace['key']}/mail/inbound", content=raw, headers={
            "Content-Type": "message/rfc822", "Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        return response.json()
    return workspace, await factories.viewer(admin), post


def _answer(ours: dict | None, body: str, *, sender: str = "sally@customer.test", cc: str = "",
            subject: str = "Printer on fire") -> bytes:
    """A mail client's message: with `ours` (an outbox row), a reply to it, our text quoted below."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "help@acme.test"
    if cc:
        message["Cc"] = cc
    message["Message-ID"] = make_msgid(domain="customer.test")
    if ours is None:
        message["Subject"] = subject
        message.set_content(body)
        return message.as_bytes()
    message["Subject"] = f"Re: {ours['subject']}"
    message["In-Reply-To"] = message["References"] = ours["message_id"]
    quoted = "\n".join(f"> {line}" if line else ">" for line in ours["body_text"].split("\n"))
    message.set_content(f"{body}\n\nOn Tue, 24 Nov 2026 at 10:06, Acme <desk@helprealm.test> wrote:\n{quoted}\n")
    return message.as_bytes()


async def test_a_new_mail_is_answered_auto_replied_and_a_reply_confirms(pipe):
    workspace, _ann, post = pipe
    answer = await post(_answer(None, "It is really on fire."))
    assert answer["outcome"] == "created"
    [ack] = await _mails("ticket_created")
    assert ack["headers"]["Auto-Submitted"] == "auto-replied" and ack["to_address"] == "sally@customer.test"

    workspace = await update_settings(workspace["id"], confirm_email=True)
    ticket = await factories.ticket(workspace, subject="Second")
    assert ticket["status"] == Status.AWAITING_CONFIRMATION
    [_first, ask] = await _mails("ticket_created")
    assert ask["headers"]["Auto-Submitted"] == "auto-generated" and "confirmation=" in ask["body_text"]
    assert (await post(_answer(ask, "Yes, that was me.")))["outcome"] == "appended"
    [confirmed] = await _mails("ticket_confirmed")
    assert confirmed["ticket"] == ticket["id"] and confirmed["to_address"] == "sally@customer.test"
    entries = await TimelineEntry.select().where(TimelineEntry.ticket == ticket["id"],
                                                 TimelineEntry.kind == "customer").order_by(TimelineEntry.id)
    assert entries[-1]["body"] == "Yes, that was me."  # not our mail quoted below it


async def test_a_participants_answer_to_their_copy_threads_into_the_ticket(pipe):
    _workspace, ann, post = pipe
    answer = await post(_answer(None, "It is on fire.", cc="Carl Copy <Carl@Customer.test>"))
    ticket = await Ticket.select().where(Ticket.hash == answer["ticket"]).first()
    await tickets.agent_reply(ann, ticket["number"], Reply("Unplug it."))
    [copy] = await _mails("participant_reply")
    assert copy["to_address"] == "carl@customer.test"

    answer = await post(_answer(copy, "Done, it is out.", sender="carl@customer.test"))
    assert answer == {"code": 200, "outcome": "appended", "ticket": ticket["hash"], "reason": ""}
    last = await TimelineEntry.select().where(TimelineEntry.ticket == ticket["id"],
                                              TimelineEntry.kind == "customer").order_by(
        TimelineEntry.id, ascending=False).first()
    assert last["body"] == "Done, it is out." and last["author_name"] != ticket["customer_name"]
