"""Reading tickets: lists, the ticket page, the customer's view, dashboard counts.

Every query is scoped: by the viewer's workspace for agents, by workspace and hash for customers.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.accounts.tables import Agent, AgentGroup
from app.accounts.viewer import Viewer
from app.cache import TTLCache
from app.errors import NotFound
from app.tickets.status import Status
from app.tickets.tables import Attachment, Ticket, TicketType, TimelineEntry

LIST_COLUMNS = (
    Ticket.id,
    Ticket.number,
    Ticket.hash,
    Ticket.subject,
    Ticket.customer_name,
    Ticket.status,
    Ticket.prio,
    Ticket.updated_at,
    Ticket.group.name.as_alias("group_name"),
    Ticket.assignee.first_name.as_alias("assignee_first"),
    Ticket.assignee.last_name.as_alias("assignee_last"),
)
SCOPES = ("mine", "groups", "all")


@dataclass
class Page:
    rows: list[dict]
    total: int
    page: int
    per_page: int
    more: bool = False  # a search with more hits than it counted: the list says "1000+"

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)


def _scope_filter(viewer: Viewer, scope: str):
    where = [Ticket.workspace == viewer.workspace_id]
    if scope == "mine":
        where.append(Ticket.assignee == viewer.agent_id)
    elif scope == "groups":
        where.append(Ticket.group.is_in(list(viewer.group_ids) or [-1]))
    return where


async def list_tickets(
    viewer: Viewer,
    *,
    scope: str = "groups",
    page: int = 1,
    per_page: int = 25,
    status: int | None = None,
) -> Page:
    where = _scope_filter(viewer, scope)
    if status is not None:
        where.append(Ticket.status == status)
    total = await Ticket.count().where(*where)
    page = max(1, min(page, max(1, -(-total // per_page))))
    rows = await (
        Ticket.select(*LIST_COLUMNS)
        .where(*where)
        .order_by(Ticket.updated_at, ascending=False)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page(rows=rows, total=total, page=page, per_page=per_page)


async def rows_in_order(viewer: Viewer, scope: str, ticket_ids: list[int]) -> list[dict]:
    """List rows for search hits, in the hits' order. Scoped again here: the index may lag a
    change of group or assignee by a moment, the database never does."""
    if not ticket_ids:
        return []
    rows = await Ticket.select(*LIST_COLUMNS).where(*_scope_filter(viewer, scope), Ticket.id.is_in(ticket_ids))
    order = {ticket_id: i for i, ticket_id in enumerate(ticket_ids)}
    return sorted(rows, key=lambda r: order[r["id"]])


async def find_by_reference(viewer: Viewer, text: str) -> int | None:
    """`#12`, `12` or a 32-hex hash: the ticket number it names in the viewer's workspace."""
    text = text.strip()
    if text.startswith("#") and text[1:].isdigit():
        number = int(text[1:])
    elif len(text) == 32 and all(c in "0123456789abcdef" for c in text.lower()):
        row = await Ticket.select(Ticket.number).where(
            Ticket.workspace == viewer.workspace_id, Ticket.hash == text.lower()
        ).first()
        return row["number"] if row else None
    else:
        return None
    exists = await Ticket.exists().where(Ticket.workspace == viewer.workspace_id, Ticket.number == number)
    return number if exists else None


async def ticket_for_agent(viewer: Viewer, number: int) -> dict:
    row = await Ticket.select(
        *Ticket.all_columns(),
        Ticket.ticket_type.name.as_alias("type_name"),
        Ticket.group.name.as_alias("group_name"),
        Ticket.assignee.first_name.as_alias("assignee_first"),
        Ticket.assignee.last_name.as_alias("assignee_last"),
    ).where(Ticket.workspace == viewer.workspace_id, Ticket.number == number).first()
    if row is None:
        raise NotFound("No such ticket.")
    return row


async def ticket_for_customer(workspace_id: int, ticket_hash: str) -> dict:
    if len(ticket_hash) != 32:
        raise NotFound("No such ticket.")
    row = await Ticket.select(*Ticket.all_columns(), Ticket.ticket_type.name.as_alias("type_name")).where(
        Ticket.workspace == workspace_id, Ticket.hash == ticket_hash.lower()
    ).first()
    if row is None:
        raise NotFound("No such ticket.")
    return row


async def thread(ticket_id: int, *, for_customer: bool) -> list[dict]:
    """Timeline entries, newest first. Customers never see internal notes."""
    query = TimelineEntry.select().where(TimelineEntry.ticket == ticket_id).output(load_json=True)
    if for_customer:
        query = query.where(TimelineEntry.kind.is_in(["customer", "reply", "event"]))
    return await query.order_by(TimelineEntry.created_at, ascending=False).order_by(TimelineEntry.id, ascending=False)


async def attachments(ticket_id: int, *, for_customer: bool) -> list[dict]:
    query = Attachment.select().where(Attachment.ticket == ticket_id)
    if for_customer:
        query = query.where(Attachment.visible_to_customer == True)  # noqa: E712
    return await query.order_by(Attachment.created_at)


async def attachment_for_agent(viewer: Viewer, number: int, attachment_id: int) -> dict:
    row = await Attachment.select().where(
        Attachment.id == attachment_id,
        Attachment.workspace == viewer.workspace_id,
        Attachment.ticket.number == number,
    ).first()
    if row is None:
        raise NotFound("No such file.")
    return row


async def attachment_for_customer(workspace_id: int, ticket_hash: str, attachment_id: int) -> dict:
    row = await Attachment.select().where(
        Attachment.id == attachment_id,
        Attachment.workspace == workspace_id,
        Attachment.ticket.hash == ticket_hash,
        Attachment.visible_to_customer == True,  # noqa: E712
    ).first()
    if row is None:
        raise NotFound("No such file.")
    return row


async def ticket_options(workspace_id: int) -> dict:
    """What the ticket page's selects offer: types, groups, assignable agents."""
    types = await TicketType.select(TicketType.id, TicketType.name).where(TicketType.workspace == workspace_id).order_by(TicketType.id)
    groups = await AgentGroup.select(AgentGroup.id, AgentGroup.name).where(AgentGroup.workspace == workspace_id).order_by(AgentGroup.name)
    agents = await Agent.select(Agent.id, Agent.first_name, Agent.last_name, Agent.on_vacation, Agent.active).where(
        Agent.workspace == workspace_id
    ).order_by(Agent.first_name)
    return {"types": types, "groups": groups, "agents": agents}


async def dashboard_counts(viewer: Viewer) -> dict:
    ws = Ticket.workspace == viewer.workspace_id
    return {
        "my_tickets": await Ticket.count().where(ws, Ticket.assignee == viewer.agent_id, Ticket.status != int(Status.CLOSED)),
        "open_tickets": await Ticket.count().where(ws, Ticket.status == int(Status.OPEN)),
        "groups": await AgentGroup.count().where(AgentGroup.workspace == viewer.workspace_id),
        "agents": await Agent.count().where(Agent.workspace == viewer.workspace_id),
    }


_ticket_types: TTLCache[list[dict]] = TTLCache("ticket types")


async def ticket_types(workspace_id: int) -> list[dict]:
    """The workspace's ticket types (cached: the public form and every new ticket read them;
    whatever changes types calls `_ticket_types.invalidate(workspace_id)`)."""
    return await _ticket_types.get(
        workspace_id,
        lambda: TicketType.select(TicketType.id, TicketType.name).where(TicketType.workspace == workspace_id).order_by(TicketType.id),
    )


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
