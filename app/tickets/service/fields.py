"""The ticket page's fields: status, priority, type, group, assignee, deadline and subject, changed
in one go.

The browser posts the whole fields form when one select changes; `update_fields` compares each
value with the ticket and writes only what differs: one transaction, one event per changed field,
nothing at all when any value is refused.

Each field has a step (`prio_step`, `type_step`, `group_step`, `status_step`, and
assignment.py's `assign_step`/`release_step`) that applies one value to a Change and answers the
error message when the value is refused; bulk changes (bulk.py) run the same steps per ticket.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.accounts.tables import AgentGroup
from app.errors import ValidationFailed
from app.i18n import _
from app.mail import messages
from app.tickets import queries
from app.tickets.inputs import UNCHANGED, FieldChanges
from app.tickets.refs import AgentTicket
from app.tickets.service.assignment import assign_step, release_step
from app.tickets.service.routed import queue_routed
from app.tickets.service.unit import Actor, Change, change
from app.tickets.status import ANNOUNCED_STATUSES, MANUAL_STATUSES, PRIORITIES, Status

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer


def prio_step(c: Change, prio: int) -> str | None:
    if prio not in PRIORITIES:
        return _("Unknown priority.")
    c.set("prio", prio)
    return None


async def type_step(c: Change, type_id: int) -> str | None:
    types = {row["id"]: row["name"] for row in await queries.ticket_types(c.ticket["workspace"])}
    if type_id not in types:
        return _("Unknown ticket type.")
    c.set("ticket_type", type_id, label=types[type_id])
    return None


async def group_step(c: Change, group_id: int) -> str | None:
    if group_id == c.ticket["group"]:  # sent back unchanged (the group may be being deleted)
        return None
    group = await AgentGroup.select(AgentGroup.name).where(
        AgentGroup.id == group_id, AgentGroup.workspace == c.ticket["workspace"],
        AgentGroup.retired == False,  # noqa: E712  (a group being deleted takes no more tickets)
    ).first()
    if group is None:
        return _("Unknown group.")
    c.set("group", group_id, label=group["name"])
    c.mail(queue_routed, actor_id=c.actor.agent_id)  # the new group's opted-in members hear of it
    return None


def status_step(c: Change, status: Status) -> str | None:
    """A status picked by hand. The same status sent back unchanged is no change (and leaves in
    place a move an assignment in the same change implied)."""
    if status == c.before["status"]:
        return None
    if status not in MANUAL_STATUSES:
        return _("This status cannot be set by hand.")
    c.set("status", int(status))
    return None


def announce_status(c: Change, status: Status) -> None:
    """Tell the customer when an agent resolved or closed their ticket by hand."""
    new_status = Status(c.ticket["status"])
    if status == new_status and c.changed("status") and new_status in ANNOUNCED_STATUSES:
        c.mail(messages.queue_status_changed, status=new_status)


async def update_fields(viewer: Viewer, number: int, changes: FieldChanges) -> dict:
    async with change(AgentTicket(viewer, number), Actor.agent(viewer)) as c:
        errors: dict[str, str] = {}
        if changes.prio is not UNCHANGED and (error := prio_step(c, changes.prio)):
            errors["prio"] = error
        if changes.type_id is not UNCHANGED and (error := await type_step(c, changes.type_id)):
            errors["type"] = error
        if changes.group_id is not UNCHANGED and (error := await group_step(c, changes.group_id)):
            errors["group"] = error
        if changes.subject is not UNCHANGED:
            c.set("subject", changes.subject)
        if changes.deadline is not UNCHANGED:
            c.set("deadline", changes.deadline)
        if changes.assignee is not UNCHANGED:
            refused = release_step(c) if changes.assignee is None else await assign_step(c, changes.assignee)
            if refused:
                errors["assignee"] = refused
        # A status picked by hand wins over the move an assignment implies.
        if changes.status is not UNCHANGED and (error := status_step(c, changes.status)):
            errors["status"] = error
        if errors:
            raise ValidationFailed(errors)
        if changes.status is not UNCHANGED:
            announce_status(c, changes.status)
    return c.ticket
