"""The rows of an export: one workspace's tickets created in a date range, read in keyset batches.

Batches of BATCH tickets by id (`id > last`), so memory stays flat whatever the range holds and
each query is an index seek, not an OFFSET scan. Labels (type, group, assignee) and tags come
joined in the same query; the thread, when asked for, in one query per batch.

What an export carries, on purpose: the ticket's business fields and, optionally, its thread.
Never the hash (the customer's credential: whoever holds it can read and answer the ticket), the
confirmation token's hash, attachment file names on disk, or the agents' notepad.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta

from app.tickets.status import PRIORITIES, Status
from app.tickets.tables import Ticket

BATCH = 1000

COLUMNS = [
    "number", "subject", "customer_name", "customer_email", "type", "status", "status_name", "priority",
    "priority_name", "group", "assignee", "tags", "deadline", "created", "updated",
]
THREAD_COLUMN = "thread"

_TICKETS_SQL = """
SELECT t.id, t.number, t.subject, t.text, t.customer_name, t.customer_email, t.status, t.prio,
       -- as text (an expression has no declared type, so no converter): ISO already, and a
       -- datetime per cell would cost more than the rest of the row
       t.deadline || '' AS deadline, t.created_at || '' AS created_at, t.updated_at || '' AS updated_at,
       tt.name AS type_name, g.name AS group_name,
       a.first_name AS assignee_first, a.last_name AS assignee_last,
       (SELECT group_concat(tag.name, '\x1f') FROM ticket_tag tag WHERE tag.ticket = t.id) AS tags
FROM ticket t
LEFT JOIN ticket_type tt ON tt.id = t.ticket_type
LEFT JOIN agent_group g ON g.id = t."group"
LEFT JOIN agent a ON a.id = t.assignee
WHERE t.workspace = {} AND t.created_at >= {} AND t.created_at < {} AND t.id > {}
ORDER BY t.id LIMIT {}
"""

_COUNT_SQL = "SELECT COUNT(*) AS n FROM ticket WHERE workspace = {} AND created_at >= {} AND created_at < {}"

_THREAD_SQL = """
SELECT e.ticket, e.kind, e.author_name, e.body, e.created_at || '' AS created_at FROM timeline_entry e
WHERE e.workspace = {{}} AND e.ticket IN ({ids}) AND e.kind IN ({kinds})
ORDER BY e.ticket, e.created_at, e.id
"""

KIND_NAMES = {"customer": "customer", "reply": "agent reply", "note": "internal note"}


@dataclass(frozen=True)
class Selection:
    """Which tickets and what of them: a workspace, created from..to (whole UTC days, inclusive)."""

    workspace_id: int
    date_from: date
    date_to: date
    with_thread: bool = False
    with_notes: bool = False  # internal notes in the thread: only when the admin asks

    @property
    def bounds(self) -> tuple[str, str]:
        # created_at is stored as ISO text, so text comparison orders it; the end is the next day
        # at 00:00, exclusive, which keeps every moment of the last day.
        return self.date_from.isoformat(), (self.date_to + timedelta(days=1)).isoformat()

    @property
    def columns(self) -> list[str]:
        return [*COLUMNS, THREAD_COLUMN] if self.with_thread else list(COLUMNS)


async def count(selection: Selection) -> int:
    start, end = selection.bounds
    rows = await Ticket.raw(_COUNT_SQL, selection.workspace_id, start, end)
    return rows[0]["n"]


def _iso(value: str | None) -> str | None:
    """Stored "2026-03-10 09:00:00.123+00:00" as ISO 8601 ("2026-03-10T09:00:00.123+00:00")."""
    return value.replace(" ", "T", 1) if value else None


def _labels() -> tuple[dict, dict]:
    """Status and priority names in the current language, looked up once per export."""
    return ({int(s): s.label for s in Status}, {k: str(v) for k, v in PRIORITIES.items()})


def _row(t: dict, labels: tuple[dict, dict]) -> dict:
    assignee = " ".join(p for p in (t["assignee_first"], t["assignee_last"]) if p) or None
    status, prio = t["status"], t["prio"]
    return {
        "number": t["number"],
        "subject": t["subject"],
        "customer_name": t["customer_name"],
        "customer_email": t["customer_email"],
        "type": t["type_name"],
        "status": status,
        "status_name": labels[0].get(status, str(status)),
        "priority": prio,
        "priority_name": labels[1].get(prio, str(prio)),
        "group": t["group_name"],
        "assignee": assignee,
        "tags": sorted(t["tags"].split("\x1f")) if t["tags"] else [],
        "deadline": _iso(t["deadline"]),
        "created": _iso(t["created_at"]),
        "updated": _iso(t["updated_at"]),
    }


async def _threads(selection: Selection, ids: list[int]) -> dict[int, list[dict]]:
    kinds = ["customer", "reply", "note"] if selection.with_notes else ["customer", "reply"]
    sql = _THREAD_SQL.format(ids=", ".join(str(int(i)) for i in ids), kinds=", ".join(f"'{k}'" for k in kinds))
    threads: dict[int, list[dict]] = {i: [] for i in ids}
    for e in await Ticket.raw(sql, selection.workspace_id):
        threads[e["ticket"]].append({"kind": KIND_NAMES[e["kind"]], "author": e["author_name"],
                                     "created": _iso(e["created_at"]), "body": e["body"]})
    return threads


async def batches(selection: Selection, size: int | None = None) -> AsyncIterator[list[dict]]:
    """The selected tickets as export rows, `size` (default BATCH) at a time, in id order."""
    size = size or BATCH
    start, end = selection.bounds
    labels = _labels()
    last = 0
    while True:
        tickets = await Ticket.raw(_TICKETS_SQL, selection.workspace_id, start, end, last, size)
        if not tickets:
            return
        rows = [_row(t, labels) for t in tickets]
        if selection.with_thread:
            threads = await _threads(selection, [t["id"] for t in tickets])
            for t, row in zip(tickets, rows, strict=True):
                # The ticket's own text is the customer's first message (it is not a timeline post).
                first = {"kind": "customer", "author": t["customer_name"], "created": row["created"], "body": t["text"]}
                row[THREAD_COLUMN] = [first, *threads[t["id"]]]
        last = tickets[-1]["id"]
        yield rows
        if len(tickets) < size:
            return
