"""Groups in the administration (manual: "Groups"): create, edit, members, the default group,
delete.

Exactly one group is the default (new tickets land there): setting one clears the other, and the
default cannot be deleted. Deleting a group that has tickets retires it at once (no longer
offered) and a background job moves its tickets to the default group in batches, each through the
change unit (a timeline entry), then deletes it. Every change is in the audit log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app import clock, db
from app.accounts.queries import forget_agents
from app.accounts.tables import Agent, AgentGroup, GroupMember
from app.audit import service as audit
from app.errors import Conflict, NotFound, ValidationFailed
from app.i18n import _
from app.jobs import runner as jobs
from app.tickets.queries import forget_groups
from app.tickets.refs import TicketById
from app.tickets.service.unit import SYSTEM, change
from app.tickets.tables import Ticket
from app.validation import has_line_break, too_long

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

NAME_MAX = 100
DESCRIPTION_MAX = 2000
MOVE_BATCH = 200
JOB_KIND = "move_group_tickets"


def check_fields(name: str, description: str) -> tuple[str, str]:
    name = " ".join(name.split())
    errors = {}
    if not name:
        errors["name"] = _("%(label)s is required.", label=_("Name"))
    elif len(name) > NAME_MAX or has_line_break(name):
        errors["name"] = _("A name is one line of at most %(max)d characters.", max=NAME_MAX)
    description = description.replace("\r\n", "\n").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = too_long(_("Description"), DESCRIPTION_MAX)
    if errors:
        raise ValidationFailed(errors)
    return name, description


async def group_of(workspace_id: int, group_id: int) -> dict:
    row = await AgentGroup.select().where(AgentGroup.id == group_id, AgentGroup.workspace == workspace_id).first()
    if row is None:
        raise NotFound(_("No such group."))
    return row


def _changed(workspace_id: int) -> None:
    db.on_commit(lambda: (forget_groups(workspace_id), forget_agents(workspace_id)))


async def create_group(viewer: Viewer, name: str, description: str = "") -> dict:
    name, description = check_fields(name, description)
    group = AgentGroup(workspace=viewer.workspace_id, name=name, description=description, created_at=clock.now())
    async with db.write():
        await group.save()
        await audit.record(viewer.workspace_id, viewer, "group.created", subject=name, after={"name": name})
        _changed(viewer.workspace_id)
    return group.to_dict()


async def update_group(viewer: Viewer, group_id: int, name: str, description: str) -> None:
    name, description = check_fields(name, description)
    async with db.write():
        row = await group_of(viewer.workspace_id, group_id)
        if (row["name"], row["description"]) == (name, description):
            return
        await AgentGroup.update({AgentGroup.name: name, AgentGroup.description: description}).where(
            AgentGroup.id == group_id)
        await audit.record(viewer.workspace_id, viewer, "group.changed", subject=name,
                           before={"name": row["name"], "description": row["description"]},
                           after={"name": name, "description": description})
        _changed(viewer.workspace_id)


async def set_default(viewer: Viewer, group_id: int) -> None:
    """Make this the default group (the one new tickets land in); the previous one stops being it."""
    async with db.write():
        row = await group_of(viewer.workspace_id, group_id)
        if row["retired"]:
            raise Conflict(_("This group is being deleted."))
        if row["is_default"]:
            return
        await AgentGroup.update({AgentGroup.is_default: False}).where(AgentGroup.workspace == viewer.workspace_id)
        await AgentGroup.update({AgentGroup.is_default: True}).where(AgentGroup.id == group_id)
        await audit.record(viewer.workspace_id, viewer, "group.default", subject=row["name"])
        _changed(viewer.workspace_id)


AUTO_LIMIT_MAX = 10_000


async def set_auto_assign(viewer: Viewer, group_id: int, on: bool, limit: int | None) -> None:
    """Automatic assignment for the group's new tickets: on or off, and the cap of open tickets an
    agent may hold to get another (0: no cap). See app/tickets/service/round_robin.py."""
    if limit is None or not 0 <= limit <= AUTO_LIMIT_MAX:
        raise ValidationFailed({"limit": _("Please enter a number from 0 (no limit) to %(max)d.",
                                           max=AUTO_LIMIT_MAX)})
    async with db.write():
        row = await group_of(viewer.workspace_id, group_id)
        if (row["auto_assign"], row["auto_assign_limit"]) == (on, limit):
            return
        await AgentGroup.update({AgentGroup.auto_assign: on, AgentGroup.auto_assign_limit: limit}).where(
            AgentGroup.id == group_id)
        await audit.record(viewer.workspace_id, viewer, "group.auto_assign", subject=row["name"],
                           before={"on": row["auto_assign"], "limit": row["auto_assign_limit"]},
                           after={"on": on, "limit": limit})
        _changed(viewer.workspace_id)


async def add_member(viewer: Viewer, group_id: int, agent_id: int) -> None:
    async with db.write():
        group = await group_of(viewer.workspace_id, group_id)
        agent = await Agent.select(Agent.email).where(Agent.id == agent_id, Agent.workspace == viewer.workspace_id,
                                                      Agent.retired.eq(False)).first()
        if agent is None:  # not this workspace's, or being deleted
            raise ValidationFailed({"agent": _("Unknown agent.")})
        if group["retired"]:
            raise ValidationFailed({"agent": _("This group is being deleted.")})
        if await GroupMember.exists().where(GroupMember.group == group_id, GroupMember.agent == agent_id):
            return
        await GroupMember.insert(GroupMember(group=group_id, agent=agent_id))
        await audit.record(viewer.workspace_id, viewer, "group.member_added", subject=group["name"],
                           after={"agent": agent["email"]})
        _changed(viewer.workspace_id)


async def remove_member(viewer: Viewer, group_id: int, agent_id: int) -> None:
    async with db.write():
        group = await group_of(viewer.workspace_id, group_id)
        removed = await GroupMember.delete().where(GroupMember.group == group_id,
                                                   GroupMember.agent == agent_id).returning(GroupMember.id)
        if removed:
            await audit.record(viewer.workspace_id, viewer, "group.member_removed", subject=group["name"],
                               before={"agent": agent_id})
            _changed(viewer.workspace_id)


async def delete_group(viewer: Viewer, group_id: int) -> dict | None:
    """Delete a group; its tickets move to the default group. Returns the move's job, if one runs."""
    async with db.write():
        row = await group_of(viewer.workspace_id, group_id)
        if row["is_default"]:
            raise Conflict(_("The default group cannot be deleted. Make another group the default first."))
        if row["retired"]:
            raise Conflict(_("This group is being deleted."))
        default = await AgentGroup.select(AgentGroup.id, AgentGroup.name).where(
            AgentGroup.workspace == viewer.workspace_id, AgentGroup.is_default == True).first()  # noqa: E712
        used = await Ticket.count().where(Ticket.workspace == viewer.workspace_id, Ticket.group == group_id)
        await GroupMember.delete().where(GroupMember.group == group_id)
        job = None
        if used and default is not None:
            await AgentGroup.update({AgentGroup.retired: True}).where(AgentGroup.id == group_id)
            job = await jobs.queue(viewer.workspace_id, JOB_KIND,
                                   {"from": group_id, "to": default["id"], "to_name": default["name"]},
                                   total=used, created_by=viewer.agent_id)
        else:
            await AgentGroup.delete().where(AgentGroup.id == group_id)
        await audit.record(viewer.workspace_id, viewer, "group.deleted", subject=row["name"],
                           before={"name": row["name"], "tickets": used})
        _changed(viewer.workspace_id)
    return job


@jobs.register(JOB_KIND)
async def move_batch(job: dict) -> int | None:
    """Move the next batch of the deleted group's tickets to the default group; delete the group
    when none is left."""
    params, workspace_id = job["params"], job["workspace"]
    rows = await Ticket.select(Ticket.id).where(
        Ticket.workspace == workspace_id, Ticket.group == params["from"]).limit(MOVE_BATCH)
    if not rows:
        await AgentGroup.delete().where(AgentGroup.id == params["from"], AgentGroup.workspace == workspace_id)
        return None
    for row in rows:
        try:
            async with change(TicketById(workspace_id, row["id"]), SYSTEM) as c:
                c.set("group", params["to"], label=params["to_name"])
        except Conflict:  # a merged ticket takes no changes: moved without an entry
            await Ticket.update({Ticket.group: params["to"]}).where(Ticket.id == row["id"])
    return len(rows)
