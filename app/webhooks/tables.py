"""Webhooks, their deliveries and every delivery attempt (migration m0020).

A delivery is written in the same transaction as the ticket change it reports (like the outbox),
so a change is never reported without having happened, nor lost after it did. status: "pending"
(due at next_attempt_at), "sending" (being posted now, or left so by a crash: posted again), "sent",
"failed" (gave up after the last attempt).
"""

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.db import ENGINE
from app.tickets.tables import Ticket
from app.workspaces.tables import Workspace


class Webhook(Table, db=ENGINE, tablename="webhook"):
    workspace = ForeignKey(Workspace)
    url = Varchar(length=2000)
    secret_sealed = Text(default="")  # the signing secret, encrypted with the installation secret
    events = JSON(default=[])  # the event names the hook wants ("ticket.created", ...)
    description = Varchar(length=200, default="")
    active = Boolean(default=True)
    failures_in_row = Integer(default=0)  # failed deliveries since the last success
    disabled_at = Timestamptz(null=True, default=None)  # switched off for failing (with the reason)
    disabled_reason = Text(default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class WebhookDelivery(Table, db=ENGINE, tablename="webhook_delivery"):
    workspace = ForeignKey(Workspace)
    webhook = ForeignKey(Webhook)
    event = Varchar(length=40)
    ticket = ForeignKey(Ticket, null=True, on_delete=OnDelete.set_null)
    payload = Text()  # the JSON body, exactly as signed and sent
    status = Varchar(length=10, default="pending")
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz()
    last_status_code = Integer(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz()
    delivered_at = Timestamptz(null=True, default=None)


class WebhookAttempt(Table, db=ENGINE, tablename="webhook_attempt"):
    delivery = ForeignKey(WebhookDelivery)
    attempted_at = Timestamptz()
    status_code = Integer(null=True, default=None)  # None: no answer (refused address, timeout, ...)
    error = Text(default="")
    duration_ms = Integer(default=0)
