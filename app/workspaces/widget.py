"""The embeddable ticket form's setting (issue 12 §6): on or off, and the web origins allowed to use it.

An origin is what a browser sends in its `Origin` header: scheme, host and port, nothing else
("https://shop.example.com", "http://127.0.0.1:8080"). The list is stored normalised, one per
line (lowercased, the scheme's default port dropped, as browsers send it), so checking a request
is a set lookup on the normalised header. `*`, paths, credentials and other schemes are refused:
the list is what stands between a page on any site and this workspace's ticket queue.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from app import db
from app.accounts.viewer import Viewer
from app.audit.service import record
from app.errors import ValidationFailed
from app.i18n import _
from app.validation import form_text
from app.workspaces import service
from app.workspaces.tables import Workspace

MAX_ORIGINS = 20
MAX_ORIGIN_CHARS = 200
MAX_FIELD_CHARS = 10_000  # the textarea as a whole (20 origins of 200 characters, with room)
DEFAULT_PORTS = {"http": 80, "https": 443}


class BadOrigin(ValueError):
    pass


def normalise_origin(text: str) -> str:
    """`text` as a browser's Origin header spells it, or BadOrigin with the reason."""
    text = text.strip()
    if text == "*" or "*" in text:
        raise BadOrigin(_("Wildcards are not allowed: list each site."))
    if len(text) > MAX_ORIGIN_CHARS or any(c.isspace() or ord(c) < 32 for c in text):
        raise BadOrigin(_("This is not a web origin."))
    try:
        parts = urlsplit(text)
        port = parts.port
        host = parts.hostname
    except ValueError:
        raise BadOrigin(_("This is not a web origin.")) from None
    if parts.scheme.lower() not in DEFAULT_PORTS:
        raise BadOrigin(_("Only http:// and https:// origins are allowed."))
    if not host or parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise BadOrigin(_("This is not a web origin."))
    if parts.path not in ("", "/") or parts.query or parts.fragment or text.endswith(("?", "#")):
        raise BadOrigin(_("Only the scheme, host and port: no path."))
    try:
        host = host.encode("idna").decode("ascii").lower()  # browsers send international names in punycode
    except UnicodeError:
        raise BadOrigin(_("This is not a web origin.")) from None
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal
    scheme = parts.scheme.lower()
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != DEFAULT_PORTS[scheme] else "")


def parse_origins(text: str) -> list[str]:
    """The textarea's lines, normalised, without duplicates; ValidationFailed naming every bad line."""
    if len(text) > MAX_FIELD_CHARS:
        raise ValidationFailed({"origins": _("At most %(max)d web origins.", max=MAX_ORIGINS)})
    origins: list[str] = []
    problems: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            origin = normalise_origin(line)
        except BadOrigin as exc:
            problems.append(f"{line.strip()[:80]}: {exc}")
            continue
        if origin not in origins:
            origins.append(origin)
    if problems:
        raise ValidationFailed({"origins": " ".join(problems)})
    if len(origins) > MAX_ORIGINS:
        raise ValidationFailed({"origins": _("At most %(max)d web origins.", max=MAX_ORIGINS)})
    return origins


def origins_of(workspace: Mapping) -> list[str]:
    return [line for line in (workspace.get("widget_origins") or "").splitlines() if line]


def allows(workspace: Mapping, origin: str | None) -> bool:
    """True when the widget is on and `origin` (the request's Origin header) is on the list. A
    missing, `null` or malformed header is never allowed."""
    if not workspace.get("widget_enabled") or not origin or len(origin) > MAX_ORIGIN_CHARS:
        return False
    try:
        return normalise_origin(origin) in origins_of(workspace)
    except BadOrigin:
        return False


async def save(viewer: Viewer, data: Mapping) -> dict:
    """The settings form: `enabled` ("on") and `origins` (one per line). Audited; returns the row."""
    enabled = form_text(data, "enabled") == "on"
    origins = parse_origins(form_text(data, "origins"))
    if enabled and not origins:
        raise ValidationFailed({"origins": _("List at least one web origin to switch the form on.")})
    values = {"widget_enabled": enabled, "widget_origins": "\n".join(origins)}
    async with db.write():
        before = await Workspace.select(Workspace.widget_enabled, Workspace.widget_origins).where(
            Workspace.id == viewer.workspace_id).first()
        changed = {name: value for name, value in values.items() if before[name] != value}
        if not changed:
            return await service.get_by_id(viewer.workspace_id)
        row = await service.update_settings(viewer.workspace_id, **changed)
        await record(viewer.workspace_id, viewer, "settings.changed", subject="widget",
                     before={name: before[name] for name in changed}, after=changed)
    return row


def snippet(script_url: str) -> str:
    """What a site pastes where the form should appear."""
    return f'<div data-helprealm-form></div>\n<script src="{script_url}" async></script>'
