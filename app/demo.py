"""The demo workspace `make run` seeds into an empty database, so that every view has something
to show: four agents in two groups (one on vacation) and two more only the agents list shows (one
invited, one inactive), tickets from the last week in every status,
with replies, notes, tags and deadlines (some overdue), FAQ entries and canned responses.

Everything is created through the services, as people would; the clock is set back while a
ticket's story is written, so the dashboard's "new tickets per day" has a week to draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from app import clock, db, links
from app.accounts.inputs import NewAccount
from app.accounts.service import create_agent_confirmed, create_workspace
from app.accounts.tables import Agent, AgentGroup, GroupMember
from app.accounts.viewer import Viewer, load_viewer
from app.config import Settings
from app.faq.service import add_entry
from app.tickets import service as tickets
from app.tickets.inputs import Channel, FieldChanges, NewTicket, Reply
from app.tickets.queries import ticket_types
from app.tickets.status import Status
from app.workspaces.tables import Workspace

ADMIN_EMAIL = "admin@demo.example"
ADMIN_PASSWORD = "helprealm-demo"

FAQ = [
    ("How do I reset my password?", 'Use the "Forgot password" link on the login page; we mail you a link.'),
    ("How long until I get an answer?", "We answer most tickets within one working day."),
    ("Can I attach files to my ticket?",
     "Yes: open your ticket page with the link from our e-mail and upload the file there."),
]

# (email, first, last, position, groups: "first"/"second", on vacation)
AGENTS = [
    ("freya@demo.example", "Freya", "Witch", "Support", ("first",), False),
    ("max@demo.example", "Max", "Power", "Network engineer", ("second",), False),
    ("lea@demo.example", "Lea", "Long", "Support", ("first", "second"), True),
]


@dataclass
class Story:
    """One demo ticket and what happened to it."""

    customer: tuple[str, str]
    subject: str
    text: str
    days_ago: int
    prio: int = 1
    type_index: int = 0
    reply: str = ""
    note: str = ""
    assignee: str = ""  # an agent's e-mail
    status: Status | None = None  # set by hand at the end
    tags: tuple[str, ...] = ()
    deadline_in_days: int | None = None  # negative: overdue
    group: str = ""  # "second": moved to the 2nd level group
    customer_reply: str = ""
    unconfirmed: bool = False
    extra: dict = field(default_factory=dict)


SALLY = ("Sally Doe", "sally@customer.example")
TOM = ("Tom Baker", "tom@customer.example")
ANA = ("Ana Lima", "ana@customer.example")
JON = ("Jon Snow", "jon@customer.example")
MIA = ("Mia Wong", "mia@customer.example")

STORIES = [
    Story(SALLY, "Printer does not print", "Our office printer shows a paper jam but there is no paper stuck.", 6,
          prio=2, reply="Hello Sally, thank you, we are looking into it.",
          note="Checked the logs, looks like a driver issue.", assignee=ADMIN_EMAIL, tags=("printer", "hardware"),
          deadline_in_days=-2),
    Story(TOM, "Invoice address wrong", "Please change the invoice address for order 1042 to our new office.", 6,
          type_index=2, tags=("billing",), status=Status.RESOLVED,
          reply="Done: the invoice now goes to the new office."),
    Story(ANA, "VPN disconnects every hour", "Since the update the VPN drops the connection every hour.", 5,
          prio=3, type_index=1, assignee="max@demo.example", group="second", tags=("vpn", "network"),
          deadline_in_days=1, note="Same as the router firmware issue last month?"),
    Story(JON, "Request for a new laptop", "Our new colleague starts on Monday and needs a laptop.", 4,
          type_index=2, reply="Which model would you like? We have the X1 and the T14 in stock.",
          customer_reply="The T14, please.", tags=("hardware",), deadline_in_days=5),
    Story(SALLY, "Printer prints blank pages", "Now the printer prints, but every page is blank.", 3,
          prio=2, tags=("printer",)),
    Story(MIA, "Cannot log in to the shop", "I get 'wrong password' although I just reset it.", 3,
          type_index=1, assignee="freya@demo.example", tags=("login",), deadline_in_days=-1,
          reply="Could you try once more in a private browser window?"),
    Story(TOM, "Second invoice missing", "We never received the invoice for order 1043.", 2,
          tags=("billing",), status=Status.CLOSED, reply="We sent it again; please check your spam folder."),
    Story(ANA, "Wi-Fi in meeting room B", "The Wi-Fi in meeting room B is very slow since Tuesday.", 2,
          type_index=1, group="second", tags=("network",)),
    Story(JON, "Monitor flickers", "The second monitor flickers every few seconds.", 1, prio=1,
          assignee="freya@demo.example"),
    Story(MIA, "Change my e-mail address", "Please use mia.wong@customer.example from now on.", 1,
          unconfirmed=True),
    Story(SALLY, "Toner order", "Please order two black toner cartridges for the HP.", 0, type_index=2,
          tags=("printer", "order")),
    Story(TOM, "Password policy question", "How often do we have to change our passwords?", 0),
]


async def seed_if_empty(settings: Settings) -> bool:
    """Seed the demo when the database has no workspace; print how to log in either way."""
    if await Workspace.count() > 0:
        await print_login()
        return False
    workspace, admin = await create_workspace(NewAccount(
        company="Demo Company", first_name="Jon", last_name="Doe", email=ADMIN_EMAIL, password=ADMIN_PASSWORD))
    groups = await _groups(workspace["id"], admin["id"])
    agents = {ADMIN_EMAIL: admin["id"]}
    for email, first, last, position, member_of, away in AGENTS:
        agent = await create_agent_confirmed(workspace["id"], email=email, first_name=first, last_name=last,
                                             password=ADMIN_PASSWORD, position=position)
        agents[email] = agent["id"]
        async with db.write():
            await GroupMember.insert(*[GroupMember(group=groups[g], agent=agent["id"]) for g in member_of])
            if away:
                await Agent.update({Agent.on_vacation: True}).where(Agent.id == agent["id"])
    for position, (question, answer) in enumerate(FAQ):
        await add_entry(workspace["id"], question, answer, position)

    viewer = await load_viewer(admin["id"])
    for story in STORIES:
        await _tell(workspace, viewer, story, agents, groups)
    await _extras(workspace["id"], admin["id"])
    from app.workspaces.demo import seed_admin_demo  # round robin, audit rows, a finished export

    await seed_admin_demo(workspace["id"], admin["id"], settings.data_path)
    from app.mail.demo import seed_mail_demo  # tickets by mail, a quarantined stranger, a bounce

    await seed_mail_demo(workspace, settings)

    from app.search.indexer import SearchIndex, rebuild

    await rebuild(SearchIndex(settings.index_path))
    print("Demo workspace created.")
    await print_login()
    return True


async def _groups(workspace_id: int, admin_id: int) -> dict[str, int]:
    async with db.write():
        second = AgentGroup(workspace=workspace_id, name="2nd level group", description="Escalations")
        await second.save()
        first = await AgentGroup.select(AgentGroup.id).where(
            AgentGroup.workspace == workspace_id, AgentGroup.is_default == True  # noqa: E712
        ).first()
        await GroupMember.insert(GroupMember(group=second.id, agent=admin_id))
    return {"first": first["id"], "second": second.id}


async def _tell(workspace: dict, viewer: Viewer, story: Story, agents: dict[str, int], groups: dict[str, int]) -> None:
    types = await ticket_types(workspace["id"])
    name, email = story.customer
    start = clock.now() - timedelta(days=story.days_ago, hours=3)
    with clock.frozen(start) as time:
        new = NewTicket(name=name, email=email, subject=story.subject, text=story.text,
                        type_id=types[story.type_index % len(types)]["id"], prio=story.prio, channel=Channel.WEB)
        desk = {**workspace, "confirm_email": story.unconfirmed}
        number = (await tickets.create_ticket(desk, new)).ticket["number"]
        time.advance(minutes=40)
        if story.group:
            await tickets.update_fields(viewer, number, FieldChanges(group_id=groups[story.group]))
        if story.assignee:
            await tickets.assign(viewer, number, agents[story.assignee])
        time.advance(minutes=25)
        if story.reply:
            await tickets.agent_reply(viewer, number, Reply(f"{story.reply}\n\nJon, Demo Company support"))
        if story.note:
            await tickets.add_note(viewer, number, Reply(story.note))
        time.advance(hours=2)
        if story.customer_reply:
            ticket = await _hash(workspace["id"], number)
            await tickets.customer_reply(workspace, ticket, Reply(story.customer_reply))
        if story.tags:
            await tickets.set_tags(viewer, number, list(story.tags))
        if story.deadline_in_days is not None:
            deadline = date.today() + timedelta(days=story.deadline_in_days)
            await tickets.update_fields(viewer, number, FieldChanges(deadline=deadline))
        if story.status is not None:
            await tickets.update_fields(viewer, number, FieldChanges(status=story.status))


async def _hash(workspace_id: int, number: int) -> str:
    from app.tickets.tables import Ticket

    row = await Ticket.select(Ticket.hash).where(Ticket.workspace == workspace_id, Ticket.number == number).first()
    return row["hash"]


async def _extras(workspace_id: int, admin_id: int) -> None:
    """Demo data of the parts that have their own seeders."""
    from app.canned.demo import seed_canned_demo

    await seed_canned_demo(workspace_id, admin_id)
    # System settings: a background colour of its own on the customer pages.
    from app.workspaces.service import update_settings

    await update_settings(workspace_id, background_colour="#dde7f2")
    # The embeddable form, for a test page served with `python3 -m http.server 8080` (README).
    await update_settings(workspace_id, widget_enabled=True, widget_origins="http://localhost:8080\nhttp://127.0.0.1:8080")
    # The HelpRealm API is on: `helprealm api-token` gives the token the README's curl examples use.
    from app.workspaces import api_access

    await api_access.set_access(workspace_id, None, True)

    from app.agents.demo import seed_agents_demo  # Nina (invited, no password yet), Otto (inactive)

    await seed_agents_demo(admin_id, ADMIN_PASSWORD)
    # Personal language and time zone: Max works in German, on Berlin time (the workspace: English, UTC).
    await Agent.update({Agent.lang: "de", Agent.time_zone: "Europe/Berlin"}).where(
        Agent.email == "max@demo.example", Agent.workspace == workspace_id)


async def print_login() -> None:
    site = links.current()
    admin = await Agent.select(Agent.workspace.key.as_alias("key")).where(Agent.email == ADMIN_EMAIL).first()
    if admin is None:
        print(f"  Log in at {site.login()}")
        return
    print(f"  Agent login:  {site.login()}  as {ADMIN_EMAIL} / {ADMIN_PASSWORD}")
    print("  Other agents: freya@, max@, lea@demo.example (Lea is on vacation, Max works in German), same password")
    print("  Languages: Administration > Settings > Language for the customer pages; Profile for your own")
    print("  (nina@demo.example is invited but has not chosen a password; otto@demo.example is inactive)")
    print(f"  Public page:  {site.public_page(admin['key'])}")
    print(f"  Mail in:      workspace key {admin['key']}: helprealm mail-token --workspace {admin['key']}, "
          "then helprealm mailgate (README, \"Mail in\")")
    print(f"  APIs:         {site.base_url}/schema documents them; a token: helprealm api-token --workspace "
          f"{admin['key']}; an agent's REST key: helprealm api-key --email {ADMIN_EMAIL} (README, \"APIs\")")
