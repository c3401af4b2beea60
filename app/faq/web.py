"""The FAQ on the public page (portal router, `/{workspace_key}/faq...`, GET only, no session).

- `/faq?q=`: the overlay's list and its search box (HTMX swaps the list; without HTMX a page).
- `/faq/suggest?subject=&faq_nonce=`: up to three entries matching the subject being typed,
  shown beside the ticket form.
- `/faq/{id}?nonce=`: one entry's answer; opened from a suggestion it counts for deflection.

Every search is counted per client address (`[limits] faq_searches_per_minute`); over the limit
the answer is empty (suggestions) or says to wait (search), never an error page. The searches
themselves are cheap by construction (app/search/faq.py), so a busy public page cannot slow the
agents' ticket searches.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from app.errors import NotFound, RateLimited
from app.faq import deflection
from app.faq import service as faq
from app.i18n import _
from app.services import Services
from app.web.dependencies import Injected
from app.web.params import Id
from app.web.render import render

SUGGESTIONS = 3
SUGGEST_MIN_CHARS = 3
SEARCH_RESULTS = 50

# Longer than any query is used (app/search/faq.py keeps the first 100 characters): a subject of the
# form's 200 characters is still answered; beyond this Litestar answers 400 before the handler.
QueryText = Annotated[str, QueryParameter(max_length=1000)]
Nonce = Annotated[str, QueryParameter(max_length=64)]


def _allowed(request: Request, services: Services) -> bool:
    """Count one search for this client; False when it is over its limit."""
    try:
        services.faq_searches.hit([f"faq:{services.client.of(request)}"], "")
    except RateLimited:
        return False
    return True


async def _matching(workspace_id: int, services: Services, text: str, limit: int) -> list[dict]:
    """The workspace's entries matching `text`, best first (ids from the index, rows from the cache:
    an entry deleted a moment ago is skipped)."""
    ids = await services.search.faq.search(workspace_id, text, limit)
    by_id = {entry["id"]: entry for entry in await faq.list_entries(workspace_id)}
    return [by_id[i] for i in ids if i in by_id]


@get("/{workspace_key:str}/faq", name="portal.faq")
async def faq_page(request: Request, workspace: Injected[dict], services: Injected[Services],
                   q: QueryText = "") -> Template:
    """Every entry, or those matching `q`; an HTMX request (the overlay) gets the list only."""
    q = q.strip()
    notice = None
    if not q:
        entries = await faq.list_entries(workspace["id"])
    elif _allowed(request, services):
        entries = await _matching(workspace["id"], services, q, SEARCH_RESULTS)
    else:
        entries, notice = [], _("Too many searches. Please wait a minute and try again.")
    context = {"workspace": workspace, "entries": entries, "q": q, "notice": notice, "open_id": None}
    return render(request, "portal/faq.html", context, fragment="portal/_faq_list.html")


@get("/{workspace_key:str}/faq/suggest", name="portal.faq_suggest")
async def suggest(request: Request, workspace: Injected[dict], services: Injected[Services],
                  subject: QueryText = "", faq_nonce: Nonce = "") -> Template:
    """Up to three entries for the subject being typed: the box beside the ticket form (always the
    fragment). Short subjects and clients over their limit get an empty box."""
    subject = subject.strip()
    entries = []
    if len(subject) >= SUGGEST_MIN_CHARS and _allowed(request, services):
        entries = await _matching(workspace["id"], services, subject, SUGGESTIONS)
    context = {"workspace": workspace, "suggestions": entries, "nonce": deflection.valid_nonce(faq_nonce)}
    return render(request, "portal/_faq_suggestions.html", context)


@get("/{workspace_key:str}/faq/{faq_id:int}", name="portal.faq_entry")
async def entry(request: Request, workspace: Injected[dict], services: Injected[Services], faq_id: Id,
                nonce: Nonce = "") -> Template:
    """One entry's answer. With the form's nonce it was opened from a suggestion: counted once per
    form (a write, so it is counted against the client's limit too)."""
    found = next((e for e in await faq.list_entries(workspace["id"]) if e["id"] == faq_id), None)
    if found is None:
        raise NotFound(_("No such FAQ entry."))
    nonce = deflection.valid_nonce(nonce)
    if nonce and _allowed(request, services):
        await deflection.suggestion_opened(workspace["id"], nonce)
    context = {"workspace": workspace, "entry": found, "entries": [found], "open_id": found["id"], "q": "",
               "notice": None}
    return render(request, "portal/faq.html", context, fragment="portal/_faq_answer.html")


ROUTES = [faq_page, suggest, entry]
