"""Reading tickets: lists, the ticket page, the customer's view (dashboard: stats.py).

Every query is scoped where it is written: agents' by their visibility (app/tickets/scopes.py),
customers' by workspace and hash (app/tickets/refs.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from piccolo.query import SelectRaw

from app.accounts.queries import agents_with_groups
from app.accounts.tables import AgentGroup
from app.accounts.viewer import Viewer
from app.cache import TTLCache
from app.errors import NotFound
from app.i18n import _
from app.tickets.refs import TicketRef, load
from app.tickets.scopes import visible_to
from app.tickets.tables import Attachment, Ticket, TicketTag, TicketType, TimelineEntry
from app.validation import parse_int


def pages_for(total: int, per_page: int) -> int:
    """How many pages `total` rows fill (at least one, the empty page)."""
    return max(1, -(-total // per_page))


@dataclass
class Page:
    rows: list[dict]
    total: int
    page: int
    per_page: int
    more: bool = False  # a search with more hits than it counted: the list says "1000+"

    @property
    def pages(self) -> int:
        return pages_for(self.total, self.per_page)

    @property
    def first(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)


async def find_by_reference(viewer: Viewer, text: str) -> int | None:
    """`#12` or a 32-hex hash: the number of the ticket it names, if the viewer may see it."""
    text = text.strip()
    if text.startswith("#") and parse_int(text[1:]) is not None:
        condition = Ticket.number == parse_int(text[1:])
    elif len(text) == 32 and all(c in "0123456789abcdef" for c in text.lower()):
        condition = Ticket.hash == text.lower()
    else:
        return None
    row = await Ticket.select(Ticket.number).where(*visible_to(viewer).sql_where(), condition).first()
    return row["number"] if row else None


PAGE_COLUMNS = (
    *Ticket.all_columns(),
    # The tags ride along (one round trip less); split into a list by ticket_page().
    SelectRaw("(SELECT group_concat(name, char(31)) FROM ticket_tag WHERE ticket_tag.ticket = ticket.id) AS tag_names"),
    Ticket.merged_into.number.as_alias("merged_into_number"),
    Ticket.merged_into.hash.as_alias("merged_into_hash"),
    Ticket.ticket_type.name.as_alias("type_name"),
    Ticket.group.name.as_alias("group_name"),
    Ticket.assignee.first_name.as_alias("assignee_first"),
    Ticket.assignee.last_name.as_alias("assignee_last"),
)


async def ticket_page(ref: TicketRef) -> dict:
    """The ticket with the names its page shows (type, group, assignee) and its tags (sorted)."""
    ticket = await load(ref, *PAGE_COLUMNS)
    names = ticket.pop("tag_names")
    ticket["tags"] = sorted(names.split("\x1f"), key=str.casefold) if names else []
    return ticket


TAG_SUGGESTIONS = 20


async def tag_suggestions(workspace_id: int, prefix: str) -> list[str]:
    """The workspace's tags that start with `prefix` (case-insensitively), most used first."""
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await TicketTag.raw(
        "SELECT name, COUNT(*) AS uses FROM ticket_tag WHERE workspace = {} AND name LIKE {} ESCAPE '\\' "
        "GROUP BY name ORDER BY uses DESC, name LIMIT {}",
        workspace_id, pattern, TAG_SUGGESTIONS,
    )
    return [row["name"] for row in rows]


# What customers see of the timeline, in one place: their own messages, the team's replies, and
# the notices about their ticket's state (opened, status changes, confirmation, merge) and about
# the files on it, which they see in its file list anyway. Never internal notes, assignments,
# group moves, priority or type changes, tags, deadlines, or the earlier text of an edited post.
# (A file kept from the customer, should that come, must not write a customer-visible event.)
CUSTOMER_POSTS = ("customer", "reply")
CUSTOMER_EVENTS = ("created", "status", "confirmed", "merged", "attachment", "attachment_deleted", "files_refused",
                   "follow_up")


# The thread is the ticket page's biggest read (dozens of entries): written as SQL, so Piccolo does
# not build the query each time, and `data` is parsed only where an entry has some (events, edits).
_THREAD_SQL = """
SELECT id, kind, author_agent, author_name, body, body_html, event, data, created_at, edited_at
FROM timeline_entry WHERE ticket = {{}}{customer_only} ORDER BY created_at DESC, id DESC
"""
_THREAD_FOR_AGENTS = _THREAD_SQL.format(customer_only="")
_THREAD_FOR_CUSTOMERS = _THREAD_SQL.format(customer_only=(
    " AND (kind IN ({posts}) OR (kind = 'event' AND event IN ({events})))".format(
        posts=", ".join(f"'{kind}'" for kind in CUSTOMER_POSTS),
        events=", ".join(f"'{event}'" for event in CUSTOMER_EVENTS))))


async def thread(ticket_id: int, *, for_customer: bool) -> list[dict]:
    """Timeline entries, newest first (customers: only what CUSTOMER_POSTS and CUSTOMER_EVENTS allow)."""
    rows = await TimelineEntry.raw(_THREAD_FOR_CUSTOMERS if for_customer else _THREAD_FOR_AGENTS, ticket_id)
    for row in rows:
        data = row["data"]
        row["data"] = json.loads(data) if data and data != "{}" else {}
    return rows


async def attachments(ticket_id: int, *, for_customer: bool) -> list[dict]:
    query = Attachment.select().where(Attachment.ticket == ticket_id)
    if for_customer:
        query = query.where(Attachment.visible_to_customer == True)  # noqa: E712
    return await query.order_by(Attachment.created_at)


async def attachment(ref: TicketRef, attachment_id: int, *, for_customer: bool) -> dict:
    """One file of a ticket the reference reaches (a customer's only if visible to them)."""
    ticket = await load(ref, Ticket.id)
    query = Attachment.select().where(Attachment.id == attachment_id, Attachment.ticket == ticket["id"])
    if for_customer:
        query = query.where(Attachment.visible_to_customer == True)  # noqa: E712
    row = await query.first()
    if row is None:
        raise NotFound(_("No such file."))
    return row


_groups: TTLCache[list[dict]] = TTLCache("groups")


async def ticket_options(workspace_id: int) -> dict:
    """What the ticket page's selects offer: types, groups, agents (with their groups' names).
    All three are cached (every ticket page reads them); the assignment itself is checked by the
    service against the database, never against these lists."""
    groups = await _groups.get(workspace_id, lambda: AgentGroup.select(AgentGroup.id, AgentGroup.name).where(
        AgentGroup.workspace == workspace_id, AgentGroup.retired == False).order_by(AgentGroup.name))  # noqa: E712
    return {"types": await ticket_types(workspace_id), "groups": groups,
            "agents": await agents_with_groups(workspace_id)}


_ticket_types: TTLCache[list[dict]] = TTLCache("ticket types")


async def ticket_types(workspace_id: int) -> list[dict]:
    """The workspace's ticket types that may be chosen (not those being removed). Cached: the
    public form and every new ticket read them; whatever changes types calls
    `forget_ticket_types(workspace_id)`."""
    return await _ticket_types.get(
        workspace_id,
        lambda: TicketType.select(TicketType.id, TicketType.name)
        .where(TicketType.workspace == workspace_id, TicketType.retired == False)  # noqa: E712
        .order_by(TicketType.id),
    )


def forget_ticket_types(workspace_id: int) -> None:
    _ticket_types.invalidate(workspace_id)


def forget_groups(workspace_id: int) -> None:
    """After a change of groups: names, the default, a group being deleted, automatic assignment."""
    _groups.invalidate(workspace_id)
    _default_groups.invalidate(workspace_id)
    _auto_assigning.invalidate(workspace_id)


_auto_assigning: TTLCache[dict] = TTLCache("groups that assign automatically")


async def auto_assigning_groups(workspace_id: int) -> set[int]:
    """Ids of the groups with automatic assignment on (cached: every new ticket asks)."""
    row = await _auto_assigning.get(workspace_id, lambda: _load_auto_assigning(workspace_id))
    return row["ids"] if row else set()


async def _load_auto_assigning(workspace_id: int) -> dict:
    rows = await AgentGroup.select(AgentGroup.id).where(
        AgentGroup.workspace == workspace_id, AgentGroup.auto_assign == True)  # noqa: E712
    return {"ids": {row["id"] for row in rows}}


_default_groups: TTLCache[dict] = TTLCache("default group")


async def default_group_id(workspace_id: int) -> int | None:
    """Where new tickets go (cached: read by every new ticket; whatever changes which group is
    the default calls `_default_groups.invalidate(workspace_id)`)."""
    row = await _default_groups.get(
        workspace_id,
        lambda: AgentGroup.select(AgentGroup.id)
        .where(AgentGroup.workspace == workspace_id, AgentGroup.is_default == True)  # noqa: E712
        .first(),
    )
    return row["id"] if row else None
