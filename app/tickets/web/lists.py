"""The ticket lists (mine, my groups', all) with search and paging."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get
from litestar.params import QueryParameter

from app.accounts.viewer import Viewer
from app.search.service import SearchService
from app.services import Services
from app.tickets import queries
from app.tickets.scopes import SCOPES, TicketScope, list_scope
from app.tickets.web.common import layout
from app.web.dependencies import Injected
from app.web.params import PageNumber, Text
from app.web.render import is_htmx, redirect, render

PER_PAGE = 25
ScopeName = Annotated[str, QueryParameter(name="scope", max_length=20)]  # "mine", "groups" or "all"


@get("/tickets", name="agent.tickets")
async def ticket_list(request: Request, viewer: Injected[Viewer], services: Injected[Services],
                      which: ScopeName = "groups", q: Text = "", page: PageNumber = 1) -> Response:
    """The list page; an HTMX request (search box, paging) gets only the rows."""
    which = which if which in SCOPES else "groups"
    scope = list_scope(viewer, which)
    q = q.strip()
    if q:
        number = await queries.find_by_reference(viewer, q)
        if number is not None:  # an exact #N or hash jumps straight to the ticket
            return redirect(request, request.app.route_reverse("agent.ticket", number=number))
        listing = await _search_page(services.search, scope, q, page)
    else:
        listing = await queries.list_tickets(scope, page=page, per_page=PER_PAGE)
    context = {"listing": listing, "scope": which, "q": q}
    if not is_htmx(request):
        context.update(await layout(viewer))
    return render(request, "tickets/list.html", context, fragment="tickets/_ticket_rows.html")


async def _search_page(search: SearchService, scope: TicketScope, q: str, page: int) -> queries.Page:
    """One page of search hits, most relevant first; the index pages and filters, SQL fills rows."""
    result = await search.search(scope, q, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    last_page = queries.pages_for(result.total, PER_PAGE)
    if page > last_page:  # a stale "next" link or a typed ?page=: show the last page instead
        page = last_page
        result = await search.search(scope, q, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    rows = await queries.rows_in_order(scope, [hit.ticket_id for hit in result.hits])
    return queries.Page(rows=rows, total=result.total, page=page, per_page=PER_PAGE, more=result.more)


ROUTES = [ticket_list]
