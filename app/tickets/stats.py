"""The dashboard's numbers: its cards and the data of its two charts, in two queries.

Each card counts what the ticket list it links to shows, so the rules below mirror the list views
(`/tickets?view=...`, app/tickets/list_rows.py) and the same visibility (app/tickets/scopes.py):

    card                      list                              rule
    assigned to me            ?view=mine                        assignee = me, not closed
    open in my groups         ?view=groups&status=1             group in mine, status open
    unassigned                ?view=unassigned                  visible, nobody assigned, not closed
    overdue                   ?view=overdue                     visible, deadline before today (in the
                                                                workspace's time zone), not closed
                                                                or resolved
    waiting for the customer  ?view=all&status=2                visible, status waiting

"mine" and "my groups" are subsets of what the viewer may see (an agent sees their groups' tickets
and their own; a superadmin the workspace's), and no card counts closed tickets, so one pass over
the visible tickets that are not closed, grouped by type with SUM(CASE ...) per card, gives
"tickets per type" (the work on the table, not the years of closed tickets behind it) and, summed
up, every card. A second query reads the last week's new tickets per day, and the workspace's
group and agent counts beside them. Days are the workspace's (its time zone): each day's bounds
are worked out here as UTC instants, so the query stays a range on the index and a day of a DST
change is no special case. Both read indexes only (migration m0005_dash_dashboard_indexes),
and the first skips closed tickets in the index: most tickets of a help desk are closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from app.faq import deflection
from app.formats import zone
from app.tickets.scopes import visible_to
from app.tickets.status import Status
from app.tickets.tables import Ticket
from app.workspaces.service import get_by_id, today_in

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

CHART_DAYS = 7
NOT_CLOSED = tuple(int(s) for s in Status if s is not Status.CLOSED)


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
    faq_opened: int = 0  # public forms whose FAQ suggestion was opened, last 30 days
    faq_deflected: int = 0  # of those, forms that sent no ticket within 30 minutes


@dataclass(frozen=True)
class ChartData:
    per_type: list[tuple[str, int]]  # (type name, tickets not closed), largest first
    per_day: list[tuple[date, int]]  # the last CHART_DAYS days, oldest first, zero days included


def _visible_sql(viewer: Viewer) -> tuple[str, list]:
    """The viewer's visibility as SQL on alias `t`: the same rule as scopes.visible_to, written
    out because these statements are raw SQL."""
    scope = visible_to(viewer)
    sql, args = "t.workspace = {}", [viewer.workspace_id]
    if scope.group_ids is not None:
        groups = ", ".join("{}" for _ in scope.group_ids) or "NULL"
        sql += f' AND (t."group" IN ({groups}) OR t.assignee = {{}})'
        args += [*scope.group_ids, viewer.agent_id]
    return sql, args


def _in_groups(viewer: Viewer) -> tuple[str, list]:
    """`t."group" IN (...)` for the viewer's own groups (a superadmin's too); never true for an
    agent in no group."""
    if not viewer.group_ids:
        return "0", []
    return f't."group" IN ({", ".join("{}" for _ in viewer.group_ids)})', list(viewer.group_ids)


# Grouped by type inside (on the index), named outside (one lookup per type). The rows are not
# closed already, so a card's own condition is all that is left.
_PER_TYPE_SQL = """
SELECT COALESCE(tt.name, '') AS type_name, s.*
FROM (
    SELECT t.ticket_type AS type_id, COUNT(*) AS total,
        SUM(CASE WHEN t.assignee = {{}} THEN 1 ELSE 0 END) AS mine,
        SUM(CASE WHEN {in_groups} AND t.status = {open} THEN 1 ELSE 0 END) AS groups_open,
        SUM(CASE WHEN t.assignee IS NULL THEN 1 ELSE 0 END) AS unassigned,
        SUM(CASE WHEN t.deadline < {{}} AND t.status != {resolved} THEN 1 ELSE 0 END) AS overdue,
        SUM(CASE WHEN t.status = {waiting} THEN 1 ELSE 0 END) AS waiting
    FROM ticket t
    WHERE {visible} AND t.status IN ({not_closed})
    GROUP BY t.ticket_type
) s LEFT JOIN ticket_type tt ON tt.id = s.type_id
"""

# Days are numbered 0 (the oldest) to CHART_DAYS - 1 by the UTC instants where they begin.
_PER_DAY_SQL = """
SELECT 'day' AS kind, CASE {day_cases} ELSE {last} END AS label, COUNT(*) AS n
FROM ticket t WHERE {visible} AND t.created_at >= {{}} AND t.created_at < {{}}
GROUP BY label
UNION ALL SELECT 'groups', '', COUNT(*) FROM agent_group WHERE workspace = {{}}
UNION ALL SELECT 'agents', '', COUNT(*) FROM agent WHERE workspace = {{}} AND active
UNION ALL SELECT 'on_vacation', '', COUNT(*) FROM agent WHERE workspace = {{}} AND active AND on_vacation
""" + deflection.DASHBOARD_SQL  # FAQ suggestions opened and deflected, last 30 days (app/faq/deflection.py)
_DAY_CASES = " ".join(f"WHEN t.created_at < {{}} THEN {i}" for i in range(CHART_DAYS - 1))


def day_starts(first_day: date, time_zone: str) -> list[datetime]:
    """The UTC instants where each chart day and the day after the last begin, in the time zone."""
    tz = zone(time_zone)
    return [datetime.combine(first_day + timedelta(days=i), time(), tzinfo=tz).astimezone(UTC)
            for i in range(CHART_DAYS + 1)]


CARDS = ("mine", "groups_open", "unassigned", "overdue", "waiting")


@dataclass(frozen=True)
class Dashboard:
    cards: Cards
    charts: ChartData


async def dashboard(viewer: Viewer) -> Dashboard:
    """Every card and both charts' data, in two queries."""
    visible, visible_args = _visible_sql(viewer)
    in_groups, group_args = _in_groups(viewer)
    per_type_sql = _PER_TYPE_SQL.format(
        open=int(Status.OPEN), waiting=int(Status.WAITING), resolved=int(Status.RESOLVED),
        not_closed=", ".join(str(code) for code in NOT_CLOSED), in_groups=in_groups, visible=visible,
    )
    # Placeholders in the order they appear: mine, my groups, overdue's day, visibility.
    workspace = await get_by_id(viewer.workspace_id)
    today = today_in(workspace)
    per_type = await Ticket.raw(per_type_sql, viewer.agent_id, *group_args, today, *visible_args)

    first_day = today - timedelta(days=CHART_DAYS - 1)
    starts = day_starts(first_day, workspace["time_zone"])
    ws = viewer.workspace_id
    per_day_sql = _PER_DAY_SQL.format(visible=visible, day_cases=_DAY_CASES, last=CHART_DAYS - 1)
    rows = await Ticket.raw(per_day_sql, *starts[1:-1], *visible_args, starts[0], starts[-1], ws, ws, ws,
                            *deflection.dashboard_args(ws))
    by_day = {int(r["label"]): r["n"] for r in rows if r["kind"] == "day"}
    counts = {r["kind"]: r["n"] for r in rows if r["kind"] != "day"}

    cards = Cards(**{name: sum(int(r[name] or 0) for r in per_type) for name in CARDS},
                  groups=counts["groups"], agents=counts["agents"], on_vacation=counts["on_vacation"],
                  faq_opened=counts["faq_opened"], faq_deflected=counts["faq_deflected"])
    days = [first_day + timedelta(days=i) for i in range(CHART_DAYS)]
    charts = ChartData(
        per_type=sorted(((r["type_name"], r["total"]) for r in per_type), key=lambda p: (-p[1], p[0])),
        per_day=[(d, by_day.get(i, 0)) for i, d in enumerate(days)],
    )
    return Dashboard(cards=cards, charts=charts)
