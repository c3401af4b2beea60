"""Who works a ticket: assigning it to an agent (open → in progress) and releasing it (in
progress → open). `update_fields` uses the same steps, so every path follows the same rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.accounts.tables import Agent, full_name
from app.errors import Forbidden, ValidationFailed
from app.i18n import _
from app.mail import messages
from app.tickets.refs import AgentTicket
from app.tickets.service.unit import Actor, Change, change
from app.tickets.status import Transition

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer


async def assign_step(c: Change, agent_id: int) -> str | None:
    """Give the ticket to an agent of its workspace; the error message if that is not allowed.
    The current assignee sent back unchanged is no change (even if they are away now: the
    ticket must stay editable)."""
    if agent_id == c.ticket["assignee"]:
        return None
    agent = await Agent.select(Agent.first_name, Agent.last_name, Agent.active, Agent.on_vacation).where(
        Agent.id == agent_id, Agent.workspace == c.ticket["workspace"]
    ).first()
    if agent is None:
        return _("Unknown agent.")
    if agent["on_vacation"]:
        return _("%(name)s is on vacation and cannot be assigned tickets.",
                 name=full_name(agent["first_name"], agent["last_name"]))
    if not agent["active"]:
        return _("This agent is inactive and cannot be assigned tickets.")
    if c.set("assignee", agent_id, label=full_name(agent["first_name"], agent["last_name"])):
        c.move(Transition.ASSIGN)
        if agent_id != c.actor.agent_id:  # someone else (or round robin) gave it to them: tell them
            c.mail(messages.queue_ticket_assigned, agent_id=agent_id, by=c.actor.name)
    return None


def release_step(c: Change) -> str | None:
    """Nobody works the ticket any more; the error message if the actor may not let it go: only
    the assignee or a superadmin releases a ticket (through "Release", the fields form or a bulk
    change alike)."""
    assignee, viewer = c.ticket["assignee"], c.actor.viewer
    if assignee is None:
        return None
    if viewer is not None and assignee != viewer.agent_id and not viewer.superadmin:
        return _("Only the agent working on this ticket can release it.")
    if c.set("assignee", None):
        c.move(Transition.RELEASE)
    return None


async def assign(viewer: Viewer, number: int, agent_id: int) -> dict:
    async with change(AgentTicket(viewer, number), Actor.agent(viewer)) as c:
        error = await assign_step(c, agent_id)
        if error:
            raise ValidationFailed({"assignee": error})
    return c.ticket


async def take(viewer: Viewer, number: int) -> dict:
    """"Assign to me" on any ticket the agent may see."""
    return await assign(viewer, number, viewer.agent_id)


async def release(viewer: Viewer, number: int) -> dict:
    """The assignee lets go of the ticket (a superadmin may release anyone's)."""
    async with change(AgentTicket(viewer, number), Actor.agent(viewer)) as c:
        if c.ticket["assignee"] is None:
            return c.ticket
        if error := release_step(c):
            raise Forbidden(error)
    return c.ticket
