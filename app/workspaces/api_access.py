"""A workspace's API access (Settings > API Token): one token per workspace, and a switch.

The token is 32 random bytes (secrets.token_urlsafe), shown once when generated and stored only
as its SHA-256: a salted slow hash buys nothing for a high-entropy secret, and SHA-256 keeps each
API request's check cheap. Generating a new token replaces the hash, so the old one stops working
at once. `verify_api_token()` is what the API routers will call.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from piccolo.columns import Boolean, Integer, Timestamptz, Varchar
from piccolo.table import Table

from app import clock
from app.audit.service import record
from app.db import ENGINE, write

TOKEN_BYTES = 32
TOKEN_MAX = 200  # a longer "token" is refused before hashing


class WorkspaceApi(Table, db=ENGINE, tablename="workspace_api"):
    """One row per workspace that touched its API settings (migration m0008)."""

    workspace = Integer()
    enabled = Boolean(default=False)
    token_hash = Varchar(length=64, default="")
    token_hint = Varchar(length=8, default="")  # the token's first characters, to tell tokens apart
    generated_at = Timestamptz(null=True, default=None)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def state(workspace_id: int) -> dict:
    row = await WorkspaceApi.select().where(WorkspaceApi.workspace == workspace_id).first()
    return row or {"workspace": workspace_id, "enabled": False, "token_hash": "", "token_hint": "",
                   "generated_at": None}


async def _upsert(workspace_id: int, values: dict) -> dict:
    before = await state(workspace_id)
    if before.get("id"):
        await WorkspaceApi.update({getattr(WorkspaceApi, k): v for k, v in values.items()}).where(
            WorkspaceApi.id == before["id"])
    else:
        await WorkspaceApi(workspace=workspace_id, **values).save()
    return before


async def generate_token(workspace_id: int, actor) -> str:
    """A new token (returned once, never stored in clear); the previous one is revoked."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    async with write():
        before = await _upsert(workspace_id, {"token_hash": token_hash(token), "token_hint": token[:6],
                                              "generated_at": clock.now()})
        await record(workspace_id, actor, "api_token.generated", subject="api",
                     before={"token": before["token_hint"] and before["token_hint"] + "…"},
                     after={"token": token[:6] + "…"})
    return token


async def set_access(workspace_id: int, actor, enabled: bool) -> None:
    async with write():
        before = await _upsert(workspace_id, {"enabled": enabled})
        if bool(before["enabled"]) != enabled:
            await record(workspace_id, actor, "api_access.changed", subject="api",
                         before={"enabled": bool(before["enabled"])}, after={"enabled": enabled})


async def verify_api_token(workspace: dict | int, token: str) -> bool:
    """True when API access is on for `workspace` (a row or its id) and `token` is its current
    token. Compared in constant time."""
    workspace_id = workspace["id"] if isinstance(workspace, dict) else workspace
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX:
        return False
    row = await state(workspace_id)
    if not row["enabled"] or not row["token_hash"]:
        return False
    return hmac.compare_digest(row["token_hash"], token_hash(token))
