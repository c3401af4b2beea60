"""Editing a post after it was written (manual: "Edit").

An agent edits their own replies and notes; a customer their own messages until an agent has
answered after them. The earlier text is kept for agents in the entry's data["revisions"], the
post shows "edited", and an edited reply is not mailed again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.errors import Conflict, Forbidden, NotFound
from app.i18n import _
from app.tickets.inputs import Reply
from app.tickets.refs import AgentTicket, CustomerTicket
from app.tickets.service.conversation import check_customer_may_write
from app.tickets.service.unit import CUSTOMER, Actor, Change, change
from app.tickets.tables import TimelineEntry

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

MAX_REVISIONS = 20  # the oldest earlier texts go first beyond this


async def _entry(c: Change, entry_id: int) -> dict:
    row = await TimelineEntry.select().where(
        TimelineEntry.id == entry_id, TimelineEntry.ticket == c.ticket["id"]
    ).output(load_json=True).first()
    if row is None:
        raise NotFound(_("No such post."))
    return row


async def _replace(c: Change, entry: dict, text: str) -> bool:
    if entry["body"] == text:
        return False
    data = dict(entry["data"] or {})
    revisions = list(data.get("revisions", []))
    revisions.append({"body": entry["body"], "at": (entry["edited_at"] or entry["created_at"]).isoformat()})
    data["revisions"] = revisions[-MAX_REVISIONS:]
    await TimelineEntry.update({TimelineEntry.body: text, TimelineEntry.data: data,
                                TimelineEntry.edited_at: c.now}).where(TimelineEntry.id == entry["id"])
    c.touch()
    return True


async def edit_agent_post(viewer: Viewer, number: int, entry_id: int, reply: Reply) -> bool:
    """An agent corrects their own reply or note. True if the text changed."""
    async with change(AgentTicket(viewer, number), Actor.agent(viewer)) as c:
        entry = await _entry(c, entry_id)
        if entry["kind"] not in ("reply", "note") or entry["author_agent"] != viewer.agent_id:
            raise Forbidden(_("You can only edit your own replies and notes."))
        return await _replace(c, entry, reply.text)


async def customer_may_edit(ticket_id: int, entry: dict) -> bool:
    """A customer's message stays editable until an agent has replied after it (by time: a merge
    brings older messages in with new ids). A first message merged in from another ticket was
    that ticket's question: it stays as it was."""
    if (entry.get("data") or {}).get("merged_from"):
        return False
    answered = await TimelineEntry.exists().where(
        TimelineEntry.ticket == ticket_id, TimelineEntry.kind == "reply",
        (TimelineEntry.created_at > entry["created_at"])
        | ((TimelineEntry.created_at == entry["created_at"]) & (TimelineEntry.id > entry["id"])),
    )
    return not answered


async def edit_customer_post(workspace: dict, ticket_hash: str, entry_id: int, reply: Reply) -> bool:
    """The customer corrects a message of theirs on their ticket page."""
    async with change(CustomerTicket(workspace["id"], ticket_hash), CUSTOMER) as c:
        check_customer_may_write(c.ticket)
        entry = await _entry(c, entry_id)
        if entry["kind"] != "customer":
            raise Forbidden(_("You can only edit your own messages."))
        if not await customer_may_edit(c.ticket["id"], entry):
            raise Conflict(_("This message has been answered already and can no longer be edited."))
        return await _replace(c, entry, reply.text)
