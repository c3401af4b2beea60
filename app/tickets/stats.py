"""The dashboard's numbers: its cards and the data of its two charts, in two queries.

Each card counts what the ticket list it links to shows, so the rules below mirror the list views
(`/tickets?view=...`, app/tickets/list_rows.py) and the same visibility (app/tickets/scopes.py):

    card                      list                              rule
    assigned to me            ?view=mine                        assignee = me, not closed
    open in my groups         ?view=groups&status=1             group in mine, status open
    unassigned                ?view=unassigned                  visible, nobody assigned, not closed
    overdue                   ?view=overdue                     visible, deadline before today (UTC),
                                                                not closed or resolved
    waiting for the customer  ?view=all&status=2                visible, status waiting

"mine" and "my groups" are subsets of what the viewer may see (an agent sees their groups' tickets
and their own; a superadmin the workspace's), so one pass over the visible tickets with
SUM(CASE ...) counts every card. Group and agent counts ride along as subqueries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from piccolo.querystring import QueryString

from app import clock
from app.tickets.scopes import visible_to
from app.tickets.status import Status
from app.tickets.tables import Ticket

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

CHART_DAYS = 7
CLOSED = int(Status.CLOSED)
NOT_OVERDUE = (int(Status.CLOSED), int(Status.RESOLVED))


@dataclass(frozen=True)
class Cards:
    mine: int
    groups_open: int
    unassigned: int
    overdue: int
    waiting: int
    groups: int  # the workspace's groups
    agents: int  # its active agents
    on_vacation: int  # of those, how many are away


@dataclass(frozen=True)
class ChartData:
    per_type: list[tuple[str, int]]  # (type name, tickets), largest first
    per_day: list[tuple[date, int]]  # the last CHART_DAYS days, oldest first, zero days included


def today() -> date:
    """Overdue is judged in UTC until workspaces have a time zone (the administration issue)."""
    return clock.now().date()


def _sum(condition: str, *args: object, alias: str) -> QueryString:
    return QueryString(f"COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0) AS {alias}", *args)


def _in_groups(viewer: Viewer) -> tuple[str, tuple[int, ...]]:
    """`ticket."group" IN (...)` for the viewer's groups; never true for an agent in no group."""
    if not viewer.group_ids:
        return "0", ()
    return f'"ticket"."group" IN ({", ".join("{}" for _ in viewer.group_ids)})', viewer.group_ids


async def cards(viewer: Viewer) -> Cards:
    """Every card's number in one query."""
    in_groups, group_args = _in_groups(viewer)
    me = viewer.agent_id
    ws = viewer.workspace_id
    row = await Ticket.select(
        _sum('"ticket"."assignee" = {} AND "ticket"."status" != {}', me, CLOSED, alias="mine"),
        _sum(f'{in_groups} AND "ticket"."status" = {{}}', *group_args, int(Status.OPEN), alias="groups_open"),
        _sum('"ticket"."assignee" IS NULL AND "ticket"."status" != {}', CLOSED, alias="unassigned"),
        _sum('"ticket"."deadline" < {} AND "ticket"."status" NOT IN ({}, {})', today(), *NOT_OVERDUE,
             alias="overdue"),
        _sum('"ticket"."status" = {}', int(Status.WAITING), alias="waiting"),
        QueryString("(SELECT COUNT(*) FROM agent_group WHERE workspace = {}) AS groups", ws),
        QueryString("(SELECT COUNT(*) FROM agent WHERE workspace = {} AND active) AS agents", ws),
        QueryString("(SELECT COUNT(*) FROM agent WHERE workspace = {} AND active AND on_vacation) AS on_vacation",
                    ws),
    ).where(*visible_to(viewer).sql_where()).first()
    return Cards(**{key: int(value or 0) for key, value in row.items()})


# Tickets per type and new tickets per day in one statement: two GROUP BYs glued by UNION ALL,
# told apart by the first column. Both count what the viewer may see (so an agent's charts agree
# with the cards and lists they can open).
_CHARTS_SQL = """
SELECT 'type' AS kind, COALESCE(tt.name, '') AS label, COUNT(*) AS n
FROM ticket t LEFT JOIN ticket_type tt ON tt.id = t.ticket_type
WHERE {visible}
GROUP BY t.ticket_type
UNION ALL
SELECT 'day' AS kind, substr(t.created_at, 1, 10) AS label, COUNT(*) AS n
FROM ticket t
WHERE {visible} AND t.created_at >= {{}}
GROUP BY label
"""


def _visible_sql(viewer: Viewer) -> tuple[str, list]:
    """The viewer's visibility as SQL on alias `t` (the same rule as scopes.visible_to)."""
    scope = visible_to(viewer)
    sql, args = "t.workspace = {}", [viewer.workspace_id]
    if scope.group_ids is not None:
        groups = ", ".join("{}" for _ in scope.group_ids) or "NULL"
        sql += f' AND (t."group" IN ({groups}) OR t.assignee = {{}})'
        args += [*scope.group_ids, viewer.agent_id]
    return sql, args


async def charts(viewer: Viewer) -> ChartData:
    visible, args = _visible_sql(viewer)
    first_day = today() - timedelta(days=CHART_DAYS - 1)
    sql = _CHARTS_SQL.format(visible=visible)
    rows = await Ticket.raw(sql, *args, *args, first_day.isoformat())
    per_type = sorted(((r["label"], r["n"]) for r in rows if r["kind"] == "type"), key=lambda p: (-p[1], p[0]))
    by_day = {r["label"]: r["n"] for r in rows if r["kind"] == "day"}
    days = [first_day + timedelta(days=i) for i in range(CHART_DAYS)]
    return ChartData(per_type=per_type, per_day=[(d, by_day.get(d.isoformat(), 0)) for d in days])
