"""A workspace's ticket types (manual: "Ticket types"): add, rename, remove.

At least one type remains. Removing a type that tickets use names the type they move to: the type
is retired at once (no longer offered anywhere) and a background job moves its tickets in batches
(app/jobs/runner.py), each ticket through the change unit (a timeline entry, a reindex), then
deletes it. Every change is in the audit log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app import clock, db
from app.audit import service as audit
from app.errors import Conflict, NotFound, ValidationFailed
from app.i18n import _
from app.jobs import runner as jobs
from app.tickets import queries
from app.tickets.refs import TicketById
from app.tickets.service.unit import SYSTEM, change
from app.tickets.tables import Ticket, TicketType
from app.validation import has_line_break

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

NAME_MAX = 100
MOVE_BATCH = 200
JOB_KIND = "move_type_tickets"


def _check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed({"name": _("%(label)s is required.", label=_("Name"))})
    if len(name) > NAME_MAX or has_line_break(name):
        raise ValidationFailed({"name": _("A name is one line of at most %(max)d characters.", max=NAME_MAX)})
    return name


async def _unique(workspace_id: int, name: str, except_id: int | None = None) -> None:
    rows = await TicketType.select(TicketType.id, TicketType.name).where(TicketType.workspace == workspace_id)
    if any(r["name"].casefold() == name.casefold() and r["id"] != except_id for r in rows):
        raise ValidationFailed({"name": _("There is already a ticket type with this name.")})


async def _type(workspace_id: int, type_id: int) -> dict:
    row = await TicketType.select().where(TicketType.id == type_id, TicketType.workspace == workspace_id).first()
    if row is None:
        raise NotFound(_("No such ticket type."))
    return row


async def add_type(viewer: Viewer, name: str) -> dict:
    name = _check_name(name)
    async with db.write():
        await _unique(viewer.workspace_id, name)
        row = TicketType(workspace=viewer.workspace_id, name=name, created_at=clock.now())
        await row.save()
        await audit.record(viewer.workspace_id, viewer, "ticket_type.created", subject=name, after={"name": name})
        db.on_commit(lambda: queries.forget_ticket_types(viewer.workspace_id))
    return row.to_dict()


async def rename_type(viewer: Viewer, type_id: int, name: str) -> None:
    name = _check_name(name)
    async with db.write():
        row = await _type(viewer.workspace_id, type_id)
        await _unique(viewer.workspace_id, name, except_id=type_id)
        if row["name"] == name:
            return
        await TicketType.update({TicketType.name: name}).where(TicketType.id == type_id)
        await audit.record(viewer.workspace_id, viewer, "ticket_type.renamed", subject=name,
                           before={"name": row["name"]}, after={"name": name})
        db.on_commit(lambda: queries.forget_ticket_types(viewer.workspace_id))


async def remove_type(viewer: Viewer, type_id: int, move_to: int | None) -> dict | None:
    """Remove a type; its tickets (if any) move to `move_to`. Returns the move's job, if one runs."""
    async with db.write():
        row = await _type(viewer.workspace_id, type_id)
        if row["retired"]:
            raise Conflict(_("This ticket type is being removed already."))
        others = await TicketType.count().where(TicketType.workspace == viewer.workspace_id,
                                                TicketType.retired == False, TicketType.id != type_id)  # noqa: E712
        if others == 0:
            raise Conflict(_("At least one ticket type must remain."))
        used = await Ticket.count().where(Ticket.workspace == viewer.workspace_id, Ticket.ticket_type == type_id)
        job = None
        if used:
            if move_to is None:
                raise ValidationFailed({"move_to": _("Tickets use this type: choose the type they move to.")})
            target = await _type(viewer.workspace_id, move_to)
            if target["id"] == type_id or target["retired"]:
                raise ValidationFailed({"move_to": _("Please choose another ticket type.")})
            await TicketType.update({TicketType.retired: True}).where(TicketType.id == type_id)
            job = await jobs.queue(viewer.workspace_id, JOB_KIND,
                                   {"from": type_id, "to": target["id"], "to_name": target["name"],
                                    "by": viewer.agent_id, "by_name": viewer.name},
                                   total=used, created_by=viewer.agent_id)
        else:
            await TicketType.delete().where(TicketType.id == type_id)
        await audit.record(viewer.workspace_id, viewer, "ticket_type.removed", subject=row["name"],
                           before={"name": row["name"], "tickets": used},
                           after={"moved_to": job["params"]["to_name"] if job else ""})
        db.on_commit(lambda: queries.forget_ticket_types(viewer.workspace_id))
    return job


@jobs.register(JOB_KIND)
async def move_batch(job: dict) -> int | None:
    """Move the next batch of the retired type's tickets; delete the type when none is left."""
    params, workspace_id = job["params"], job["workspace"]
    rows = await Ticket.select(Ticket.id).where(
        Ticket.workspace == workspace_id, Ticket.ticket_type == params["from"]).limit(MOVE_BATCH)
    if not rows:
        await TicketType.delete().where(TicketType.id == params["from"], TicketType.workspace == workspace_id)
        return None
    # Each ticket through the change unit (its timeline entry, reindex, live update); a merged
    # ticket takes no changes there, so it is updated directly, without an entry.
    for row in rows:
        try:
            async with change(TicketById(workspace_id, row["id"]), SYSTEM) as c:
                c.set("ticket_type", params["to"], label=params["to_name"])
        except Conflict:
            await Ticket.update({Ticket.ticket_type: params["to"]}).where(Ticket.id == row["id"])
    return len(rows)

