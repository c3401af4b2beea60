"""Security headers: one Content-Security-Policy per audience, and the headers every answer gets.

Pages load only our own scripts, styles and images, are never framed, and send no Referer (the
customer's secret ticket link is in the URL). htmx is configured so that it needs nothing the
policy refuses (no inline indicator style, no eval; see templates/layouts/base.html). A feature
that needs more (charts, sanitized mail HTML with remote images, the API docs page) extends its
audience's policy here, in one reviewed place.

`add_security_headers` adds the common headers, and the page policy, to every answer that has
not set its own, including static files and error pages; routers set their audience's policy
through `router_headers()`; attachment downloads set a sandboxing policy of their own.
"""

from __future__ import annotations

from litestar.datastructures import ResponseHeader
from litestar.types import Message, Scope

_PAGES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
}

# RapiDoc (a Lit web component) writes `style="..."` attributes in its templates (widths, colours of
# its own theme); without 'unsafe-inline' for styles the page renders broken. Styles only: scripts
# stay 'self', and the page shows nobody's content but the API description we generate.
STYLE_INLINE = "'self' 'unsafe-inline'"

POLICIES: dict[str, dict[str, str]] = {
    "portal": _PAGES,
    "agent": _PAGES,
    "admin": _PAGES,
    # The API docs page (/schema, app/api/docs.py): our own vendored RapiDoc and the JSON it reads.
    # STYLE_INLINE: see its comment.
    "docs": {**_PAGES, "style-src": STYLE_INLINE, "form-action": "'none'"},
    # JSON answers: nothing to load, nothing to frame.
    "api": {"default-src": "'none'", "frame-ancestors": "'none'"},
}

COMMON = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def policy(audience: str) -> str:
    return "; ".join(f"{name} {value}" for name, value in POLICIES[audience].items())


def router_headers(audience: str) -> list[ResponseHeader]:
    return [ResponseHeader(name="Content-Security-Policy", value=policy(audience))]


async def add_security_headers(message: Message, scope: Scope) -> None:
    """App-level `before_send` hook: every answer, routed or not (a 404 for an unknown path
    never reaches route middleware), gets the common headers and, unless it set its own, the
    page policy. Works on the raw header list: this runs for every response."""
    if message["type"] != "http.response.start":
        return
    headers = message.get("headers") or []
    present = {name.lower() for name, _value in headers}
    missing = [header for header in _DEFAULTS if header[0] not in present]
    if missing:
        message["headers"] = [*headers, *missing]


_DEFAULTS = [(name.encode(), value.encode()) for name, value in COMMON.items()] + [
    (b"content-security-policy", policy("portal").encode())
]
