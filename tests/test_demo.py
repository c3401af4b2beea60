"""The demo `make run` seeds: it must work on an empty database and show every feature."""

from __future__ import annotations

from datetime import date

from app import demo
from app.accounts.tables import Agent, AgentGroup
from app.audit.tables import AuditEntry
from app.canned.tables import CannedResponse
from app.exports.tables import ExportJob
from app.faq.tables import FaqEntry
from app.mail.tables import InboundMail, OutboxMail
from app.tickets.status import Status
from app.tickets.tables import Ticket, TicketParticipant, TicketTag, TimelineEntry
from tests.helpers import Person, soup
from tests.journeys import login

MAIL_TICKETS = 2  # app/mail/demo.py: the invoice (with the customer's reply by mail) and the bounced one


async def test_the_demo_seeds_once_and_its_admin_can_work(settings, client, capsys):
    assert await demo.seed_if_empty(settings) is True
    assert await demo.seed_if_empty(settings) is False  # a second start leaves the data alone
    printed = capsys.readouterr().out
    assert demo.ADMIN_EMAIL in printed and "http://helprealm.test/login" in printed

    assert await Agent.count() == 6 and await AgentGroup.count() == 2 and await FaqEntry.count() == 3
    assert await Agent.count().where(Agent.confirmed == False) == 1  # noqa: E712  (invited: Nina)
    assert await Agent.count().where(Agent.active == False) == 1  # noqa: E712  (left: Otto)
    assert await Agent.count().where(Agent.on_vacation == True) == 1  # noqa: E712
    tickets = len(demo.STORIES) + MAIL_TICKETS
    assert await Ticket.count() == tickets
    statuses = {row["status"] for row in await Ticket.select(Ticket.status)}
    assert statuses == set(Status), "every status has a ticket to show"
    assert await TimelineEntry.count().where(TimelineEntry.kind == "note") >= 1
    assert await OutboxMail.count().where(OutboxMail.purpose == "agent_reply") >= 1
    assert await TicketTag.count() > 0
    assert await CannedResponse.count().where(CannedResponse.agent.is_null()) >= 1  # shared ones
    today = date.today()
    deadlines = [row["deadline"] for row in await Ticket.select(Ticket.deadline) if row["deadline"]]
    assert any(d < today for d in deadlines) and any(d >= today for d in deadlines)
    assert await AgentGroup.count().where(AgentGroup.auto_assign == True) == 1  # noqa: E712
    assert await AuditEntry.count() >= 3
    exported = await ExportJob.select().where(ExportJob.status == "done")
    assert len(exported) == 1 and (settings.data_path / "exports" / exported[0]["file_name"]).is_file()
    # Mail in (app/mail/demo.py): a reply posted, a stranger quarantined, an auto-reply dropped, a bounce.
    outcomes = [row["outcome"] for row in await InboundMail.select(InboundMail.outcome).order_by(InboundMail.id)]
    assert outcomes == ["created", "appended", "quarantined", "dropped", "created", "dropped"]
    assert await OutboxMail.count().where(OutboxMail.bounced_at.is_not_null()) == 1
    assert await TicketParticipant.count() == 1
    created_days = {row["created_at"].date() for row in await Ticket.select(Ticket.created_at)}
    assert len(created_days) >= 5, "the week's chart has several days to draw"

    person = Person(client)
    await login(person, email=demo.ADMIN_EMAIL, password=demo.ADMIN_PASSWORD)
    rows = soup(await person.page("/tickets?scope=all")).select("tr[data-ticket]")
    assert len(rows) == tickets
    assert soup(await person.page("/admin")).select_one("[data-count=tickets]").get_text() == str(tickets)
    for number in range(1, tickets + 1):
        await person.page(f"/tickets/{number}")
