"""Merging two tickets of one customer (Trivial Tickets): the absorbed ticket's conversation and
files move to the surviving ticket, and the absorbed one is closed with a link to it.

Both tickets change in one write transaction (two change units joined in one `db.write()`), each
writes its own timeline entry and is reindexed after the commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app import db
from app.errors import Conflict, NotFound
from app.i18n import _
from app.tickets.refs import AgentTicket
from app.tickets.scopes import visible_to
from app.tickets.service.annotations import NOTES_MAX
from app.tickets.service.unit import Actor, change
from app.tickets.status import Status, Transition
from app.tickets.tables import Attachment, Ticket, TicketTag, TimelineEntry

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

MERGEABLE_LIMIT = 50


async def merge_candidates(viewer: Viewer, number: int) -> list[dict]:
    """The tickets `number` can be merged into: the same customer address, in this workspace and
    the viewer's sight, not closed, not merged, not itself (most recently active first)."""
    ticket = await Ticket.select(Ticket.id, Ticket.customer_email).where(
        *AgentTicket(viewer, number).where()).first()
    if ticket is None:
        raise NotFound(_("No such ticket."))
    return await Ticket.select(Ticket.number, Ticket.subject, Ticket.status, Ticket.updated_at).where(
        *visible_to(viewer).sql_where(),
        Ticket.customer_email == ticket["customer_email"],
        Ticket.id != ticket["id"],
        Ticket.status.not_in([int(Status.CLOSED), int(Status.AWAITING_CONFIRMATION)]),
        Ticket.merged_into.is_null(),
    ).order_by(Ticket.updated_at, ascending=False).limit(MERGEABLE_LIMIT)


async def merge(viewer: Viewer, number: int, into_number: int) -> dict:
    """Merge ticket `number` into `into_number`; returns the surviving ticket."""
    if number == into_number:
        raise Conflict(_("A ticket cannot be merged into itself."))
    actor = Actor.agent(viewer)
    async with db.write():
        async with change(AgentTicket(viewer, into_number), actor) as survivor:
            async with change(AgentTicket(viewer, number), actor) as absorbed:
                _check(absorbed.ticket, survivor.ticket)
                source, target = absorbed.ticket, survivor.ticket
                # The absorbed ticket's first message lives on the ticket row: it becomes a post of
                # the survivor at its own time, so the thread reads in the order things happened.
                await TimelineEntry.insert(TimelineEntry(
                    ticket=target["id"], workspace=target["workspace"], kind="customer",
                    author_name=source["customer_name"], body=source["text"], created_at=source["created_at"],
                    data={"merged_from": source["number"], "subject": source["subject"]},
                ))
                # The conversation moves, each post marked with the ticket it came from; the
                # absorbed ticket's own events (status moves, assignments) stay with it: they did
                # not happen to the survivor.
                await TimelineEntry.raw(
                    "UPDATE timeline_entry SET ticket = {}, data = json_set(data, '$.merged_from', {}) "
                    "WHERE ticket = {} AND kind != 'event'", target["id"], source["number"], source["id"])
                await Attachment.update({Attachment.ticket: target["id"]}).where(Attachment.ticket == source["id"])
                await _carry_over_tags(source, target)
                if source["notes"].strip():
                    notes = "\n\n".join(n for n in (target["notes"].strip(),
                                                      f"#{source['number']}: {source['notes'].strip()}") if n)
                    survivor.set("notes", notes[:NOTES_MAX])
                absorbed.set("merged_into", target["id"])
                absorbed.move(Transition.MERGE)
                absorbed.event("merged", {"into": target["number"]})
            survivor.event("merged", {"from": source["number"]})
            survivor.touch()
    return survivor.ticket


async def _carry_over_tags(source: dict, target: dict) -> None:
    """The survivor gets the absorbed ticket's tags it does not have yet (compared ignoring case)."""
    rows = await TicketTag.select(TicketTag.ticket, TicketTag.name).where(
        TicketTag.ticket.is_in([source["id"], target["id"]]))
    present = {row["name"].casefold() for row in rows if row["ticket"] == target["id"]}
    missing = {row["name"].casefold(): row["name"] for row in rows
               if row["ticket"] == source["id"] and row["name"].casefold() not in present}
    if missing:
        await TicketTag.insert(*[TicketTag(workspace=target["workspace"], ticket=target["id"], name=name)
                                 for name in missing.values()])


def _check(source: dict, target: dict) -> None:
    if source["customer_email"] != target["customer_email"]:
        raise Conflict(_("Only tickets of the same customer can be merged."))
    if source["merged_into"] or target["merged_into"]:
        raise Conflict(_("This ticket has been merged already."))
    if target["status"] == Status.CLOSED:
        raise Conflict(_("A closed ticket cannot take in another ticket."))
    if Status.AWAITING_CONFIRMATION in (source["status"], target["status"]):
        raise Conflict(_("A ticket whose customer has not confirmed their address yet cannot be merged."))
