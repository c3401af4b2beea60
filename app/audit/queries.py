"""Reading the audit log: one workspace's rows, newest first, filtered and paged."""

from __future__ import annotations

from app.audit.tables import AuditEntry
from app.tickets.queries import Page, pages_for

PER_PAGE = 50


async def actions(workspace_id: int) -> list[str]:
    """The action codes this workspace's log holds (the filter's choices)."""
    rows = await AuditEntry.raw("SELECT DISTINCT action FROM audit_entry WHERE workspace = {} ORDER BY action",
                                workspace_id)
    return [row["action"] for row in rows]


async def audit_page(workspace_id: int, *, action: str = "", page: int = 1, per_page: int = PER_PAGE) -> Page:
    where = [AuditEntry.workspace == workspace_id]
    if action:
        where.append(AuditEntry.action == action)
    total = await AuditEntry.count().where(*where)
    page = min(page, pages_for(total, per_page))
    rows = await (AuditEntry.select().where(*where).output(load_json=True)
                  .order_by(AuditEntry.created_at, ascending=False).order_by(AuditEntry.id, ascending=False)
                  .limit(per_page).offset((page - 1) * per_page))
    return Page(rows=rows, total=total, page=page, per_page=per_page)
