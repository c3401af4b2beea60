"""What the HelpRealm API reads that no page reads the same way: the thread's posts by page of
ids, and the id of the comment a customer just added."""

from __future__ import annotations

from app import db
from app.tickets import service
from app.tickets.inputs import Reply
from app.tickets.queries import CUSTOMER_POSTS
from app.tickets.tables import TimelineEntry

# Customer messages and agent replies only: no events, never internal notes. Paged by id (the
# `paginate` of the manual: posts below this id), newest first.
_POSTS = """
SELECT id, kind, author_name, body, created_at, edited_at FROM timeline_entry
WHERE ticket = {{}} AND kind IN ({kinds}) AND id < {{}} ORDER BY id DESC LIMIT {{}}
""".format(kinds=", ".join(f"'{kind}'" for kind in CUSTOMER_POSTS))

NO_PAGE = 2**62  # below every id


async def posts(ticket_id: int, below: int | None, limit: int) -> list[dict]:
    return await TimelineEntry.raw(_POSTS, ticket_id, below or NO_PAGE, limit)


async def post_kind(ticket_id: int, entry_id: int) -> str | None:
    row = await TimelineEntry.select(TimelineEntry.kind).where(
        TimelineEntry.id == entry_id, TimelineEntry.ticket == ticket_id).first()
    return row["kind"] if row else None


async def customer_reply(workspace: dict, ticket_hash: str, reply: Reply) -> tuple[dict, int]:
    """service.customer_reply, and the id of the message it wrote: read in the same write
    transaction (the nested one joins it), so a message another request adds cannot come between."""
    async with db.write():
        ticket = await service.customer_reply(workspace, ticket_hash, reply)
        row = await TimelineEntry.select(TimelineEntry.id).where(
            TimelineEntry.ticket == ticket["id"], TimelineEntry.kind == "customer"
        ).order_by(TimelineEntry.id, ascending=False).first()
    return ticket, row["id"]
