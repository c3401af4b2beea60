from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.db import ENGINE
from app.tickets.tables import Ticket
from app.workspaces.tables import Workspace


class OutboxMail(Table, db=ENGINE, tablename="outbox_mail"):
    """A mail to send. Written in the same transaction as the change that causes it; the sender
    loop (app/mail/outbox.py) drains it. status: "pending", "sending" (handed to SMTP right now, or
    left so by a crash: sent again at the next start), "sent", "failed"."""

    workspace = ForeignKey(Workspace, null=True, index=True)
    ticket = ForeignKey(Ticket, null=True, on_delete=OnDelete.set_null)
    purpose = Varchar(length=40)  # e.g. "ticket_created", "agent_reply", "account_confirm"
    to_address = Varchar(length=254)
    subject = Varchar(length=300)
    body_text = Text()
    body_html = Text(default="")
    message_id = Varchar(length=200, unique=True)
    headers = JSON(default={})
    status = Varchar(length=10, default="pending", index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(index=True)
    last_error = Text(default="")
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    # A delivery status notification came back for it (app/mail/bounces.py): shown on the ticket.
    bounced_at = Timestamptz(null=True, default=None)
    bounce_reason = Text(default="")


class MailAttempt(Table, db=ENGINE, tablename="mail_attempt"):
    """One try to hand an outbox mail to SMTP, successful or not."""

    mail = ForeignKey(OutboxMail, index=True)
    ok = Boolean()
    error = Text(default="")
    attempted_at = Timestamptz()


class InboundMail(Table, db=ENGINE, tablename="inbound_mail"):
    """Every message that came in, once per workspace (app/mail/inbound.py, migration m0019).

    `dedup_key` (the Message-ID, or a hash of the raw message without one) is unique per
    workspace, and the row is written in the transaction of the message's effect: a message
    fetched twice or sent to two of our addresses has one effect. outcome: "created", "appended",
    "quarantined", "dropped" (with `reason`). A quarantined message's raw bytes are kept in
    `<data>/quarantine/<raw_name>`; state: "held" (waiting for a superadmin), "released" (posted
    or opened as a ticket by one), "discarded" (its file is deleted 30 days after `resolved_at`).
    """

    workspace = ForeignKey(Workspace)
    dedup_key = Varchar(length=64)
    source = Varchar(length=10, default="")  # "pipe", "imap", "gateway"
    outcome = Varchar(length=12, default="")
    reason = Varchar(length=40, default="")
    ticket = ForeignKey(Ticket, null=True, on_delete=OnDelete.set_null)
    sender = Varchar(length=254, default="")
    subject = Varchar(length=300, default="")
    message_id = Varchar(length=300, default="")
    size = Integer(default=0)
    raw_name = Varchar(length=64, default="")
    state = Varchar(length=12, default="")
    received_at = Timestamptz()
    resolved_at = Timestamptz(null=True, default=None)


class ImapCursor(Table, db=ENGINE, tablename="imap_cursor"):
    """How far a workspace's IMAP inbox has been read: the folder's UIDVALIDITY and the last UID
    whose message's effect is committed (never the \\Seen flag, which people reading the shared
    inbox set)."""

    workspace = ForeignKey(Workspace)
    folder = Varchar(length=200, default="INBOX")
    uidvalidity = Integer(default=0)
    last_uid = Integer(default=0)
    last_error = Text(default="")
    updated_at = Timestamptz(null=True, default=None)
