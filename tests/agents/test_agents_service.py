"""The agents administration's rules, through the services: accounts one per address without
leaking it, invitations that work once, the last superadmin kept, deactivation ending sessions
and assignments, deletion releasing tickets (in batches when many) and keeping post names, and
another workspace's agents out of reach."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app import clock
from app.accounts import service as accounts
from app.accounts.inputs import NewPassword
from app.accounts.tables import AccountToken, Agent, AgentGroup, GroupMember
from app.accounts.viewer import load_viewer
from app.agents import invitations
from app.agents import service as agents
from app.agents.inputs import AgentFields
from app.audit.tables import AuditEntry
from app.canned.service import CannedInput, create_canned
from app.canned.tables import CannedResponse
from app.errors import Conflict, NotAuthenticated, NotFound, ValidationFailed
from app.groups import service as groups
from app.jobs.runner import JobRunner
from app.mail.tables import OutboxMail
from app.tickets import service as tickets
from app.tickets.inputs import Reply
from app.tickets.status import Status
from app.tickets.tables import Ticket, TimelineEntry
from tests import factories

PASSWORD = "correct horse"


def fields(first: str = "Bea", email: str = "bea@acme.test", *, superadmin: bool = False, active: bool = True,
           position: str = "Support") -> AgentFields:
    return AgentFields(first_name=first, last_name="Agent", email=email, position=position, superadmin=superadmin,
                       active=active)


@pytest.fixture
async def desk(database):
    workspace, admin = await factories.workspace()
    return workspace, await factories.viewer(admin)


async def _mails(purpose: str) -> list[dict]:
    return await OutboxMail.select().where(OutboxMail.purpose == purpose).order_by(OutboxMail.id)


def _token(mail: dict, route: str) -> str:
    return re.search(rf"http://helprealm\.test/{route}/(\S+)", mail["body_text"]).group(1)


async def _actions() -> list[str]:
    return [r["action"] for r in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id)]


async def test_an_agent_made_with_a_password_logs_in_at_once(desk):
    workspace, ann = desk
    bea_id = await agents.create_agent(ann, fields(), PASSWORD)
    bea = await accounts.authenticate("bea@acme.test", PASSWORD)
    assert bea["id"] == bea_id and bea["workspace"] == workspace["id"] and bea["position"] == "Support"
    entry = await AuditEntry.select().where(AuditEntry.action == "agent.created").output(load_json=True).first()
    assert entry["agent"] == ann.agent_id and entry["after"]["email"] == "bea@acme.test"
    assert "correct" not in str(entry)  # never a password in the log


async def test_an_address_with_an_account_creates_nothing_and_its_owner_is_told(desk):
    _workspace, ann = desk
    await factories.workspace(company="Other", email="bob@other.test", name="Bob Other")
    before = await Agent.count()
    assert await agents.create_agent(ann, fields(email="bob@other.test"), PASSWORD) is None
    assert await agents.invite_agent(ann, fields(email="bob@other.test")) is None
    assert await Agent.count() == before
    notices = await _mails("agent_exists")
    assert [m["to_address"] for m in notices] == ["bob@other.test"] * 2
    assert "Hello Bob Other" in notices[0]["body_text"] and "Acme" in notices[0]["body_text"]
    assert await _mails("agent_invite") == [] and await AccountToken.count() == 0


async def test_an_invitation_works_once_and_then_says_so(desk):
    workspace, ann = desk
    bea_id = await agents.invite_agent(ann, fields(superadmin=True))
    [mail] = await _mails("agent_invite")
    assert mail["to_address"] == "bea@acme.test" and "Ann Admin invited you" in mail["body_text"]
    token = _token(mail, "invitation")
    with pytest.raises(NotAuthenticated):  # no password yet, nothing to guess
        await accounts.authenticate("bea@acme.test", "!invited")
    assert (await invitations.invitation(token))["id"] == bea_id
    with pytest.raises(ValidationFailed) as bad:
        await invitations.accept_invitation(token, NewPassword.from_form({"password": "short"}))
    assert "password" in bad.value.errors
    await invitations.accept_invitation(token, NewPassword(PASSWORD))
    assert (await accounts.authenticate("bea@acme.test", PASSWORD))["id"] == bea_id
    with pytest.raises(NotFound, match="already been used"):
        await invitations.invitation(token)
    actions = await _actions()
    assert actions.index("agent.invited") < actions.index("agent.invitation_accepted")
    assert (await AgentGroup.count().where(AgentGroup.workspace == workspace["id"])) == 1


async def test_an_expired_invitation_says_so_and_a_new_one_replaces_it(desk):
    _workspace, ann = desk
    bea_id = await agents.invite_agent(ann, fields())
    first = _token((await _mails("agent_invite"))[0], "invitation")
    with clock.frozen(clock.now() + timedelta(days=8)):
        with pytest.raises(NotFound, match="expired"):
            await invitations.invitation(first)
    await agents.reinvite(ann, bea_id)
    second = _token((await _mails("agent_invite"))[1], "invitation")
    with pytest.raises(NotFound, match="already been used"):  # the old link is replaced
        await invitations.invitation(first)
    await invitations.accept_invitation(second, NewPassword(PASSWORD))
    with pytest.raises(Conflict):  # nothing left to invite to
        await agents.reinvite(ann, bea_id)


async def test_the_last_active_superadmin_stays(desk):
    workspace, ann = desk
    me = await Agent.select().where(Agent.id == ann.agent_id).first()
    mine = fields("Ann", me["email"], superadmin=True, position="")
    with pytest.raises(ValidationFailed) as demoted:
        await agents.update_agent(ann, ann.agent_id, AgentFields(**{**mine.__dict__, "superadmin": False}))
    assert "superadmin" in demoted.value.errors
    with pytest.raises(ValidationFailed) as deactivated:
        await agents.update_agent(ann, ann.agent_id, AgentFields(**{**mine.__dict__, "active": False}))
    assert "active" in deactivated.value.errors
    # An invited superadmin who has no password yet does not count.
    await agents.invite_agent(ann, fields("Cid", "cid@acme.test", superadmin=True))
    with pytest.raises(ValidationFailed):
        await agents.update_agent(ann, ann.agent_id, AgentFields(**{**mine.__dict__, "superadmin": False}))
    # With a second one, either may step down; nobody deletes themselves.
    bea_id = await agents.create_agent(ann, fields(superadmin=True), PASSWORD)
    bea = await load_viewer(bea_id)
    await agents.update_agent(ann, ann.agent_id, AgentFields(**{**mine.__dict__, "superadmin": False}))
    with pytest.raises(Conflict, match="own account"):
        await agents.delete_agent(bea, bea_id)
    with pytest.raises(ValidationFailed) as last:
        await agents.update_agent(bea, bea_id, fields(superadmin=True, active=False))
    assert "own account" in last.value.errors["active"]
    with pytest.raises(Conflict, match="last active superadmin"):
        await agents.delete_agent(await factories.viewer(me), bea_id)
    assert await Agent.count().where(Agent.workspace == workspace["id"], Agent.superadmin == True) == 2  # noqa: E712


async def test_an_inactive_agent_cannot_log_in_nor_be_assigned(desk):
    workspace, ann = desk
    default = (await AgentGroup.select(AgentGroup.id).where(AgentGroup.workspace == workspace["id"]).first())["id"]
    await groups.remove_member(ann, default, ann.agent_id)
    bea_id = await agents.create_agent(ann, fields(), PASSWORD)
    await agents.add_to_group(ann, bea_id, default)
    await groups.set_auto_assign(ann, default, True, 0)
    first = await factories.ticket(workspace)
    assert first["assignee"] == bea_id  # round robin while she is active
    version = (await load_viewer(bea_id)).session_version
    await agents.update_agent(ann, bea_id, fields(active=False))
    assert await load_viewer(bea_id) is None  # every session of hers ends at the next request
    assert (await Agent.select(Agent.session_version).where(Agent.id == bea_id).first())["session_version"] > version
    with pytest.raises(NotAuthenticated, match="deactivated"):
        await accounts.authenticate("bea@acme.test", PASSWORD)
    second = await factories.ticket(workspace, subject="Second")
    assert second["assignee"] is None  # round robin skips her
    with pytest.raises(ValidationFailed) as refused:
        await tickets.assign(ann, second["number"], bea_id)
    assert "inactive" in refused.value.errors["assignee"]
    assert "agent.deactivated" in await _actions()
    await agents.update_agent(ann, bea_id, fields(active=True))  # back at work
    assert (await accounts.authenticate("bea@acme.test", PASSWORD))["id"] == bea_id


async def _bea_with_work(workspace: dict, ann, count: int) -> tuple[int, list[dict]]:
    bea_id = await agents.create_agent(ann, fields(), PASSWORD)
    bea = await load_viewer(bea_id)
    made = [await factories.ticket(workspace, subject=f"Printer {i}") for i in range(count)]
    for ticket in made:
        await tickets.assign(ann, ticket["number"], bea_id)
    await tickets.agent_reply(bea, made[0]["number"], Reply("On my way."))
    return bea_id, made


async def test_deleting_an_agent_releases_their_tickets_and_keeps_their_name_on_posts(desk):
    workspace, ann = desk
    bea_id, made = await _bea_with_work(workspace, ann, 3)
    bea = await load_viewer(bea_id)
    await agents.add_to_group(ann, bea_id, (await AgentGroup.select(AgentGroup.id).first())["id"])
    await create_canned(bea, CannedInput(title="Hi", body="Hello {customer_name}"))
    await accounts.request_password_reset("bea@acme.test")
    assert await agents.delete_agent(ann, bea_id) is None  # few tickets: at once
    assert await Agent.count().where(Agent.id == bea_id) == 0
    rows = await Ticket.select(Ticket.assignee, Ticket.status).where(Ticket.id.is_in([t["id"] for t in made]))
    # In progress -> open; the one she answered waits for the customer, unassigned.
    assert sorted((r["assignee"], r["status"]) for r in rows) == [(None, Status.OPEN)] * 2 + [(None, Status.WAITING)]
    assert await TimelineEntry.count().where(TimelineEntry.event == "released") == 3
    reply = await TimelineEntry.select().where(TimelineEntry.kind == "reply").first()
    assert reply["author_name"] == "Bea Agent" and reply["author_agent"] is None
    for table in (GroupMember, AccountToken, CannedResponse):
        assert await table.count().where(table.agent == bea_id) == 0, table
    entry = await AuditEntry.select().where(AuditEntry.action == "agent.deleted").output(load_json=True).first()
    assert entry["before"]["tickets"] == 3 and entry["subject"] == "bea@acme.test"
    # The address is free again.
    assert await agents.invite_agent(ann, fields()) is not None


async def test_deleting_an_agent_with_many_tickets_runs_in_batches(desk, monkeypatch):
    workspace, ann = desk
    bea_id, made = await _bea_with_work(workspace, ann, 5)
    monkeypatch.setattr(agents, "RELEASE_BATCH", 2)
    job = await agents.delete_agent(ann, bea_id)
    assert job["total"] == 5
    bea = await Agent.select(Agent.active, Agent.retired).where(Agent.id == bea_id).first()
    assert bea == {"active": False, "retired": True}  # gone for logins and assignments at once
    assert await load_viewer(bea_id) is None
    with pytest.raises(ValidationFailed):
        await tickets.assign(ann, (await factories.ticket(workspace, subject="New"))["number"], bea_id)
    with pytest.raises(Conflict, match="being deleted"):
        await agents.update_agent(ann, bea_id, fields())
    await JobRunner().run_until_idle()
    assert await Ticket.count().where(Ticket.assignee == bea_id) == 0
    assert await TimelineEntry.count().where(TimelineEntry.event == "released") == 5
    assert await Agent.count().where(Agent.id == bea_id) == 0


async def test_another_workspaces_agents_and_groups_are_out_of_reach(desk):
    _workspace, ann = desk
    _other, bob = await factories.workspace(company="Other", email="bob@other.test", name="Bob Other")
    bob_viewer = await factories.viewer(bob)
    other_group = (await AgentGroup.select(AgentGroup.id).where(AgentGroup.workspace == bob["workspace"]).first())
    for attempt in (agents.update_agent(ann, bob["id"], fields()), agents.delete_agent(ann, bob["id"]),
                    agents.reinvite(ann, bob["id"]), agents.add_to_group(ann, bob["id"], other_group["id"])):
        with pytest.raises(NotFound):
            await attempt
    with pytest.raises(ValidationFailed):  # her own agent, their group
        await agents.add_to_group(ann, ann.agent_id, other_group["id"])
    assert await load_viewer(bob_viewer.agent_id) is not None


async def test_an_address_change_waits_for_its_link_and_never_tells_who_has_an_account(desk):
    _workspace, ann = desk
    await factories.workspace(company="Other", email="bob@other.test", name="Bob Other")
    bea_id = await agents.create_agent(ann, fields(), PASSWORD)
    assert await agents.update_agent(ann, bea_id, fields(email="bob@other.test")) == "bob@other.test"
    assert [m["to_address"] for m in await _mails("agent_exists")] == ["bob@other.test"]
    assert await agents.update_agent(ann, bea_id, fields(email="bea@new.test")) == "bea@new.test"
    assert (await Agent.select(Agent.email).where(Agent.id == bea_id).first())["email"] == "bea@acme.test"
    [mail] = await _mails("agent_email_change")
    assert mail["to_address"] == "bea@new.test"
    token = _token(mail, "account/email")
    assert await invitations.confirm_email_change(token) == "bea@new.test"
    assert (await accounts.authenticate("bea@new.test", PASSWORD))["id"] == bea_id
    with pytest.raises(NotFound, match="already been used"):
        await invitations.confirm_email_change(token)
    assert (await _actions()).count("agent.email_change_requested") == 2


async def test_a_new_password_from_the_admin_ends_the_agents_sessions(desk):
    _workspace, ann = desk
    bea_id = await agents.invite_agent(ann, fields())
    invite = _token((await _mails("agent_invite"))[0], "invitation")
    await agents.update_agent(ann, bea_id, fields(), "another horse")
    assert (await accounts.authenticate("bea@acme.test", "another horse"))["confirmed"]
    with pytest.raises(NotFound):  # the invitation is moot now
        await invitations.invitation(invite)
    version = (await load_viewer(bea_id)).session_version
    await agents.update_agent(ann, bea_id, fields(), "third horse!")
    assert (await load_viewer(bea_id)).session_version == version + 1
    entry = await AuditEntry.select().where(AuditEntry.action == "agent.updated").output(load_json=True).first()
    assert entry["after"] == {"password": "changed"} and "horse" not in str(entry)
    me = await Agent.select().where(Agent.id == ann.agent_id).first()
    with pytest.raises(ValidationFailed) as own:  # not without the current password: that is the profile's
        await agents.update_agent(ann, ann.agent_id, fields("Ann", me["email"], superadmin=True), "fourth horse")
    assert "profile" in own.value.errors["password"]


async def test_an_invitees_corrected_address_gets_the_invitation_instead(desk):
    _workspace, ann = desk
    bea_id = await agents.invite_agent(ann, fields(email="bea@acme.tset"))  # mistyped
    typo = _token((await _mails("agent_invite"))[0], "invitation")
    assert await agents.update_agent(ann, bea_id, fields()) == "bea@acme.test"
    mails = await _mails("agent_invite")
    assert [m["to_address"] for m in mails] == ["bea@acme.tset", "bea@acme.test"]
    with pytest.raises(NotFound):  # the mistyped mailbox's link is dead
        await invitations.invitation(typo)
    await agents.reinvite(ann, bea_id)  # e.g. it expired: again to the corrected address
    latest = (await _mails("agent_invite"))[-1]
    assert latest["to_address"] == "bea@acme.test"
    token = _token(latest, "invitation")
    assert (await invitations.invitation(token))["email"] == "bea@acme.test"
    await invitations.accept_invitation(token, NewPassword(PASSWORD))
    assert (await accounts.authenticate("bea@acme.test", PASSWORD))["id"] == bea_id


async def test_an_invitee_gets_no_reset_link_and_a_reset_spends_the_invitation(desk):
    # An invitee's address may be a typo the admin corrects later: its owner must not take the
    # account over with "forgot password".
    workspace, ann = desk
    bea_id = await agents.invite_agent(ann, fields())
    invitation = _token((await _mails("agent_invite"))[-1], "invitation")
    assert await accounts.request_password_reset("bea@acme.test") is None
    assert await AccountToken.count().where(AccountToken.purpose == "reset") == 0
    await invitations.accept_invitation(invitation, NewPassword(PASSWORD))
    reset = await accounts.request_password_reset("bea@acme.test")
    assert reset is not None
    await accounts.reset_password(reset, NewPassword("another horse"))
    assert await AccountToken.count().where(AccountToken.agent == bea_id, AccountToken.used_at.is_null()) == 0
