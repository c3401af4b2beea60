"""Reading canned responses: the page's list (search and paging), one for its edit form, the
picker's matches, and a response's text filled in for a ticket.

Every read is scoped by `visible_where(viewer)` (app/canned/service.py): shared ones of the
viewer's workspace and the viewer's own.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from piccolo.columns.combination import WhereRaw
from piccolo.query import OrderByRaw

from app import links
from app.canned.service import visible_where
from app.canned.tables import CannedResponse
from app.errors import NotFound
from app.i18n import _
from app.tickets.queries import Page, pages_for
from app.tickets.refs import AgentTicket, load
from app.tickets.tables import Ticket

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

PER_PAGE = 20
PICKER_LIMIT = 10
QUERY_MAX = 100
# {name}: a placeholder. Only the four known names are filled; any other stays as typed, so a
# response that mentions "{order_id}" for the agent to fill by hand keeps it.
PLACEHOLDER = re.compile(r"\{([a-z_]{1,30})\}")
PLACEHOLDERS = ("customer_name", "ticket_number", "agent_name", "permalink")

COLUMNS = (CannedResponse.id, CannedResponse.agent, CannedResponse.title, CannedResponse.body,
           CannedResponse.updated_at)
# Shared first, then by title.
_ORDER = OrderByRaw('"canned_response"."agent" IS NOT NULL, "canned_response"."title" COLLATE NOCASE, '
                    '"canned_response"."id"')


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere; its own % and _ match only themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search(q: str) -> list:
    q = q.strip()[:QUERY_MAX]
    if not q:
        return []
    pattern = _like(q)
    return [WhereRaw("(\"canned_response\".\"title\" LIKE {} ESCAPE '\\' OR \"canned_response\".\"body\" LIKE {} "
                     "ESCAPE '\\')", pattern, pattern)]


async def list_page(viewer: Viewer, q: str = "", page: int = 1, per_page: int = PER_PAGE) -> Page:
    where = [*visible_where(viewer), *_search(q)]
    total = await CannedResponse.count().where(*where)
    page = min(page, pages_for(total, per_page))
    rows = await (CannedResponse.select(*COLUMNS).where(*where).order_by(_ORDER)
                  .limit(per_page).offset((page - 1) * per_page))
    return Page(rows=rows, total=total, page=page, per_page=per_page)


async def picker_matches(viewer: Viewer, q: str = "") -> list[dict]:
    """What the reply box's picker offers: the first matches, shared ones first."""
    return await (CannedResponse.select(CannedResponse.id, CannedResponse.agent, CannedResponse.title)
                  .where(*visible_where(viewer), *_search(q)).order_by(_ORDER).limit(PICKER_LIMIT))


async def one(viewer: Viewer, response_id: int) -> dict:
    row = await CannedResponse.select(*COLUMNS).where(*visible_where(viewer), CannedResponse.id == response_id).first()
    if row is None:
        raise NotFound(_("No such canned response."))
    return row


def fill(text: str, values: dict[str, str]) -> str:
    """Replace the known placeholders; leave every other {word} as it was typed."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


async def filled_for_ticket(viewer: Viewer, response_id: int, number: int) -> str:
    """The response's text for a ticket the viewer may see (else NotFound, like the ticket page)."""
    row = await one(viewer, response_id)
    ticket = await load(AgentTicket(viewer, number), Ticket.number, Ticket.hash, Ticket.customer_name,
                        Ticket.workspace.key.as_alias("workspace_key"))
    return fill(row["body"], {
        "customer_name": ticket["customer_name"],
        "ticket_number": str(ticket["number"]),
        "agent_name": viewer.name,
        "permalink": links.current().permalink(ticket["workspace_key"], ticket["hash"]),
    })
