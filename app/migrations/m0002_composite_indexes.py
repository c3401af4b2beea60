"""Multi-column indexes, which Piccolo columns cannot express."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

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
    manager = MigrationManager(migration_id=ID, app_name="helprealm", description=DESCRIPTION)

    async def create_indexes():
        for sql in STATEMENTS:
            await Table.raw(sql)

    manager.add_raw(create_indexes)
    return manager
