"""The agent's own time zone (profile; "" = the workspace's), in which their pages show times."""

from app.migrate import sql_migration

ID = "2026-11-24T07:17:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Agent time zone"

STATEMENTS = ('ALTER TABLE agent ADD COLUMN "time_zone" VARCHAR(64) NOT NULL DEFAULT \'\'',)


async def forwards():
    return sql_migration(ID, DESCRIPTION, STATEMENTS)
