"""The ticket page's fields: status, priority, type, group, assignee, deadline and subject, changed
in one go.

The browser posts the whole fields form when one select changes; `update_fields` compares each
value with the ticket and writes only what differs: one transaction, one event per changed field,
nothing at all when any value is refused.
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
from app.tickets.service.unit import Actor, change
from app.tickets.status import ANNOUNCED_STATUSES, MANUAL_STATUSES, PRIORITIES, Status

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer


async def update_fields(viewer: Viewer, number: int, changes: FieldChanges) -> dict:
    async with change(AgentTicket(viewer, number), Actor.agent(viewer)) as c:
        errors: dict[str, str] = {}
        if changes.prio is not UNCHANGED:
            if changes.prio in PRIORITIES:
                c.set("prio", changes.prio)
            else:
                errors["prio"] = _("Unknown priority.")
        if changes.type_id is not UNCHANGED:
            types = {row["id"]: row["name"] for row in await queries.ticket_types(viewer.workspace_id)}
            if changes.type_id in types:
                c.set("ticket_type", changes.type_id, label=types[changes.type_id])
            else:
                errors["type"] = _("Unknown ticket type.")
        if changes.group_id is not UNCHANGED:
            group = await AgentGroup.select(AgentGroup.name).where(
                AgentGroup.id == changes.group_id, AgentGroup.workspace == viewer.workspace_id
            ).first()
            if group is not None:
                c.set("group", changes.group_id, label=group["name"])
            else:
                errors["group"] = _("Unknown group.")
        if changes.subject is not UNCHANGED:
            c.set("subject", changes.subject)
        if changes.deadline is not UNCHANGED:
            c.set("deadline", changes.deadline)
        if changes.assignee is None:
            release_step(c)
        elif changes.assignee is not UNCHANGED:
            if error := await assign_step(c, changes.assignee):
                errors["assignee"] = error
        # A status picked by hand wins over the move an assignment implies; the same status sent
        # back unchanged (the whole form is posted) leaves that move in place.
        if changes.status is not UNCHANGED and changes.status != c.before["status"]:
            if changes.status in MANUAL_STATUSES:
                c.set("status", int(changes.status))
            else:
                errors["status"] = _("This status cannot be set by hand.")
        if errors:
            raise ValidationFailed(errors)
        new_status = Status(c.ticket["status"])
        if changes.status == new_status and c.changed("status") and new_status in ANNOUNCED_STATUSES:
            c.mail(messages.queue_status_changed, status_label=new_status.label)
    return c.ticket
