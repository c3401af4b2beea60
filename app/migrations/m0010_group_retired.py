"""Groups being deleted: their tickets are moving to the default group (a background job)."""

from app.migrate import sql_migration

ID = "2026-11-24T05:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Retiring groups"

STATEMENTS = ('ALTER TABLE agent_group ADD COLUMN "retired" BOOLEAN NOT NULL DEFAULT false',)


async def forwards():
    return sql_migration(ID, DESCRIPTION, STATEMENTS)
