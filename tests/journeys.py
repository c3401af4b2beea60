"""Multi-step setups the tests share: a confirmed agent logged in, a customer's ticket."""

from __future__ import annotations

from app.tickets.tables import Ticket, TicketType
from tests import factories
from tests.helpers import Person


async def workspace_with_admin(email: str = "ann@acme.test", password: str = "correct horse", company: str = "Acme"):
    """A workspace whose superadmin is Ann Admin (the login the journeys use)."""
    return await factories.workspace(company=company, email=email, password=password)


async def login(person: Person, email: str = "ann@acme.test", password: str = "correct horse"):
    response = await person.submit("/login", "/login", {"email": email, "password": password})
    assert response.status_code == 200 and str(response.url).endswith("/dashboard"), response.text[:300]
    return response


async def open_ticket(person: Person, workspace: dict, **fields) -> dict:
    """Fill the public form as a customer; returns the ticket row."""
    types = await TicketType.select(TicketType.id).where(TicketType.workspace == workspace["id"])
    data = {
        "name": "Sally Doe",
        "email": "sally@customer.test",
        "subject": "Printer on fire",
        "text": "It is really on fire.",
        "type": str(types[0]["id"]),
        "prio": "2",
        **fields,
    }
    response = await person.submit(f"/{workspace['key']}/", f"/{workspace['key']}/ticket/create", data, captcha=True)
    assert response.status_code == 200, response.text[:500]
    return await Ticket.select().where(Ticket.workspace == workspace["id"]).order_by(Ticket.id, ascending=False).first()
