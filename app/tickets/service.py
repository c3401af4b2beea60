"""The single write path for tickets.

Every change to a ticket, from the agent UI, the customer portal, the APIs or incoming mail, goes
through a function here. Each one runs in one write transaction that updates the ticket, appends
its timeline entries and queues its mails (the outbox), so a change and its notification commit
together or not at all. The search index hears about the change after the commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from app.accounts.tables import Agent, AgentGroup
from app.accounts.tokens import new_token, token_hash
from app.accounts.viewer import Viewer
from app.db import write
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.links import Links
from app.mail import messages
from app.search import events as search_events
from app.tickets import files, queries
from app.tickets.status import MANUAL_STATUSES, PRIORITIES, Status
from app.tickets.tables import Attachment, Ticket, TicketType, TimelineEntry
from app.validation import FieldErrors

MAX_TEXT = 4096
CUSTOMER_REPLY_FROM = {Status.OPEN, Status.WAITING, Status.IN_PROGRESS, Status.RESOLVED}


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Storage:
    """Where attachment files go and how large they may be (from app.toml)."""

    directory: Path
    max_bytes: int


@dataclass
class Created:
    ticket: dict
    confirmation_token: str | None


# -- helpers shared by the intents below ---------------------------------------------------


async def _event(ticket: dict, event: str, data: dict | None = None, agent: Viewer | None = None) -> None:
    await TimelineEntry(
        ticket=ticket["id"],
        workspace=ticket["workspace"],
        kind="event",
        event=event,
        data=data or {},
        author_agent=agent.agent_id if agent else None,
        author_name=agent.name if agent else "",
    ).save()


async def _set_status(ticket: dict, new: Status, agent: Viewer | None = None) -> None:
    old = Status(ticket["status"])
    if old == new:
        return
    await Ticket.update({Ticket.status: int(new), Ticket.updated_at: _now()}).where(Ticket.id == ticket["id"])
    await _event(ticket, "status", {"from": int(old), "to": int(new)}, agent)
    ticket["status"] = int(new)


async def _touch(ticket: dict, **values) -> None:
    columns = {getattr(Ticket, k): v for k, v in values.items()}
    columns[Ticket.updated_at] = _now()
    await Ticket.update(columns).where(Ticket.id == ticket["id"])
    ticket.update(values)


async def _load_for_agent(viewer: Viewer, number: int) -> dict:
    row = await Ticket.select().where(Ticket.workspace == viewer.workspace_id, Ticket.number == number).first()
    if row is None:
        raise NotFound("No such ticket.")
    return row


async def _load_for_customer(workspace: dict, ticket_hash: str) -> dict:
    row = await Ticket.select().where(Ticket.workspace == workspace["id"], Ticket.hash == ticket_hash).first()
    if row is None:
        raise NotFound("No such ticket.")
    return row


def _changed(ticket_id: int) -> None:
    search_events.ticket_changed(ticket_id)


def _clean_text(errors: FieldErrors, data: dict, field: str = "text", label: str = "Text") -> str:
    return errors.text(data, field, label, max_len=MAX_TEXT)


# -- creating -------------------------------------------------------------------------------


async def validate_new_ticket(workspace: dict, data: dict, extra_errors: dict | None = None) -> dict:
    """Check a new ticket's fields; raise ValidationFailed listing every problem (plus extra_errors)."""
    types = {row["id"] for row in await queries.ticket_types(workspace["id"])}
    errors = FieldErrors()
    fields = {
        "name": errors.text(data, "name", "Name", max_len=200),
        "email": errors.email(data),
        "subject": errors.text(data, "subject", "Subject", min_len=3, max_len=200),
        "text": _clean_text(errors, data),
        "type": errors.choice(data, "type", "Ticket type", types),
        "prio": errors.choice(data, "prio", "Priority", set(PRIORITIES)),
    }
    errors.update(extra_errors or {})
    if errors:
        raise ValidationFailed(errors)
    return fields


async def create_ticket(
    workspace: dict,
    data: dict,
    *,
    links: Links,
    source: str = "web",
    agent: Viewer | None = None,
) -> Created:
    """Open a ticket for a customer (public form, agent on their behalf, API or mail)."""
    fields = await validate_new_ticket(workspace, data)
    name, email, subject, text = fields["name"], fields["email"], fields["subject"], fields["text"]
    type_id, prio = fields["type"], fields["prio"]

    needs_confirmation = workspace["confirm_email"] and source in ("web", "api")
    token, digest = new_token() if needs_confirmation else (None, None)
    group_id = await queries.default_group_id(workspace["id"])  # read before taking the write lock
    async with write():
        last = await Ticket.raw("SELECT COALESCE(MAX(number), 0) AS n FROM ticket WHERE workspace = {}", workspace["id"])
        ticket = Ticket(
            workspace=workspace["id"],
            number=last[0]["n"] + 1,
            hash=secrets.token_hex(16),
            subject=subject,
            text=text,
            customer_name=name,
            customer_email=email.lower(),
            ticket_type=type_id,
            prio=prio,
            status=int(Status.AWAITING_CONFIRMATION if needs_confirmation else Status.OPEN),
            group=group_id,
            confirmation_token_hash=digest,
            created_by_agent=agent.agent_id if agent else None,
        )
        await ticket.save()
        row = ticket.to_dict()
        await _event(row, "created", {"source": source, "status": row["status"]}, agent)
        await messages.queue_ticket_created(
            workspace=workspace,
            ticket=row,
            permalink=links.permalink(workspace["key"], row["hash"]),
            confirm_link=links.confirm(workspace["key"], row["hash"], token) if token else None,
            domain=links.domain,
        )
    _changed(row["id"])
    return Created(ticket=row, confirmation_token=token)


async def confirm_ticket(workspace: dict, ticket_hash: str, token: str) -> bool:
    """Confirm the customer's address with the mailed token. Returns True if it confirmed now."""
    async with write():
        ticket = await _load_for_customer(workspace, ticket_hash)
        if ticket["status"] != Status.AWAITING_CONFIRMATION:
            return False
        if not ticket["confirmation_token_hash"] or not secrets.compare_digest(
            ticket["confirmation_token_hash"], token_hash(token or "")
        ):
            raise Forbidden("This confirmation link is not valid.")
        await _touch(ticket, confirmation_token_hash=None)
        await _event(ticket, "confirmed")
        await _set_status(ticket, Status.OPEN)
    _changed(ticket["id"])
    return True


# -- customer side ---------------------------------------------------------------------------


async def customer_reply(workspace: dict, ticket_hash: str, data: dict) -> dict:
    """The customer writes on their ticket page (or by mail): the ticket needs the team again."""
    errors = FieldErrors()
    text = _clean_text(errors, data, label="Your message")
    if errors:
        raise ValidationFailed(errors)
    async with write():
        ticket = await _load_for_customer(workspace, ticket_hash)
        _check_customer_may_write(ticket)
        entry = TimelineEntry(
            ticket=ticket["id"], workspace=ticket["workspace"], kind="customer", author_name=ticket["customer_name"], body=text
        )
        await entry.save()
        await _touch(ticket, last_replier="customer")
        await _set_status(ticket, Status.OPEN)
    _changed(ticket["id"])
    return entry.to_dict()


def _check_customer_may_write(ticket: dict) -> None:
    status = Status(ticket["status"])
    if status == Status.CLOSED:
        raise Conflict("This ticket is closed. Please open a new ticket if you need further help.")
    if status == Status.AWAITING_CONFIRMATION:
        raise Conflict("Please confirm your e-mail address first, using the link we sent you.")


async def add_customer_attachment(workspace: dict, ticket_hash: str, upload: files.Upload, storage: Storage) -> dict:
    if not workspace["allow_customer_uploads"]:
        raise Forbidden("File uploads are not enabled for this help desk.")
    ticket = await _load_for_customer(workspace, ticket_hash)
    _check_customer_may_write(ticket)
    return await _attach(ticket, upload, storage, workspace, uploaded_by="customer", author=None)


async def _attach(ticket: dict, upload: files.Upload, storage: Storage, workspace: dict, *, uploaded_by: str, author: Viewer | None) -> dict:
    filename = files.check_upload(upload, blocked_extensions=workspace["blocked_extensions"], max_bytes=storage.max_bytes)
    stored_name = files.store(storage.directory, upload.data)
    try:
        async with write():
            current = await Ticket.select(Ticket.status).where(Ticket.id == ticket["id"]).first()
            if uploaded_by == "customer" and current["status"] == Status.CLOSED:
                raise Conflict("This ticket is closed. Please open a new ticket if you need further help.")
            attachment = Attachment(
                ticket=ticket["id"],
                workspace=ticket["workspace"],
                filename=filename,
                stored_name=stored_name,
                content_type=upload.content_type or "application/octet-stream",
                size=len(upload.data),
                uploaded_by=uploaded_by,
            )
            await attachment.save()
            await _event(ticket, "attachment", {"filename": filename, "by": uploaded_by}, author)
            await _touch(ticket)
    except BaseException:
        files.discard(storage.directory, stored_name)  # never leave a file the database does not know
        raise
    return attachment.to_dict()


# -- agent side ------------------------------------------------------------------------------


async def agent_reply(viewer: Viewer, number: int, data: dict, *, internal: bool, links: Links, workspace: dict) -> dict:
    """An external reply (mailed, status → waiting) or an internal note (no mail, no change)."""
    errors = FieldErrors()
    text = _clean_text(errors, data)
    if errors:
        raise ValidationFailed(errors)
    async with write():
        ticket = await _load_for_agent(viewer, number)
        entry = TimelineEntry(
            ticket=ticket["id"],
            workspace=ticket["workspace"],
            kind="note" if internal else "reply",
            author_agent=viewer.agent_id,
            author_name=viewer.name,
            body=text,
        )
        await entry.save()
        if not internal:
            await _touch(ticket, last_replier="agent")
            await _set_status(ticket, Status.WAITING, viewer)
            await messages.queue_agent_reply(
                workspace=workspace,
                ticket=ticket,
                reply_text=text,
                agent_name=viewer.name,
                permalink=links.permalink(workspace["key"], ticket["hash"]),
                domain=links.domain,
            )
    _changed(ticket["id"])
    return entry.to_dict()


async def set_status(viewer: Viewer, number: int, status: int, *, links: Links, workspace: dict) -> dict:
    try:
        new = Status(int(status))
    except ValueError:
        raise ValidationFailed({"status": "Unknown status."}) from None
    if new not in MANUAL_STATUSES:
        raise ValidationFailed({"status": "This status cannot be set by hand."})
    async with write():
        ticket = await _load_for_agent(viewer, number)
        before = ticket["status"]
        await _set_status(ticket, new, viewer)
        if before != new and new in (Status.CLOSED, Status.RESOLVED):
            await messages.queue_status_changed(
                workspace=workspace,
                ticket=ticket,
                status_label=new.label,
                permalink=links.permalink(workspace["key"], ticket["hash"]),
                domain=links.domain,
            )
    _changed(ticket["id"])
    return ticket


async def set_priority(viewer: Viewer, number: int, prio: int) -> dict:
    if prio not in PRIORITIES:
        raise ValidationFailed({"prio": "Unknown priority."})
    async with write():
        ticket = await _load_for_agent(viewer, number)
        if ticket["prio"] != prio:
            await _event(ticket, "priority", {"from": ticket["prio"], "to": prio}, viewer)
            await _touch(ticket, prio=prio)
    _changed(ticket["id"])
    return ticket


async def set_type(viewer: Viewer, number: int, type_id: int) -> dict:
    async with write():
        ticket = await _load_for_agent(viewer, number)
        ttype = await TicketType.select(TicketType.name).where(
            TicketType.id == type_id, TicketType.workspace == viewer.workspace_id
        ).first()
        if ttype is None:
            raise ValidationFailed({"type": "Unknown ticket type."})
        if ticket["ticket_type"] != type_id:
            await _event(ticket, "type", {"to": ttype["name"]}, viewer)
            await _touch(ticket, ticket_type=type_id)
    return ticket


async def set_group(viewer: Viewer, number: int, group_id: int) -> dict:
    async with write():
        ticket = await _load_for_agent(viewer, number)
        group = await AgentGroup.select(AgentGroup.name).where(
            AgentGroup.id == group_id, AgentGroup.workspace == viewer.workspace_id
        ).first()
        if group is None:
            raise ValidationFailed({"group": "Unknown group."})
        if ticket["group"] != group_id:
            await _event(ticket, "group", {"to": group["name"]}, viewer)
            await _touch(ticket, group=group_id)
    _changed(ticket["id"])
    return ticket


async def assign(viewer: Viewer, number: int, agent_id: int | None) -> dict:
    """Assign to an agent (open → in progress) or release (→ open) with agent_id None."""
    async with write():
        ticket = await _load_for_agent(viewer, number)
        if agent_id is None:
            if ticket["assignee"] is not None:
                await _event(ticket, "released", {}, viewer)
                await _touch(ticket, assignee=None)
                if ticket["status"] == Status.IN_PROGRESS:
                    await _set_status(ticket, Status.OPEN, viewer)
        else:
            agent = await Agent.select(Agent.first_name, Agent.last_name, Agent.active, Agent.on_vacation).where(
                Agent.id == agent_id, Agent.workspace == viewer.workspace_id
            ).first()
            if agent is None:
                raise ValidationFailed({"assignee": "Unknown agent."})
            if not agent["active"] or agent["on_vacation"]:
                raise ValidationFailed({"assignee": "This agent is not available (inactive or on vacation)."})
            if ticket["assignee"] != agent_id:
                name = f"{agent['first_name']} {agent['last_name']}".strip()
                await _event(ticket, "assigned", {"to": name}, viewer)
                await _touch(ticket, assignee=agent_id)
                if ticket["status"] == Status.OPEN:
                    await _set_status(ticket, Status.IN_PROGRESS, viewer)
    _changed(ticket["id"])
    return ticket


async def add_agent_attachment(viewer: Viewer, number: int, upload: files.Upload, storage: Storage, workspace: dict) -> dict:
    ticket = await _load_for_agent(viewer, number)
    return await _attach(ticket, upload, storage, workspace, uploaded_by="agent", author=viewer)
