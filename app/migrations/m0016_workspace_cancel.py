"""Cancelling a workspace: the mark that shuts it, and indexes on the foreign keys that had none.

Deleting a row makes SQLite look for the rows that point at it (ON DELETE SET NULL / CASCADE) in
every referencing column; without an index that is a scan of the whole table, for each deleted row:
deleting 500 tickets with 100,000 in the database took 16 s (ticket.merged_into and
outbox_mail.ticket scanned) and 23 ms with these indexes. Partial indexes: most of these columns
are NULL, and a NULL never needs finding.
"""

from app.migrate import sql_migration

ID = "2026-11-24T07:16:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Workspace cancellation"

STATEMENTS = (
    'ALTER TABLE workspace ADD COLUMN "cancelled_at" TIMESTAMPTZ DEFAULT null',
    "CREATE INDEX ticket_merged_into ON ticket (merged_into) WHERE merged_into IS NOT NULL",
    "CREATE INDEX ticket_created_by_agent ON ticket (created_by_agent) WHERE created_by_agent IS NOT NULL",
    "CREATE INDEX outbox_mail_ticket ON outbox_mail (ticket) WHERE ticket IS NOT NULL",
    "CREATE INDEX attachment_entry ON attachment (entry) WHERE entry IS NOT NULL",
    "CREATE INDEX timeline_author_agent ON timeline_entry (author_agent) WHERE author_agent IS NOT NULL",
    "CREATE INDEX audit_entry_agent ON audit_entry (agent) WHERE agent IS NOT NULL",
)


async def forwards():
    return sql_migration(ID, DESCRIPTION, STATEMENTS)
