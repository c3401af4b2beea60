"""The outbox against hostile input and crashes, with a real SMTP server (aiosmtpd): mail never
stops (one bad mail is its own failed attempt), international domains go out as punycode, and a
crash mid-send loses nothing and can deliver at most that one mail twice."""

from __future__ import annotations

import asyncio
import threading

import pytest

from app import clock
from app.config import MailSettings
from app.db import write
from app.mail.outbox import INTERRUPTED, OutboxSender, enqueue
from app.mail.tables import MailAttempt, OutboxMail
from tests.fixtures.smtp import Mailbox

LINE_BREAKS = {
    "CR": "\r",
    "LF": "\n",
    "CRLF": "\r\n",
    "LINE SEPARATOR": "\u2028",
    "PARAGRAPH SEPARATOR": "\u2029",
    "NEXT LINE": "\x85",
    "VT": "\x0b",
    "FF": "\x0c",
}


def _sender(port: int, **extra) -> OutboxSender:
    settings = {"from_address": "support@helprealm.test", "from_name": "Acme Support", "max_attempts": 3} | extra
    return OutboxSender(MailSettings(smtp_host="127.0.0.1", smtp_port=port, **settings))


async def _queue(subject: str, to: str = "sally@customer.test", headers: dict | None = None) -> dict:
    async with write():
        return await enqueue(to=to, subject=subject, text="Hello.", purpose="test", domain="h.test", headers=headers)


async def _row(mail: dict) -> dict:
    return await OutboxMail.select().where(OutboxMail.id == mail["id"]).first()


def _subjects(smtp_server) -> list[str]:
    return [message["Subject"] for message in smtp_server.messages]


@pytest.mark.parametrize("line_break", list(LINE_BREAKS.values()), ids=list(LINE_BREAKS))
async def test_line_breaks_in_subject_and_names_become_spaces_and_the_next_mail_still_goes(
    database, smtp_server, line_break
):
    sender = _sender(smtp_server.port, from_name=f"Acme{line_break}Support")
    hostile = await _queue(f"Printer{line_break}on fire{line_break}Bcc: mallory@attacker.test",
                           to=f"Sally{line_break}Smith <sally@customer.test>")
    after = await _queue("The mail queued after it")

    assert await sender.run_once() == 2

    first, second = smtp_server.messages
    assert first["Subject"] == "Printer on fire Bcc: mallory@attacker.test"  # one line: no header injected
    assert first["Bcc"] is None
    assert first["To"] == "Sally Smith <sally@customer.test>"
    assert first["From"] == "Acme Support <support@helprealm.test>"
    assert smtp_server.mailbox.envelopes[0] == ("support@helprealm.test", ["sally@customer.test"])
    assert second["Subject"] == "The mail queued after it"
    assert [(await _row(mail))["status"] for mail in (hostile, after)] == ["sent", "sent"]


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        ({"Message-ID": "<a.second.one@h.test>"}, "ValueError"),  # the email package refuses a second one
        ({"X-Priority": 1}, "TypeError"),  # not text
        ({"Bcc: mallory@attacker.test\r\nX-Evil": "1"}, "ValueError"),  # not a header name
    ],
    ids=["second Message-ID", "number as value", "line break in name"],
)
async def test_a_mail_that_cannot_be_built_is_a_failed_attempt_and_the_next_mail_goes(
    database, smtp_server, headers, error
):
    sender = _sender(smtp_server.port)
    with clock.frozen() as frozen:
        broken = await _queue("Cannot be built", headers=headers)
        await _queue("The mail queued after it")

        assert await sender.run_once() == 2
        assert _subjects(smtp_server) == ["The mail queued after it"]
        row = await _row(broken)
        assert row["status"] == "pending" and row["attempts"] == 1 and row["last_error"].startswith(error)
        [attempt] = await MailAttempt.select().where(MailAttempt.mail == broken["id"])
        assert not attempt["ok"] and attempt["error"] == row["last_error"]

        # Retried with backoff like an SMTP error, and failed after max_attempts (3).
        assert await sender.run_once() == 0
        for _ in range(2):
            frozen.advance(hours=1)
            assert await sender.run_once() == 1
        row = await _row(broken)
        assert row["status"] == "failed" and row["attempts"] == 3
        assert await MailAttempt.count().where(MailAttempt.mail == broken["id"]) == 3
        assert _subjects(smtp_server) == ["The mail queued after it"]


async def test_an_international_domain_goes_out_as_punycode(database, smtp_server):
    await _queue("IDN", to="user@bücher.example")
    # IDNA 2008 keeps ß (the IDNA 2003 codec would send to strasse.example, another domain).
    await _queue("IDN with ß", to="Jo <info@straße.example>")

    assert await _sender(smtp_server.port).run_once() == 2

    first, second = smtp_server.messages
    assert smtp_server.mailbox.envelopes[0][1] == ["user@xn--bcher-kva.example"]
    assert first["To"] == "user@xn--bcher-kva.example"
    assert smtp_server.mailbox.envelopes[1][1] == ["info@xn--strae-oqa.example"]
    assert second["To"] == "Jo <info@xn--strae-oqa.example>"


async def test_a_non_ascii_local_part_goes_by_smtputf8_with_a_punycode_domain(database, smtp_server):
    mail = await _queue("UTF-8 mailbox", to="jörg@bücher.example")
    assert await _sender(smtp_server.port).run_once() == 1
    assert smtp_server.mailbox.envelopes == [("support@helprealm.test", ["jörg@xn--bcher-kva.example"])]
    assert (await _row(mail))["status"] == "sent"


async def test_a_non_ascii_local_part_without_smtputf8_is_a_failed_attempt(database, smtp_server):
    smtp_server.controller.SMTP_kwargs["enable_SMTPUTF8"] = False  # for the connections that follow
    refused = await _queue("UTF-8 mailbox", to="jörg@bücher.example")
    await _queue("The mail queued after it")

    assert await _sender(smtp_server.port).run_once() == 2

    assert _subjects(smtp_server) == ["The mail queued after it"]
    row = await _row(refused)
    assert row["status"] == "pending" and row["attempts"] == 1 and "SMTPUTF8" in row["last_error"]


async def test_recover_puts_mails_left_sending_back_and_each_then_goes_once(database, smtp_server):
    sender = _sender(smtp_server.port)
    interrupted = await _queue("Was being sent when the server died")
    waiting = await _queue("Was still waiting")
    await OutboxMail.update({OutboxMail.status: "sending"}).where(OutboxMail.id == interrupted["id"])

    assert await sender.recover() == 1
    row = await _row(interrupted)
    assert row["status"] == "pending" and row["attempts"] == 1 and row["last_error"] == INTERRUPTED
    assert row["next_attempt_at"] <= clock.now()  # due at once: the process failed, not the mail

    assert await sender.run_once() == 2
    assert sorted(_subjects(smtp_server)) == ["Was being sent when the server died", "Was still waiting"]
    assert [(await _row(mail))["status"] for mail in (interrupted, waiting)] == ["sent", "sent"]
    assert await sender.recover() == 0 and await sender.run_once() == 0


async def test_recover_fails_a_mail_whose_every_attempt_was_interrupted(database, smtp_server):
    # A mail that kills the sender each time must not stop all mail forever.
    sender = _sender(smtp_server.port)
    mail = await _queue("Kills the sender")
    await OutboxMail.update({OutboxMail.status: "sending", OutboxMail.attempts: 2}).where(OutboxMail.id == mail["id"])

    assert await sender.recover() == 1
    row = await _row(mail)
    assert row["status"] == "failed" and row["attempts"] == 3


class GatedMailbox(Mailbox):
    """Takes each message, then holds the answer to DATA until the test opens the gate: the sender
    is then inside its SMTP call, and the server already has the mail."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = threading.Event()
        self.gate = threading.Event()

    async def handle_DATA(self, server, session, envelope) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        self.holding.set()
        await asyncio.to_thread(self.gate.wait, 10)
        return answer


@pytest.fixture
def gated_mailbox(smtp_server):
    mailbox = GatedMailbox()
    smtp_server.mailbox = smtp_server.controller.handler = mailbox  # used by the connections that follow
    yield mailbox
    mailbox.gate.set()  # never leave the server's handler waiting


async def _until_the_server_holds(mailbox: GatedMailbox) -> None:
    assert await asyncio.to_thread(mailbox.holding.wait, 10), "the mail never reached the server"


async def test_a_mail_is_sending_while_the_smtp_call_is_in_flight(database, smtp_server, gated_mailbox):
    mail = await _queue("In flight")
    sending = asyncio.create_task(_sender(smtp_server.port).run_once())
    await _until_the_server_holds(gated_mailbox)

    assert (await _row(mail))["status"] == "sending"  # committed before the SMTP call, outside it
    gated_mailbox.gate.set()
    assert await sending == 1
    assert (await _row(mail))["status"] == "sent"


async def test_a_crash_during_the_smtp_call_delivers_that_mail_at_most_twice_and_loses_nothing(
    database, smtp_server, gated_mailbox
):
    sender = _sender(smtp_server.port)
    mail = await _queue("Crashed mid-send")
    after = await _queue("Queued after it")
    sending = asyncio.create_task(sender.run_once())
    await _until_the_server_holds(gated_mailbox)

    sending.cancel()  # the process dies before it hears the 250
    gated_mailbox.gate.set()
    with pytest.raises(asyncio.CancelledError):
        await sending
    assert [(await _row(m))["status"] for m in (mail, after)] == ["sending", "pending"]

    assert await sender.recover() == 1  # what run_forever does at the next start
    assert await sender.run_once() == 2

    assert sorted(_subjects(smtp_server)) == ["Crashed mid-send", "Crashed mid-send", "Queued after it"]
    twice = [message["Message-ID"] for message in smtp_server.messages if message["Subject"] == "Crashed mid-send"]
    assert twice == [mail["message_id"]] * 2  # same Message-ID: mail clients show it once
    attempts = await MailAttempt.select().where(MailAttempt.mail == mail["id"]).order_by(MailAttempt.id)
    assert [(a["ok"], a["error"]) for a in attempts] == [(False, INTERRUPTED), (True, "")]


async def test_run_forever_recovers_at_start_then_sends(database, smtp_server):
    mail = await _queue("Left sending by the last run")
    await OutboxMail.update({OutboxMail.status: "sending"}).where(OutboxMail.id == mail["id"])
    stop = asyncio.Event()
    loop = asyncio.create_task(_sender(smtp_server.port, send_interval_seconds=0.05).run_forever(stop))
    try:
        await smtp_server.wait_for(lambda message: message["Subject"] == "Left sending by the last run")
    finally:
        stop.set()
        await loop
    assert (await _row(mail))["status"] == "sent"
