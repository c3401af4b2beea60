"""Tickets changed by incoming mail (issue 11): what app/mail/inbound.py asks for once it knows
which ticket a message belongs to and that its sender may write there.

The pipeline decides *whether* a message is posted (threading, sender, guards); these intents
decide *how*, with the same rules as the web: a customer's mail moves the status like a reply on
the ticket page, a reply to the confirmation mail confirms the ticket, a reply to a closed ticket
reopens it or opens a new one that links to it (the workspace's `closed_reply_mode`).

Files: the pipeline writes accepted attachments to disk before the transaction (`MailFile`) and
removes them again when it does not commit; here they become rows, after the per-ticket caps are
checked inside the transaction. A refused file is named in an event on the ticket and the message
is still posted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.tickets import files, queries
from app.tickets.inputs import Channel, NewTicket
from app.tickets.refs import TicketById
from app.tickets.service.intake import confirm_step, create_ticket
from app.tickets.service.round_robin import auto_assign_step
from app.tickets.service.unit import CUSTOMER, Change, change
from app.tickets.status import Status, Transition
from app.tickets.tables import Attachment, TicketParticipant, TimelineEntry

NO_SUBJECT = "(no subject)"
SUBJECT_MAX = 200
NAME_MAX = 200


@dataclass(frozen=True)
class MailFile:
    """An attachment of the mail, already checked and written to the attachments folder."""

    filename: str
    stored_name: str
    content_type: str
    size: int


@dataclass
class MailPost:
    """What a message brings to a ticket, as the pipeline prepared it."""

    sender: str  # lowercased address
    name: str
    subject: str
    text: str  # what the person wrote (the quoted history split off)
    quoted: str = ""  # the quoted history: shown on request
    html: str = ""  # the mail's HTML as it came (sanitized when shown)
    files: list[MailFile] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)  # [{"filename", "why"}]: named on the ticket
    cc: list[str] = field(default_factory=list)  # lowercased addresses besides ours and the sender
    unused: list[str] = field(default_factory=list)  # stored files no row took (over the ticket's caps)

    def data(self) -> dict:
        """What the post keeps besides its text (the timeline entry's `data`)."""
        data = {"via": "mail", "from": self.sender}
        if self.quoted:
            data["quoted"] = self.quoted
        return data


def _name(post: MailPost) -> str:
    return (post.name or post.sender.split("@")[0])[:NAME_MAX]


async def open_ticket(workspace: dict, post: MailPost, storage: files.Storage, *, acknowledge: bool = True,
                      follows: dict | None = None) -> dict:
    """A new ticket from a message that names no ticket (or answers a closed one, `follows`): the
    sender is the customer, the CC'd addresses participants; default group, first ticket type.
    `acknowledge`: send the "we got your ticket" mail (False when the sender had too many)."""
    types = await queries.ticket_types(workspace["id"])
    new = NewTicket(name=_name(post), email=post.sender, subject=(post.subject.strip() or NO_SUBJECT)[:SUBJECT_MAX],
                    text=post.text if post.text.strip() else NO_SUBJECT, type_id=types[0]["id"] if types else 0,
                    prio=1, channel=Channel.MAIL)
    created = await create_ticket(workspace, new, acknowledge=acknowledge,
                                  created_data={"from": post.sender, "quoted": post.quoted} if post.quoted else None)
    ticket = created.ticket
    if post.html:  # the first message's original HTML, on its "created" event (the agent page's frame)
        await TimelineEntry.update({TimelineEntry.body_html: post.html}).where(
            TimelineEntry.ticket == ticket["id"], TimelineEntry.event == "created")
    async with change(TicketById(workspace["id"], ticket["id"]), CUSTOMER) as c:
        await _add_participants(c, post.cc)
        await add_files(c, post, storage)
        if follows is not None:
            c.event("follow_up", {"from": follows["number"]})
    if follows is not None:
        async with change(TicketById(workspace["id"], follows["id"]), CUSTOMER) as old:
            old.event("follow_up", {"to": ticket["number"]})
    ticket.update(c.ticket)
    return ticket


async def append(workspace: dict, ticket_id: int, post: MailPost, storage: files.Storage, *,
                 participant_name: str | None = None) -> dict:
    """The customer's (or a CC participant's, `participant_name`) mail on their ticket. On a
    closed ticket only when the workspace reopens (the pipeline opens a new one otherwise)."""
    async with change(TicketById(workspace["id"], ticket_id), CUSTOMER) as c:
        if c.ticket["status"] == Status.AWAITING_CONFIRMATION and participant_name is None:
            _confirm(c)  # the customer answered the confirmation mail: the address is theirs
        if c.ticket["status"] == Status.CLOSED:
            c.set("status", int(Status.OPEN))  # closed_reply_mode "reopen" (the status event says so)
        c.post("customer", post.text if post.text.strip() else NO_SUBJECT, author=participant_name,
               html=post.html, data=post.data())
        c.set("last_replier", "customer")
        c.move(Transition.CUSTOMER_REPLY)
        await _add_participants(c, post.cc)
        await add_files(c, post, storage)
    return c.ticket


def _confirm(c: Change) -> None:
    """As the confirmation link does (app/tickets/service/intake.py `confirm_step`: the
    "confirmed" mail to the customer, the routed mails)."""
    confirm_step(c, via="mail")


async def after_confirmation(workspace: dict, ticket_id: int) -> None:
    """Round robin held back until the ticket was open (as after the link)."""
    async with change(TicketById(workspace["id"], ticket_id), CUSTOMER) as c:
        await auto_assign_step(c)


async def _add_participants(c: Change, addresses: list[str]) -> None:
    """CC'd people join the ticket (once each); the customer is not their own participant."""
    existing = {row["email"] for row in await TicketParticipant.select(TicketParticipant.email).where(
        TicketParticipant.ticket == c.ticket["id"])}
    new = [a for a in dict.fromkeys(addresses) if a and a != c.ticket["customer_email"] and a not in existing]
    if new:
        await TicketParticipant.insert(*[
            TicketParticipant(workspace=c.ticket["workspace"], ticket=c.ticket["id"], email=address[:254],
                              created_at=c.now) for address in new])
        c.event("participants", {"added": new})


async def add_files(c: Change, post: MailPost, storage: files.Storage, *, by: str = "customer") -> None:
    """The mail's files become the ticket's, within the per-ticket caps (checked here, inside the
    transaction); the files over them and those the pipeline refused are named in one event.
    A file left unused is in `post.unused`, for the pipeline to delete after the commit."""
    rows = await Attachment.raw(
        "SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM attachment WHERE ticket = {}", c.ticket["id"])
    count, used = rows[0]["n"], rows[0]["bytes"]
    refused = list(post.refused)
    for item in post.files:
        if count >= storage.max_files_per_ticket or used + item.size > storage.max_bytes_per_ticket:
            refused.append({"filename": item.filename, "why": "ticket_full"})
            post.unused.append(item.stored_name)
            continue
        await Attachment(ticket=c.ticket["id"], workspace=c.ticket["workspace"], filename=item.filename,
                         stored_name=item.stored_name, content_type=item.content_type[:120], size=item.size,
                         uploaded_by=by, visible_to_customer=True, created_at=c.now).save()
        c.event("attachment", {"filename": item.filename, "by": by})
        count, used = count + 1, used + item.size
    if refused:
        c.event("files_refused", {"files": refused})
