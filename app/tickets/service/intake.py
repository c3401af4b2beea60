"""Tickets coming in: created by a customer (form, API, mail) and confirmed by them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from app import clock, db
from app.accounts.tables import Agent, AgentGroup
from app.accounts.tokens import new_token, token_hash
from app.errors import Forbidden, ValidationFailed
from app.faq import deflection
from app.i18n import _
from app.mail import messages
from app.tickets import queries, refs
from app.tickets.inputs import Channel, NewTicket
from app.tickets.refs import CustomerTicket, TicketById
from app.tickets.service.annotations import add_tags_step
from app.tickets.service.assignment import assign_step
from app.tickets.service.round_robin import auto_assign_step
from app.tickets.service.routed import queue_routed
from app.tickets.service.unit import CUSTOMER, SYSTEM, Actor, Change, change
from app.tickets.status import PRIORITIES, Status, Transition
from app.tickets.tables import Ticket
from app.workspaces.service import get_by_id

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

# Channels where the workspace's "customers must confirm their address" applies. Mail proves the
# address by arriving from it; an agent creating a ticket vouches for the customer.
CHANNELS_NEEDING_CONFIRMATION = (Channel.WEB, Channel.API)


# The next number of the workspace is worked out inside the INSERT (under the write lock, so two
# tickets never get the same one): one round trip instead of a SELECT MAX and an INSERT.
INSERT_TICKET = """
INSERT INTO ticket (workspace, number, hash, subject, text, customer_name, customer_email, ticket_type, prio, status,
                    "group", confirmation_token_hash, created_by_agent, created_at, updated_at)
VALUES ({}, (SELECT COALESCE(MAX(number), 0) + 1 FROM ticket WHERE workspace = {}),
        {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})
RETURNING *
"""


@dataclass
class Created:
    ticket: dict
    confirmation_token: str | None


async def check_new_ticket(workspace: dict, new: NewTicket) -> None:
    """What the typed input cannot know: the type belongs to this workspace; the hard limits."""
    errors = {}
    if new.type_id not in {row["id"] for row in await queries.ticket_types(workspace["id"])}:
        errors["type"] = _("Please choose a valid ticket type.")
    if new.prio not in PRIORITIES:
        errors["prio"] = _("Please choose a valid priority.")
    if not new.text.strip() or len(new.text) > new.channel.max_text:
        errors["text"] = _("%(label)s may have at most %(max)d characters.", label=_("Text"), max=new.channel.max_text)
    if errors:
        raise ValidationFailed(errors)


async def create_ticket(workspace: dict, new: NewTicket, *, actor: Actor = CUSTOMER,
                        faq_nonce: str | None = None, acknowledge: bool = True,
                        created_data: dict | None = None) -> Created:
    """Open a ticket for a customer: the public form, an agent on their behalf, the API or mail.
    `faq_nonce`: the public form's nonce, for FAQ deflection counting (app/faq/deflection.py).
    `acknowledge`: mail the customer the ticket's link (mail in holds it back from a sender who
    had too many); `created_data`: more for the "created" event (a mail's quoted text)."""
    await check_new_ticket(workspace, new)
    return await _insert(workspace, new, actor, await queries.default_group_id(workspace["id"]), faq_nonce,
                         acknowledge=acknowledge, created_data=created_data)


async def create_for_customer(viewer: Viewer, new: NewTicket, group_id: int, assignee_id: int | None, *,
                              quiet: bool = False, deadline: date | None = None, tags: list[str] | None = None,
                              ) -> Created:
    """An agent opens a ticket on a customer's behalf (manual: the "+" icon), in a group of the
    workspace and, if named, assigned to an agent (then "in progress"). The customer gets the
    permalink mail; no confirmation is asked: the agent vouches for the address. `quiet`: the
    agent is their own requester (the REST API without a customer): nobody is mailed about it.
    `deadline` and `tags` (inputs.parse_tags) are set in the same transaction (the REST API)."""
    workspace = await get_by_id(viewer.workspace_id)
    await check_new_ticket(workspace, new)
    if not await AgentGroup.exists().where(AgentGroup.id == group_id, AgentGroup.workspace == workspace["id"]):
        raise ValidationFailed({"group": _("Unknown group.")})
    async with db.write():
        created = await _insert(workspace, new, Actor.agent(viewer), group_id, quiet=quiet)
        if assignee_id is not None or deadline is not None or tags:
            async with change(TicketById(workspace["id"], created.ticket["id"]), Actor.agent(viewer)) as c:
                if assignee_id is not None and (error := await assign_step(c, assignee_id)):
                    raise ValidationFailed({"assignee": error})
                if deadline is not None:
                    c.set("deadline", deadline)
                if tags:
                    await add_tags_step(c, tags)
            created.ticket.update(c.ticket)
    return created


async def _insert(workspace: dict, new: NewTicket, actor: Actor, group_id: int | None,
                  faq_nonce: str | None = None, *, acknowledge: bool = True,
                  created_data: dict | None = None, quiet: bool = False) -> Created:
    needs_confirmation = bool(workspace["confirm_email"]) and new.channel in CHANNELS_NEEDING_CONFIRMATION
    needs_confirmation = needs_confirmation and actor.kind == "customer"
    token, digest = new_token() if needs_confirmation else (None, None)
    now = clock.now()
    status = int(Status.AWAITING_CONFIRMATION if needs_confirmation else Status.OPEN)
    # Read before taking the write lock (cached): does the group hand out new tickets by itself?
    auto = status == Status.OPEN and group_id in await queries.auto_assigning_groups(workspace["id"])
    async with db.write():
        rows = await Ticket.raw(
            INSERT_TICKET, workspace["id"], workspace["id"], secrets.token_hex(16), new.subject, new.text, new.name,
            new.email, new.type_id, new.prio, status, group_id, digest, actor.agent_id, now, now,
        )
        unit = Change(rows[0], actor, now=now)
        if faq_nonce:  # one UPDATE by unique key, only for a form whose FAQ suggestion was opened
            await deflection.ticket_sent(workspace["id"], faq_nonce)
        unit.event("created", {"source": new.channel.value, "status": unit.ticket["status"], **(created_data or {})})
        if acknowledge and not quiet:
            unit.mail(messages.queue_ticket_created, confirmation_token=token, source=new.channel.value)
        # The group's opted-in members hear of it (unconfirmed: at confirmation).
        if status == Status.OPEN and not quiet:
            unit.mail(queue_routed, actor_id=actor.agent_id)
        if workspace["notify_admins_on_new_ticket"] and not quiet:  # a setting: read only when it is on
            unit.mail(messages.queue_admin_new_ticket, admins=await _active_superadmins(workspace["id"]))
        await unit.flush()
        if auto:
            async with change(TicketById(workspace["id"], unit.ticket["id"]), SYSTEM) as assigning:
                await auto_assign_step(assigning)
            unit.ticket.update(assigning.ticket)
    return Created(ticket=unit.ticket, confirmation_token=token)


async def _active_superadmins(workspace_id: int) -> list[dict]:
    return await Agent.select(Agent.email, Agent.first_name, Agent.lang, Agent.time_zone).where(
        Agent.workspace == workspace_id, Agent.superadmin.eq(True), Agent.active.eq(True)).order_by(Agent.id)


async def confirm_ticket(workspace: dict, ticket_hash: str, token: str) -> bool:
    """The customer confirms their address with the mailed token. True if it confirmed now."""
    ref = CustomerTicket(workspace["id"], ticket_hash)
    # Read first: a link opened again, or a made-up hash, needs no write lock.
    if (await refs.load(ref, Ticket.status))["status"] != Status.AWAITING_CONFIRMATION:
        return False
    async with change(ref, CUSTOMER) as c:
        if c.ticket["status"] != Status.AWAITING_CONFIRMATION:
            return False
        expected = c.ticket["confirmation_token_hash"]
        if not expected or not secrets.compare_digest(expected, token_hash(token or "")):
            raise Forbidden(_("This confirmation link is not valid."))
        confirm_step(c)
        await auto_assign_step(c)  # held back until now: the ticket was not open before
    return True


def confirm_step(c: Change, via: str | None = None) -> None:
    """The customer's address is confirmed: by the mailed link above, or (`via="mail"`) by their
    reply to a notification (app/tickets/service/mail_in.py). The ticket opens, the customer is
    told, the group's members hear of it. Round robin is the caller's: after the step, when
    nothing else in its change moves the status any more."""
    if c.ticket["status"] != Status.AWAITING_CONFIRMATION:
        return
    c.set("confirmation_token_hash", None)
    c.event("confirmed", {"via": via} if via else None)
    c.move(Transition.CONFIRM)
    c.mail(messages.queue_ticket_confirmed)
    c.mail(queue_routed)  # routed into its group now that it is open
