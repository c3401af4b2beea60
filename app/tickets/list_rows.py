"""The rows of a ticket list (app/tickets/listing.py's ListQuery) for one viewer.

Every view starts from what the viewer may see (app/tickets/scopes.py) and adds its own
condition; filters add theirs. With search words the index answers which tickets match (up to
its SEARCH_CAP, 1000, by relevance) and SQL keeps those that pass the view and the filters, so paging
counts what is shown. Tags of the page's rows come in one extra query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from piccolo.columns.combination import WhereRaw
from piccolo.query import OrderByRaw

from app.search.query import COUNT_CAP as SEARCH_CAP
from app.tickets.listing import NOBODY, ListQuery
from app.tickets.queries import Page, pages_for
from app.tickets.scopes import TicketScope, list_scope, visible_to
from app.tickets.status import Status
from app.tickets.tables import Ticket, TicketTag
from app.workspaces.service import today_of

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer
    from app.search.service import SearchService

COLUMNS = (
    Ticket.id,
    Ticket.number,
    Ticket.subject,
    Ticket.customer_name,
    Ticket.status,
    Ticket.prio,
    Ticket.deadline,
    Ticket.updated_at,
    Ticket.ticket_type.name.as_alias("type_name"),
    Ticket.group.name.as_alias("group_name"),
    Ticket.assignee.first_name.as_alias("assignee_first"),
    Ticket.assignee.last_name.as_alias("assignee_last"),
)

# What each sortable column orders by (the whitelist: nothing else reaches ORDER BY). Joined
# names sort by the name, not the id; tickets without a deadline come last either way.
_ORDER = {
    "number": '"ticket"."number"',
    "subject": '"ticket"."subject" COLLATE NOCASE',
    "customer": '"ticket"."customer_name" COLLATE NOCASE',
    "updated": '"ticket"."updated_at"',
    "group": '"ticket$group"."name" COLLATE NOCASE',
    "assignee": '"ticket$assignee"."first_name" COLLATE NOCASE, "ticket$assignee"."last_name" COLLATE NOCASE',
    "status": '"ticket"."status"',
    "prio": '"ticket"."prio"',
    "type": '"ticket$ticket_type"."name" COLLATE NOCASE',
    "deadline": '"ticket"."deadline" IS NULL, "ticket"."deadline"',
}
# The list counts its rows up to here and then says "10000+": COUNT(*) costs one index entry per
# matching ticket (~8 ms per 100,000 even from a covering index), and nobody pages to row 10,001.
# A page further on is still reachable: the count then reaches just past it.
COUNT_CAP = 10_000
_OPEN_WORK = [int(Status.CLOSED)]  # what the working views leave out
_NOT_OVERDUE = [int(Status.CLOSED), int(Status.RESOLVED)]


@dataclass
class ListPage(Page):
    tags: dict[int, list[str]] = field(default_factory=dict)


def view_scope(viewer: Viewer, view: str) -> TicketScope:
    """The part of a view the search index can filter by too (workspace, groups, assignee)."""
    if view in ("mine", "groups"):
        return list_scope(viewer, view)
    return visible_to(viewer)  # "all" for a plain agent is everything they may see


async def conditions(viewer: Viewer, lq: ListQuery) -> list:
    where = view_scope(viewer, lq.view).sql_where()
    if lq.view in ("mine", "groups"):
        where.append(Ticket.status.not_in(_OPEN_WORK))
    elif lq.view == "unassigned":
        where += [Ticket.assignee.is_null(), Ticket.status.not_in(_OPEN_WORK)]
    elif lq.view == "overdue":  # the deadline's day has passed where the workspace is (its time zone)
        where += [Ticket.deadline < await today_of(viewer.workspace_id), Ticket.status.not_in(_NOT_OVERDUE)]
    elif lq.view == "closed":
        where.append(Ticket.status == int(Status.CLOSED))
    if lq.statuses:
        where.append(Ticket.status.is_in(list(lq.statuses)))
    if lq.prio is not None:
        where.append(Ticket.prio == lq.prio)
    if lq.type_id is not None:
        where.append(Ticket.ticket_type == lq.type_id)
    if lq.group_id is not None:
        where.append(Ticket.group == lq.group_id)
    if lq.assignee == NOBODY:
        where.append(Ticket.assignee.is_null())
    elif lq.assignee is not None:
        where.append(Ticket.assignee == lq.assignee)
    if lq.tag:
        where.append(WhereRaw(
            "ticket.id IN (SELECT ticket FROM ticket_tag WHERE workspace = {} AND name = {} COLLATE NOCASE)",
            viewer.workspace_id, lq.tag,
        ))
    return where


def _ordered(query, lq: ListQuery):
    key = lq.sort_key or "updated"
    terms = [OrderByRaw(part.strip()) for part in _ORDER[key].split(",")]
    if key == "deadline":  # "IS NULL" first and always ascending: no deadline sorts last both ways
        query = query.order_by(terms.pop(0), ascending=True)
    return query.order_by(*terms, OrderByRaw('"ticket"."id"'), ascending=not lq.desc)


async def list_page(viewer: Viewer, lq: ListQuery, search: SearchService | None = None) -> ListPage:
    if lq.q and search is not None:
        page = await _search_page(viewer, lq, search)
    else:
        where = await conditions(viewer, lq)
        total, more = await _count(where, at_least=lq.page * lq.per_page)
        number = min(lq.page, pages_for(total, lq.per_page))
        rows = await _ordered(Ticket.select(*COLUMNS).where(*where), lq).limit(lq.per_page).offset(
            (number - 1) * lq.per_page)
        page = ListPage(rows=rows, total=total, page=number, per_page=lq.per_page, more=more)
    page.tags = await tags_of([row["id"] for row in page.rows])
    return page


async def _count(where: list, at_least: int) -> tuple[int, bool]:
    """How many tickets match, counted up to COUNT_CAP (or just past `at_least`, the rows up to
    the page asked for); True with it if there are more."""
    limit = max(COUNT_CAP, at_least) + 1
    matching = Ticket.select(Ticket.id).where(*where).limit(limit).querystrings[0]
    rows = await Ticket.raw("SELECT COUNT(*) AS n FROM ({}) AS capped", matching)
    found = rows[0]["n"]
    return min(found, limit - 1), found >= limit


async def _search_page(viewer: Viewer, lq: ListQuery, search: SearchService) -> ListPage:
    scope = view_scope(viewer, lq.view)
    if lq.view in ("all",) and not lq.filtered and lq.sort is None:
        # Words alone: the index pages and counts by itself (no need to fetch every hit).
        result = await search.search(scope, lq.q, limit=lq.per_page, offset=(lq.page - 1) * lq.per_page)
        number = min(lq.page, pages_for(result.total, lq.per_page))
        if number != lq.page:  # a stale "next" link: show the last page instead
            result = await search.search(scope, lq.q, limit=lq.per_page, offset=(number - 1) * lq.per_page)
        rows = await _rows_in_order(viewer, lq, [hit.ticket_id for hit in result.hits])
        return ListPage(rows=rows, total=result.total, page=number, per_page=lq.per_page, more=result.more)
    # With filters: every hit the index counts (up to SEARCH_CAP), filtered and ordered in SQL.
    result = await search.search(scope, lq.q, limit=SEARCH_CAP)
    hit_ids = [hit.ticket_id for hit in result.hits]
    if not hit_ids:
        return ListPage(rows=[], total=0, page=1, per_page=lq.per_page)
    where = [*await conditions(viewer, lq), Ticket.id.is_in(hit_ids)]
    if lq.sort:  # at most SEARCH_CAP rows: ordered and paged here rather than in a second query
        rows = await _ordered(Ticket.select(*COLUMNS).where(*where), lq)
    else:  # by relevance: the index's order
        found = {row["id"]: row for row in await Ticket.select(*COLUMNS).where(*where)}
        rows = [found[ticket_id] for ticket_id in hit_ids if ticket_id in found]
    number = min(lq.page, pages_for(len(rows), lq.per_page))
    total = len(rows)
    rows = rows[(number - 1) * lq.per_page: number * lq.per_page]
    # Past SEARCH_CAP hits the index stops counting: what passed the filters is then a lower bound.
    return ListPage(rows=rows, total=total, page=number, per_page=lq.per_page, more=result.more)


async def _rows_in_order(viewer: Viewer, lq: ListQuery, ids: list[int]) -> list[dict]:
    """Rows for these ids in this order; scoped again (the index may lag a change by a moment)."""
    if not ids:
        return []
    rows = await Ticket.select(*COLUMNS).where(*await conditions(viewer, lq), Ticket.id.is_in(ids))
    order = {ticket_id: i for i, ticket_id in enumerate(ids)}
    return sorted(rows, key=lambda r: order[r["id"]])


async def tags_of(ticket_ids: list[int]) -> dict[int, list[str]]:
    """The tags of these tickets, by ticket id, in one query."""
    if not ticket_ids:
        return {}
    tags: dict[int, list[str]] = {}
    rows = await TicketTag.select(TicketTag.ticket, TicketTag.name).where(
        TicketTag.ticket.is_in(ticket_ids)).order_by(TicketTag.name)
    for row in rows:
        tags.setdefault(row["ticket"], []).append(row["name"])
    return tags


async def workspace_tags(workspace_id: int, limit: int = 200) -> list[str]:
    """The tag filter's choices."""
    rows = await TicketTag.raw(
        "SELECT DISTINCT name FROM ticket_tag WHERE workspace = {} ORDER BY name COLLATE NOCASE LIMIT {}",
        workspace_id, limit,
    )
    return [row["name"] for row in rows]
