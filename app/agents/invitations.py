"""What an invited agent and an agent whose address an admin changed do with the mailed link:
choose a password (the invitation), or confirm the new login address. Anyone holding the link may
do it: the token is the credential (random, single use, only its hash stored)."""

from __future__ import annotations

from app import clock, db
from app.accounts.inputs import NewPassword
from app.accounts.passwords import hash_password
from app.accounts.queries import forget_agents
from app.accounts.service import spend_reset_links
from app.accounts.tables import AccountToken, Agent, full_name
from app.accounts.tokens import token_hash
from app.audit import service as audit
from app.errors import Conflict, NotFound
from app.i18n import _


async def _token(token: str, purpose: str) -> dict:
    """The link's token row if it can still be used; else NotFound saying clearly why not."""
    row = await AccountToken.select().where(AccountToken.token_hash == token_hash(token),
                                            AccountToken.purpose == purpose).first()
    if row is None:
        raise NotFound(_("This link is not valid. Please check that you opened the whole link from the mail."))
    if row["used_at"] is not None:
        if purpose == "invite":
            raise NotFound(_("This invitation link has already been used (or a newer invitation replaced it). "
                             "If you have set your password, just log in; otherwise ask your administrator "
                             "for a new invitation."))
        raise NotFound(_("This link has already been used."))
    if row["expires_at"] < clock.now():
        if purpose == "invite":
            raise NotFound(_("This invitation has expired. Please ask your administrator to send you a new one."))
        raise NotFound(_("This link has expired."))
    return row


async def invitation(token: str) -> dict:
    """The invited agent (name and e-mail for the page: the corrected address if the admin changed
    it, which becomes the login on accepting), or NotFound."""
    row = await _token(token, "invite")
    agent = await Agent.select(Agent.id, Agent.first_name, Agent.last_name, Agent.email, Agent.retired).where(
        Agent.id == row["agent"]).first()
    if agent is None or agent["retired"]:
        raise NotFound(_("This invitation is no longer valid."))
    return {**agent, "email": row["address"] or agent["email"]}


async def accept_invitation(token: str, new: NewPassword) -> dict:
    """Set the invited agent's password; the link stops working. Returns the agent's row (the
    caller logs them in if they are active)."""
    password_hash = await hash_password(new.password)
    async with db.write():
        agent = await invitation(token)
        if await Agent.exists().where(Agent.email == agent["email"], Agent.id != agent["id"]):
            raise NotFound(_("This address has an account of its own by now. Please ask your administrator."))
        await AccountToken.update({AccountToken.used_at: clock.now()}).where(
            AccountToken.agent == agent["id"], AccountToken.purpose == "invite", AccountToken.used_at.is_null())
        await Agent.update({Agent.password_hash: password_hash, Agent.confirmed: True, Agent.email: agent["email"],
                            Agent.session_version: Agent.session_version + 1}).where(Agent.id == agent["id"])
        row = await Agent.select().where(Agent.id == agent["id"]).first()
        await audit.record(row["workspace"], None, "agent.invitation_accepted", subject=row["email"],
                           agent_id=row["id"], agent_name=full_name(row["first_name"], row["last_name"]))
        db.on_commit(lambda: forget_agents(row["workspace"]))
    return row


async def confirm_email_change(token: str) -> str:
    """Make the address the link was mailed to the agent's login. Returns the new address."""
    async with db.write():
        row = await _token(token, "email")
        agent = await Agent.select().where(Agent.id == row["agent"]).first()
        if agent is None or agent["retired"]:
            raise NotFound(_("This link is no longer valid."))
        if await Agent.exists().where(Agent.email == row["address"], Agent.id != agent["id"]):
            raise Conflict(_("This address has an account of its own by now, so it cannot become your login."))
        await AccountToken.update({AccountToken.used_at: clock.now()}).where(AccountToken.id == row["id"])
        # The agent keeps their password and sessions; only the login address changes.
        await Agent.update({Agent.email: row["address"]}).where(Agent.id == agent["id"])
        await spend_reset_links(agent["id"])
        await audit.record(agent["workspace"], None, "agent.email_changed", subject=row["address"],
                           before={"email": agent["email"]}, after={"email": row["address"]},
                           agent_id=agent["id"], agent_name=full_name(agent["first_name"], agent["last_name"]))
        db.on_commit(lambda: forget_agents(agent["workspace"]))
    return row["address"]
