"""The ticket lists (views, filters, sort, page size, search) and their bulk changes.

The list's state is the URL (app/tickets/listing.py); its rows come from list_rows.py. An HTMX
request (filters, sort, paging, Refresh) gets only #ticket-rows; a bulk change answers the same
rows with what changed and what was refused.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from litestar import Request, Response, get, post

from app.accounts.tables import full_name
from app.accounts.viewer import Viewer
from app.errors import ValidationFailed
from app.i18n import _, ngettext
from app.services import Services
from app.tickets import list_rows, queries, service
from app.tickets.listing import PAGE_SIZES, SORTS, VIEWS, ListQuery
from app.tickets.service import BulkResult
from app.tickets.status import MANUAL_STATUSES, PRIORITIES, Status
from app.tickets.web.common import layout
from app.web.dependencies import Injected
from app.web.params import Form
from app.web.render import is_htmx, redirect, render


@get("/tickets", name="agent.tickets")
async def ticket_list(request: Request, viewer: Injected[Viewer], services: Injected[Services]) -> Response:
    """The list page; an HTMX request gets only the rows. `#N` or a hash in the search box jumps
    to that ticket."""
    lq = ListQuery.parse(request.query_params)
    if lq.q:
        number = await queries.find_by_reference(viewer, lq.q)
        if number is not None:
            return redirect(request, request.app.route_reverse("agent.ticket", number=number))
    select_all = request.query_params.get("select") == "page"
    return await _list(request, viewer, services, lq, select_all=select_all)


@post("/tickets/bulk", name="agent.tickets.bulk")
async def bulk(request: Request, viewer: Injected[Viewer], services: Injected[Services], data: Form) -> Response:
    """Change the selected tickets; answer the list (as it was) with the outcome."""
    lq = _list_state(data.get("list"))
    try:
        result = await service.bulk_change(viewer, service.BulkChange.from_form(data))
    except ValidationFailed as exc:
        return await _list(request, viewer, services, lq, status_code=422, bulk_errors=list(exc.errors.values()))
    return await _list(request, viewer, services, lq, bulk=result, notice=_outcome(result))


def _list_state(state: object) -> ListQuery:
    """The list the bulk bar was posted from (its query string, in a hidden field)."""
    try:
        return ListQuery.parse(parse_qs(state if isinstance(state, str) else "", max_num_fields=200))
    except ValueError:  # more fields than any list of ours has: not from our page
        return ListQuery()


def _outcome(result: BulkResult) -> str:
    changed = ngettext("%(num)d ticket changed.", "%(num)d tickets changed.", len(result.changed))
    if not result.unchanged:
        return changed
    return changed + " " + ngettext("%(num)d already had that value.", "%(num)d already had that value.",
                                    len(result.unchanged))


async def _list(request: Request, viewer: Viewer, services: Services, lq: ListQuery, *, status_code: int = 200,
                **extra: object) -> Response:
    listing = await list_rows.list_page(viewer, lq, services.search)
    context = {"listing": listing, "lq": lq, "base": request.app.route_reverse("agent.tickets"), **extra}
    if not is_htmx(request):
        context.update(await layout(viewer))
        context["choices"] = await _choices(viewer)
    return render(request, "tickets/list.html", context, fragment="tickets/_ticket_rows.html",
                  status_code=status_code)


async def _choices(viewer: Viewer) -> dict:
    """The filter form's and the bulk bar's options."""
    options = await queries.ticket_options(viewer.workspace_id)
    agents, assignable = [], []  # the filter lists everyone; the bulk bar whom a ticket can go to
    for agent in options["agents"]:
        name = full_name(agent["first_name"], agent["last_name"])
        agents.append((agent["id"], name))
        if agent["active"]:  # on vacation: shown, not selectable (the service refuses it anyway)
            label = _("%(name)s (vacation)", name=name) if agent["on_vacation"] else name
            assignable.append((agent["id"], label, bool(agent["on_vacation"])))
    return {
        "views": VIEWS,
        "status": [(int(s), s.label) for s in Status],
        "manual_status": [(int(s), s.label) for s in MANUAL_STATUSES],
        "prio": [(code, str(label)) for code, label in PRIORITIES.items()],
        "type": [(t["id"], t["name"]) for t in options["types"]],
        "group": [(g["id"], g["name"]) for g in options["groups"]],
        "agents": agents,
        "assignable": assignable,
        "tags": await list_rows.workspace_tags(viewer.workspace_id),
        "page_sizes": PAGE_SIZES,
        "sorts": SORTS,
    }


ROUTES = [ticket_list, bulk]
