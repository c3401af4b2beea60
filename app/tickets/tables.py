from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, SmallInt, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.accounts.tables import Agent, AgentGroup
from app.db import ENGINE
from app.workspaces.tables import Workspace


class TicketType(Table, db=ENGINE, tablename="ticket_type"):
    workspace = ForeignKey(Workspace, index=True)
    name = Varchar(length=100)
    created_at = Timestamptz()
    # Being removed: its tickets are moving to another type (a background job); no longer offered.
    retired = Boolean(default=False)


class Ticket(Table, db=ENGINE, tablename="ticket"):
    """A support request. `hash` is the customer's only credential: random, never derived.

    `number` is the per-workspace `#N` (unique together with workspace, see the migration).
    Status codes are part of the API and exports: see app/tickets/status.py.
    """

    workspace = ForeignKey(Workspace, index=True)
    number = Integer()
    hash = Varchar(length=32, unique=True, index=True)
    subject = Varchar(length=200)
    text = Text()
    customer_name = Varchar(length=200)
    customer_email = Varchar(length=254, index=True)
    ticket_type = ForeignKey(TicketType, null=True, on_delete=OnDelete.set_null)
    prio = SmallInt(default=1)
    status = SmallInt(default=1, index=True)
    group = ForeignKey(AgentGroup, null=True, on_delete=OnDelete.set_null, index=True)
    assignee = ForeignKey(Agent, null=True, on_delete=OnDelete.set_null, index=True)
    confirmation_token_hash = Varchar(length=64, null=True, default=None)
    merged_into = ForeignKey("self", null=True, on_delete=OnDelete.set_null)
    created_by_agent = ForeignKey(Agent, null=True, on_delete=OnDelete.set_null)
    last_replier = Varchar(length=10, default="customer")  # "customer" or "agent"
    deadline = Date(null=True, default=None)  # overdue once the day has passed (workspace time zone)
    notes = Text(default="")  # the agents' notepad on the ticket, never shown to the customer
    created_at = Timestamptz()
    updated_at = Timestamptz(index=True)


class TicketTag(Table, db=ENGINE, tablename="ticket_tag"):
    """A tag on a ticket (unique per ticket; the workspace's tags are the completion list)."""

    workspace = ForeignKey(Workspace, index=True)
    ticket = ForeignKey(Ticket, index=True)
    name = Varchar(length=50)


class TimelineEntry(Table, db=ENGINE, tablename="timeline_entry"):
    """Everything that happens to a ticket, in one table (FreeScout style).

    kind: "customer" (customer message), "reply" (agent reply, mailed), "note" (internal, never
    shown to the customer), "event" (status change, assignment, confirmation, ...; `event` holds a
    code and `data` its details).
    """

    ticket = ForeignKey(Ticket, index=True)
    workspace = ForeignKey(Workspace, index=True)
    kind = Varchar(length=10)
    author_agent = ForeignKey(Agent, null=True, on_delete=OnDelete.set_null)
    author_name = Varchar(length=200, default="")
    body = Text(default="")
    body_html = Text(default="")  # inbound mail HTML, stored raw, sanitized when rendered
    event = Varchar(length=30, default="")
    data = JSON(default={})
    created_at = Timestamptz()
    # Set when the author edited the post; the earlier texts are kept for agents in
    # data["revisions"] ([{"body", "at"}], oldest first).
    edited_at = Timestamptz(null=True, default=None)


class Attachment(Table, db=ENGINE, tablename="attachment"):
    """A file on a ticket. Stored under data_dir/attachments/<stored_name>; served only through
    access-checked download routes."""

    ticket = ForeignKey(Ticket, index=True)
    workspace = ForeignKey(Workspace, index=True)
    entry = ForeignKey(TimelineEntry, null=True, on_delete=OnDelete.set_null)
    filename = Varchar(length=255)
    stored_name = Varchar(length=64, unique=True)
    content_type = Varchar(length=120, default="application/octet-stream")
    size = Integer()
    uploaded_by = Varchar(length=10)  # "customer" or "agent"
    visible_to_customer = Boolean(default=True)
    created_at = Timestamptz()


class TicketParticipant(Table, db=ENGINE, tablename="ticket_participant"):
    """Someone CC'd on the customer's mail (migration m0019): gets the agents' replies and may
    reply by mail like the customer."""

    workspace = ForeignKey(Workspace, index=True)
    ticket = ForeignKey(Ticket)
    email = Varchar(length=254)  # lowercased
    name = Varchar(length=200, default="")
    created_at = Timestamptz()
