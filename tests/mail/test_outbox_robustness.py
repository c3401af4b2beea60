"""The outbox against hostile input and crashes, with a real SMTP server (aiosmtpd): mail never
stops (one bad mail is its own failed attempt) and international domains go out as punycode."""

from __future__ import annotations

import pytest

from app import clock
from app.config import MailSettings
from app.db import write
from app.mail.outbox import OutboxSender, enqueue
from app.mail.tables import MailAttempt, OutboxMail

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
