"""Absolute links for mails, API answers and the command line, built from route names.

Pages build their links with `url_for(name, ...)` in templates; whatever leaves the browser (a
mail, a printed line, an API field) needs the absolute form, which is `Links`. Both use the same
route names (declared on the handlers), so renaming a path is one change.

`create_app()` makes the installation's Links and registers it with `configure()`; services that
queue mail ask `current()`, the way they reach the database engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

Reverse = Callable[..., str]  # Litestar's app.route_reverse(name, **path_parameters)


@dataclass(frozen=True)
class Links:
    base_url: str
    reverse: Reverse

    @property
    def domain(self) -> str:
        """Right-hand side of our Message-IDs."""
        return urlsplit(self.base_url).hostname or "localhost"

    def url(self, route_name: str, query: dict | None = None, **path_parameters: object) -> str:
        path = self.reverse(route_name, **path_parameters)
        return f"{self.base_url}{path}" + (f"?{urlencode(query)}" if query else "")

    def public_page(self, workspace_key: str) -> str:
        # The router's form, without a trailing slash; `/{key}/` (the manual's) is served as well.
        return self.url("portal.index", workspace_key=workspace_key)

    def permalink(self, workspace_key: str, ticket_hash: str) -> str:
        return self.url("portal.ticket", workspace_key=workspace_key, ticket_hash=ticket_hash)

    def confirm_ticket(self, workspace_key: str, ticket_hash: str, token: str) -> str:
        return self.url("portal.ticket", {"confirmation": token}, workspace_key=workspace_key, ticket_hash=ticket_hash)

    def confirm_account(self, token: str) -> str:
        return self.url("accounts.confirm", token=token)

    def password_reset(self, token: str) -> str:
        return self.url("accounts.reset", token=token)

    def login(self) -> str:
        return self.url("accounts.login")


_current: Links | None = None


def configure(links: Links) -> Links:
    global _current
    _current = links
    return links


def current() -> Links:
    if _current is None:
        raise RuntimeError("links are not configured: create_app() (or the CLI) sets them up")
    return _current
