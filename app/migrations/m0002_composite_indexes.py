"""Multi-column indexes, which Piccolo columns cannot express."""

from app.migrate import sql_migration

ID = "2026-11-23T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Composite indexes"

STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS ticket_ws_number ON ticket (workspace, number)",
    "CREATE INDEX IF NOT EXISTS ticket_ws_updated ON ticket (workspace, updated_at)",
    "CREATE INDEX IF NOT EXISTS timeline_ticket_created ON timeline_entry (ticket, created_at)",
    'CREATE UNIQUE INDEX IF NOT EXISTS group_member_unique ON group_member ("group", agent)',
    "CREATE INDEX IF NOT EXISTS outbox_due ON outbox_mail (status, next_attempt_at)",
)


async def forwards():
    return sql_migration(ID, DESCRIPTION, STATEMENTS)
