"""Agents in the administration (manual: "Agents"): create, invite, edit, deactivate, delete, and
their groups. One function per intent, one write transaction each, every change in the audit log.

Rules kept here:
- An e-mail address is one account across the installation. Creating, inviting or moving an agent
  to an address that already has an account creates nothing and mails that address's owner a
  notice; the caller answers exactly as for a free address, so an admin learns nothing about other
  workspaces. For the same reason an admin's change of an agent's address is a request: the new
  address becomes the login only when the link mailed to it is opened.
- The workspace keeps at least one active superadmin who can log in: the last one can be neither
  demoted, deactivated nor deleted. Nobody deactivates or deletes themselves.
- Deactivating ends the agent's sessions at once (the session version moves on, see
  app/accounts/viewer.py) and the assignment paths refuse inactive agents.
- Deleting releases the agent's tickets through the change unit (in progress -> open, a timeline
  entry by the system), a background job when there are many, then deletes the row. Their posts
  keep the author's name: timeline entries store it as written (`author_name`) and their
  `author_agent` becomes NULL, so no marker row is needed. Memberships, mailed links, session rows
  and their own canned responses go with them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from app import clock, db
from app.accounts.passwords import hash_password
from app.accounts.queries import forget_agents, reader_of
from app.accounts.service import INVITED
from app.accounts.tables import AccountToken, Agent, GroupMember, full_name
from app.accounts.tokens import new_token
from app.agents import mails
from app.agents.inputs import AgentFields
from app.agents.queries import agent_of
from app.audit import service as audit
from app.canned.tables import CannedResponse
from app.errors import Conflict, NotFound, ValidationFailed
from app.groups import service as groups
from app.i18n import _
from app.jobs import runner as jobs
from app.tickets.refs import TicketById
from app.tickets.service.assignment import release_step
from app.tickets.service.unit import SYSTEM, change
from app.tickets.tables import Ticket
from app.workspaces.service import get_by_id

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

INVITE_VALID = timedelta(days=7)
EMAIL_CHANGE_VALID = timedelta(days=7)
RELEASE_BATCH = 200  # tickets released per batch (and at most this many at once, without a job)
JOB_KIND = "release_agent_tickets"
NO_PASSWORD = INVITED  # not an argon2 hash: no password verifies against it


# A session row keeps the agent's id inside its JSON, not in a column (as app/workspaces/cancel.py
# finds a workspace's sessions).
SESSIONS_OF_AGENT = """
DELETE FROM web_session WHERE CASE WHEN json_valid(CAST(value AS TEXT))
    THEN json_extract(CAST(value AS TEXT), '$.agent_id') END = {}
"""


async def _end_sessions(agent_id: int) -> None:
    """The agent's sessions end now: their rows go, and a session written back by a request still
    running carries an old version and is refused (the caller moves `session_version` on)."""
    await Agent.raw(SESSIONS_OF_AGENT, agent_id)


def _changed(workspace_id: int) -> None:
    db.on_commit(lambda: forget_agents(workspace_id))


async def _company(workspace_id: int) -> str:
    return (await get_by_id(workspace_id))["name"]


async def _taken(viewer: Viewer, email: str) -> bool:
    """True if the address already has an account (any workspace); its owner is told, not the admin."""
    owner = await Agent.select(Agent.id, Agent.first_name, Agent.last_name).where(Agent.email == email).first()
    if owner is None:
        return False
    await mails.queue_address_taken(to=email, reader=await reader_of(owner["id"]),
                                    name=full_name(owner["first_name"], owner["last_name"]),
                                    company=await _company(viewer.workspace_id))
    return True


def _snapshot(fields: AgentFields | dict) -> dict:
    get = fields.get if isinstance(fields, dict) else lambda name: getattr(fields, name)
    return {name: get(name) for name in ("first_name", "last_name", "email", "position", "superadmin", "active")}


async def create_agent(viewer: Viewer, fields: AgentFields, password: str) -> int | None:
    """A new agent of the viewer's workspace with a password: they can log in at once. Returns the
    agent's id, or None when the address already had an account (nothing was created)."""
    password_hash = await hash_password(password)  # also for a taken address: the same time
    async with db.write():
        if await _taken(viewer, fields.email):
            return None
        agent = Agent(workspace=viewer.workspace_id, email=fields.email, first_name=fields.first_name,
                      last_name=fields.last_name, position=fields.position, superadmin=fields.superadmin,
                      password_hash=password_hash, confirmed=True, created_at=clock.now())
        await agent.save()
        await audit.record(viewer.workspace_id, viewer, "agent.created", subject=fields.email, after=_snapshot(fields))
        _changed(viewer.workspace_id)
    return agent.id


async def _send_invitation(viewer: Viewer, agent_id: int, email: str, name: str, *, address: str = "") -> str:
    """A new invitation link (earlier ones stop working), mailed to `email`; inside the caller's
    transaction. `address`: the invitee's corrected address, their login once they accept."""
    await AccountToken.update({AccountToken.used_at: clock.now()}).where(
        AccountToken.agent == agent_id, AccountToken.purpose == "invite", AccountToken.used_at.is_null())
    token, digest = new_token()
    await AccountToken(agent=agent_id, purpose="invite", token_hash=digest, address=address,
                       expires_at=clock.now() + INVITE_VALID).save()
    # The invitee has no language of their own yet: the workspace's.
    await mails.queue_invitation(to=email, reader=await reader_of(agent_id), name=name,
                                 company=await _company(viewer.workspace_id),
                                 inviter=viewer.name, token=token)
    return token


async def invite_agent(viewer: Viewer, fields: AgentFields) -> int | None:
    """A new agent without a password: they choose one through a mailed single-use link. Returns
    the agent's id, or None when the address already had an account (nothing was created)."""
    async with db.write():
        if await _taken(viewer, fields.email):
            return None
        agent = Agent(workspace=viewer.workspace_id, email=fields.email, first_name=fields.first_name,
                      last_name=fields.last_name, position=fields.position, superadmin=fields.superadmin,
                      password_hash=NO_PASSWORD, confirmed=False, created_at=clock.now())
        await agent.save()
        await _send_invitation(viewer, agent.id, fields.email, fields.full_name)
        await audit.record(viewer.workspace_id, viewer, "agent.invited", subject=fields.email, after=_snapshot(fields))
        _changed(viewer.workspace_id)
    return agent.id


async def reinvite(viewer: Viewer, agent_id: int) -> None:
    """Mail a new invitation to an agent who has not accepted theirs (e.g. it expired)."""
    async with db.write():
        row = await _changeable(viewer, agent_id)
        if row["confirmed"]:
            raise Conflict(_("This agent has already set their password."))
        # To the corrected address if the admin changed it since (see _request_email_change).
        last = await AccountToken.select(AccountToken.address).where(
            AccountToken.agent == agent_id, AccountToken.purpose == "invite").order_by(
            AccountToken.id, ascending=False).first()
        address = last["address"] if last else ""
        name = full_name(row["first_name"], row["last_name"])
        await _send_invitation(viewer, agent_id, address or row["email"], name, address=address)
        await audit.record(viewer.workspace_id, viewer, "agent.invited", subject=address or row["email"])


async def _changeable(viewer: Viewer, agent_id: int) -> dict:
    row = await agent_of(viewer.workspace_id, agent_id)
    if row["retired"]:
        raise Conflict(_("This agent is being deleted."))
    return row


async def _is_last_superadmin(workspace_id: int, row: dict) -> bool:
    """Would the workspace be left without an active superadmin who can log in, without `row`?"""
    if not (row["superadmin"] and row["active"] and row["confirmed"]):
        return False
    others = await Agent.count().where(
        Agent.workspace == workspace_id, Agent.id != row["id"], Agent.superadmin == True,  # noqa: E712
        Agent.active == True, Agent.confirmed == True, Agent.retired == False)  # noqa: E712
    return others == 0


async def update_agent(viewer: Viewer, agent_id: int, fields: AgentFields, password: str | None = None) -> str | None:
    """Save the agent form (with a new password if the admin typed one: it ends the agent's
    sessions). Returns the new address when an e-mail change was requested (it takes effect when
    the link mailed to it is opened), else None."""
    password_hash = await hash_password(password) if password else None
    async with db.write():
        row = await _changeable(viewer, agent_id)
        errors = {}
        if agent_id == viewer.agent_id and not fields.active:
            errors["active"] = _("You cannot deactivate your own account.")
        elif await _is_last_superadmin(viewer.workspace_id, row):
            if not fields.active:
                errors["active"] = _("The last active superadmin cannot be deactivated.")
            if not fields.superadmin:
                errors["superadmin"] = _("The last active superadmin cannot lose the superadmin right.")
        if password and agent_id == viewer.agent_id:  # the profile asks for the current one first
            errors["password"] = _("Change your own password in your profile.")
        if errors:
            raise ValidationFailed(errors)
        before, after = _snapshot(row), _snapshot(fields)
        after["email"] = row["email"]  # an address changes only through its link
        changed = {k for k in before if before[k] != after[k]}
        values = {getattr(Agent, k): after[k] for k in changed}
        if password_hash:
            values.update({Agent.password_hash: password_hash, Agent.confirmed: True})
            await AccountToken.update({AccountToken.used_at: clock.now()}).where(
                AccountToken.agent == agent_id, AccountToken.purpose == "invite", AccountToken.used_at.is_null())
            changed.add("password")
            before["password"], after["password"] = "", "changed"  # never the password itself
        if changed:
            if password_hash or ("active" in changed and not fields.active):
                values[Agent.session_version] = Agent.session_version + 1  # their sessions end now
            await Agent.update(values).where(Agent.id == agent_id)
            if password_hash or ("active" in changed and not fields.active):
                await _end_sessions(agent_id)
            if "active" in changed and not fields.active:
                await audit.record(viewer.workspace_id, viewer, "agent.deactivated", subject=row["email"])
                changed.discard("active")
            if changed:
                await audit.record(viewer.workspace_id, viewer, "agent.updated", subject=row["email"],
                                   before={k: before[k] for k in sorted(changed)},
                                   after={k: after[k] for k in sorted(changed)})
            _changed(viewer.workspace_id)
        if fields.email == row["email"]:
            return None
        await _request_email_change(viewer, row, fields.email)
        return fields.email


async def _request_email_change(viewer: Viewer, row: dict, email: str) -> None:
    await audit.record(viewer.workspace_id, viewer, "agent.email_change_requested", subject=row["email"],
                       before={"email": row["email"]}, after={"email": email})
    if await _taken(viewer, email):
        return
    if not row["confirmed"]:  # an invitee (a mistyped address?): the invitation goes to the new one instead
        await _send_invitation(viewer, row["id"], email, full_name(row["first_name"], row["last_name"]), address=email)
        return
    await AccountToken.update({AccountToken.used_at: clock.now()}).where(
        AccountToken.agent == row["id"], AccountToken.purpose == "email", AccountToken.used_at.is_null())
    token, digest = new_token()
    await AccountToken(agent=row["id"], purpose="email", token_hash=digest, address=email,
                       expires_at=clock.now() + EMAIL_CHANGE_VALID).save()
    await mails.queue_email_change(to=email, reader=await reader_of(row["id"]),
                                   name=full_name(row["first_name"], row["last_name"]),
                                   company=await _company(viewer.workspace_id), token=token)


async def add_to_group(viewer: Viewer, agent_id: int, group_id: int | None) -> None:
    """"Groups of agent": the same intent as "Add to group" on the group's page."""
    if group_id is None:
        raise ValidationFailed({"group": _("Please choose a group.")})
    async with db.write():
        await _changeable(viewer, agent_id)
        try:
            group = await groups.group_of(viewer.workspace_id, group_id)
        except NotFound:
            group = None
        if group is None or group["retired"]:
            raise ValidationFailed({"group": _("Unknown group.")})
        await groups.add_member(viewer, group_id, agent_id)


async def remove_from_group(viewer: Viewer, agent_id: int, group_id: int) -> None:
    async with db.write():
        await agent_of(viewer.workspace_id, agent_id)
        await groups.remove_member(viewer, group_id, agent_id)


async def delete_agent(viewer: Viewer, agent_id: int) -> dict | None:
    """Delete an agent. Their tickets are released (a background job when there are more than a
    batch: the returned job); the row goes when none is left."""
    async with db.write():
        row = await _changeable(viewer, agent_id)
        if agent_id == viewer.agent_id:
            raise Conflict(_("You cannot delete your own account."))
        if await _is_last_superadmin(viewer.workspace_id, row):
            raise Conflict(_("The last active superadmin cannot be deleted."))
        assigned = await Ticket.count().where(Ticket.workspace == viewer.workspace_id, Ticket.assignee == agent_id)
        # At once: no login, no assignment, no group, no mailed link, no own canned responses.
        await Agent.update({Agent.active: False, Agent.retired: True,
                            Agent.session_version: Agent.session_version + 1}).where(Agent.id == agent_id)
        await _end_sessions(agent_id)
        await GroupMember.delete().where(GroupMember.agent == agent_id)
        await AccountToken.delete().where(AccountToken.agent == agent_id)
        await CannedResponse.delete().where(CannedResponse.agent == agent_id,
                                            CannedResponse.workspace == viewer.workspace_id)
        await audit.record(viewer.workspace_id, viewer, "agent.deleted", subject=row["email"],
                           before={**_snapshot(row), "tickets": assigned})
        _changed(viewer.workspace_id)
        job = None
        if assigned > RELEASE_BATCH:
            job = await jobs.queue(viewer.workspace_id, JOB_KIND, {"agent": agent_id}, total=assigned,
                                   created_by=viewer.agent_id)
        else:
            while await release_batch({"workspace": viewer.workspace_id, "params": {"agent": agent_id}}) is not None:
                pass
    return job


@jobs.register(JOB_KIND)
async def release_batch(job: dict) -> int | None:
    """Release the next batch of a deleted agent's tickets (each through the change unit, by the
    system); delete the agent when none is left."""
    workspace_id, agent_id = job["workspace"], job["params"]["agent"]
    rows = await Ticket.select(Ticket.id).where(
        Ticket.workspace == workspace_id, Ticket.assignee == agent_id).limit(RELEASE_BATCH)
    for row in rows:
        try:
            async with change(TicketById(workspace_id, row["id"]), SYSTEM) as c:
                release_step(c)
        except Conflict:  # a merged ticket takes no changes: let go without an entry
            await Ticket.update({Ticket.assignee: None}).where(Ticket.id == row["id"])
    if len(rows) == RELEASE_BATCH:  # perhaps more: the next batch looks
        return len(rows)
    await Agent.delete().where(Agent.id == agent_id, Agent.workspace == workspace_id, Agent.retired == True)  # noqa: E712
    _changed(workspace_id)
    return None
