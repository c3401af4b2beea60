"""The single write path for tickets.

Every change to a ticket, from the agent UI, the customer portal, the APIs or incoming mail, is
one intent here: a function that takes typed input (app/tickets/inputs.py) and an actor, runs in
one write transaction through the change unit (`unit.py`), and writes its timeline entries and
outbox mail in that transaction; the search index hears about it after the commit.

    from app.tickets import service
    await service.agent_reply(viewer, number, Reply.from_form(data))
"""

# The intents are the package's API. The change unit (unit.py) is how intents are written, not
# something handlers use: a new kind of change is a new intent here.
from app.tickets.service.annotations import change_tags, save_notes, set_tags
from app.tickets.service.assignment import assign, release, take
from app.tickets.service.attachments import (
    add_agent_attachment,
    add_customer_attachment,
    create_ticket_with_file,  # the HelpRealm API's create with its attachment
    delete_attachment,
    delete_customer_attachment,  # the HelpRealm API acts for the customer
)
from app.tickets.service.bulk import MAX_TICKETS as MAX_BULK_TICKETS  # bulk changes (the list's bulk bar)
from app.tickets.service.bulk import BulkAction, BulkChange, BulkResult, bulk_change
from app.tickets.service.conversation import add_note, agent_reply, customer_reply
from app.tickets.service.fields import update_fields
from app.tickets.service.intake import Created, confirm_ticket, create_for_customer, create_ticket
from app.tickets.service.merge import merge, merge_candidates
from app.tickets.service.posts import customer_may_edit, edit_agent_post, edit_customer_post
from app.tickets.service.unit import CUSTOMER, SYSTEM, Actor

__all__ = [
    "CUSTOMER",
    "MAX_BULK_TICKETS",
    "SYSTEM",
    "Actor",
    "BulkAction",
    "BulkChange",
    "BulkResult",
    "Created",
    "add_agent_attachment",
    "add_customer_attachment",
    "add_note",
    "agent_reply",
    "assign",
    "bulk_change",
    "change_tags",
    "confirm_ticket",
    "create_for_customer",
    "create_ticket_with_file",
    "create_ticket",
    "customer_may_edit",
    "customer_reply",
    "delete_attachment",
    "delete_customer_attachment",
    "edit_agent_post",
    "edit_customer_post",
    "merge",
    "merge_candidates",
    "release",
    "save_notes",
    "set_tags",
    "take",
    "update_fields",
]
