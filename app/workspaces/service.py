"""Workspaces: creating one with everything a help desk needs on day one."""

from __future__ import annotations

import secrets

from app.accounts.tables import Agent, AgentGroup, GroupMember
from app.cache import TTLCache
from app.errors import NotFound
from app.tickets.tables import TicketType
from app.workspaces.tables import Workspace

DEFAULT_GROUP = "1st level group"
DEFAULT_TICKET_TYPES = ("Service Request", "Incident", "Change")

# Workspace rows by key and by id (every public request and every agent page reads one).
_by_key: TTLCache[dict] = TTLCache("workspace by key")
_by_id: TTLCache[dict] = TTLCache("workspace by id")


async def create_workspace_rows(
    *, company: str, first_name: str, last_name: str, email: str, password_hash: str, confirmed: bool
) -> tuple[dict, dict]:
    """Create a workspace, its superadmin, default group and ticket types.

    Runs inside the caller's write transaction. Returns (workspace, agent) rows as dicts.
    """
    workspace = Workspace(key=secrets.token_hex(16), name=company)
    await workspace.save()
    agent = Agent(
        workspace=workspace.id,
        email=email,
        first_name=first_name,
        last_name=last_name,
        position="Administrator",
        password_hash=password_hash,
        superadmin=True,
        confirmed=confirmed,
    )
    await agent.save()
    group = AgentGroup(workspace=workspace.id, name=DEFAULT_GROUP, description="The primary group", is_default=True)
    await group.save()
    await GroupMember(group=group.id, agent=agent.id).save()
    await TicketType.insert(*[TicketType(workspace=workspace.id, name=name) for name in DEFAULT_TICKET_TYPES])
    return workspace.to_dict(), agent.to_dict()


async def get_by_key(key: str) -> dict:
    """The workspace row (a copy: callers may add to it)."""
    if len(key) != 32:
        raise NotFound("No such workspace.")
    row = await _by_key.get(key, lambda: Workspace.select().where(Workspace.key == key).first())
    if row is None:
        raise NotFound("No such workspace.")
    return dict(row)


async def get_by_id(workspace_id: int) -> dict:
    row = await _by_id.get(workspace_id, lambda: Workspace.select().where(Workspace.id == workspace_id).first())
    if row is None:
        raise NotFound("No such workspace.")
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
        raise NotFound("No such workspace.")
    _by_id.invalidate(workspace_id)
    _by_key.invalidate(row["key"])
    return row


async def create_workspace(*, company: str, full_name: str, email: str, password: str) -> tuple[dict, dict]:
    """A workspace with a confirmed superadmin (the CLI's `create-workspace` and the demo seed)."""
    from app.accounts.passwords import MIN_LENGTH, hash_password
    from app.db import write
    from app.errors import ValidationFailed
    from app.validation import FieldErrors

    errors = FieldErrors()
    data = {"company": company, "fullname": full_name, "email": email}
    company = errors.text(data, "company", "Company name")
    full_name = errors.text(data, "fullname", "Full name")
    email = errors.email(data).lower()
    if len(password) < MIN_LENGTH:
        errors["password"] = f"The password needs at least {MIN_LENGTH} characters."
    if errors:
        raise ValidationFailed(errors)
    first, _, last = full_name.partition(" ")
    password_hash = await hash_password(password)
    async with write():
        if await Agent.exists().where(Agent.email == email):
            raise ValidationFailed({"email": "An account with this e-mail address already exists."})
        return await create_workspace_rows(
            company=company, first_name=first, last_name=last, email=email, password_hash=password_hash, confirmed=True
        )
