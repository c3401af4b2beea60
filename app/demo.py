"""The demo workspace `make run` seeds into an empty database: agents, groups, FAQ, tickets."""

from __future__ import annotations

from app import db, links
from app.accounts.inputs import NewAccount
from app.accounts.service import create_agent_confirmed, create_workspace
from app.accounts.tables import Agent, AgentGroup, GroupMember
from app.accounts.viewer import load_viewer
from app.config import Settings
from app.faq.service import add_entry
from app.tickets import service as tickets
from app.tickets.inputs import Channel, NewTicket, Reply
from app.tickets.queries import ticket_types
from app.workspaces.tables import Workspace

ADMIN_EMAIL = "admin@demo.example"
ADMIN_PASSWORD = "helprealm-demo"

FAQ = [
    ("How do I reset my password?", 'Use the "Forgot password" link on the login page; we mail you a link.'),
    ("How long until I get an answer?", "We answer most tickets within one working day."),
    ("Can I attach files to my ticket?",
     "Yes: open your ticket page with the link from our e-mail and upload the file there."),
]

TICKETS = [
    ("Sally Doe", "sally@customer.example", "Printer does not print",
     "Our office printer shows a paper jam but there is no paper stuck.", 2),
    ("Tom Baker", "tom@customer.example", "Invoice address wrong",
     "Please change the invoice address for order 1042 to our new office.", 1),
    ("Ana Lima", "ana@customer.example", "VPN disconnects every hour",
     "Since the update the VPN drops the connection every hour.", 3),
    ("Jon Snow", "jon@customer.example", "Request for a new laptop",
     "Our new colleague starts on Monday and needs a laptop.", 1),
]


async def seed_if_empty(settings: Settings) -> bool:
    """Seed the demo when the database has no workspace; print how to log in either way."""
    if await Workspace.count() > 0:
        await print_login()
        return False
    workspace, admin = await create_workspace(NewAccount(
        company="Demo Company", first_name="Jon", last_name="Doe", email=ADMIN_EMAIL, password=ADMIN_PASSWORD))
    freya = await create_agent_confirmed(workspace["id"], email="freya@demo.example", first_name="Freya",
                                         last_name="Witch", password=ADMIN_PASSWORD, position="Support")
    async with db.write():
        second = AgentGroup(workspace=workspace["id"], name="2nd level group", description="Escalations")
        await second.save()
        first = await AgentGroup.select(AgentGroup.id).where(
            AgentGroup.workspace == workspace["id"], AgentGroup.is_default == True  # noqa: E712
        ).first()
        await GroupMember.insert(GroupMember(group=first["id"], agent=freya["id"]),
                                 GroupMember(group=second.id, agent=admin["id"]))
    for position, (question, answer) in enumerate(FAQ):
        await add_entry(workspace["id"], question, answer, position)

    type_id = (await ticket_types(workspace["id"]))[0]["id"]
    viewer = await load_viewer(admin["id"])
    for name, email, subject, text, prio in TICKETS:
        created = await tickets.create_ticket(workspace, NewTicket(
            name=name, email=email, subject=subject, text=text, type_id=type_id, prio=prio, channel=Channel.WEB))
        number = created.ticket["number"]
        if prio >= 2:
            greeting = f"Hello {name.split()[0]}, thank you, we are looking into it."
            await tickets.agent_reply(viewer, number, Reply(greeting))
            await tickets.add_note(viewer, number, Reply("Checked the logs, looks like a driver issue."))
    await tickets.assign(viewer, 1, admin["id"])

    from app.search.indexer import SearchIndex, rebuild

    await rebuild(SearchIndex(settings.index_path))
    print("Demo workspace created.")
    await print_login()
    return True


async def print_login() -> None:
    site = links.current()
    admin = await Agent.select(Agent.workspace.key.as_alias("key")).where(Agent.email == ADMIN_EMAIL).first()
    if admin is None:
        print(f"  Log in at {site.login()}")
        return
    print(f"  Agent login:  {site.login()}  as {ADMIN_EMAIL} / {ADMIN_PASSWORD}")
    print(f"  Public page:  {site.public_page(admin['key'])}")
