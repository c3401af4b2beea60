"""Bulk changes from the ticket list: one field set on up to MAX_TICKETS selected tickets.

One intent, one write transaction. Each ticket goes through the same change unit and the same
field steps as a single change on its page (fields.py, assignment.py). A ticket that breaks a
rule (not visible to the viewer, another workspace's number, an agent on vacation, an unknown
group) is refused with the reason and left exactly as it was; the others commit together.

How a refusal stays out of the transaction: `change()` joins the outer `db.write()`, and a
nested write block does not roll anything back when its body raises (only the outermost one
does). Each ticket therefore runs inside its own SAVEPOINT: a refusal rolls back to it, so
whatever that ticket's change had written is undone while the others' writes stay, and the
search reindex it registered for after the commit is dropped with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from app import db
from app.errors import NotFound, ValidationFailed
from app.i18n import _
from app.tickets.refs import AgentTicket
from app.tickets.service.assignment import assign_step, release_step
from app.tickets.service.fields import announce_status, group_step, prio_step, status_step
from app.tickets.service.unit import Actor, Change, change
from app.tickets.status import Status
from app.validation import parse_int

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

MAX_TICKETS = 100


class BulkAction(Enum):
    ASSIGN = "assign"  # to an agent, or to nobody (release)
    GROUP = "group"
    STATUS = "status"
    PRIO = "prio"


@dataclass(frozen=True)
class BulkChange:
    """What the list's bulk bar sends: the selected ticket numbers, an action and its value
    (`None` with ASSIGN: nobody)."""

    numbers: tuple[int, ...]
    action: BulkAction
    value: int | None

    @classmethod
    def from_form(cls, data: Mapping) -> BulkChange:
        raw = data.get("ticket", [])
        raw = raw if isinstance(raw, list) else [raw]
        numbers = [parse_int(v) if isinstance(v, str) else None for v in raw[:MAX_TICKETS + 1000]]
        if any(n is None for n in numbers):
            raise ValidationFailed({"tickets": _("The selection holds something that is not a ticket number.")})
        numbers = list(dict.fromkeys(n for n in numbers if n is not None))  # once each, in the list's order
        if not numbers:
            raise ValidationFailed({"tickets": _("Please select at least one ticket.")})
        if len(numbers) > MAX_TICKETS:
            raise ValidationFailed({"tickets": _("At most %(max)d tickets can be changed at once; %(n)d were selected.",
                                                 max=MAX_TICKETS, n=len(numbers))})
        try:
            action = BulkAction(data.get("action") if isinstance(data.get("action"), str) else "")
        except ValueError:
            raise ValidationFailed({"action": _("Please choose what to change.")}) from None
        text = data.get(action.value)
        text = text.strip() if isinstance(text, str) else ""
        value = parse_int(text) if text else None
        if value is None and not (action is BulkAction.ASSIGN and not text):
            raise ValidationFailed({action.value: _("Please choose a value.")})
        return cls(numbers=tuple(numbers), action=action, value=value)


@dataclass(frozen=True)
class Refusal:
    number: int
    reason: str


@dataclass
class BulkResult:
    changed: list[int] = field(default_factory=list)  # accepted and written
    unchanged: list[int] = field(default_factory=list)  # accepted, already had the value
    refused: list[Refusal] = field(default_factory=list)


async def _apply(c: Change, bulk: BulkChange) -> str | None:
    """The field step for the action; its error message, if the ticket refuses it."""
    if bulk.action is BulkAction.ASSIGN:
        if bulk.value is None:
            return release_step(c)
        return await assign_step(c, bulk.value)
    if bulk.action is BulkAction.GROUP:
        return await group_step(c, bulk.value)
    if bulk.action is BulkAction.PRIO:
        return prio_step(c, bulk.value)
    try:
        status = Status(bulk.value)
    except ValueError:
        return _("Unknown status.")
    error = status_step(c, status)
    if error is None:
        announce_status(c, status)
    return error


async def bulk_change(viewer: Viewer, bulk: BulkChange) -> BulkResult:
    if len(bulk.numbers) > MAX_TICKETS:  # from_form says so already; a direct caller too
        raise ValidationFailed({"tickets": _("At most %(max)d tickets can be changed at once; %(n)d were selected.",
                                             max=MAX_TICKETS, n=len(bulk.numbers))})
    result = BulkResult()
    actor = Actor.agent(viewer)
    async with db.write() as transaction:
        for number in bulk.numbers:
            savepoint = await transaction.savepoint()
            callbacks = len(transaction.after_commit)
            try:
                async with change(AgentTicket(viewer, number), actor) as c:
                    if error := await _apply(c, bulk):
                        raise ValidationFailed({bulk.action.value: error})
            except (NotFound, ValidationFailed) as exc:
                await savepoint.rollback_to()
                del transaction.after_commit[callbacks:]
                reason = _("Not found.") if isinstance(exc, NotFound) else next(iter(exc.errors.values()))
                result.refused.append(Refusal(number, reason))
                continue
            await savepoint.release()
            (result.changed if c.ticket != c.before else result.unchanged).append(number)
    return result
