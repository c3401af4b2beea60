"""The conversation on a ticket: the customer's messages, agents' replies and internal notes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from app.accounts.tables import Agent
from app.errors import Conflict, Stale
from app.i18n import _
from app.mail import messages
from app.tickets.inputs import Reply
from app.tickets.refs import AgentTicket, CustomerTicket
from app.tickets.service.unit import CUSTOMER, Actor, change
from app.tickets.status import Status, Transition
from app.tickets.tables import TimelineEntry

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer


def check_customer_may_write(ticket: dict) -> None:
    """A customer posts and uploads only on a confirmed ticket that is not closed."""
    status = Status(ticket["status"])
    if status == Status.CLOSED:
        raise Conflict(_("This ticket is closed. Please open a new ticket if you need further help."))
    if status == Status.AWAITING_CONFIRMATION:
        raise Conflict(_("Please confirm your e-mail address first, using the link we sent you."))


async def customer_reply(workspace: dict, ticket_hash: str, reply: Reply) -> dict:
    """The customer writes on their ticket page (or by mail): the ticket needs the team again."""
    async with change(CustomerTicket(workspace["id"], ticket_hash), CUSTOMER) as c:
        check_customer_may_write(c.ticket)
        c.post("customer", reply.text)
        c.set("last_replier", "customer")
        c.move(Transition.CUSTOMER_REPLY)
    return c.ticket


async def agent_reply(viewer: Viewer, number: int, reply: Reply, seen: int | None = None) -> dict:
    """An external reply: mailed to the customer, the ticket waits for them. The agent's
    signature, if they have one, is appended (to the post and the mail alike).

    `seen` is the ticket's version the agent wrote against (`version()` when their page was
    rendered). If the customer wrote since, the reply is held: nothing is saved or mailed, and
    `Stale` carries the new messages; sending again with the current version sends it. Without
    `seen` (the APIs, mail) there is no check."""
    text = with_signature(reply.text, await _signature(viewer.agent_id))
    async with change(AgentTicket(viewer, number), Actor.agent(viewer)) as c:
        if seen is not None:
            newer = await _customer_messages_after(c.ticket["id"], seen)
            if newer:
                raise Stale(_("The customer wrote while you were writing. Your reply has not been sent yet."), newer)
        c.post("reply", text)
        c.set("last_replier", "agent")
        c.move(Transition.AGENT_REPLY)
        c.mail(messages.queue_agent_reply, reply_text=text, agent_name=viewer.name)
    return c.ticket


def with_signature(text: str, signature: str) -> str:
    """The reply and the signature below the usual "-- " separator (mail readers fold it away);
    not twice if the agent pasted it already."""
    signature = signature.strip()
    if not signature or text.rstrip().endswith(signature):
        return text
    return f"{text.rstrip()}\n\n-- \n{signature}"


async def _signature(agent_id: int) -> str:
    row = await Agent.select(Agent.signature).where(Agent.id == agent_id).first()
    return row["signature"] if row else ""


async def add_note(viewer: Viewer, number: int, reply: Reply) -> dict:
    """An internal note: agents only, never mailed, the status stays."""
    async with change(AgentTicket(viewer, number), Actor.agent(viewer)) as c:
        c.post("note", reply.text, touch=False)
    return c.ticket


def version(entries: list[dict]) -> int:
    """A ticket's version as its page shows it: the newest timeline entry's id (0 for none)."""
    return max((entry["id"] for entry in entries), default=0)


# Newer than version `seen`: written after it, or edited after it was written (the customer
# corrected the message the agent is answering).
_CUSTOMER_MESSAGES_AFTER = """
SELECT * FROM timeline_entry WHERE ticket = {} AND kind = 'customer'
  AND (id > {} OR edited_at > (SELECT created_at FROM timeline_entry WHERE id = {} AND ticket = {}))
ORDER BY id DESC
"""


async def _customer_messages_after(ticket_id: int, seen: int) -> list[dict]:
    """Customer messages newer than version `seen`, newest first (as the thread shows them)."""
    rows = await TimelineEntry.raw(_CUSTOMER_MESSAGES_AFTER, ticket_id, seen, seen, ticket_id)
    for row in rows:
        row["data"] = json.loads(row["data"]) if isinstance(row["data"], str) else (row["data"] or {})
    return rows
