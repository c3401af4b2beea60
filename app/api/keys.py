"""Per-agent REST API keys (HelpDeskPro's "API keys"): generate, list, delete, and authenticate.

Who may do what: a superadmin generates and deletes keys for any agent of their workspace, an
agent only for themselves. A key is `hrk_` + 32 random bytes (URL-safe), shown once; the table
keeps its SHA-256 and its first characters (app/api/tables.py).

`authenticate()` is what the REST handlers call: it answers the key's agent as a Viewer, so the
API sees exactly what that agent sees in the web UI. A key of an agent who was deactivated, or
of a cancelled workspace, opens nothing (the same as their login), without deleting the key: a
reactivated agent's scripts work again.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from app import clock, db
from app.accounts.tables import Agent
from app.accounts.viewer import Viewer, load_viewer
from app.api.tables import ApiKey
from app.audit.service import record
from app.errors import Forbidden, NotFound, ValidationFailed
from app.i18n import _

PREFIX = "hrk_"
KEY_BYTES = 32
KEY_MAX = 200  # a longer "key" is refused before hashing
LABEL_MAX = 100
LAST_USE_EVERY = timedelta(minutes=1)  # `last_used_at` is written at most this often per key


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class KeyUser:
    """Who a request's key acts as."""

    viewer: Viewer
    key_id: int


async def _agent_of_workspace(actor: Viewer, agent_id: int) -> dict:
    """The agent a key is for: the actor themselves, or (superadmins) any agent of their workspace."""
    if agent_id != actor.agent_id and not actor.superadmin:
        raise Forbidden(_("Only a superadmin can manage other agents' API keys."))
    agent = await Agent.select(Agent.id, Agent.email, Agent.first_name, Agent.last_name).where(
        Agent.id == agent_id, Agent.workspace == actor.workspace_id, Agent.retired.eq(False)).first()
    if agent is None:
        raise NotFound(_("Unknown agent."))
    return agent


async def generate_key(actor: Viewer | None, agent_id: int, label: str = "", *, workspace_id: int | None = None) -> str:
    """A new key for the agent, returned once. `actor` None: the command line (`helprealm
    api-key`), which names the agent's workspace instead."""
    label = " ".join(label.split())
    if len(label) > LABEL_MAX:
        raise ValidationFailed({"label": _("%(label)s may have at most %(max)d characters.", label=_("Label"),
                                           max=LABEL_MAX)})
    if actor is not None:
        agent = await _agent_of_workspace(actor, agent_id)
        workspace_id = actor.workspace_id
    else:
        agent = await Agent.select(Agent.id, Agent.email).where(Agent.id == agent_id,
                                                                Agent.workspace == workspace_id).first()
        if agent is None:
            raise NotFound(_("Unknown agent."))
    key = PREFIX + secrets.token_urlsafe(KEY_BYTES)
    async with db.write():
        await ApiKey.insert(ApiKey(workspace=workspace_id, agent=agent["id"], label=label, key_hash=key_hash(key),
                                   key_hint=key[:10], created_by=actor.agent_id if actor else None,
                                   created_at=clock.now()))
        await record(workspace_id, actor, "api_key.generated", subject=agent["email"],
                     after={"key": key[:10] + "…", "label": label})
    return key


LIST_KEYS = """
SELECT k.id, k.label, k.key_hint, k.created_at, k.last_used_at, k.last_used_from, k.agent,
       a.first_name, a.last_name, a.email, a.active
FROM api_key k JOIN agent a ON a.id = k.agent
WHERE k.workspace = {} AND ({} IS NULL OR k.agent = {})
ORDER BY a.first_name, a.last_name, k.created_at DESC, k.id DESC
"""


async def list_keys(actor: Viewer, agent_id: int | None = None) -> list[dict]:
    """A superadmin sees every key of the workspace (or one agent's); an agent only their own."""
    if not actor.superadmin:
        agent_id = actor.agent_id
    return await ApiKey.raw(LIST_KEYS, actor.workspace_id, agent_id, agent_id)


async def delete_key(actor: Viewer, key_id: int) -> None:
    """The key stops working at once. Another workspace's key, or another agent's for a
    non-superadmin, is NotFound."""
    async with db.write():
        row = await ApiKey.select(ApiKey.id, ApiKey.agent, ApiKey.key_hint, ApiKey.agent.email).where(
            ApiKey.id == key_id, ApiKey.workspace == actor.workspace_id).first()
        if row is None or (row["agent"] != actor.agent_id and not actor.superadmin):
            raise NotFound(_("Unknown API key."))
        await ApiKey.delete().where(ApiKey.id == key_id)
        await record(actor.workspace_id, actor, "api_key.deleted", subject=row["agent.email"],
                     before={"key": row["key_hint"] + "…"})


FIND_KEY = """
SELECT k.id, k.agent, k.last_used_at FROM api_key k
JOIN workspace w ON w.id = k.workspace
WHERE k.key_hash = {} AND w.cancelled_at IS NULL
"""


async def authenticate(key: str, address: str = "") -> KeyUser | None:
    """The agent `key` acts as, or None (unknown key, deactivated agent, cancelled workspace).
    The lookup is by the key's hash through a unique index: a digest comparison in SQL leaks no
    more than a constant-time compare would (an attacker cannot choose the digest's prefix)."""
    if not isinstance(key, str) or not key or len(key) > KEY_MAX:
        return None
    rows = await ApiKey.raw(FIND_KEY, key_hash(key))
    if not rows:
        return None
    row = rows[0]
    viewer = await load_viewer(row["agent"])
    if viewer is None:
        return None
    now = clock.now()
    last = row["last_used_at"]
    if last is None or now - last >= LAST_USE_EVERY:
        await ApiKey.update({ApiKey.last_used_at: now, ApiKey.last_used_from: address[:64]}).where(
            ApiKey.id == row["id"])
    return KeyUser(viewer=viewer, key_id=row["id"])
