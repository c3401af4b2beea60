"""Who wrote a message that names a ticket, and whether they may post there (issue 11 §3).

From: is easy to forge, so the sender check is what keeps a stranger who copied `[ID:<hash>]` (or
one of our Message-IDs) out of someone else's ticket: only the ticket's customer, its CC
participants and the workspace's agents post. An agent's mail reply is mailed on to the customer,
so a forged agent address would let anyone write to our customers in our name: an agent posts
only when a receiving server we trust vouches for the sender's domain in the topmost
`Authentication-Results` header (RFC 8601), with DKIM or DMARC passing for that domain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from app.accounts.tables import Agent
from app.tickets.tables import TicketParticipant

CUSTOMER, PARTICIPANT, AGENT = "customer", "participant", "agent"

_COMMENT = re.compile(r"\([^()]*\)")
_PROPERTY = re.compile(r"([a-z0-9.\-]+)\s*=\s*\"?([^\s;\"]+)\"?", re.IGNORECASE)


@dataclass(frozen=True)
class Sender:
    """The role the sender has on the ticket, and the agent's id when it is an agent."""

    role: str | None  # CUSTOMER, PARTICIPANT, AGENT, or None (a stranger)
    agent_id: int | None = None
    vouched: bool = False  # for an agent: a trusted server vouched for the address


def vouched(auth_results: str, address: str, trusted: Iterable[str]) -> bool:
    """True when `auth_results` (one Authentication-Results header) comes from a trusted
    authserv-id and reports dkim=pass with header.d (or header.i) of the address's domain, or
    dmarc=pass with header.from of it."""
    trusted_ids = {t.strip().lower() for t in trusted if t and t.strip()}
    domain = address.rpartition("@")[2].strip().lower()
    if not auth_results or not trusted_ids or not domain:
        return False
    text = _COMMENT.sub(" ", auth_results)
    authserv, _, results = text.partition(";")
    if authserv.strip().split(" ")[0].lower() not in trusted_ids:
        return False
    for result in results.split(";"):
        props = {key.lower(): value.lower() for key, value in _PROPERTY.findall(result)}
        if props.get("dkim") == "pass":
            signer = props.get("header.d") or props.get("header.i", "").rpartition("@")[2]
            if signer == domain:
                return True
        if props.get("dmarc") == "pass" and props.get("header.from") == domain:
            return True
    return False


async def identify(ticket: dict, sender: str, auth_results: str, trusted: Iterable[str]) -> Sender:
    """Who `sender` (lowercased) is on `ticket`. The customer wins over an agent with the same
    address (an agent who opened a ticket as a customer)."""
    if sender == (ticket["customer_email"] or "").lower():
        return Sender(CUSTOMER)
    if await TicketParticipant.exists().where(TicketParticipant.ticket == ticket["id"],
                                              TicketParticipant.email == sender):
        return Sender(PARTICIPANT)
    agent = await Agent.select(Agent.id).where(Agent.workspace == ticket["workspace"], Agent.email == sender,
                                               Agent.active.eq(True)).first()
    if agent is not None:
        return Sender(AGENT, agent["id"], vouched(auth_results, sender, trusted))
    return Sender(None)
