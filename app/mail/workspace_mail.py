"""A workspace's own mail service (Settings > E-Mail service): stored settings, the form's
input, and the server the outbox uses for the workspace's mail.

Passwords are sealed with app/mail/vault.py and never leave this module towards a page: the
form only learns whether one is stored, and whether it can still be read (after the
installation secret changed it cannot, and the admin must enter it again).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from piccolo.columns import Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from app import clock
from app.accounts.viewer import Viewer
from app.audit.service import record
from app.cache import TTLCache
from app.db import ENGINE, on_commit, write
from app.errors import ValidationFailed
from app.i18n import _
from app.mail import vault
from app.mail.hosts import valid_host
from app.validation import EMAIL_MAX, FieldErrors, form_text, has_line_break, parse_int
from app.workspaces.tables import Workspace

SECURITY = ("none", "starttls", "tls")
PASSWORDS = ("smtp_password", "imap_password")
TEXT_MAX = 200
PASSWORD_MAX = 500


class WorkspaceMail(Table, db=ENGINE, tablename="workspace_mail"):
    """One row per workspace that saved the form (migration m0008)."""

    workspace = Integer()
    enabled = Boolean(default=False)
    smtp_host = Varchar(length=253, default="")
    smtp_port = Integer(default=587)
    smtp_security = Varchar(length=10, default="starttls")
    smtp_username = Varchar(length=200, default="")
    smtp_password = Text(default="")  # sealed
    imap_host = Varchar(length=253, default="")
    imap_port = Integer(default=993)
    imap_security = Varchar(length=10, default="tls")
    imap_folder = Varchar(length=200, default="INBOX")
    imap_username = Varchar(length=200, default="")
    imap_password = Text(default="")  # sealed
    address = Varchar(length=254, default="")
    sender_name = Varchar(length=200, default="")
    updated_at = Timestamptz()


DEFAULTS = {c._meta.name: c._meta.params.get("default") for c in WorkspaceMail._meta.columns if c._meta.name not in (
    "id", "workspace", "updated_at")}
FIELDS = tuple(DEFAULTS)


@dataclass(frozen=True)
class Server:
    """A mail server as the senders need it (password in clear: never rendered, never logged)."""

    host: str
    port: int
    security: str
    username: str
    password: str | None  # None: stored under another secret, unreadable
    address: str = ""
    sender_name: str = ""
    folder: str = "INBOX"


async def _row(workspace_id: int) -> dict:
    row = await WorkspaceMail.select().where(WorkspaceMail.workspace == workspace_id).first()
    return row or {**DEFAULTS, "workspace": workspace_id}


def _password_state(sealed: str) -> str:
    """"none", "stored" or "unreadable" (sealed under another installation secret)."""
    if not sealed:
        return "none"
    return "stored" if vault.current().open(sealed) is not None else "unreadable"


async def form_values(workspace_id: int) -> tuple[dict, dict]:
    """(the form's values without passwords, each password's state)."""
    row = await _row(workspace_id)
    values = {k: row[k] for k in FIELDS if k not in PASSWORDS}
    return values, {k: _password_state(row[k]) for k in PASSWORDS}


@dataclass(frozen=True)
class MailInput:
    values: dict  # every field except the passwords
    passwords: dict  # new passwords typed; absent = keep the stored one

    @classmethod
    def from_form(cls, data: Mapping) -> MailInput:
        errors = FieldErrors()
        values: dict = {"enabled": form_text(data, "enabled") in ("on", "1", "true")}
        for name in ("smtp_host", "smtp_username", "imap_host", "imap_folder", "imap_username", "address",
                     "sender_name"):
            value = form_text(data, name).strip()
            limit = EMAIL_MAX if name == "address" else TEXT_MAX
            if len(value) > limit:
                errors[name] = _("At most %(n)d characters.", n=limit)
            elif has_line_break(value):
                errors[name] = _("Line breaks are not allowed here.")
            values[name] = value
        for name in ("smtp_host", "imap_host"):
            if values[name] and name not in errors and not valid_host(values[name]):
                errors[name] = _("Enter a host name such as smtp.example.com, or an IP address.")
        for name, default in (("smtp_port", 587), ("imap_port", 993)):
            raw = form_text(data, name).strip()
            port = parse_int(raw) if raw else default
            if port is None or not 1 <= port <= 65535:
                errors[name] = _("Enter a port between 1 and 65535.")
            values[name] = port if port is not None and 1 <= port <= 65535 else default
        for name in ("smtp_security", "imap_security"):
            value = form_text(data, name) or DEFAULTS[name]
            if value not in SECURITY:
                errors[name] = _("Choose one of the offered options.")
                value = DEFAULTS[name]
            values[name] = value
        values["imap_folder"] = values["imap_folder"] or "INBOX"
        if values["address"] and "address" not in errors:
            values["address"] = errors.email(data, "address")
        if values["enabled"]:
            for name in ("smtp_host", "address"):
                if not values[name] and name not in errors:
                    errors[name] = _("Required when you use your own e-mail service.")
        passwords = {}
        for name in PASSWORDS:
            value = form_text(data, name)
            if len(value) > PASSWORD_MAX:
                errors[name] = _("At most %(n)d characters.", n=PASSWORD_MAX)
            elif value:
                passwords[name] = value
        if errors:
            raise ValidationFailed(errors)
        return cls(values, passwords)


async def save(viewer: Viewer, change: MailInput) -> None:
    """Store the settings (one write); the audit row names changed passwords, never their values."""
    async with write():
        row = await _row(viewer.workspace_id)
        updates = {**change.values, **{k: vault.current().seal(v) for k, v in change.passwords.items()}}
        updates["updated_at"] = clock.now()
        if row.get("id"):
            await WorkspaceMail.update({getattr(WorkspaceMail, k): v for k, v in updates.items()}).where(
                WorkspaceMail.id == row["id"])
        else:
            await WorkspaceMail(workspace=viewer.workspace_id, **updates).save()
        before = {k: row[k] for k in FIELDS if k not in PASSWORDS}
        after = dict(change.values)
        for name in change.passwords:
            before[name], after[name] = "", "changed"
        changed = [k for k in after if before.get(k) != after[k]]
        if changed:
            await record(viewer.workspace_id, viewer, "mail_settings.changed", subject="mail",
                         before={k: before.get(k) for k in changed}, after={k: after[k] for k in changed})
        # After the outermost commit: the sender must not re-read (and cache) the old row meanwhile.
        on_commit(lambda: invalidate(viewer.workspace_id))


# -- what the senders use ---------------------------------------------------------------------

_servers: TTLCache[dict] = TTLCache("workspace smtp", ttl=30.0)
_own: TTLCache[tuple] = TTLCache("workspaces with own smtp", ttl=30.0)


def invalidate(workspace_id: int) -> None:
    _servers.invalidate(workspace_id)
    _own.invalidate()


def _server(row: dict, kind: str) -> Server:
    sealed = row[f"{kind}_password"]
    return Server(host=row[f"{kind}_host"], port=row[f"{kind}_port"], security=row[f"{kind}_security"],
                  username=row[f"{kind}_username"], password=vault.current().open(sealed) if sealed else "",
                  address=row["address"], sender_name=row["sender_name"], folder=row["imap_folder"])


async def _sending(workspace_id: int) -> dict:
    async def load() -> dict:
        row = await _row(workspace_id)
        on = bool(row["enabled"] and row["smtp_host"])
        return {"server": _server(row, "smtp") if on else None, "address": row["address"]}

    return await _servers.get(workspace_id, load) or {}


async def smtp_server(workspace_id: int | None) -> Server | None:
    """The workspace's own SMTP server when it is set and switched on, else None (the
    installation default). Cached briefly; `save()` invalidates."""
    if workspace_id is None:
        return None
    return (await _sending(workspace_id)).get("server")


async def address(workspace_id: int) -> str:
    """The workspace's own address ("" when it set none), whether its own server is on or not:
    the Reply-To of its customers' mail sent through the installation's server."""
    return (await _sending(workspace_id)).get("address") or ""


async def workspaces_with_own_smtp() -> tuple[int, ...]:
    async def load() -> tuple:
        rows = await WorkspaceMail.select(WorkspaceMail.workspace).where(
            WorkspaceMail.enabled.eq(True), WorkspaceMail.smtp_host != "")
        return tuple(r["workspace"] for r in rows)

    return await _own.get("all", load) or ()


async def imap_inboxes() -> dict[int, Server]:
    """The IMAP inboxes the fetcher (app/mail/imap_in.py) watches, by workspace id: own mail
    service on, an IMAP host, a stored password that can still be read, workspace not cancelled.
    Not cached: the fetcher asks every half minute."""
    rows = await WorkspaceMail.select().where(
        WorkspaceMail.enabled.eq(True), WorkspaceMail.imap_host != "", WorkspaceMail.imap_password != "")
    cancelled = {r["id"] for r in await Workspace.select(Workspace.id).where(Workspace.cancelled_at.is_not_null())}
    servers = {row["workspace"]: _server(row, "imap") for row in rows if row["workspace"] not in cancelled}
    return {workspace: server for workspace, server in servers.items() if server.password is not None}


async def test_servers(workspace_id: int) -> dict[str, Server]:
    """The stored SMTP and IMAP servers (for the test buttons), whether switched on or not."""
    row = await _row(workspace_id)
    return {"smtp": _server(row, "smtp"), "imap": _server(row, "imap")}


def describe(server: Server) -> dict:
    """For logs and tests: the server without its password."""
    return {k: v for k, v in asdict(server).items() if k != "password"}
