"""Workspaces: creating one with everything a help desk needs on day one."""

from __future__ import annotations

import functools
import secrets
from datetime import date

from app import clock, db
from app.accounts.queries import forget_agents
from app.accounts.tables import Agent, AgentGroup, GroupMember
from app.cache import TTLCache
from app.errors import NotFound
from app.formats import zone
from app.i18n import _, current_locale, msgid_translations, use_locale
from app.i18n import lazy_gettext as _l
from app.tickets.queries import forget_groups, forget_ticket_types
from app.tickets.tables import TicketType
from app.workspaces.tables import Workspace

# Names a new workspace starts with, in the language of whoever creates it (they are data after).
DEFAULT_GROUP = _l("1st level group")
DEFAULT_GROUP_DESCRIPTION = _l("The primary group")
DEFAULT_TICKET_TYPES = (_l("Service Request"), _l("Incident"), _l("Change"))

# The public page's texts a workspace starts with. While it keeps one of them (in whichever
# language it was written), customers read it in the workspace's current language: switching the
# language in the settings must not leave the form in the old one. An admin's own text is shown as is.
DEFAULT_TEXTS = {
    "form_title": _l("Create new ticket"),
    "welcome_message": _l("Welcome to our support service. Please fill out the form in order to contact us."),
    "success_message": _l("Thank you! Your ticket has been created. We have sent you an e-mail with a link to it."),
}


def public_text(workspace: dict, field: str) -> str:
    """`workspace[field]` (form_title, welcome_message, success_message) as customers read it now."""
    value = workspace.get(field) or ""
    if not value.strip() or value in _default_in_any_language(field):
        return str(DEFAULT_TEXTS[field])
    return value


@functools.cache
def _default_in_any_language(field: str) -> frozenset[str]:
    return frozenset(msgid_translations(DEFAULT_TEXTS[field]))


async def rename_default_names(workspace_id: int, lang: str) -> None:
    """The workspace's language changed: the ticket types and the default group that still carry a
    name it started with (in any language) take that name in `lang`, so the public form's type
    select and the agents' lists speak it too. Names an admin chose stay. Inside the caller's write
    transaction; the cached lists are dropped when it commits."""
    with use_locale(lang):
        for default in DEFAULT_TICKET_TYPES:
            await TicketType.update({TicketType.name: str(default)}).where(
                TicketType.workspace == workspace_id, TicketType.name.is_in(sorted(msgid_translations(default))))
        await AgentGroup.update({AgentGroup.name: str(DEFAULT_GROUP)}).where(
            AgentGroup.workspace == workspace_id, AgentGroup.name.is_in(sorted(msgid_translations(DEFAULT_GROUP))))
        await AgentGroup.update({AgentGroup.description: str(DEFAULT_GROUP_DESCRIPTION)}).where(
            AgentGroup.workspace == workspace_id,
            AgentGroup.description.is_in(sorted(msgid_translations(DEFAULT_GROUP_DESCRIPTION))))
    db.on_commit(lambda: (forget_ticket_types(workspace_id), forget_groups(workspace_id),
                          forget_agents(workspace_id)))


# Workspace rows by key and by id (every public request and every agent page reads one).
_by_key: TTLCache[dict] = TTLCache("workspace by key")
_by_id: TTLCache[dict] = TTLCache("workspace by id")


async def create_workspace_rows(
    *, company: str, first_name: str, last_name: str, email: str, password_hash: str, confirmed: bool
) -> tuple[dict, dict]:
    """Create a workspace, its superadmin, default group and ticket types.

    Runs inside the caller's write transaction. Returns (workspace, agent) rows as dicts.
    """
    workspace = Workspace(
        key=secrets.token_hex(16), name=company, created_at=clock.now(), lang=current_locale(),
        # The public page's default texts (shown in the workspace's language while unchanged: public_text).
        **{field: str(text) for field, text in DEFAULT_TEXTS.items()},
    )
    await workspace.save()
    agent = Agent(
        workspace=workspace.id,
        email=email,
        first_name=first_name,
        last_name=last_name,
        position=str(_l("Administrator")),
        password_hash=password_hash,
        superadmin=True,
        confirmed=confirmed,
    )
    await agent.save()
    group = AgentGroup(workspace=workspace.id, name=str(DEFAULT_GROUP), description=str(DEFAULT_GROUP_DESCRIPTION),
                       is_default=True)
    await group.save()
    await GroupMember(group=group.id, agent=agent.id).save()
    await TicketType.insert(*[TicketType(workspace=workspace.id, name=str(name)) for name in DEFAULT_TICKET_TYPES])
    return workspace.to_dict(), agent.to_dict()


async def get_by_key(key: str) -> dict:
    """The workspace row (a copy: callers may add to it)."""
    if len(key) != 32:
        raise NotFound(_("No such workspace."))
    row = await _by_key.get(key, lambda: Workspace.select().where(Workspace.key == key).first())
    if row is None or row["cancelled_at"] is not None:  # a cancelled one is gone for the public
        raise NotFound(_("No such workspace."))
    return dict(row)


async def get_by_id(workspace_id: int) -> dict:
    row = await _by_id.get(workspace_id, lambda: Workspace.select().where(Workspace.id == workspace_id).first())
    if row is None:
        raise NotFound(_("No such workspace."))
    return dict(row)


async def update_settings(workspace_id: int, **values) -> dict:
    """Change a workspace's own columns (name, success_message, confirm_email...); the one write
    path for them, so the cached rows are dropped with the change."""
    unknown = set(values) - {column._meta.name for column in Workspace._meta.columns}
    if unknown or "id" in values or "key" in values:
        raise ValueError(f"not workspace settings: {sorted(unknown | ({'id', 'key'} & set(values)))}")
    await Workspace.update({getattr(Workspace, name): value for name, value in values.items()}).where(
        Workspace.id == workspace_id
    )
    row = await Workspace.select().where(Workspace.id == workspace_id).first()
    if row is None:
        raise NotFound(_("No such workspace."))
    forget(workspace_id, row["key"])
    # And again once it is durable: a reader between the two would have cached the old row.
    db.on_commit(lambda: forget(workspace_id, row["key"]))
    return row


async def is_open(workspace_id: int) -> bool:
    """False once the workspace is cancelled (or gone): its accounts no longer log in."""
    try:
        return (await get_by_id(workspace_id))["cancelled_at"] is None
    except NotFound:
        return False


def forget(workspace_id: int, key: str) -> None:
    """Drop a workspace's cached rows (its settings changed, or it was deleted)."""
    _by_id.invalidate(workspace_id)
    _by_key.invalidate(key)

def today_in(workspace: dict) -> date:
    """Today's date where the workspace is: a deadline before it is overdue, and the dashboard's
    days begin at its midnight."""
    return clock.now().astimezone(zone(workspace.get("time_zone") or "")).date()


async def today_of(workspace_id: int) -> date:
    return today_in(await get_by_id(workspace_id))
