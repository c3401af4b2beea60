""""Send me an e-mail when a ticket is routed into my groups" (the agent profile's opt-in).

A ticket is routed into a group when it is created there (open: one awaiting the customer's
confirmation is routed when confirmed) and when an agent moves it there. Each active, confirmed
member of the group who opted in gets a mail, except whoever made the move. Intents ask for it
with `c.mail(queue_routed)`: the mails are queued with the change, in its transaction, with the
ticket as it ends up (the group it is in after the change).
"""

from __future__ import annotations

from typing import Any

from app.accounts.queries import agents_with_groups
from app.accounts.tables import Agent
from app.mail import messages

# The group's name and the members who want the mail, in one round trip.
_RECIPIENTS = """
SELECT a.email, a.first_name, a.last_name, a.lang, a.time_zone, g.name AS group_name
FROM agent_group g JOIN group_member m ON m."group" = g.id JOIN agent a ON a.id = m.agent
WHERE g.id = {} AND g.workspace = {} AND a.workspace = g.workspace
  AND a.active AND a.confirmed AND a.notify_routed AND a.id != {}
"""


async def queue_routed(*, workspace: dict, ticket: dict, actor_id: int | None = None, **_context: Any) -> int:
    """Queue the routed-ticket mail to the opted-in members of the ticket's group. Returns how many."""
    if ticket.get("group") is None:
        return 0
    # Most workspaces have nobody opted in: the cached agent list says so without a query inside
    # the ticket's write (every submission passes here).
    if not any(a["notify_routed"] and a["active"] for a in await agents_with_groups(workspace["id"])):
        return 0
    rows = await Agent.raw(_RECIPIENTS, ticket["group"], workspace["id"], actor_id or -1)
    for row in rows:
        await messages.queue_ticket_routed(workspace=workspace, ticket=ticket, agent=row,
                                           group_name=row["group_name"])
    return len(rows)
