"""The outbox against a real SMTP server (aiosmtpd): what goes on the wire, retries, give-up,
and that a mail exists exactly when the change that caused it committed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.config import MailSettings
from app.db import write
from app.mail import messages, thread_ids
from app.mail.outbox import OutboxSender, enqueue, retry_delay
from app.mail.tables import MailAttempt, OutboxMail
from tests.helpers import free_port


def _mail_settings(port: int, **extra) -> MailSettings:
    return MailSettings(smtp_host="127.0.0.1", smtp_port=port, from_address="support@helprealm.test",
                        from_name="Acme Support", max_attempts=3, **extra)


WORKSPACE = {"id": None, "name": "Acme", "key": "a" * 32}
TICKET = {"id": None, "hash": "a" * 32, "subject": "Printer <on> fire", "customer_name": "Sally",
          "customer_email": "sally@customer.test", "number": 1}


async def _queue_reply() -> dict:
    async with write():
        await messages.queue_agent_reply(workspace=WORKSPACE, ticket=TICKET, reply_text="Unplug it <now>.",
                                         agent_name="Ann")
    return await OutboxMail.select().first().output(load_json=True)


async def test_mail_goes_out_with_our_headers_and_both_parts(database, smtp_server):
    row = await _queue_reply()
    sender = OutboxSender(_mail_settings(smtp_server.port))
    assert await sender.run_once() == 1

    [message] = smtp_server.messages
    assert message["To"] == "sally@customer.test"
    assert message["From"] == "Acme Support <support@helprealm.test>"
    assert message["Subject"] == f"Re: Printer <on> fire [ID:{'a' * 32}]"
    assert message["Message-ID"] == row["message_id"] and row["message_id"].endswith("@helprealm.test>")
    assert message["Auto-Submitted"] == "no"  # a person wrote it (RFC 3834 §5); notifications: auto-generated
    assert message.get_all("Auto-Submitted") == ["no"]  # replaced, not doubled
    # Our signed ids: the thread's in References, one naming the ticket as the Message-ID.
    assert thread_ids.tickets_referenced(message["In-Reply-To"], message["References"]) == ["a" * 32]
    assert thread_ids.tickets_referenced(message["Message-ID"], None) == ["a" * 32]
    assert message["References"].strip() == thread_ids.thread_id("a" * 32, "helprealm.test") != message["Message-ID"]
    assert message["Date"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Unplug it <now>." in text
    assert f"http://helprealm.test/{'a' * 32}/ticket/show/{'a' * 32}" in text  # the permalink, by route name
    assert "Unplug it &lt;now&gt;." in html and "<now>" not in html  # customer text is escaped in HTML

    sent = await OutboxMail.select().first()
    assert sent["status"] == "sent" and sent["attempts"] == 1 and sent["sent_at"] is not None
    assert [a["ok"] for a in await MailAttempt.select()] == [True]
    assert await sender.run_once() == 0  # nothing sent twice


async def test_temporary_failure_is_retried_later_and_recorded(database, smtp_server):
    await _queue_reply()
    smtp_server.mailbox.fail_next = 1
    sender = OutboxSender(_mail_settings(smtp_server.port))
    before = datetime.now(UTC)
    await sender.run_once()

    row = await OutboxMail.select().first()
    assert row["status"] == "pending" and row["attempts"] == 1 and "451" in row["last_error"]
    assert row["next_attempt_at"] >= before + timedelta(seconds=29)
    assert await sender.run_once() == 0  # not due yet
    assert smtp_server.messages == []

    await OutboxMail.update({OutboxMail.next_attempt_at: before}).where(OutboxMail.id == row["id"])
    assert await sender.run_once() == 1
    assert len(smtp_server.messages) == 1
    attempts = await MailAttempt.select().order_by(MailAttempt.id)
    assert [a["ok"] for a in attempts] == [False, True] and "451" in attempts[0]["error"]


async def test_gives_up_after_max_attempts(database):
    await _queue_reply()
    sender = OutboxSender(_mail_settings(free_port()))  # nobody listens there
    for _ in range(3):
        await sender.run_once()
        await OutboxMail.update({OutboxMail.next_attempt_at: datetime.now(UTC)}).where(OutboxMail.id > 0)
    row = await OutboxMail.select().first()
    assert row["status"] == "failed" and row["attempts"] == 3 and row["last_error"]
    assert await MailAttempt.count() == 3


async def test_without_smtp_host_mail_stays_in_the_outbox(database):
    await _queue_reply()
    assert await OutboxSender(MailSettings(smtp_host="")).run_once() == 0
    assert (await OutboxMail.select().first())["status"] == "pending"


async def test_no_mail_when_the_change_rolls_back(database):
    with pytest.raises(RuntimeError):
        async with write():
            await enqueue(to="x@y.test", subject="s", text="t", purpose="test", domain="h.test")
            raise RuntimeError("the change failed after queueing its mail")
    assert await OutboxMail.count() == 0


def test_backoff_doubles_and_is_capped():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert retry_delay(20) == timedelta(hours=1)
