"""A workspace that delivers through the mail gateway: the SMTP sender (a real aiosmtpd server)
leaves its mail alone, and takes it again once the workspace switches back."""

from __future__ import annotations

from app.audit.tables import AuditEntry
from app.config import MailSettings
from app.db import write
from app.mail import gateway
from app.mail.outbox import OutboxSender, enqueue
from app.mail.tables import OutboxMail
from tests import factories


async def _queue(workspace_id: int | None, to: str) -> dict:
    async with write():
        return await enqueue(to=to, subject="Hello", text="Hello", purpose="agent_reply", domain="helprealm.test",
                             workspace_id=workspace_id)


async def test_the_smtp_sender_leaves_gateway_mail_to_the_gateway(database, smtp_server):
    acme, ann = await factories.workspace()
    other, _bea = await factories.workspace(company="Other", email="bea@other.test")
    sender = OutboxSender(MailSettings(smtp_host="127.0.0.1", smtp_port=smtp_server.port,
                                       from_address="support@helprealm.test"))
    assert await sender.run_once() >= 0  # the account mails of the two new workspaces, whatever they are
    smtp_server.messages.clear()
    await gateway.set_deliver_outgoing(acme["id"], await factories.viewer(ann), True)
    await gateway.set_deliver_outgoing(acme["id"], None, True)  # no change: not audited again
    await _queue(acme["id"], "sally@customer.test")
    await _queue(other["id"], "olga@other.test")
    await _queue(None, "someone@installation.test")

    assert await sender.run_once() == 2
    assert sorted(m["To"] for m in smtp_server.messages) == ["olga@other.test", "someone@installation.test"]
    pending = await OutboxMail.select(OutboxMail.to_address).where(OutboxMail.status == "pending")
    assert pending == [{"to_address": "sally@customer.test"}]  # kept for fetchMails
    assert await sender.run_once() == 0

    # Back to SMTP: the change is seen at once (the cache is dropped on commit), and the mail goes.
    await gateway.set_deliver_outgoing(acme["id"], None, False)
    assert await sender.run_once() == 1
    assert smtp_server.messages[-1]["To"] == "sally@customer.test"
    changes = await AuditEntry.select(AuditEntry.action, AuditEntry.after).where(
        AuditEntry.action == "mail_delivery.changed").order_by(AuditEntry.id).output(load_json=True)
    assert [c["after"] for c in changes] == [{"deliver_outgoing": True}, {"deliver_outgoing": False}]


async def test_the_set_of_gateway_workspaces_is_read_once_per_pass(database, smtp_server, monkeypatch):
    acme, _ann = await factories.workspace()
    await gateway.set_deliver_outgoing(acme["id"], None, True)
    sender = OutboxSender(MailSettings(smtp_host="127.0.0.1", smtp_port=smtp_server.port))
    await sender.run_once()
    reads = []
    original = gateway.MailGateway.select

    def counting(*args, **kwargs):
        reads.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(gateway.MailGateway, "select", counting)
    for _ in range(3):
        await sender.run_once()
    assert reads == []  # cached between passes; a change drops it (above)
