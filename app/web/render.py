"""One URL renders a whole page, or for an HTMX request just the fragment that changes."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.response import Redirect, Template


def is_htmx(request: Request) -> bool:
    """True for an HTMX request that wants a fragment: not a boosted navigation and not a history
    restore (the back button after hx-push-url asks for the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(
    request: Request,
    page: str,
    context: dict[str, Any],
    *,
    fragment: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Template:
    """Render `page`, or `fragment` (a `_partial.html` beside it) when HTMX asks for one."""
    name = fragment if fragment and is_htmx(request) else page
    response_headers = {"Vary": "HX-Request"}
    response_headers.update(headers or {})
    return Template(template_name=name, context=context, status_code=status_code, headers=response_headers)


def redirect(request: Request, url: str) -> Response:
    """Go to `url`: a whole-page navigation for HTMX (HX-Redirect), a 303 otherwise."""
    if is_htmx(request):
        return Response(None, status_code=200, headers={"HX-Redirect": url})
    return Redirect(url, status_code=303)
