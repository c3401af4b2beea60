"""Absolute links for mails, API answers and the command line, built from route names.

Pages build their links with `url_for(name, ...)` in templates; whatever leaves the browser (a
mail, a printed line, an API field) needs the absolute form, which is `Links`. Both use the same
route names (declared on the handlers), so renaming a path is one change.

`create_app()` makes the installation's Links and registers it with `configure()`; services that
queue mail ask `current()`, the way they reach the database engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode, urlsplit

_PARAMETER = re.compile(r"\{(\w+):(\w+)\}")


@dataclass
class RoutePaths:
    """Paths by route name: `paths("agent.ticket", number=5)` is "/tickets/5".

    Litestar's `route_reverse` works the path out on every call (~10 µs through a template); a
    list of 25 rows links each row, so each route's path template is read once from the app
    (`lookup(name)` gives its paths) and then only filled in. Values are percent-encoded; a
    `path` parameter keeps its slashes."""

    lookup: Callable[[str], list[str]]
    _templates: dict[str, tuple[str, frozenset[str], frozenset[str]]] = field(default_factory=dict)

    def __call__(self, route_name: str, **path_parameters: object) -> str:
        template = self._templates.get(route_name) or self._load(route_name)
        pattern, names, slashed = template
        if set(path_parameters) != names:
            raise ValueError(f"route {route_name!r} takes {sorted(names)}, not {sorted(path_parameters)}")
        return pattern.format(**{key: _segment(value, key in slashed) for key, value in path_parameters.items()})

    def _load(self, route_name: str) -> tuple[str, frozenset[str], frozenset[str]]:
        paths = self.lookup(route_name)
        if not paths:
            raise KeyError(f"no route named {route_name!r}")
        path = paths[0]
        names = frozenset(name for name, _kind in _PARAMETER.findall(path))
        slashed = frozenset(name for name, kind in _PARAMETER.findall(path) if kind == "path")
        template = (_PARAMETER.sub(r"{\1}", path.replace("{{", "{{{{").replace("}}", "}}}}")), names, slashed)
        self._templates[route_name] = template
        return template


def _segment(value: object, slashed: bool) -> str:
    if isinstance(value, int):  # ids and numbers: nothing to encode (the common case, kept cheap)
        return str(value)
    text = str(value)
    return quote(text.lstrip("/"), safe="/") if slashed else quote(text, safe="")


@dataclass(frozen=True)
class Links:
    base_url: str
    reverse: Callable[..., str]  # RoutePaths, or anything that maps (name, **parameters) to a path

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
