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


class MailAttempt(Table, db=ENGINE, tablename="mail_attempt"):
    """One try to hand an outbox mail to SMTP, successful or not."""

    mail = ForeignKey(OutboxMail, index=True)
    ok = Boolean()
    error = Text(default="")
    attempted_at = Timestamptz()
