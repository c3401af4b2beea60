"""The workspace's mail gateway token (issue 11): what `POST /api/{workspace}/mail/inbound` (the
pipe, `helprealm mailgate`) and the Trivial Tickets gateway API will require as a Bearer token.

Its own secret, apart from the HelpRealm API token (app/workspaces/api_access.py, whose pattern it
follows): switching API access off must not stop a workspace's mail, and a leaked API token must
not let anyone post mail into tickets. 32 random bytes, shown once, stored as SHA-256 (a slow hash
buys nothing for a high-entropy secret and every piped message checks it); a new token revokes
the old one at once; compared in constant time.
"""

from __future__ import annotations

import hmac

from piccolo.columns import Boolean, Integer, Timestamptz, Varchar
from piccolo.table import Table

from app import clock
from app.accounts.tokens import new_token, token_hash
from app.audit.service import record
from app.cache import TTLCache
from app.db import ENGINE, on_commit, write

TOKEN_MAX = 200  # a longer "token" is refused before hashing


class MailGateway(Table, db=ENGINE, tablename="mail_gateway"):
    """One row per workspace that generated a mail gateway token (migration m0018)."""

    workspace = Integer()
    token_hash = Varchar(length=64, default="")
    token_hint = Varchar(length=8, default="")  # the token's first characters, to tell tokens apart
    generated_at = Timestamptz(null=True, default=None)
    # Outgoing mail leaves through the gateway (fetchMails/verifyMail) instead of SMTP (m0019).
    deliver_outgoing = Boolean(default=False)


async def state(workspace_id: int) -> dict:
    row = await MailGateway.select().where(MailGateway.workspace == workspace_id).first()
    return row or {"workspace": workspace_id, "token_hash": "", "token_hint": "", "generated_at": None,
                  "deliver_outgoing": False}


async def generate_token(workspace_id: int, actor) -> str:
    """A new token (returned once, never stored in clear); the previous one stops working."""
    token, digest = new_token()  # 32 random bytes and their SHA-256, as for every token of ours
    values = {"token_hash": digest, "token_hint": token[:6], "generated_at": clock.now()}
    async with write():
        before = await state(workspace_id)
        if before.get("id"):
            await MailGateway.update({getattr(MailGateway, k): v for k, v in values.items()}).where(
                MailGateway.id == before["id"])
        else:
            await MailGateway(workspace=workspace_id, **values).save()
        await record(workspace_id, actor, "mail_token.generated", subject="mail",
                     before={"token": before["token_hint"] and before["token_hint"] + "…"},
                     after={"token": token[:6] + "…"})
    return token


async def verify_mail_token(workspace_id: int, token: str) -> bool:
    """True when `token` is the workspace's current mail gateway token."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX:
        return False
    row = await state(workspace_id)
    return bool(row["token_hash"]) and hmac.compare_digest(row["token_hash"], token_hash(token))


# -- outgoing mail through the gateway ----------------------------------------------------------

# The outbox sender asks on every pass (every few seconds) which workspaces' mail it must leave to
# the gateway: cached, and dropped after the commit that changes the setting (the CLI's changes, in
# another process, show within the TTL).
_delivering: TTLCache[tuple] = TTLCache("workspaces delivering through the mail gateway", ttl=30.0)


async def workspaces_delivering_outgoing() -> tuple[int, ...]:
    """Ids of the workspaces whose outgoing mail an outside program fetches (fetchMails)."""
    async def load() -> tuple:
        rows = await MailGateway.select(MailGateway.workspace).where(MailGateway.deliver_outgoing.eq(True))
        return tuple(r["workspace"] for r in rows)

    return await _delivering.get("all", load) or ()


async def set_deliver_outgoing(workspace_id: int, actor, deliver: bool) -> None:
    """Switch the workspace's outgoing mail between SMTP and the gateway (audited)."""
    async with write():
        before = await state(workspace_id)
        if bool(before["deliver_outgoing"]) == deliver:
            return
        if before.get("id"):
            await MailGateway.update({MailGateway.deliver_outgoing: deliver}).where(MailGateway.id == before["id"])
        else:
            await MailGateway(workspace=workspace_id, deliver_outgoing=deliver).save()
        await record(workspace_id, actor, "mail_delivery.changed", subject="mail",
                     before={"deliver_outgoing": bool(before["deliver_outgoing"])},
                     after={"deliver_outgoing": deliver})
        # After the outermost commit: the sender must not re-read (and cache) the old rows meanwhile.
        on_commit(_delivering.invalidate)
