"""Automatic assignment per group: round robin among eligible members, with a cap of open tickets."""

from app.migrate import sql_migration

ID = "2026-11-24T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Group automatic assignment"

STATEMENTS = (
    'ALTER TABLE agent_group ADD COLUMN "auto_assign" BOOLEAN NOT NULL DEFAULT false',
    'ALTER TABLE agent_group ADD COLUMN "auto_assign_limit" INTEGER NOT NULL DEFAULT 0',
    'ALTER TABLE agent_group ADD COLUMN "last_assigned" INTEGER DEFAULT null',
)


async def forwards():
    return sql_migration(ID, DESCRIPTION, STATEMENTS)
