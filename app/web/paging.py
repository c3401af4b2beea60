"""Search and paging for the administration's lists (agents, groups, ticket types): a LIKE pattern
for the search box, and one page of any SELECT with its total.

These lists hold tens to a few thousand rows, so a LIKE scan per keystroke is cheap; the ticket
list, with its hundred thousand rows, has its own index-backed paging (app/tickets/listing.py).
"""

from __future__ import annotations

from app.accounts.tables import Agent
from app.tickets.queries import Page, pages_for

PER_PAGE = 25
SEARCH_MAX = 100  # characters of the search box that count


def like_pattern(q: str) -> str:
    """`q` as a LIKE pattern (with ESCAPE '\\') that matches it anywhere; its own % and _ are
    letters, not wildcards."""
    escaped = q.strip()[:SEARCH_MAX].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def paged(sql: str, *args: object, page: int, per_page: int = PER_PAGE) -> Page:
    """One page of `sql` (a SELECT with its ORDER BY and Piccolo `{}` placeholders for `args`) and
    the number of rows it has in all; a page past the end shows the last one."""
    total = (await Agent.raw(f"SELECT COUNT(*) AS n FROM ({sql})", *args))[0]["n"]
    page = min(max(page, 1), pages_for(total, per_page))
    rows = await Agent.raw(f"{sql} LIMIT {{}} OFFSET {{}}", *args, per_page, (page - 1) * per_page)
    return Page(rows=rows, total=total, page=page, per_page=per_page)
