"""Agent accounts: signup, confirmation, login, password reset. One function per user intent.

Nothing here tells a visitor whether an address has an account: signup with a known address
answers like any signup and mails the owner instead, and the reset request is answered before
it is looked up (app/accounts/web.py queues it).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from app import clock, db
from app.accounts import twofactor
from app.accounts.inputs import NewAccount, NewPassword
from app.accounts.passwords import MAX_LENGTH, hash_password, verify_password
from app.accounts.queries import forget_agents, reader_of
from app.accounts.tables import AccountToken, Agent, full_name
from app.accounts.tokens import new_token, token_hash
from app.audit import service as audit
from app.errors import Conflict, NotAuthenticated, NotFound, ValidationFailed
from app.formats import workspace_reader
from app.i18n import _
from app.mail import messages
from app.workspaces.service import create_workspace_rows, is_open

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

log = logging.getLogger("helprealm.accounts")

CONFIRM_VALID = timedelta(days=7)
RESET_VALID = timedelta(hours=2)


async def _account_with_email(email: str) -> dict | None:
    """The agent whose login this address is, if any (addresses are one account installation-wide)."""
    return await Agent.select(Agent.id, Agent.first_name, Agent.last_name).where(Agent.email == email).first()


def _usable(row: dict | None) -> bool:
    """A mailed link's token row that has not been used and has not expired."""
    return row is not None and row["used_at"] is None and row["expires_at"] >= clock.now()


async def signup(new: NewAccount) -> str | None:
    """Create a workspace and its (unconfirmed) superadmin and mail a confirmation link.

    Returns the confirmation token, or None when the address already has an account: then its
    owner gets a notice instead, and the caller answers exactly as for a new address."""
    password_hash = await hash_password(new.password)  # also for a known address: the same time
    token, digest = new_token()
    async with db.write():
        existing = await _account_with_email(new.email)
        if existing is not None:
            await messages.queue_account_exists(to=new.email, reader=await reader_of(existing["id"]),
                                                name=full_name(existing["first_name"],
                                                                                existing["last_name"]))
            return None
        workspace, agent = await create_workspace_rows(
            company=new.company, first_name=new.first_name, last_name=new.last_name, email=new.email,
            password_hash=password_hash, confirmed=False,
        )
        await AccountToken(agent=agent["id"], purpose="confirm", token_hash=digest,
                           expires_at=clock.now() + CONFIRM_VALID).save()
        await messages.queue_account_confirm(to=new.email, reader=workspace_reader(workspace), name=new.full_name,
                                             token=token)
    return token


async def create_workspace(new: NewAccount) -> tuple[dict, dict]:
    """A workspace with a confirmed superadmin (the CLI's `create-workspace`, the demo seed)."""
    password_hash = await hash_password(new.password)
    async with db.write():
        if await _account_with_email(new.email):
            raise ValidationFailed({"email": _("An account with this e-mail address already exists.")})
        return await create_workspace_rows(
            company=new.company, first_name=new.first_name, last_name=new.last_name, email=new.email,
            password_hash=password_hash, confirmed=True,
        )


async def _use_token(token: str, purpose: str) -> dict:
    """Mark a token used and return its row; inside the caller's write transaction."""
    row = await AccountToken.select().where(
        AccountToken.token_hash == token_hash(token), AccountToken.purpose == purpose
    ).first()
    if not _usable(row):
        raise NotFound(_("This link is invalid or has expired."))
    await AccountToken.update({AccountToken.used_at: clock.now()}).where(AccountToken.id == row["id"])
    return row


async def confirm_account(token: str) -> None:
    async with db.write():
        row = await _use_token(token, "confirm")
        await Agent.update({Agent.confirmed: True}).where(Agent.id == row["agent"])


async def authenticate(email: str, password: str) -> dict:
    """Return the agent for valid credentials; raise NotAuthenticated with a user-facing message.
    The agent's "second_step" says what the login still needs (app/accounts/twofactor.py)."""
    email = email.strip().lower()
    agent = await Agent.select().where(Agent.email == email).first() if email else None
    if agent and not await is_open(agent["workspace"]):
        agent = None  # a cancelled workspace's accounts are being deleted: as if gone already
    ok = await verify_password(agent["password_hash"] if agent else None, password[:MAX_LENGTH])
    if agent and not ok:  # an attempt on a real account: its workspace's admins see it
        await audit.record(agent["workspace"], None, "login.failed", subject=agent["email"],
                           agent_id=agent["id"], agent_name=full_name(agent["first_name"], agent["last_name"]))
    if not agent or not ok:
        raise NotAuthenticated(_("Wrong e-mail address or password."))
    if not agent["confirmed"]:
        raise NotAuthenticated(_("Please confirm your e-mail address first: use the link we mailed you."))
    if not agent["active"]:
        raise NotAuthenticated(_("This account is deactivated."))
    # With two-factor login the password is only the first step: "login" is audited after the second.
    agent["second_step"] = await twofactor.second_step(agent)
    if agent["second_step"] is None:
        await audit.record(agent["workspace"], None, "login", subject=agent["email"], agent_id=agent["id"],
                           agent_name=full_name(agent["first_name"], agent["last_name"]))
    return agent


# The password hash of an invited agent who has not chosen a password yet (app/agents/service.py).
INVITED = "!invited"


async def request_password_reset(email: str) -> str | None:
    """Mail a reset link if the address belongs to an active agent. Returns the token or None.
    Run after the answer went out (the answer is the same either way, and so is its timing)."""
    email = email.strip().lower()
    agent = await Agent.select(Agent.id, Agent.first_name, Agent.last_name, Agent.active, Agent.workspace,
                               Agent.password_hash).where(Agent.email == email).first()
    if agent is None or not agent["active"] or not await is_open(agent["workspace"]):
        return None
    if agent["password_hash"] == INVITED:  # an invitee sets a password through their invitation only
        return None
    token, digest = new_token()
    async with db.write():
        await AccountToken(agent=agent["id"], purpose="reset", token_hash=digest,
                           expires_at=clock.now() + RESET_VALID).save()
        await messages.queue_password_reset(to=email, reader=await reader_of(agent["id"]),
                                            name=full_name(agent["first_name"], agent["last_name"]),
                                            token=token)
    return token


async def spend_reset_links(agent_id: int) -> None:
    """The login address changed: reset links mailed to the old one must not work any more."""
    await AccountToken.update({AccountToken.used_at: clock.now()}).where(
        AccountToken.agent == agent_id, AccountToken.purpose == "reset", AccountToken.used_at.is_null())


async def check_reset_token(token: str) -> None:
    row = await AccountToken.select(AccountToken.used_at, AccountToken.expires_at).where(
        AccountToken.token_hash == token_hash(token), AccountToken.purpose == "reset"
    ).first()
    if not _usable(row):
        raise NotFound(_("This link is invalid or has expired."))


async def _set_password(agent_id: int, password_hash: str, **also: object) -> None:
    """A new password ends every session made with the old one (the version in them is stale)."""
    values = {Agent.password_hash: password_hash, Agent.session_version: Agent.session_version + 1}
    values.update({getattr(Agent, name): value for name, value in also.items()})
    await Agent.update(values).where(Agent.id == agent_id)


async def reset_password(token: str, new: NewPassword) -> None:
    password_hash = await hash_password(new.password)
    async with db.write():
        row = await _use_token(token, "reset")
        # A reset proves control of the mailbox, so it also confirms the address.
        await _set_password(row["agent"], password_hash, confirmed=True)
        # Any other reset link (or invitation) mailed to this agent is worthless now.
        await AccountToken.update({AccountToken.used_at: clock.now()}).where(
            AccountToken.agent == row["agent"], AccountToken.purpose.is_in(["reset", "invite"]),
            AccountToken.used_at.is_null()
        )


async def create_agent_confirmed(workspace_id: int, *, email: str, first_name: str, last_name: str, password: str,
                                 superadmin: bool = False, position: str = "") -> dict:
    """Used by the CLI and the demo seed: an agent who can log in straight away."""
    password_hash = await hash_password(password)
    async with db.write():
        if await Agent.exists().where(Agent.email == email.lower()):
            raise Conflict(_("An account with this e-mail address already exists."))
        agent = Agent(
            workspace=workspace_id, email=email.lower(), first_name=first_name, last_name=last_name,
            password_hash=password_hash, superadmin=superadmin, confirmed=True, position=position,
        )
        await agent.save()
    db.on_commit(lambda: forget_agents(workspace_id))
    return agent.to_dict()


async def set_vacation(viewer: Viewer, on: bool) -> bool:
    """The agent's vacation switch. While it is on, nobody can assign them a ticket: the rule is
    in app/tickets/service/assignment.py::assign_step, which every assigning path goes through."""
    async with db.write():
        await Agent.update({Agent.on_vacation: on}).where(
            Agent.id == viewer.agent_id, Agent.workspace == viewer.workspace_id
        )
        db.on_commit(lambda: forget_agents(viewer.workspace_id))
    return on
