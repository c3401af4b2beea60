"""The demo `make run` seeds: it must work on an empty database and show every feature."""

from __future__ import annotations

from app import demo
from app.accounts.tables import Agent, AgentGroup
from app.faq.tables import FaqEntry
from app.mail.tables import OutboxMail
from app.tickets.status import Status
from app.tickets.tables import Ticket, TimelineEntry
from tests.helpers import Person, soup
from tests.journeys import login


async def test_the_demo_seeds_once_and_its_admin_can_work(settings, client, capsys):
    assert await demo.seed_if_empty(settings) is True
    assert await demo.seed_if_empty(settings) is False  # a second start leaves the data alone
    printed = capsys.readouterr().out
    assert demo.ADMIN_EMAIL in printed and "http://helprealm.test/login" in printed

    assert await Agent.count() == 2 and await AgentGroup.count() == 2 and await FaqEntry.count() == 3
    assert await Ticket.count() == len(demo.TICKETS)
    assert (await Ticket.select(Ticket.status).where(Ticket.number == 1).first())["status"] == Status.WAITING
    assert await TimelineEntry.count().where(TimelineEntry.kind == "note") >= 1
    assert await OutboxMail.count().where(OutboxMail.purpose == "agent_reply") >= 1

    person = Person(client)
    await login(person, email=demo.ADMIN_EMAIL, password=demo.ADMIN_PASSWORD)
    rows = soup(await person.page("/tickets?scope=all")).select("tr[data-ticket]")
    assert len(rows) == len(demo.TICKETS)
    assert soup(await person.page("/admin")).select_one("[data-count=tickets]").get_text() == str(len(demo.TICKETS))
