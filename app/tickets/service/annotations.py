"""What agents keep on a ticket for themselves: tags (shared vocabulary of the workspace) and the
ticket's notes (one text, never shown to the customer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.errors import ValidationFailed
from app.i18n import _
from app.tickets.inputs import MAX_TAGS
from app.tickets.refs import AgentTicket
from app.tickets.service.unit import Actor, Change, change
from app.tickets.tables import TicketTag

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

NOTES_MAX = 20_000


async def set_tags(viewer: Viewer, number: int, tags: list[str]) -> list[str]:
    """Make the ticket's tags exactly `tags` (from inputs.parse_tags); one event lists what was
    added and removed. A tag only re-spelled (vpn → VPN) is replaced."""
    async with change(AgentTicket(viewer, number), Actor.agent(viewer)) as c:
        current = await _current(c)
        await _write(c, current, added=[t for t in tags if t not in current],
                     removed=[name for name in current if name not in tags])
    return tags


async def change_tags(viewer: Viewer, number: int, add: list[str], remove: list[str]) -> list[str]:
    """Add and remove tags (the ticket page's chips): only what this agent changed, so a page
    opened before someone else tagged the ticket keeps their tags. Compared ignoring case."""
    async with change(AgentTicket(viewer, number), Actor.agent(viewer)) as c:
        current = await _current(c)
        dropping = {tag.casefold() for tag in remove}
        removed = [name for name in current if name.casefold() in dropping]
        present = {name.casefold() for name in current if name not in removed}
        added = []
        for tag in add:
            if tag.casefold() not in present:
                present.add(tag.casefold())
                added.append(tag)
        if len(present) > MAX_TAGS:
            raise ValidationFailed({"tags": _("A ticket may have at most %(max)d tags.", max=MAX_TAGS)})
        await _write(c, current, added=added, removed=removed)
    return sorted(present)


async def add_tags_step(c: Change, tags: list[str]) -> None:
    """Add tags (from inputs.parse_tags) to the ticket of a change: a new ticket's (the REST API)."""
    current = await _current(c)
    present = {name.casefold() for name in current}
    await _write(c, current, added=[tag for tag in tags if tag.casefold() not in present], removed=[])


async def _current(c: Change) -> dict[str, int]:
    rows = await TicketTag.select(TicketTag.id, TicketTag.name).where(TicketTag.ticket == c.ticket["id"])
    return {row["name"]: row["id"] for row in rows}


async def _write(c: Change, current: dict[str, int], *, added: list[str], removed: list[str]) -> None:
    if removed:
        await TicketTag.delete().where(TicketTag.id.is_in([current[name] for name in removed]))
    if added:
        await TicketTag.insert(*[
            TicketTag(workspace=c.ticket["workspace"], ticket=c.ticket["id"], name=name) for name in added
        ])
    if added or removed:
        c.event("tags", {"added": added, "removed": removed})
        c.touch()


async def save_notes(viewer: Viewer, number: int, text: str) -> None:
    """The ticket's notes, replaced as a whole (saved with their own button)."""
    if len(text) > NOTES_MAX:
        raise ValidationFailed({"notes": _("%(label)s may have at most %(max)d characters.", label=_("Notes"),
                                           max=NOTES_MAX)})
    async with change(AgentTicket(viewer, number), Actor.agent(viewer)) as c:
        if c.set("notes", text):
            c.event("notes")
