"""Rows for tests, built through the services (never by inserting rows by hand), so a test's
data obeys the same rules as real data."""

from __future__ import annotations

from app.accounts.inputs import NewAccount
from app.accounts.service import create_workspace
from app.accounts.viewer import Viewer, load_viewer
from app.tickets import service as tickets
from app.tickets.inputs import Channel, NewTicket
from app.tickets.queries import ticket_types


async def workspace(company: str = "Acme", email: str = "ann@acme.test", password: str = "correct horse",
                    name: str = "Ann Admin") -> tuple[dict, dict]:
    """A workspace and its confirmed superadmin: (workspace, agent)."""
    first, _, last = name.partition(" ")
    return await create_workspace(NewAccount(company=company, first_name=first, last_name=last, email=email,
                                             password=password))


async def ticket(workspace: dict, subject: str = "Printer on fire", text: str = "It is really on fire.", *,
                 name: str = "Sally Doe", email: str = "sally@customer.test", prio: int = 1,
                 channel: Channel = Channel.WEB) -> dict:
    """A customer's new ticket (row)."""
    type_id = (await ticket_types(workspace["id"]))[0]["id"]
    new = NewTicket(name=name, email=email, subject=subject, text=text, type_id=type_id, prio=prio, channel=channel)
    return (await tickets.create_ticket(workspace, new)).ticket


async def viewer(agent: dict) -> Viewer:
    found = await load_viewer(agent["id"])
    assert found is not None, "agent is gone or inactive"
    return found
